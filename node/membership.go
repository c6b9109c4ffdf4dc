package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/raftian/raftian/config"
	"github.com/raftian/raftian/internal/bounded"
	"github.com/raftian/raftian/node/wire"
	"github.com/raftian/raftian/record"
	"github.com/raftian/raftian/world"
)

// Membership events.
const (
	EvAdd    = "add"    // Node joined the shard (non-voting, then a voter)
	EvRemove = "remove" // Node was deleted from the shard
)

// newcomers are the players of replicas added to a cluster, in order.
var newcomers = []config.Player{
	{Name: "Fatima", Color: "#f781bf"},
	{Name: "Gustav", Color: "#a65628"},
	{Name: "Hana", Color: "#7fc97f"},
	{Name: "Ivan", Color: "#8da0cb"},
	{Name: "Juno", Color: "#e5c494"},
	{Name: "Kofi", Color: "#66c2a5"},
}

// Voters returns how many replicas vote (neither removed nor still
// catching up as non-voting members): a majority of them is a quorum.
func (c *Cluster) Voters() int {
	n := 0
	for _, r := range c.all() {
		if !r.removed.Load() && !r.nonVoting.Load() {
			n++
		}
	}
	return n
}

// AddReplica grows the cluster by one replica (at most nine) on the next
// free loopback port, as Raft's membership change does it (dissertation
// §4.2.1): it joins as a non-voting member, catches up from the leader (by
// snapshot if the log is compacted), and is then promoted to a voter. Its
// player joins the game once that promotion has committed, by a game
// command: each replica's world shows the new city when it applies it.
// It returns the new replica's number.
func (c *Cluster) AddReplica(timeout time.Duration) (int, error) {
	c.addMu.Lock()
	defer c.addMu.Unlock()
	id := c.Size() + 1
	if id > wire.MaxReplicas {
		return 0, fmt.Errorf("a cluster has at most %d replicas", wire.MaxReplicas)
	}
	ctx, cancel := context.WithTimeout(c.ctx, timeout)
	defer cancel()
	leader, ok := c.waitLeader(ctx)
	if !ok {
		return 0, errNoLeader
	}
	addr, err := c.nextFreeAddr()
	if err != nil {
		return 0, err
	}
	r, err := c.newReplica(id, addr)
	if err != nil {
		return 0, err
	}
	r.nonVoting.Store(true)
	player := newcomers[(id-c.initial-1)%len(newcomers)]
	player.Address = addr
	c.net.AddPeer(id, addr) // dragonboat asks the transport whether the address is valid
	// Recorded first: the leader sends to the new replica as soon as the
	// change commits, and the picture needs its pane by then.
	c.Recorder().Add(record.Obs{Kind: record.Member, Node: uint8(id),
		Data: []byte(record.MemberNonVoting + " " + player.Name + " " + player.Color)})
	if err := c.nodeHost(leader).SyncRequestAddNonVoting(ctx, shardID, uint64(id), addr, 0); err != nil {
		c.Recorder().Add(record.Obs{Kind: record.Member, Node: uint8(id), Data: []byte(record.MemberRemoved)})
		return 0, fmt.Errorf("the leader could not add replica %d: %w", id, err)
	}
	c.membersMu.Lock()
	c.replicas = append(c.replicas, r)
	c.membersMu.Unlock()
	c.cfgMu.Lock()
	c.cfg.Players = append(c.cfg.Players, player)
	c.cfgMu.Unlock()
	if err := c.saveMembers(); err != nil {
		return id, err
	}
	c.events.emit(Event{Type: EvAdd, Node: id, Result: "non-voting"})
	if err := c.open(r, true); err != nil {
		return id, err
	}
	if err := c.waitCaughtUp(ctx, id); err != nil {
		return id, err
	}
	if err := c.nodeHost(c.leaderOr(leader)).SyncRequestAddReplica(ctx, shardID, uint64(id), addr, 0); err != nil {
		return id, fmt.Errorf("replica %d caught up but could not be made a voter: %w", id, err)
	}
	r.nonVoting.Store(false)
	if err := c.saveMembers(); err != nil {
		return id, err
	}
	c.events.emit(Event{Type: EvAdd, Node: id, Result: "voter"})
	c.Recorder().Add(record.Obs{Kind: record.Member, Node: uint8(id), Data: []byte(record.MemberVoter)})
	o := c.Propose(c.leaderOr(leader), world.Command{Kind: world.KindJoin, To: id}).Wait()
	if !o.OK || o.Reason != world.ReasonNone {
		return id, fmt.Errorf("replica %d is a voter, but its player could not join the game: %s%v", id, o.Err, o.Reason)
	}
	return id, nil
}

// RemoveReplica deletes replica id from the shard for good (dragonboat
// never takes a deleted id back), stops it, and its player leaves the game:
// its city stays as ruins. Removing the leader works: it stops once the
// change has committed, and the others elect a new one.
func (c *Cluster) RemoveReplica(id int, timeout time.Duration) error {
	c.addMu.Lock()
	defer c.addMu.Unlock()
	r, err := c.replica(id)
	if err != nil {
		return err
	}
	if r.removed.Load() {
		return fmt.Errorf("replica %d was removed already", id)
	}
	if c.Voters() <= 3 && !r.nonVoting.Load() {
		return errors.New("three voters is the fewest this cluster keeps: add a replica first")
	}
	ctx, cancel := context.WithTimeout(c.ctx, timeout)
	defer cancel()
	leader, ok := c.waitLeader(ctx)
	if !ok {
		return errNoLeader
	}
	// A leader removing itself closes its own shard once the change
	// applies, and its request ends with "shard closed": then ask the
	// others whether the change took effect.
	if err := c.nodeHost(leader).SyncRequestDeleteReplica(ctx, shardID, uint64(id), 0); err != nil && !c.gone(ctx, id) {
		return fmt.Errorf("the leader could not remove replica %d: %w", id, err)
	}
	r.removed.Store(true)
	c.Recorder().Add(record.Obs{Kind: record.Member, Node: uint8(id), Data: []byte(record.MemberRemoved)})
	c.events.emit(Event{Type: EvRemove, Node: id})
	c.halt(id) // stopped for good (an error: it was down already)
	if err := c.saveMembers(); err != nil {
		return err
	}
	next, ok := c.WaitLeader(timeout)
	if !ok {
		return fmt.Errorf("replica %d is removed, but no leader within %v", id, timeout)
	}
	o := c.Propose(next, world.Command{Kind: world.KindLeave, To: id}).Wait()
	if !o.OK || o.Reason != world.ReasonNone {
		return fmt.Errorf("replica %d is removed, but its player could not leave the game: %s%v", id, o.Err, o.Reason)
	}
	return nil
}

// gone waits until some other live replica no longer counts id among
// the voters, and reports whether one did.
func (c *Cluster) gone(ctx context.Context, id int) bool {
	return until(ctx, func() bool {
		for _, r := range c.all() {
			if v := c.Believes(r.id); r.id != id && len(v) > 0 && !slices.Contains(v, id) {
				return true
			}
		}
		return false
	})
}

// until checks cond every few milliseconds until it holds (true) or ctx
// ends (false).
func until(ctx context.Context, cond func() bool) bool {
	for !cond() {
		select {
		case <-ctx.Done():
			return false
		case <-time.After(5 * time.Millisecond):
		}
	}
	return true
}

var errNoLeader = errors.New("no leader: a membership change is a log entry, and only a leader can commit one")

// waitLeader waits for an agreed leader (a replica just added may not
// know it yet) until ctx ends.
func (c *Cluster) waitLeader(ctx context.Context) (leader int, ok bool) {
	until(ctx, func() bool { leader, ok = c.LeaderAgreed(); return ok })
	return leader, ok
}

// leaderOr returns the agreed leader now, or fallback if there is none.
func (c *Cluster) leaderOr(fallback int) int {
	if l, ok := c.LeaderAgreed(); ok {
		return l
	}
	return fallback
}

// waitCaughtUp waits until replica id has applied what the leader had
// committed when it started waiting.
func (c *Cluster) waitCaughtUp(ctx context.Context, id int) error {
	target := uint64(0)
	if l, ok := c.LeaderAgreed(); ok {
		target = c.Status()[l-1].Commit
	}
	var st ReplicaStatus
	if !until(ctx, func() bool {
		st = c.Status()[id-1]
		return st.Up && st.LastIndex >= target && st.Commit >= target
	}) {
		return fmt.Errorf("replica %d did not catch up (at %d of %d)", id, st.LastIndex, target)
	}
	return nil
}

// nextFreeAddr returns the loopback address on the first free port above
// every replica's.
func (c *Cluster) nextFreeAddr() (string, error) {
	host, top := "127.0.0.1", 0
	for _, r := range c.all() {
		h, p, err := net.SplitHostPort(r.addr)
		if err != nil {
			continue
		}
		if port, _ := strconv.Atoi(p); port > top {
			host, top = h, port
		}
	}
	for port := top + 1; port < top+100 && port < 65536; port++ {
		addr := net.JoinHostPort(host, strconv.Itoa(port))
		if l, err := net.Listen("tcp", addr); err == nil {
			l.Close()
			return addr, nil
		}
	}
	return "", fmt.Errorf("no free port above %d on %s for a new replica", top, host)
}

// member is one replica in the members file.
type member struct {
	ID        int    `json:"id"`
	Address   string `json:"address"`
	Name      string `json:"name"`
	Color     string `json:"color"`
	Removed   bool   `json:"removed,omitempty"`
	NonVoting bool   `json:"non_voting,omitempty"`
}

const membersFile = "members.json"

// saveMembers writes the membership to the data directory (disk storage),
// so that a restart brings back added replicas with their ports and
// players, and keeps removed ones out.
func (c *Cluster) saveMembers() error {
	if c.cfg.Storage != config.StorageDisk {
		return nil
	}
	players := c.Config().Players
	var ms []member
	for _, r := range c.all() {
		p := players[r.id-1]
		ms = append(ms, member{ID: r.id, Address: r.addr, Name: p.Name, Color: p.Color,
			Removed: r.removed.Load(), NonVoting: r.nonVoting.Load()})
	}
	b, err := json.MarshalIndent(ms, "", "  ")
	if err != nil {
		return err
	}
	path := filepath.Join(c.cfg.DataDir, membersFile)
	if err := writeSynced(path+".new", b); err != nil {
		return fmt.Errorf("saving the membership: %w", err)
	}
	return os.Rename(path+".new", path)
}

// readMembers reads the members file of a data directory, if there is
// one: the replicas added in an earlier run, and which were removed.
func readMembers(cfg config.Config) ([]member, error) {
	if cfg.Storage != config.StorageDisk {
		return nil, nil
	}
	path := filepath.Join(cfg.DataDir, membersFile)
	b, err := bounded.ReadFile(path, 1<<16)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var ms []member
	if err := json.Unmarshal(b, &ms); err != nil {
		return nil, fmt.Errorf("%s is damaged (%v): move it aside to start with the configured replicas", path, err)
	}
	for k, m := range ms {
		if m.ID != k+1 || m.ID > wire.MaxReplicas || (k >= len(cfg.Players) && m.Address == "") {
			return nil, fmt.Errorf("%s is damaged (replica %d at place %d): move it aside to start with the configured replicas", path, m.ID, k+1)
		}
	}
	return ms, nil
}

// withMembers returns cfg's players with those added in an earlier run.
func withMembers(players []config.Player, ms []member) []config.Player {
	out := append([]config.Player(nil), players...)
	for _, m := range ms {
		if m.ID > len(players) {
			out = append(out, config.Player{Name: m.Name, Color: m.Color, Address: m.Address})
		}
	}
	return out
}

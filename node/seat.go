package node

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"time"

	"github.com/lni/dragonboat/v4"

	"github.com/raftian/raftian/config"
	"github.com/raftian/raftian/internal/every"
	"github.com/raftian/raftian/node/wire"
	"github.com/raftian/raftian/record"
	"github.com/raftian/raftian/world"
)

// A class (package class) is one cluster across laptops: each process
// runs one replica, its seat, and knows the others by address. The
// teacher's seat, 1, is the only initial member; every other seat joins
// as a non-voting member, catches up, and is promoted when its seat
// votes. The teacher's program makes those changes (AddSeat, Promote,
// JoinGame); faults act only on this process's own replica.

// Seat is one seat of a class as this process knows it.
type Seat struct {
	ID      int
	Name    string
	Addr    string // where its replica listens, host:port; "" if not known yet
	Removed bool
}

// ClassOptions are a seat's settings beyond the configuration file.
type ClassOptions struct {
	Guard wire.Guard // the class's TLS (class.Guard)
	// Deployment is the class's Raft deployment id (class.Deployment).
	Deployment uint64
	Record     bool
	// OnRemoved is told each seat the teacher removes (the class then
	// refuses its certificate).
	OnRemoved func(id int)
}

// StartSeat starts seat self's replica of a class whose seats are known so
// far; its data is in cfg.DataDir.
func StartSeat(cfg config.Config, self int, seats []Seat, o ClassOptions) (*Cluster, error) {
	if self < 1 || self > len(seats) {
		return nil, fmt.Errorf("seat %d is not among the %d seats known", self, len(seats))
	}
	cfg.Players = nil
	located := map[int]string{}
	for _, s := range seats {
		cfg.Players = append(cfg.Players, seatPlayer(s))
		if s.Addr != "" && s.ID != self {
			located[s.ID] = s.Addr
		}
	}
	// A student's replica that has never run joins the cluster the teacher
	// adds it to; on memory storage it never kept anything.
	join := self != 1 && (cfg.Storage == config.StorageMemory || !hasData(filepath.Join(cfg.DataDir, replicaDirName(self))))
	c, err := start(cfg, Options{Record: o.Record, seat: self, guard: o.Guard, deployment: o.Deployment, join: join,
		listen: seats[self-1].Addr, located: located}, engineGame)
	if err != nil {
		return nil, err
	}
	c.onRemoved = o.OnRemoved
	for _, s := range seats {
		if s.Removed {
			c.SetSeat(s.ID, s.Name, s.Addr, true)
		}
	}
	return c, nil
}

// seatPlayer is a seat's player: its name, a colour by its number, and
// its address in Raft, which names the seat (wire.SeatAddr).
func seatPlayer(s Seat) config.Player {
	p := config.Player{Name: s.Name, Color: seatColors[(s.ID-1)%len(seatColors)], Address: wire.SeatAddr(s.ID)}
	if p.Name == "" {
		p.Name = fmt.Sprintf("seat %d", s.ID)
	}
	return p
}

// seatColors are the seats' colours: config.toml's players', then the
// newcomers'.
var seatColors = []string{"#d55e00", "#27ae60", "#0072b2", "#f032e6", "#42d4f4",
	"#f781bf", "#a65628", "#7fc97f", "#8da0cb"}

// Seat is the replica this process runs in a class; 0 when it runs them
// all.
func (c *Cluster) Seat() int { return c.opts.seat }

// inClass refuses what acts on other laptops' replicas: faults across
// laptops come with the teacher's projector.
var errOtherLaptops = errors.New("in a class, this process runs only its own seat's replica: faults on other laptops are not carried out from here")

// here refuses replica i unless this process runs it.
func (c *Cluster) here(i int) error {
	if c.opts.seat != 0 && i != c.opts.seat {
		return fmt.Errorf("seat %d's replica runs on its own laptop: %w", i, errOtherLaptops)
	}
	return nil
}

// notInClass refuses a cluster-wide fault in a class.
func (c *Cluster) notInClass() error {
	if c.opts.seat != 0 {
		return errOtherLaptops
	}
	return nil
}

// SetSeat tells the cluster what the class knows of a seat: a seat it
// had not heard of, its name and address (host:port), or its removal.
func (c *Cluster) SetSeat(id int, name, addr string, removed bool) {
	s := Seat{ID: id, Name: name, Addr: addr, Removed: removed}
	if c.opts.seat == 0 || s.ID < 1 || s.ID > wire.MaxReplicas {
		return
	}
	c.membersMu.Lock()
	var added []int
	for len(c.replicas) <= s.ID {
		n := len(c.replicas)
		r, _ := c.newReplica(n, "")
		r.remote = true
		r.nonVoting.Store(true)
		c.replicas = append(c.replicas, r)
		added = append(added, n)
	}
	r := c.replicas[s.ID]
	c.membersMu.Unlock()
	defer func() { // the record learns of the seat, for the window's pane
		players := c.Config().Players
		for _, id := range added {
			p := players[id-1]
			c.Recorder().Add(record.Obs{Kind: record.Member, Node: uint8(id), Data: []byte(record.MemberNonVoting + " " + p.Name + " " + p.Color)})
		}
	}()

	c.cfgMu.Lock()
	// A new slice each time: readers of Config keep the old one, and
	// read it without the lock.
	players := slices.Clone(c.cfg.Players)
	for len(players) < s.ID {
		players = append(players, seatPlayer(Seat{ID: len(players) + 1}))
	}
	p := seatPlayer(s)
	old := players[s.ID-1]
	if s.Name == "" { // what was known stays known
		p.Name = old.Name
	}
	renamed := len(added) == 0 && p.Name != old.Name
	players[s.ID-1] = p
	c.cfg.Players = players
	c.cfgMu.Unlock()
	if renamed {
		c.Recorder().Add(record.Obs{Kind: record.Member, Node: uint8(s.ID), Data: []byte(record.MemberNamed + " " + p.Name + " " + p.Color)})
	}
	if p.Address != "" && r.remote {
		c.net.AddPeer(s.ID, p.Address, 0)
	}
	if s.Addr != "" && r.remote {
		c.net.Locate(s.ID, s.Addr) // a laptop that moved is reached where it is now
	}
	if s.Removed && !r.removed.Swap(true) {
		c.Recorder().Add(record.Obs{Kind: record.Member, Node: uint8(s.ID), Data: []byte(record.MemberRemoved)})
	}
}

// learnSeats wraps a replica's apply hook: in a class, a player joining
// the game is a seat this process may not have heard of yet, and a
// command naming it must be understood at once.
func (c *Cluster) learnSeats(next func(world.Result)) func(world.Result) {
	return func(res world.Result) {
		if cmd := res.Command(); cmd.Kind == world.KindJoin && res.Applied() && cmd.To > c.Size() {
			c.SetSeat(cmd.To, "", "", false)
		}
		if next != nil {
			next(res)
		}
	}
}

// syncSeats keeps the other seats' roles as this replica believes them:
// a seat among its voters votes, any other is non-voting.
func (c *Cluster) syncSeats() {
	nh := c.nodeHost(c.opts.seat)
	if nh == nil {
		return
	}
	info := nh.GetNodeHostInfo(dragonboat.NodeHostInfoOption{SkipLogInfo: true})
	if info == nil || len(info.ShardInfoList) == 0 {
		return
	}
	var vs []int
	for id := range info.ShardInfoList[0].Replicas {
		vs = append(vs, int(id))
		if int(id) > c.Size() {
			c.SetSeat(int(id), "", "", false) // a voter this process had not heard of
		}
	}
	if len(vs) == 0 {
		return
	}
	for _, r := range c.all() {
		if r.removed.Load() {
			continue
		}
		if was := r.nonVoting.Swap(!contains(vs, r.id)); was && contains(vs, r.id) {
			c.Recorder().Add(record.Obs{Kind: record.Member, Node: uint8(r.id), Data: []byte(record.MemberVoter)})
		}
	}
}

func (c *Cluster) runSeatSync() *every.Loop {
	if c.opts.seat == 0 {
		return nil
	}
	return every.Start(100*time.Millisecond, c.syncSeats)
}

// localLeader is the leader this process's replica believes in.
func (c *Cluster) localLeader() (leader int, term uint64, ok bool) {
	nh := c.nodeHost(c.opts.seat)
	if nh == nil {
		return 0, 0, false
	}
	l, t, valid, err := nh.GetLeaderID(shardID)
	return int(l), t, valid && err == nil && l != 0
}

// Applied is the last entry this process's own replica applied (in a
// class; the highest of all replicas otherwise).
func (c *Cluster) Applied() uint64 {
	var top uint64
	for _, st := range c.Status() {
		if c.opts.seat == 0 || st.ID == c.opts.seat {
			top = max(top, st.Applied)
		}
	}
	return top
}

// errNotTeacher refuses a membership change on a student's laptop.
var errNotTeacher = errors.New("membership is the teacher's: only seat 1 may change it")

func (c *Cluster) teacherOnly() error {
	if c.opts.seat != 1 {
		return errNotTeacher
	}
	return nil
}

// seatChange carries out a membership change of a class through this
// process's replica (dragonboat forwards it to the leader) until done
// holds, within AddStall.
func (c *Cluster) seatChange(req func(nh *dragonboat.NodeHost, ctx context.Context) error, done func(*dragonboat.Membership) bool) error {
	if err := c.teacherOnly(); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.ctx, AddStallClass)
	defer cancel()
	return c.change(ctx, req, done)
}

// AddStallClass bounds one membership step of a class: a seat's laptop
// may be slow to answer.
const AddStallClass = 20 * time.Second

// AddSeat makes seat id, listening at addr, a non-voting member (it is
// one already: nothing to do).
func (c *Cluster) AddSeat(id int, addr, name string) error {
	if err := c.teacherOnly(); err != nil {
		return err
	}
	c.SetSeat(id, name, addr, false)
	target := wire.SeatAddr(id)
	c.Recorder().Add(record.Obs{Kind: record.Member, Node: uint8(id),
		Data: []byte(record.MemberNonVoting + " " + seatPlayer(Seat{ID: id, Name: name}).Name + " " + seatPlayer(Seat{ID: id}).Color)})
	return c.seatChange(func(nh *dragonboat.NodeHost, ctx context.Context) error {
		if m, err := nh.SyncGetShardMembership(ctx, shardID); err == nil && isMember(m, id) {
			return nil
		}
		return nh.SyncRequestAddNonVoting(ctx, shardID, uint64(id), target, 0)
	}, func(m *dragonboat.Membership) bool { return isMember(m, id) })
}

func isMember(m *dragonboat.Membership, id int) bool {
	_, voter := m.Nodes[uint64(id)]
	_, nonVoting := m.NonVotings[uint64(id)]
	return voter || nonVoting
}

// Promote makes seat id a voter (it is one already: nothing to do).
func (c *Cluster) Promote(id int) error {
	if c.opts.seat == 0 {
		return errors.New("promote is for a class: in one window, add makes a voter")
	}
	r, err := c.replica(id)
	if err != nil {
		return err
	}
	if r.removed.Load() {
		return fmt.Errorf("seat %d was removed", id)
	}
	target := c.Config().Players[id-1].Address
	err = c.seatChange(func(nh *dragonboat.NodeHost, ctx context.Context) error {
		if m, err := nh.SyncGetShardMembership(ctx, shardID); err == nil {
			if _, ok := m.Nodes[uint64(id)]; ok {
				return nil
			}
		}
		return nh.SyncRequestAddReplica(ctx, shardID, uint64(id), target, 0)
	}, func(m *dragonboat.Membership) bool { _, ok := m.Nodes[uint64(id)]; return ok })
	if err != nil {
		return err
	}
	r.nonVoting.Store(false)
	c.Recorder().Add(record.Obs{Kind: record.Member, Node: uint8(id), Data: []byte(record.MemberVoter)})
	return nil
}

// JoinGame gives seat id's player its city (it has one already: nothing
// to do).
func (c *Cluster) JoinGame(id int) error {
	if err := c.teacherOnly(); err != nil {
		return err
	}
	if c.playerIs(c.opts.seat, world.Command{Kind: world.KindJoin, To: id}) {
		return nil
	}
	ctx, cancel := context.WithTimeout(c.ctx, AddStallClass)
	defer cancel()
	return c.joinGame(ctx, id)
}

// removeSeat deletes seat id from the class's cluster for good; its
// player leaves the game (ruins).
func (c *Cluster) removeSeat(id int, timeout time.Duration) error {
	if err := c.teacherOnly(); err != nil {
		return err
	}
	r, err := c.replica(id)
	if err != nil {
		return err
	}
	if id == 1 {
		return errors.New("the teacher's seat stays: end the class instead")
	}
	if r.removed.Load() {
		return fmt.Errorf("seat %d was removed already", id)
	}
	if !r.nonVoting.Load() && c.Voters() <= 3 {
		return errors.New("three voters is the fewest a class keeps")
	}
	ctx, cancel := context.WithTimeout(c.ctx, timeout)
	defer cancel()
	if err := c.deleteReplica(ctx, id); err != nil {
		return fmt.Errorf("seat %d could not be removed: %v", id, err)
	}
	r.removed.Store(true)
	r.nonVoting.Store(false)
	c.Recorder().Add(record.Obs{Kind: record.Member, Node: uint8(id), Data: []byte(record.MemberRemoved)})
	if c.onRemoved != nil {
		c.onRemoved(id)
	}
	if err := c.leaveGame(ctx, id); err != nil {
		return fmt.Errorf("seat %d is removed, but its player could not leave the game yet: %v", id, err)
	}
	return nil
}

package node

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/lni/dragonboat/v4"

	"github.com/raftian/raftian/cluster"
	"github.com/raftian/raftian/config"
	"github.com/raftian/raftian/record"
	"github.com/raftian/raftian/world"
)

// Membership changes: a replica added, one removed. Each either completes
// or is undone; what a crash leaves half-done is finished or undone at the
// next start (see reconcile.go).

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

// adding is the addition under way: a removal of its replica cancels it,
// and it is undone when it makes no progress for its stall time.
type adding struct {
	id     int
	ctx    context.Context
	cancel context.CancelCauseFunc
	stall  time.Duration
	timer  *time.Timer
	done   chan struct{}
}

var (
	errCancelled = errors.New("cancelled: the replica was removed before it joined")
	errStalled   = errors.New("no progress")
)

// progress restarts the stall timer: the addition moved on.
func (a *adding) progress() { a.timer.Reset(a.stall) }

// step is the context of one step: a request dragonboat needs a deadline
// for.
func (a *adding) step() (context.Context, context.CancelFunc) {
	return context.WithTimeout(a.ctx, a.stall)
}

// why says what ended the addition: its cause, or err.
func (a *adding) why(err error) error {
	switch cause := context.Cause(a.ctx); {
	case errors.Is(cause, errCancelled):
		return errCancelled
	case errors.Is(cause, errStalled):
		return fmt.Errorf("no progress for %v (%v)", a.stall, err)
	}
	return err
}

func (c *Cluster) startAdding(id int, stall time.Duration) *adding {
	a := &adding{id: id, stall: stall, done: make(chan struct{})}
	a.ctx, a.cancel = context.WithCancelCause(c.ctx)
	a.timer = time.AfterFunc(stall, func() { a.cancel(errStalled) })
	c.addingMu.Lock()
	c.adding = a
	c.addingMu.Unlock()
	return a
}

func (c *Cluster) stopAdding(a *adding) {
	a.timer.Stop()
	a.cancel(nil)
	c.addingMu.Lock()
	c.adding = nil
	c.addingMu.Unlock()
	close(a.done)
}

// MaxOneWindow is the most replicas the one-window cluster grows to: its
// window draws each as a pane. A class has up to wire.MaxReplicas seats.
const MaxOneWindow = 9

// AddReplica grows the cluster by one replica (at most nine) on the next
// free loopback port, as Raft's membership change does it (dissertation
// §4.2.1): it joins as a non-voting member, catches up from the leader (by
// snapshot if the log is compacted), and is then promoted to a voter. Its
// player joins the game once that promotion has committed, by a game
// command. An addition that makes no progress for stall, or that
// RemoveReplica cancels, is undone: the replica is stopped and deleted
// from the shard (its number is never used again) and its number is ruins
// in the game. It returns the new replica's number.
func (c *Cluster) AddReplica(stall time.Duration) (int, error) {
	if c.opts.seat != 0 {
		return 0, errors.New("in a class, a seat is added by a student joining with the code")
	}
	c.addMu.Lock()
	defer c.addMu.Unlock()
	id := c.Size() + 1
	if id > MaxOneWindow {
		return 0, fmt.Errorf("a cluster has at most %d replicas", MaxOneWindow)
	}
	a := c.startAdding(id, stall)
	defer c.stopAdding(a)
	c.reconcileLocked(a.ctx) // finish what an earlier change left half-done
	leader, _, err := c.leaderHost(a.ctx)
	if err != nil {
		return 0, a.why(err)
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
	r.change.Store(int32(changeJoining))
	player := newcomers[(id-c.initial-1)%len(newcomers)]
	player.Address = addr
	// The new replica is reachable where the leader is: added during a
	// partition, it joins the leader's side.
	c.net.AddPeer(id, addr, leader)
	// From here on the number is taken, whatever happens: dragonboat
	// never takes a number back once it was in a membership change.
	c.membersMu.Lock()
	c.replicas = append(c.replicas, r)
	c.membersMu.Unlock()
	c.cfgMu.Lock()
	c.cfg.Players = append(c.cfg.Players, player)
	c.cfgMu.Unlock()
	if err := c.saveMembers(); err != nil {
		return id, c.undoAdd(r, err)
	}
	// Recorded before the request: the leader sends to the new replica as
	// soon as the change commits, and the picture needs its pane by then.
	c.Recorder().Add(record.Obs{Kind: record.Member, Node: uint8(id),
		Data: []byte(record.MemberNonVoting + " " + player.Name + " " + player.Color)})
	if _, group := c.net.Cuts(); group[id] != 0 { // on the leader's side
		c.Recorder().Add(record.Obs{Kind: record.Partition, Data: groupBytes(group[1:])})
	}
	a.progress()

	err = c.onLeader(a, func(nh *dragonboat.NodeHost, ctx context.Context) error {
		return nh.SyncRequestAddNonVoting(ctx, shardID, uint64(id), addr, 0)
	}, func(m *dragonboat.Membership) bool { _, ok := m.NonVotings[uint64(id)]; return ok })
	if err != nil {
		return id, c.undoAdd(r, fmt.Errorf("the leader could not add replica %d: %w", id, a.why(err)))
	}
	a.progress()
	if err := c.open(r, true); err != nil {
		return id, c.undoAdd(r, err)
	}
	a.progress()
	if err := c.waitCaughtUp(a, id); err != nil {
		return id, c.undoAdd(r, a.why(err))
	}
	err = c.onLeader(a, func(nh *dragonboat.NodeHost, ctx context.Context) error {
		return nh.SyncRequestAddReplica(ctx, shardID, uint64(id), addr, 0)
	}, func(m *dragonboat.Membership) bool { _, ok := m.Nodes[uint64(id)]; return ok })
	if err != nil {
		return id, c.undoAdd(r, fmt.Errorf("replica %d caught up but could not be made a voter: %w", id, a.why(err)))
	}
	a.progress()
	r.nonVoting.Store(false)
	c.Recorder().Add(record.Obs{Kind: record.Member, Node: uint8(id), Data: []byte(record.MemberVoter)})
	if err := c.joinGame(a.ctx, id); err != nil {
		return id, c.undoAdd(r, fmt.Errorf("replica %d is a voter, but its player could not join the game: %w", id, a.why(err)))
	}
	r.change.Store(int32(changeNone))
	if err := c.saveMembers(); err != nil {
		return id, err
	}
	return id, c.checkMembersLocked()
}

// undoAdd undoes the addition of replica r, which failed for cause: it is
// stopped, deleted from the shard and its number is ruins in the game. If
// no leader can commit that now, the replica stays stopped and marked as
// leaving, and the cluster finishes the removal as soon as it can.
func (c *Cluster) undoAdd(r *replica, cause error) error {
	c.halt(r.id) // an error: it never started, or is down
	r.change.Store(int32(changeLeaving))
	c.saveMembers()
	ctx, cancel := context.WithTimeout(c.ctx, cluster.AddStall)
	defer cancel()
	if err := c.finishLeaving(ctx, r); err != nil {
		c.unsure(reconcileFor)
		return fmt.Errorf("replica %d was not added: %v. It is stopped; it will be deleted from the cluster as soon as a leader can commit that (%v)", r.id, cause, err)
	}
	return fmt.Errorf("replica %d was not added: %v. Undone: it is stopped and deleted from the cluster, and its number is ruins in the game", r.id, cause)
}

// RemoveReplica deletes replica id from the shard for good (dragonboat
// never takes a deleted id back), stops it, and its player leaves the
// game: its city stays as ruins. Removing the leader works: it stops once
// the change has committed, and the others elect a new one. Removing a
// replica whose addition is under way cancels the addition, which undoes
// itself: CancelAdd does that without waiting.
func (c *Cluster) RemoveReplica(id int, timeout time.Duration) error {
	if c.opts.seat != 0 {
		return c.removeSeat(id, timeout)
	}
	if done := c.CancelAdd(id); done != nil {
		<-done
		if r, _ := c.replica(id); r != nil && !r.removed.Load() {
			return fmt.Errorf("the addition of replica %d was cancelled; it is stopped, and will be deleted from the cluster as soon as a leader can commit that", id)
		}
		return nil
	}
	c.addMu.Lock()
	defer c.addMu.Unlock()
	ctx, cancel := context.WithTimeout(c.ctx, timeout)
	defer cancel()
	c.reconcileLocked(ctx)
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
	if _, _, err := c.leaderHost(ctx); err != nil {
		return err
	}
	r.change.Store(int32(changeLeaving))
	c.saveMembers()
	if err := c.deleteReplica(ctx, id); err != nil {
		// It may still commit later: watch for that a while.
		r.change.Store(int32(changeNone))
		c.saveMembers()
		c.unsure(reconcileFor)
		return fmt.Errorf("replica %d could not be removed: %v", id, err)
	}
	c.removed(r)
	if err := c.leaveGame(ctx, id); err != nil {
		c.unsure(reconcileFor)
		return fmt.Errorf("replica %d is removed, but its player could not leave the game yet (%v): it will as soon as a leader can commit that", id, err)
	}
	return c.checkMembersLocked()
}

// CancelAdd cancels the addition of replica id, if one is under way, and
// returns a channel closed once it is undone; nil if none is.
func (c *Cluster) CancelAdd(id int) <-chan struct{} {
	c.addingMu.Lock()
	defer c.addingMu.Unlock()
	if a := c.adding; a != nil && a.id == id {
		a.cancel(errCancelled)
		return a.done
	}
	return nil
}

// Adding returns the replica whose addition is under way; 0 if none.
func (c *Cluster) Adding() int {
	c.addingMu.Lock()
	defer c.addingMu.Unlock()
	if c.adding == nil {
		return 0
	}
	return c.adding.id
}

// finishLeaving deletes replica r from the shard (again, if it was: a
// deletion is idempotent and takes the number for good), marks it
// removed and turns its number into ruins in the game.
func (c *Cluster) finishLeaving(ctx context.Context, r *replica) error {
	if err := c.deleteReplica(ctx, r.id); err != nil {
		return err
	}
	c.removed(r)
	return c.leaveGame(ctx, r.id)
}

// removed marks replica r deleted from the shard: stopped for good.
func (c *Cluster) removed(r *replica) {
	// Recorded first: its stop that follows is no crash.
	c.Recorder().Add(record.Obs{Kind: record.Member, Node: uint8(r.id), Data: []byte(record.MemberRemoved)})
	c.halt(r.id) // an error: it was down already
	r.removed.Store(true)
	r.nonVoting.Store(false)
	r.change.Store(int32(changeNone))
	c.saveMembers()
}

// joinGame and leaveGame commit a player's joining or leaving the game.
func (c *Cluster) joinGame(ctx context.Context, id int) error {
	return c.playerChange(ctx, world.Command{Kind: world.KindJoin, To: id})
}

func (c *Cluster) leaveGame(ctx context.Context, id int) error {
	return c.playerChange(ctx, world.Command{Kind: world.KindLeave, To: id})
}

// playerChange proposes cmd through the leader until it commits or ctx
// ends. A rejection is no failure when the world is already as cmd wants
// it (an earlier attempt, or the reconciliation, did it).
func (c *Cluster) playerChange(ctx context.Context, cmd world.Command) error {
	for {
		leader, _, err := c.leaderHost(ctx)
		if err != nil {
			return err
		}
		o := c.Propose(leader, cmd).Wait()
		switch {
		case o.OK && (o.Reason == world.ReasonNone || c.playerIs(leader, cmd)):
			return nil
		case o.OK:
			return fmt.Errorf("the game refused: %v", o.Reason)
		case ctx.Err() != nil:
			return fmt.Errorf("%v (%v)", ctx.Err(), o.Err)
		}
	}
}

// playerIs reports whether replica via's world already has cmd's player
// as cmd wants it: in the game (a join), or ruins (a leave).
func (c *Cluster) playerIs(via int, cmd world.Command) bool {
	r, err := c.replica(via)
	if err != nil {
		return false
	}
	r.mu.RLock()
	s := r.sm
	r.mu.RUnlock()
	if s == nil {
		return false
	}
	w := s.view()
	p := cmd.To
	if cmd.Kind == world.KindJoin {
		return p <= w.Players() && !w.Left(p)
	}
	return p <= w.Players() && w.Left(p)
}

// waitCaughtUp waits until replica id has applied what the leader had
// committed when it started waiting. Every entry it gains is progress.
func (c *Cluster) waitCaughtUp(a *adding, id int) error {
	target := uint64(0)
	if l, ok := c.LeaderAgreed(); ok {
		target = c.Status()[l-1].Commit
	}
	var st cluster.Status
	var last uint64
	if !until(a.ctx, func() bool {
		st = c.Status()[id-1]
		if st.LastIndex > last {
			last = st.LastIndex
			a.progress()
		}
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

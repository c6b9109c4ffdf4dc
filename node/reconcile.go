package node

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lni/dragonboat/v4"

	"github.com/raftian/raftian/cluster"
	"github.com/raftian/raftian/world"
)

// Reconciling the three places membership lives: the shard's membership
// (dragonboat's, committed in the log), the replicas raftian runs (and its
// members file), and the players in the game (committed in the log too).
// A change is several log entries; a crash, a lost leader or a request
// that timed out and committed later can leave them apart. The one
// invariant: every finished member has a player in the game, and every
// live player is a finished member.

// reconcileFor is how long the cluster keeps reconciling after a change
// failed: its request may still commit meanwhile.
const reconcileFor = 30 * time.Second

// unsure starts (or prolongs) reconciling in the background: after a
// change failed, for reconcileFor (its request may still commit); after
// a start on changed membership (for 0), until it agrees.
func (c *Cluster) unsure(d time.Duration) {
	c.reconcileMu.Lock()
	if d == 0 {
		c.reconcileUntilAgreed = true
	} else {
		c.reconcileUntil = time.Now().Add(d)
	}
	c.reconcileMu.Unlock()
	select {
	case c.reconcileWake <- struct{}{}:
	default:
	}
}

// runReconciler reconciles every second while the cluster is unsure,
// until Close.
func (c *Cluster) runReconciler() {
	c.proposals.Add(1)
	go func() {
		defer c.proposals.Done()
		for {
			select {
			case <-c.ctx.Done():
				return
			case <-c.reconcileWake:
			case <-time.After(time.Second):
			}
			c.reconcileMu.Lock()
			busy := c.reconcileUntilAgreed || time.Now().Before(c.reconcileUntil)
			c.reconcileMu.Unlock()
			if !busy {
				continue
			}
			c.addMu.Lock()
			ctx, cancel := context.WithTimeout(c.ctx, cluster.AddStall)
			agreed := c.reconcileLocked(ctx)
			cancel()
			c.addMu.Unlock()
			if agreed {
				c.reconcileMu.Lock()
				c.reconcileUntilAgreed = false
				c.reconcileMu.Unlock()
			}
		}
	}()
}

// reconcileLocked finishes or undoes what membership changes left
// half-done, as far as a leader can commit it within ctx: an addition that
// is not under way any more is undone, a removal is finished, a replica
// the shard deleted is stopped, and players join or leave the game to
// match. It reports whether everything agrees now. c.addMu is held.
func (c *Cluster) reconcileLocked(ctx context.Context) bool {
	if !c.membershipChanged() {
		return true
	}
	m, w, err := c.membership(ctx)
	if err != nil {
		return false
	}
	live := func(p int) bool { return p <= w.Players() && !w.Left(p) }
	adding := c.Adding()
	acted := false
	for _, r := range c.all() {
		id := uint64(r.id)
		_, deleted := m.Removed[id]
		_, voter := m.Nodes[id]
		ch := change(r.change.Load())
		switch {
		case r.removed.Load():
			if live(r.id) {
				acted = true
				c.leaveGame(ctx, r.id)
			}
		case deleted, ch == changeLeaving, ch == changeJoining && r.id != adding:
			// Deleted behind our back (a removal that timed out and
			// committed later), or a change a crash or a failure left.
			acted = true
			c.halt(r.id)
			r.change.Store(int32(changeLeaving))
			c.saveMembers()
			c.finishLeaving(ctx, r)
		case voter && ch == changeNone && !live(r.id):
			acted = true
			c.joinGame(ctx, r.id) // promoted, but its player never joined
		}
	}
	return !acted && membersAgree(c.all(), m, w) == nil
}

// membershipChanged reports whether the membership ever changed from the
// configured one: only then is there anything to reconcile.
func (c *Cluster) membershipChanged() bool {
	all := c.all()
	if len(all) != c.initial {
		return true
	}
	for _, r := range all {
		if r.removed.Load() || r.change.Load() != int32(changeNone) {
			return true
		}
	}
	return false
}

// CheckMembers checks the membership invariant through the leader (the
// shard's membership and the world, both as of a linearizable read):
// every finished member has a player in the game and every live player is
// a finished member; a change under way is neither. It waits at most
// timeout for a leader and for a change under way to end.
func (c *Cluster) CheckMembers(timeout time.Duration) error {
	c.addMu.Lock()
	defer c.addMu.Unlock()
	return c.checkMembers(timeout)
}

func (c *Cluster) checkMembersLocked() error { return c.checkMembers(cluster.AddStall) }

func (c *Cluster) checkMembers(timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(c.ctx, timeout)
	defer cancel()
	for {
		m, w, err := c.membership(ctx)
		if err == nil {
			return membersAgree(c.all(), m, w)
		}
		if ctx.Err() != nil || !retryable(err) {
			return fmt.Errorf("membership not checked: %v", explainRaft(err))
		}
		time.Sleep(retryPause)
	}
}

// membership reads the shard's membership and the world through the
// leader, each as of a linearizable read.
func (c *Cluster) membership(ctx context.Context) (*dragonboat.Membership, *world.World, error) {
	leader, nh, err := c.leaderHost(ctx)
	if err != nil {
		return nil, nil, err
	}
	m, err := nh.SyncGetShardMembership(ctx, shardID)
	if err != nil {
		return nil, nil, err
	}
	w, err := c.readOn(ctx, leader)
	if err != nil {
		return nil, nil, err
	}
	return m, w, nil
}

// readOn is a linearizable read of the world through replica via.
func (c *Cluster) readOn(ctx context.Context, via int) (*world.World, error) {
	nh := c.nodeHost(via)
	if nh == nil {
		return nil, cluster.ErrDown
	}
	v, err := nh.SyncRead(ctx, shardID, nil)
	if err != nil {
		return nil, err
	}
	return v.(*world.World), nil
}

// membersAgree checks the invariant between the replicas raftian runs,
// the shard's membership m and the world w.
func membersAgree(replicas []*replica, m *dragonboat.Membership, w *world.World) error {
	var problems []string
	known := map[uint64]bool{}
	for _, r := range replicas {
		id := uint64(r.id)
		known[id] = !r.removed.Load()
		_, voter := m.Nodes[id]
		_, nonVoting := m.NonVotings[id]
		live := r.id <= w.Players() && !w.Left(r.id)
		under := r.change.Load() != int32(changeNone)
		switch {
		case under:
			problems = append(problems, fmt.Sprintf("replica %d is still %s", r.id, changeNames[r.change.Load()]))
		case r.removed.Load() && (voter || nonVoting):
			problems = append(problems, fmt.Sprintf("replica %d was removed but the shard counts it", r.id))
		case r.removed.Load() && live:
			problems = append(problems, fmt.Sprintf("replica %d was removed but its player is in the game", r.id))
		case !r.removed.Load() && !voter && !nonVoting:
			problems = append(problems, fmt.Sprintf("replica %d runs but the shard does not count it", r.id))
		case !r.removed.Load() && !live:
			problems = append(problems, fmt.Sprintf("replica %d is a member but its player is not in the game", r.id))
		}
	}
	for p := len(replicas) + 1; p <= w.Players(); p++ {
		if !w.Left(p) {
			problems = append(problems, fmt.Sprintf("player %d is in the game but no replica %d runs", p, p))
		}
	}
	for _, set := range []map[uint64]string{m.Nodes, m.NonVotings} {
		for id := range set {
			if !known[id] {
				problems = append(problems, fmt.Sprintf("the shard counts replica %d, which raftian does not run", id))
			}
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrMembersDisagree, strings.Join(problems, "; "))
	}
	return nil
}

// ErrMembersDisagree says the membership invariant does not hold.
var ErrMembersDisagree = errors.New("membership and the game disagree")

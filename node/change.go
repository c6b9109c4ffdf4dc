package node

import (
	"context"
	"errors"
	"time"

	"github.com/lni/dragonboat/v4"
)

// Membership changes go through whoever leads, and are done when the
// shard's membership, read through the leader, says so.

// leaderHost waits for an agreed leader and returns it with its NodeHost.
//
// In a class the leader is on another laptop as often as not: the request
// goes through this process's replica, which believes in a leader and
// forwards it there; the replica returned is this one.
func (c *Cluster) leaderHost(ctx context.Context) (int, *dragonboat.NodeHost, error) {
	var leader int
	var nh *dragonboat.NodeHost
	if c.opts.seat != 0 {
		until(ctx, func() bool {
			_, _, ok := c.localLeader()
			leader, nh = c.opts.seat, c.nodeHost(c.opts.seat)
			return ok && nh != nil
		})
		if nh == nil {
			return 0, nil, errNoLeader
		}
		_, _, ok := c.localLeader()
		if !ok {
			return 0, nil, errNoLeader
		}
		return leader, nh, nil
	}
	until(ctx, func() bool {
		l, ok := c.LeaderAgreed()
		leader, nh = l, c.nodeHost(l)
		return ok && nh != nil
	})
	if nh == nil {
		return 0, nil, errNoLeader
	}
	return leader, nh, nil
}

// onLeader carries out a membership request through the leader of the
// moment, within the addition's step: see change.
func (c *Cluster) onLeader(a *adding, req func(nh *dragonboat.NodeHost, ctx context.Context) error, done func(*dragonboat.Membership) bool) error {
	ctx, cancel := a.step()
	defer cancel()
	return c.change(ctx, req, done)
}

// change carries out a membership request through the leader of the
// moment, again through the next one when the shard was not ready or the
// leader changed, until ctx ends. A request that failed but took effect
// (it timed out and committed anyway, an earlier attempt did, or a leader
// removing itself closed its shard before it could answer) is done: the
// shard's membership, read through the leader, says so.
func (c *Cluster) change(ctx context.Context, req func(nh *dragonboat.NodeHost, ctx context.Context) error, done func(*dragonboat.Membership) bool) error {
	for {
		_, nh, err := c.leaderHost(ctx)
		if err != nil {
			return err
		}
		err = req(nh, ctx)
		if err == nil || c.tookEffect(ctx, done) {
			return nil
		}
		// Rejected: another change is still pending (one at a time), and
		// it commits or is dropped soon. Closed: the leader went down.
		again := retryable(err) || errors.Is(err, dragonboat.ErrRejected) ||
			errors.Is(err, dragonboat.ErrShardClosed) || errors.Is(err, dragonboat.ErrClosed)
		if ctx.Err() != nil || !again {
			return explainRaft(err)
		}
		select {
		case <-ctx.Done():
			return explainRaft(err)
		case <-time.After(retryPause):
		}
	}
}

// tookEffect reports whether the shard's membership, read through whoever
// leads within two election timeouts, is as done wants it.
func (c *Cluster) tookEffect(ctx context.Context, done func(*dragonboat.Membership) bool) bool {
	ctx, cancel := context.WithTimeout(ctx, 2*c.ElectionTimeout())
	defer cancel()
	ok := false
	until(ctx, func() bool {
		_, nh, err := c.leaderHost(ctx)
		if err != nil {
			return true
		}
		m, err := nh.SyncGetShardMembership(ctx, shardID)
		if err != nil {
			return false // not ready, or it was the leader that just left: ask again
		}
		ok = done(m)
		return true
	})
	return ok
}

// deleted is a membership's verdict on replica id: removed for good.
func deleted(id int) func(*dragonboat.Membership) bool {
	return func(m *dragonboat.Membership) bool { _, ok := m.Removed[uint64(id)]; return ok }
}

// deleteReplica deletes replica id from the shard.
func (c *Cluster) deleteReplica(ctx context.Context, id int) error {
	return c.change(ctx, func(nh *dragonboat.NodeHost, ctx context.Context) error {
		return nh.SyncRequestDeleteReplica(ctx, shardID, uint64(id), 0)
	}, deleted(id))
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

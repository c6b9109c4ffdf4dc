package node

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/raftian/raftian/record"
)

// TransferError says why leadership could not move to a replica.
type TransferError struct {
	Target int
	Why    string
}

func (e *TransferError) Error() string {
	return fmt.Sprintf("cannot hand leadership to replica %d: %s", e.Target, e.Why)
}

// Transfer hands leadership from the current leader to replica target
// (Raft dissertation §3.10): the leader stops taking proposals, brings the
// target's log up to date and tells it to stand at once (a TimeoutNow
// message), so no replica waits out an election timeout. It returns the
// old leader and the term the target leads in, once it does; or, within
// timeout, why it did not.
func (c *Cluster) Transfer(target int, timeout time.Duration) (from int, term uint64, err error) {
	if _, err := c.replica(target); err != nil {
		return 0, 0, err
	}
	if c.opts.seat != 0 {
		return c.transferFromSeat(target, timeout)
	}
	fail := func(why string, args ...any) (int, uint64, error) {
		return from, 0, &TransferError{Target: target, Why: fmt.Sprintf(why, args...)}
	}
	from, ok := c.LeaderAgreed()
	if !ok {
		return fail("there is no leader to hand it over")
	}
	status := c.Status()
	before := status[from-1].Term
	switch {
	case from == target:
		return fail("it leads already (term %d)", before)
	case !status[target-1].Up:
		return fail("it is crashed; restart it first")
	case !slices.Contains(c.net.Reachable(from), target):
		return fail("the leader, replica %d, cannot reach it (isolated or partitioned)", from)
	}
	c.Recorder().Add(record.Obs{Kind: record.Transfer, Node: uint8(target), Peer: uint8(from)})
	// A target with committed entries it has not applied yet skips the
	// campaign TimeoutNow asks for (dragonboat treats them as a possible
	// membership change), and the leader gives the transfer up after an
	// election timeout; and an election may still pick another replica.
	// Then ask whoever leads again.
	ctx, cancel := context.WithTimeout(c.ctx, timeout)
	defer cancel()
	for leader := from; ctx.Err() == nil; {
		nh := c.nodeHost(leader)
		if nh == nil {
			return fail("the leader, replica %d, went down", leader)
		}
		if err := nh.RequestLeaderTransfer(shardID, uint64(target)); err != nil {
			return fail("the leader refused: %v", err)
		}
		attempt, stop := context.WithTimeout(ctx, c.ElectionTimeout()+c.ElectionTimeout()/2)
		led := until(attempt, func() bool {
			l, ok := c.LeaderAgreed()
			if ok {
				leader = l
			}
			if ok && l == target {
				term = c.Status()[target-1].Term
				return term > before
			}
			return false
		})
		stop()
		switch {
		case led:
			return from, term, nil
		case c.ctx.Err() != nil:
			return fail("the cluster is shutting down")
		case !c.Status()[target-1].Up:
			return fail("it went down")
		}
	}
	return fail("it did not take over within %v (leader now: %d)", timeout, c.Leader())
}

// transferFromSeat hands leadership to target from this seat's replica,
// which must lead (in a class the teacher asks the leader's laptop). It
// answers once this replica follows target in a higher term.
func (c *Cluster) transferFromSeat(target int, timeout time.Duration) (from int, term uint64, err error) {
	me := c.opts.seat
	fail := func(why string, args ...any) (int, uint64, error) {
		return me, 0, &TransferError{Target: target, Why: fmt.Sprintf(why, args...)}
	}
	leader, before, ok := c.localLeader()
	switch {
	case !ok || leader != me:
		return fail("seat %d does not lead (it follows %d): ask the leader's laptop", me, leader)
	case target == me:
		return fail("it leads already (term %d)", before)
	case !slices.Contains(c.net.Reachable(me), target):
		return fail("the leader, seat %d, cannot reach it (isolated or partitioned)", me)
	}
	c.Recorder().Add(record.Obs{Kind: record.Transfer, Node: uint8(target), Peer: uint8(me)})
	// As in Transfer: a target that skipped the campaign is asked again,
	// while this replica still leads.
	ctx, cancel := context.WithTimeout(c.ctx, timeout)
	defer cancel()
	for ctx.Err() == nil {
		nh := c.nodeHost(me)
		if nh == nil {
			return fail("the leader went down")
		}
		if l, _, ok := c.localLeader(); ok && l == me {
			if err := nh.RequestLeaderTransfer(shardID, uint64(target)); err != nil {
				return fail("the leader refused: %v", err)
			}
		}
		attempt, stop := context.WithTimeout(ctx, c.ElectionTimeout()+c.ElectionTimeout()/2)
		led := until(attempt, func() bool {
			l, t, ok := c.localLeader()
			term = t
			return ok && l == target && t > before
		})
		stop()
		if led {
			return me, term, nil
		}
	}
	l, _, _ := c.localLeader()
	return fail("it did not take over within %v (seat %d follows %d)", timeout, me, l)
}

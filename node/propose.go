package node

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/lni/dragonboat/v4"

	"github.com/raftian/raftian/cluster"
	"github.com/raftian/raftian/record"
	"github.com/raftian/raftian/world"
)

// Client proposes commands under one client session of the world (see
// world/session.go): its own random id, and sequence numbers from 1. Every
// command carries the lowest sequence number the client still waits on,
// so the world keeps each result until the client has seen it. A client
// may have many proposals in flight, through any replicas; at most
// world.MaxInFlight are sent at once, the rest wait their turn.
type Client struct {
	c    *Cluster
	mu   sync.Mutex
	room *sync.Cond // signalled when a proposal finishes
	s    *clientSession
}

// clientSession is one session's numbering. A client whose session the
// world forgot starts a new one; tickets keep the session they began in.
type clientSession struct {
	id      uint64
	next    uint64          // the last sequence number given out
	waiting map[uint64]bool // sequence numbers not yet answered
}

// NewClient returns a client with a fresh session.
func (c *Cluster) NewClient() cluster.Proposer { return c.newClient() }

func (c *Cluster) newClient() *Client {
	cl := &Client{c: c, s: newClientSession()}
	cl.room = sync.NewCond(&cl.mu)
	context.AfterFunc(c.ctx, func() { // closing: stop waiting for room
		cl.mu.Lock()
		cl.room.Broadcast()
		cl.mu.Unlock()
	})
	return cl
}

func newClientSession() *clientSession {
	return &clientSession{id: randomID(), waiting: map[uint64]bool{}}
}

// lowest is the lowest sequence number the session still waits on.
func (s *clientSession) lowest() uint64 {
	low := s.next + 1
	for seq := range s.waiting {
		low = min(low, seq)
	}
	return low
}

// reserve gives out the next sequence number; it stays outstanding until
// finished is called.
func (cl *Client) reserve() (*clientSession, world.ID) {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	s := cl.s
	s.next++
	s.waiting[s.next] = true
	return s, world.ID{Client: s.id, Seq: s.next}
}

// waitRoom waits until seq may be sent (fewer than world.MaxInFlight
// numbers from the lowest outstanding one) and returns the lowest
// outstanding number to send with it. It gives up when the cluster closes.
func (cl *Client) waitRoom(s *clientSession, seq uint64) (uint64, bool) {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	for {
		low := min(s.lowest(), seq)
		if seq-low < world.MaxInFlight {
			return low, true
		}
		if cl.c.ctx.Err() != nil {
			return 0, false
		}
		cl.room.Wait()
	}
}

// finished marks seq answered. If the world said the session expired, the
// client starts a new one for its next commands.
func (cl *Client) finished(s *clientSession, seq uint64, expired bool) {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	delete(s.waiting, seq)
	if expired && cl.s == s {
		cl.s = newClientSession()
	}
	cl.room.Broadcast()
}

// Attack proposes that player from attacks player to, through replica via.
func (cl *Client) Attack(via, from, to int) *cluster.Ticket {
	return cl.Propose(via, world.Command{Kind: world.KindAttack, From: from, To: to})
}

// NewGame proposes that every city is rebuilt, through replica via.
func (cl *Client) NewGame(via int) *cluster.Ticket {
	return cl.Propose(via, world.Command{Kind: world.KindNewGame})
}

// Propose proposes cmd through replica via under the next sequence number
// (cmd.ID and cmd.Lowest are set here). It returns at once; the ticket
// says later whether the command committed. A command whose proposal
// failed may still commit later (a timeout is not a no); it is then
// applied at most once.
func (cl *Client) Propose(via int, cmd world.Command) *cluster.Ticket {
	s, id := cl.reserve()
	cmd.ID = id
	return cl.send(via, s, cmd)
}

// proposal is a ticket and the outcome being made for it.
type proposal struct {
	t     *cluster.Ticket
	o     cluster.Outcome
	start time.Time
}

// send proposes cmd, whose sequence number is outstanding in session s.
func (cl *Client) send(via int, s *clientSession, cmd world.Command) *cluster.Ticket {
	c := cl.c
	p := &proposal{o: cluster.Outcome{Command: cmd, Via: via}, start: time.Now()}
	p.t = cluster.NewTicket(cmd, via, c.proposed.Add(1))
	c.Recorder().Add(record.Obs{Kind: record.Propose, ID: p.t.ID, Node: uint8(cmd.From), Peer: uint8(cmd.To), Via: uint8(via),
		Data: []byte(cmd.ID.String())})
	fail := func(err error) *cluster.Ticket {
		cl.finished(s, cmd.ID.Seq, false)
		p.finish(c, err)
		return p.t
	}
	if _, err := c.replica(via); err != nil {
		return fail(err)
	}
	if c.opts.seat != 0 && via != c.opts.seat {
		return fail(fmt.Errorf("in a class, commands go through this seat's own replica (%d), not %d", c.opts.seat, via))
	}
	if c.opts.seat > 1 && cmd.Kind != world.KindAttack {
		return fail(errNotTeacher)
	}
	if c.opts.seat > 1 && cmd.From != c.opts.seat {
		return fail(fmt.Errorf("this laptop plays seat %d: it attacks only from its own city", c.opts.seat))
	}
	if c.diskLow() {
		return fail(cluster.ErrDiskFull)
	}
	c.proposals.Add(1)
	if c.ctx.Err() != nil { // closing: Close may already be waiting
		c.proposals.Done()
		return fail(cluster.ErrClosing)
	}
	go func() {
		defer c.proposals.Done()
		low, ok := cl.waitRoom(s, cmd.ID.Seq)
		if !ok {
			fail(cluster.ErrClosing)
			return
		}
		p.o.Command.Lowest = low
		data := p.o.Command.Encode()
		p.run(c, via, data)
		cl.finished(s, cmd.ID.Seq, errors.Is(p.o.Err, cluster.NotJudged{Reason: world.ReasonSessionExpired}))
	}()
	return p.t
}

// Propose proposes cmd through replica via with the cluster's own client.
func (c *Cluster) Propose(via int, cmd world.Command) *cluster.Ticket {
	return c.client.Propose(via, cmd)
}

// Attack proposes an attack through replica via with the cluster's client.
func (c *Cluster) Attack(via, from, to int) *cluster.Ticket { return c.client.Attack(via, from, to) }

// NewGame proposes a new game through replica via with the cluster's client.
func (c *Cluster) NewGame(via int) *cluster.Ticket { return c.client.NewGame(via) }

// ProposeRaw proposes bytes that may not be a valid command at all; the
// world must record them as rejected. It exists to show that garbage in
// the log is harmless.
func (c *Cluster) ProposeRaw(via int, data []byte) error {
	nh := c.nodeHost(via)
	if nh == nil {
		return cluster.ErrDown
	}
	ctx, cancel := context.WithTimeout(c.ctx, c.opts.ProposalTimeout)
	defer cancel()
	_, err := nh.SyncPropose(ctx, nh.GetNoOPSession(shardID), data)
	return err
}

// Read returns the world as of a linearizable read through replica via:
// the read is ordered after every command committed before it began
// (Raft's ReadIndex), and is applied on that replica before it answers.
func (c *Cluster) Read(via int) (*world.World, error) {
	if _, err := c.replica(via); err != nil {
		return nil, err
	}
	nh := c.nodeHost(via)
	if nh == nil {
		return nil, cluster.ErrDown
	}
	ctx, cancel := context.WithTimeout(c.ctx, c.attemptTimeout())
	defer cancel()
	v, err := nh.SyncRead(ctx, shardID, nil)
	if err != nil {
		return nil, err
	}
	return v.(*world.World), nil
}

// retryPause is the wait before retrying a proposal the shard was not
// ready for (no leader yet, or busy).
const retryPause = 20 * time.Millisecond

func (p *proposal) run(c *Cluster, via int, data []byte) {
	ctx, cancel := context.WithTimeout(c.ctx, c.opts.ProposalTimeout)
	defer cancel()
	for {
		nh := c.nodeHost(via)
		if nh == nil {
			p.finish(c, cluster.ErrDown)
			return
		}
		// A proposal forwarded to a leader that then crashes is simply
		// lost, and dragonboat would wait out the whole deadline. So an
		// attempt ends early when a new leader appears (or after its own
		// short deadline) and is retried with the same command id: the
		// world applies it at most once, whichever attempt commits.
		attempt, cancelAttempt := context.WithTimeout(ctx, c.attemptTimeout())
		stop := context.AfterFunc(c.leaderChange(), cancelAttempt)
		res, err := nh.SyncPropose(attempt, nh.GetNoOPSession(shardID), data)
		stop()
		cancelAttempt()
		if err == nil {
			p.judged(c, decodeResult(res.Value))
			return
		}
		if ctx.Err() == nil && retryable(err) {
			select {
			case <-ctx.Done():
			case <-time.After(retryPause):
				continue
			}
		}
		why := failure(err)
		switch {
		case c.ctx.Err() != nil:
			why = cluster.ErrClosing
		case ctx.Err() != nil && errors.Is(err, dragonboat.ErrShardNotReady):
			why = cluster.ErrNoLeader
		case ctx.Err() != nil:
			why = cluster.ErrTimeout
		}
		p.finish(c, why)
		return
	}
}

// judged ends the proposal with the world's verdict on its command.
func (p *proposal) judged(c *Cluster, r world.Result) {
	switch {
	case r.Reason.Failed(): // not judged at all: a failure
		p.finish(c, cluster.NotJudged{Reason: r.Reason})
		return
	case r.Reason == world.ReasonDuplicate: // an earlier attempt committed
		p.o.Repeated = true
		p.o.Reason = r.Original
	default:
		p.o.Reason = r.Reason
	}
	p.o.OK, p.o.HP = true, r.HP
	p.finish(c, nil)
}

// retryable reports whether a failed attempt may be tried again: the
// shard was not ready or busy, or the attempt timed out or was cut short
// by a leader change.
func retryable(err error) bool {
	return errors.Is(err, dragonboat.ErrShardNotReady) || errors.Is(err, dragonboat.ErrSystemBusy) ||
		errors.Is(err, dragonboat.ErrTimeout) || errors.Is(err, dragonboat.ErrCanceled) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
}

// attemptTimeout bounds one try of a proposal whose leader did not change
// (a leader change ends it at once): two election timeouts, at least a
// second, so that a slow commit on a busy machine is not tried twice.
func (c *Cluster) attemptTimeout() time.Duration {
	return min(max(2*c.ElectionTimeout(), time.Second), c.opts.ProposalTimeout)
}

// leaderChange returns a context that is cancelled the next time a
// replica learns of a leader.
func (c *Cluster) leaderChange() context.Context {
	c.leaderMu.Lock()
	defer c.leaderMu.Unlock()
	return c.leaderCtx
}

// newLeader cancels the leader-change context and starts the next: a
// replica has learned of a leader. Each replica's report counts, since a
// follower that learns late is the one whose proposals were lost. An
// attempt cut short needlessly is only proposed twice and applied once.
func (c *Cluster) newLeader() {
	c.leaderMu.Lock()
	defer c.leaderMu.Unlock()
	c.leaderCancel()
	c.leaderCtx, c.leaderCancel = context.WithCancel(context.Background())
}

// failure is why a proposal failed, from dragonboat's error.
func failure(err error) error {
	switch {
	case errors.Is(err, dragonboat.ErrTimeout), errors.Is(err, context.DeadlineExceeded),
		// the deadline is spent, or all but spent
		errors.Is(err, dragonboat.ErrTimeoutTooSmall), errors.Is(err, dragonboat.ErrInvalidDeadline):
		return cluster.ErrTimeout
	case errors.Is(err, dragonboat.ErrShardNotReady), errors.Is(err, dragonboat.ErrSystemBusy):
		return cluster.ErrNoLeader
	case errors.Is(err, dragonboat.ErrClosed), errors.Is(err, dragonboat.ErrShardClosed),
		errors.Is(err, dragonboat.ErrShardNotFound), errors.Is(err, dragonboat.ErrReplicaRemoved):
		return cluster.ErrDown
	case errors.Is(err, dragonboat.ErrCanceled), errors.Is(err, context.Canceled):
		return cluster.ErrClosing
	}
	return explainRaft(err)
}

// finish ends the proposal: failed with why, or (why nil) as judged.
func (p *proposal) finish(c *Cluster, why error) {
	p.o.Took = time.Since(p.start)
	p.o.Err = why
	out := record.Obs{Kind: record.Outcome, ID: p.t.ID, Node: uint8(p.o.Via)}
	switch {
	case why != nil:
		out.Lost, out.Data = true, []byte(why.Error())
	default:
		out.Reject, out.Hint = p.o.Repeated, uint64(max(p.o.HP, 0))
		if p.o.Reason != world.ReasonNone {
			out.Data = []byte(p.o.Reason.String())
		}
	}
	c.Recorder().Add(out)
	p.t.Finish(p.o)
}

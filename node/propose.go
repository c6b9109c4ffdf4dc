package node

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/lni/dragonboat/v4"

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
func (c *Cluster) NewClient() *Client {
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

// Outcome is how a proposal ended.
type Outcome struct {
	Command world.Command
	Via     int  // replica it was proposed through
	OK      bool // committed and judged by the game's rules; see Reason
	// Reason is what the world did with a committed command: ReasonNone
	// when it took effect, otherwise why the rules refused it.
	Reason world.Reason
	HP     int // the target's HP after a committed attack
	// Repeated: more than one attempt committed; Reason and HP are what
	// the world did with the first, and the others changed nothing.
	Repeated bool
	Err      string // why the proposal failed, when !OK
	Took     time.Duration
}

// Ticket is a proposal in flight. Done is closed when its outcome is known.
type Ticket struct {
	done    chan struct{}
	outcome Outcome
	id      uint64 // in the record
}

// Done returns a channel closed when the outcome is known.
func (t *Ticket) Done() <-chan struct{} { return t.done }

// Wait blocks until the outcome is known, and returns it.
func (t *Ticket) Wait() Outcome {
	<-t.done
	return t.outcome
}

// Reasons a proposal fails, beside the world's own (world.Reason.Failed).
const (
	FailTimeout  = "timeout"
	FailNoLeader = "no leader"
	FailDown     = "replica down"
	FailClosing  = "shutting down"
)

// Attack proposes that player from attacks player to, through replica via.
func (cl *Client) Attack(via, from, to int) *Ticket {
	return cl.Propose(via, world.Command{Kind: world.KindAttack, From: from, To: to})
}

// NewGame proposes that every city is rebuilt, through replica via.
func (cl *Client) NewGame(via int) *Ticket {
	return cl.Propose(via, world.Command{Kind: world.KindNewGame})
}

// Propose proposes cmd through replica via under the next sequence number
// (cmd.ID and cmd.Lowest are set here). It returns at once; the ticket
// says later whether the command committed. A command whose proposal
// failed may still commit later (a timeout is not a no); it is then
// applied at most once.
func (cl *Client) Propose(via int, cmd world.Command) *Ticket {
	s, id := cl.reserve()
	cmd.ID = id
	return cl.send(via, s, cmd)
}

// send proposes cmd, whose sequence number is outstanding in session s.
func (cl *Client) send(via int, s *clientSession, cmd world.Command) *Ticket {
	c := cl.c
	t := &Ticket{done: make(chan struct{}), outcome: Outcome{Command: cmd, Via: via}, id: c.proposed.Add(1)}
	c.Recorder().Add(record.Obs{Kind: record.Propose, ID: t.id, Node: uint8(cmd.From), Peer: uint8(cmd.To), Via: uint8(via)})
	fail := func(reason string) *Ticket {
		cl.finished(s, cmd.ID.Seq, false)
		t.finish(c, time.Now(), reason)
		return t
	}
	if _, err := c.replica(via); err != nil {
		return fail(err.Error())
	}
	if c.diskLow() {
		return fail(FailDiskFull)
	}
	c.proposals.Add(1)
	if c.ctx.Err() != nil { // closing: Close may already be waiting
		c.proposals.Done()
		return fail(FailClosing)
	}
	go func() {
		defer c.proposals.Done()
		low, ok := cl.waitRoom(s, cmd.ID.Seq)
		if !ok {
			fail(FailClosing)
			return
		}
		t.outcome.Command.Lowest = low
		data := t.outcome.Command.Encode()
		t.run(c, via, data)
		cl.finished(s, cmd.ID.Seq, t.outcome.Err == world.ReasonSessionExpired.String())
	}()
	return t
}

// Propose proposes cmd through replica via with the cluster's own client.
func (c *Cluster) Propose(via int, cmd world.Command) *Ticket {
	return c.client.Propose(via, cmd)
}

// Attack proposes an attack through replica via with the cluster's client.
func (c *Cluster) Attack(via, from, to int) *Ticket { return c.client.Attack(via, from, to) }

// NewGame proposes a new game through replica via with the cluster's client.
func (c *Cluster) NewGame(via int) *Ticket { return c.client.NewGame(via) }

// ProposeRaw proposes bytes that may not be a valid command at all; the
// world must record them as rejected. It exists to show that garbage in
// the log is harmless.
func (c *Cluster) ProposeRaw(via int, data []byte) error {
	nh := c.nodeHost(via)
	if nh == nil {
		return errors.New(FailDown)
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
		return nil, errors.New(FailDown)
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

func (t *Ticket) run(c *Cluster, via int, data []byte) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(c.ctx, c.opts.ProposalTimeout)
	defer cancel()
	for {
		nh := c.nodeHost(via)
		if nh == nil {
			t.finish(c, start, FailDown)
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
			t.judged(c, start, decodeResult(res.Value))
			return
		}
		if ctx.Err() == nil && retryable(err) {
			select {
			case <-ctx.Done():
			case <-time.After(retryPause):
				continue
			}
		}
		reason := failReason(err)
		switch {
		case c.ctx.Err() != nil:
			reason = FailClosing
		case ctx.Err() != nil && errors.Is(err, dragonboat.ErrShardNotReady):
			reason = FailNoLeader
		case ctx.Err() != nil:
			reason = FailTimeout
		}
		t.finish(c, start, reason)
		return
	}
}

// judged ends the ticket with the world's verdict on its command.
func (t *Ticket) judged(c *Cluster, start time.Time, r world.Result) {
	switch {
	case r.Reason.Failed(): // not judged at all: a failure
		t.finish(c, start, r.Reason.String())
		return
	case r.Reason == world.ReasonDuplicate: // an earlier attempt committed
		t.outcome.Repeated = true
		t.outcome.Reason = r.Original
	default:
		t.outcome.Reason = r.Reason
	}
	t.outcome.OK, t.outcome.HP = true, r.HP
	t.finish(c, start, "")
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

// failReason maps dragonboat's errors to words for the user; "" means the
// proposal may be retried.
func failReason(err error) string {
	switch {
	case errors.Is(err, dragonboat.ErrShardNotReady), errors.Is(err, dragonboat.ErrSystemBusy):
		return ""
	case errors.Is(err, dragonboat.ErrTimeout), errors.Is(err, context.DeadlineExceeded),
		// the deadline is spent, or all but spent
		errors.Is(err, dragonboat.ErrTimeoutTooSmall), errors.Is(err, dragonboat.ErrInvalidDeadline):
		return FailTimeout
	case errors.Is(err, dragonboat.ErrClosed), errors.Is(err, dragonboat.ErrShardClosed),
		errors.Is(err, dragonboat.ErrShardNotFound), errors.Is(err, dragonboat.ErrReplicaRemoved):
		return FailDown
	case errors.Is(err, dragonboat.ErrCanceled), errors.Is(err, context.Canceled):
		return FailClosing
	}
	return explainRaft(err).Error()
}

func (t *Ticket) finish(c *Cluster, start time.Time, failure string) {
	t.outcome.Took = time.Since(start)
	t.outcome.Err = failure
	cmd := t.outcome.Command
	ev := Event{ID: cmd.ID.String(), From: cmd.From, To: cmd.To, Via: t.outcome.Via}
	if t.outcome.OK {
		ev.Type = EvCommit
		ev.LatencyMs = float64(t.outcome.Took.Microseconds()) / 1000
		ev.Result = "applied"
		if t.outcome.Reason != world.ReasonNone {
			ev.Result = t.outcome.Reason.String()
		}
		ev.Repeated = t.outcome.Repeated
	} else {
		ev.Type, ev.Reason = EvFail, failure
	}
	out := record.Obs{Kind: record.Outcome, ID: t.id, Node: uint8(t.outcome.Via)}
	if !t.outcome.OK {
		out.Data = []byte(failure)
	}
	c.Recorder().Add(out)
	c.events.emit(ev)
	close(t.done)
}

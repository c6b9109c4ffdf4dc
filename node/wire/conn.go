package wire

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/lni/dragonboat/v4/raftio"
	pb "github.com/lni/dragonboat/v4/raftpb"
)

// Outbound connections: dragonboat asks the transport for one per peer
// (and one per snapshot); each dials lazily, passes every batch through
// the fault layer and the tap, and drops what it cannot deliver.

func (t *transport) GetConnection(ctx context.Context, target string) (raftio.IConnection, error) {
	return t.newConn(target, false)
}

func (t *transport) GetSnapshotConnection(ctx context.Context, target string) (raftio.ISnapshotConnection, error) {
	return t.newConn(target, true)
}

func (t *transport) newConn(target string, snapshot bool) (*conn, error) {
	to, ok := t.net.replicaAt(target)
	if !ok {
		return nil, fmt.Errorf("%w %q", errUnknownSource, target)
	}
	c := &conn{t: t, to: to, addr: target, snapshot: snapshot, stop: make(chan struct{})}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil, net.ErrClosed
	}
	t.out[c] = struct{}{}
	return c, nil
}

// conn is an outbound connection to one peer. It dials lazily and
// redials after a failure; while the peer is down, messages are dropped.
// Every write has a deadline, and Close never waits for a write: a peer
// that accepts and never reads cannot hang a replica or its shutdown.
type conn struct {
	t        *transport
	to       int
	addr     string
	snapshot bool

	sending sync.Mutex // one frame at a time, in order

	mu    sync.Mutex // guards c and delay; held only briefly
	c     net.Conn
	delay chan delayed // started on the first delayed message
	stop  chan struct{}
	once  sync.Once
	wg    sync.WaitGroup
}

// Timeouts of the outbound side. A frame is at most a few MiB and the
// peer is on loopback: a write that takes longer than writeTimeout is to a
// peer that does not read.
const (
	dialTimeout  = time.Second
	writeTimeout = 2 * time.Second
)

// delayed is a frame on a slow link. Its delay is looked up again while
// it waits, so that a heal or a shorter delay releases it early.
type delayed struct {
	sent   time.Time
	jitter time.Duration // drawn when it was sent; a link with less jitter now cuts it short
	votes  bool          // only the link's fault on vote messages applies to it
	frame  []byte
	first  uint64 // the id of its first message, and how many it holds
	n      int
}

// delayQueue bounds how many delayed frames a link holds; beyond it the
// link drops, as a congested one would.
const delayQueue = 1024

func (c *conn) Close() {
	c.once.Do(func() {
		close(c.stop)
		c.mu.Lock()
		if c.c != nil {
			c.c.Close() // a write in progress fails at once
		}
		c.mu.Unlock()
		c.wg.Wait()
		c.t.mu.Lock()
		delete(c.t.out, c)
		c.t.mu.Unlock()
	})
}

func (c *conn) SendMessageBatch(b pb.MessageBatch) error {
	v := c.t.net.faults.judge(c.t.self, c.to)
	if !v.deliver {
		c.t.net.observeSent(c.t.self, c.to, b.Requests, true)
		return nil
	}
	// A fault on vote messages only takes them out of the batch and
	// sends them on their own (or not at all).
	if v.votes {
		var votes []pb.Message
		votes, b.Requests = splitVotes(b.Requests)
		first := c.t.net.observeSent(c.t.self, c.to, votes, !v.votesDeliver)
		if v.votesDeliver && len(votes) > 0 {
			vb := b
			vb.Requests = votes
			c.send(vb, first, v.delay+v.votesDelay, v.jitter+v.votesJitter, true)
		}
	}
	first := c.t.net.observeSent(c.t.self, c.to, b.Requests, false)
	if len(b.Requests) > 0 {
		c.send(b, first, v.delay, v.jitter, false)
	}
	return nil
}

// send frames a batch whose first message has the given id and writes it
// now or, on a slow link, later.
func (c *conn) send(b pb.MessageBatch, first uint64, delay, jitter time.Duration, votes bool) {
	// Marshal straight into the frame: one allocation, no copy.
	frame := make([]byte, frameHeaderSize+b.Size())
	n, err := b.MarshalTo(frame[frameHeaderSize:])
	if err != nil {
		c.lost(first, len(b.Requests)) // cannot happen for a batch dragonboat built
		return
	}
	putFrameHeader(frame[:frameHeaderSize], frameBatch, first, frame[frameHeaderSize:frameHeaderSize+n])
	frame = frame[:frameHeaderSize+n]
	d := delayed{sent: time.Now(), jitter: jitter, votes: votes, frame: frame, first: first, n: len(b.Requests)}
	if delay+jitter > 0 {
		c.sendLater(d)
		return
	}
	c.writeOrLose(d)
}

// writeOrLose writes a frame; if it cannot be written, its messages are
// recorded as lost.
func (c *conn) writeOrLose(d delayed) {
	if !c.write(d.frame) {
		c.lost(d.first, d.n)
	}
}

func (c *conn) lost(first uint64, n int) { c.t.net.rec.Lost(c.t.self, c.to, first, n) }

// splitVotes separates vote and pre-vote requests and replies from the
// other messages.
func splitVotes(msgs []pb.Message) (votes, others []pb.Message) {
	for _, m := range msgs {
		switch m.Type {
		case pb.RequestVote, pb.RequestVoteResp, pb.RequestPreVote, pb.RequestPreVoteResp:
			votes = append(votes, m)
		default:
			others = append(others, m)
		}
	}
	return votes, others
}

// errLinkCut aborts a snapshot over a cut link; dragonboat retries it
// later. Unlike messages, a half-sent snapshot must not look delivered.
var errLinkCut = errors.New("link cut by the fault layer")

func (c *conn) SendChunk(ch pb.Chunk) error {
	cut := c.t.net.faults.cut(c.t.self, c.to)
	id := c.t.net.observeChunk(c.t.self, c.to, ch, cut)
	if cut {
		return errLinkCut
	}
	payload, err := ch.Marshal()
	if err != nil {
		c.lost(id, 1)
		return err
	}
	if !c.write(appendFrame(nil, frameChunk, id, payload)) {
		c.lost(id, 1)
		return fmt.Errorf("send snapshot chunk to replica %d: connection failed", c.to)
	}
	return nil
}

// write sends one frame, dialling first if needed. It reports whether the
// frame was written; a failed or timed-out write drops the connection (a
// part of a frame may have gone) for a redial.
func (c *conn) write(frame []byte) bool {
	c.sending.Lock()
	defer c.sending.Unlock()
	nc, ok := c.connected()
	if !ok {
		return false
	}
	nc.SetWriteDeadline(time.Now().Add(writeTimeout))
	if _, err := nc.Write(frame); err != nil {
		nc.Close()
		c.mu.Lock()
		if c.c == nc {
			c.c = nil
		}
		c.mu.Unlock()
		return false
	}
	return true
}

// connected returns the connection, dialling if there is none; false once
// the conn is closed or the peer cannot be reached.
func (c *conn) connected() (net.Conn, bool) {
	c.mu.Lock()
	nc := c.c
	c.mu.Unlock()
	if nc != nil {
		return nc, true
	}
	select {
	case <-c.stop:
		return nil, false
	default:
	}
	nc, err := net.DialTimeout("tcp", c.t.net.where(c.to, c.addr), dialTimeout)
	if err != nil {
		return nil, false
	}
	if g := c.t.net.guard; g != nil {
		if nc, err = g.Client(nc, c.to); err != nil {
			if !c.t.quiet(fmt.Sprint("connect ", c.to)) {
				log().Warn("raft port: could not connect", "replica", c.t.self, "to", c.to, "err", err)
			}
			return nil, false
		}
		// Where this seat listens, first: the peer may not know yet.
		nc.SetWriteDeadline(time.Now().Add(writeTimeout))
		if _, err := nc.Write(appendFrame(nil, frameWhere, 0, []byte(c.t.addr))); err != nil {
			nc.Close()
			return nil, false
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	select {
	case <-c.stop: // closed while dialling
		nc.Close()
		return nil, false
	default:
	}
	c.c = nc
	c.wg.Add(1)
	go c.watch(nc)
	return nc, true
}

// watch forgets nc as soon as its peer closes it. The peer never writes
// on an outbound connection, so a read returns only then: when the peer
// crashed or restarted, or closed the connection for being idle. Without
// it the next frame would go to the dead connection and be lost (the
// kernel accepts one write before it learns of the reset): after a
// restart, a follower's first vote for the restarted replica vanished
// that way, and a leadership transfer waited out an election timeout.
func (c *conn) watch(nc net.Conn) {
	defer c.wg.Done()
	var b [1]byte
	nc.Read(b[:]) // returns at EOF, on an error, or when we close nc
	nc.Close()
	c.mu.Lock()
	if c.c == nc {
		c.c = nil
	}
	c.mu.Unlock()
}

func (c *conn) sendLater(d delayed) {
	c.mu.Lock()
	if c.delay == nil {
		c.delay = make(chan delayed, delayQueue)
		c.wg.Add(1)
		go c.delayLine(c.delay)
	}
	q := c.delay
	c.mu.Unlock()
	select {
	case q <- d:
	default: // queue full: the slow link loses it
		c.lost(d.first, d.n)
	}
}

// delayLine delivers delayed frames in order, each when the link's delay
// has passed since it was sent.
func (c *conn) delayLine(q chan delayed) {
	defer c.wg.Done()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		select {
		case <-c.stop:
			c.loseQueued(q)
			return
		case d := <-q:
			if !c.waitDelay(d, timer) {
				c.lost(d.first, d.n)
				c.loseQueued(q)
				return
			}
		}
	}
}

// loseQueued records the frames still waiting on a closed link as lost.
func (c *conn) loseQueued(q chan delayed) {
	for {
		select {
		case d := <-q:
			c.lost(d.first, d.n)
		default:
			return
		}
	}
}

// waitDelay waits out the delay of d's link, then writes d. The delay is
// the one in force now, looked up again whenever the faults change: a heal
// or a shorter delay releases the frame early, and a frame whose link has
// been cut meanwhile is dropped. It returns false when the conn closes.
func (c *conn) waitDelay(d delayed, timer *time.Timer) bool {
	faults := c.t.net.faults
	for {
		changed := faults.changed()
		cut, delay, jitter := faults.delay(c.t.self, c.to, d.votes)
		if cut {
			c.lost(d.first, d.n)
			return true
		}
		wait := time.Until(d.sent.Add(delay + min(d.jitter, jitter)))
		if wait <= 0 {
			c.writeOrLose(d)
			return true
		}
		timer.Reset(wait) // since Go 1.23 a reset timer holds no stale tick
		select {
		case <-c.stop:
			return false
		case <-changed:
		case <-timer.C:
			c.writeOrLose(d)
			return true
		}
	}
}

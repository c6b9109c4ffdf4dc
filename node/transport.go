package node

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"syscall"
	"time"

	dbconfig "github.com/lni/dragonboat/v4/config"
	"github.com/lni/dragonboat/v4/raftio"
	pb "github.com/lni/dragonboat/v4/raftpb"
)

// The transport is plain TCP on loopback, one connection per peer for
// messages and one per snapshot. Two rules from measuring dragonboat:
//   - Never fail towards dragonboat for a known peer. An error makes it tear
//     the connection down and back off for up to a second, which hides the
//     Raft timing a class wants to see. A dead or cut peer's messages are
//     dropped silently, as a real network would.
//   - Never block on observers: the tap is a ring that overwrites.

// network is what the transports of one cluster share: the address book,
// the fault layer, the tap and the clues for role derivation.
type network struct {
	addrs      []string // addrs[i] is replica i's address; addrs[0] unused
	byAddr     map[string]int
	deployment uint64 // this cluster's id; other clusters' messages are refused
	faults     *faults
	tap        *Tap
	clues      *clues
}

func newNetwork(addrs []string, deployment uint64) *network {
	n := &network{
		addrs:      append([]string{""}, addrs...),
		byAddr:     map[string]int{},
		deployment: deployment,
		faults:     newFaults(len(addrs)),
		tap:        newTap(),
		clues:      newClues(len(addrs)),
	}
	for i, a := range addrs {
		n.byAddr[a] = i + 1
	}
	return n
}

// transportFactory plugs the transport into a NodeHost.
type transportFactory struct{ net *network }

func (f *transportFactory) Create(nhc dbconfig.NodeHostConfig,
	handler raftio.MessageHandler, chunks raftio.ChunkHandler) raftio.ITransport {
	return &transport{
		net:     f.net,
		self:    f.net.byAddr[nhc.RaftAddress],
		addr:    nhc.RaftAddress,
		handler: handler,
		chunks:  chunks,
		conns:   map[net.Conn]struct{}{},
		out:     map[*conn]struct{}{},
	}
}

func (f *transportFactory) Validate(addr string) bool {
	_, ok := f.net.byAddr[addr]
	return ok
}

type transport struct {
	net     *network
	self    int
	addr    string
	handler raftio.MessageHandler
	chunks  raftio.ChunkHandler

	mu     sync.Mutex
	ln     net.Listener
	conns  map[net.Conn]struct{} // accepted connections
	out    map[*conn]struct{}    // connections we dialled
	closed bool
	wg     sync.WaitGroup
}

func (t *transport) Name() string { return "raftian-tcp" }

// PortInUseError says that a replica's port is taken.
type PortInUseError struct {
	Replica int
	Address string
	Err     error
}

func (e *PortInUseError) Error() string {
	return fmt.Sprintf("replica %d cannot listen on %s: the port is in use (another raftian, or another program, holds it)", e.Replica, e.Address)
}

func (e *PortInUseError) Unwrap() error { return e.Err }

func (t *transport) Start() error {
	ln, err := net.Listen("tcp", t.addr)
	if err != nil {
		if isAddrInUse(err) {
			return &PortInUseError{Replica: t.self, Address: t.addr, Err: err}
		}
		return fmt.Errorf("replica %d: listen on %s: %w", t.self, t.addr, err)
	}
	t.mu.Lock()
	t.ln = ln
	t.mu.Unlock()
	t.wg.Add(1)
	go t.accept(ln)
	return nil
}

func (t *transport) Close() error {
	t.mu.Lock()
	t.closed = true
	if t.ln != nil {
		t.ln.Close()
	}
	for c := range t.conns {
		c.Close()
	}
	out := make([]*conn, 0, len(t.out))
	for c := range t.out {
		out = append(out, c)
	}
	t.mu.Unlock()
	for _, c := range out {
		c.Close()
	}
	t.wg.Wait()
	return nil
}

func (t *transport) accept(ln net.Listener) {
	defer t.wg.Done()
	for {
		c, err := ln.Accept()
		if err != nil {
			return // closed
		}
		t.mu.Lock()
		if t.closed {
			t.mu.Unlock()
			c.Close()
			return
		}
		t.conns[c] = struct{}{}
		t.wg.Add(1)
		t.mu.Unlock()
		go t.serve(c)
	}
}

// serve reads frames from one inbound connection until it fails. Anything
// malformed closes the connection with one log line; it never reaches Raft.
func (t *transport) serve(c net.Conn) {
	defer t.wg.Done()
	defer func() {
		t.mu.Lock()
		delete(t.conns, c)
		t.mu.Unlock()
		c.Close()
	}()
	r := bufio.NewReaderSize(c, 64<<10)
	buf := make([]byte, 0, 64<<10)
	for {
		kind, payload, err := readFrame(r, buf)
		if err != nil {
			if !isClosedConn(err) {
				log().Warn("raft port: dropped a connection sending bad data",
					"replica", t.self, "remote", c.RemoteAddr().String(), "err", err)
			}
			return
		}
		if cap(payload) <= 1<<20 {
			buf = payload[:0] // keep a grown buffer, but not a huge one
		}
		if err := t.deliver(kind, payload); err != nil {
			log().Warn("raft port: dropped a connection sending bad data",
				"replica", t.self, "remote", c.RemoteAddr().String(), "err", err)
			return
		}
	}
}

var (
	errUnknownSource = errors.New("message from an unknown address")
	errDeployment    = errors.New("message from another raftian cluster")
	errShard         = errors.New("message for an unknown shard")
)

func (t *transport) deliver(kind byte, payload []byte) error {
	switch kind {
	case frameBatch:
		var b pb.MessageBatch
		if err := unmarshal(b.Unmarshal, payload); err != nil {
			return err
		}
		if b.DeploymentId != t.net.deployment {
			return fmt.Errorf("%w (deployment %x)", errDeployment, b.DeploymentId)
		}
		src, ok := t.net.byAddr[b.SourceAddress]
		if !ok {
			return fmt.Errorf("%w %q", errUnknownSource, b.SourceAddress)
		}
		for _, m := range b.Requests {
			if m.ShardID != shardID {
				return fmt.Errorf("%w %d", errShard, m.ShardID)
			}
		}
		// Checked again on receipt: a partition may have started while the
		// batch was on its way.
		if t.net.faults.cut(src, t.self) {
			return nil
		}
		t.net.clues.received(t.self, b.Requests)
		t.handler(b)
	case frameChunk:
		var ch pb.Chunk
		if err := unmarshal(ch.Unmarshal, payload); err != nil {
			return err
		}
		if ch.DeploymentId != t.net.deployment {
			return fmt.Errorf("%w (deployment %x)", errDeployment, ch.DeploymentId)
		}
		if ch.ShardID != shardID {
			return fmt.Errorf("%w %d", errShard, ch.ShardID)
		}
		if t.net.faults.cut(int(ch.From), t.self) {
			return nil
		}
		if !t.chunks(ch) {
			return errors.New("snapshot chunk refused")
		}
	}
	return nil
}

// unmarshal runs a generated protobuf decoder and turns a panic on hostile
// input into an error: garbage on a Raft port must not crash a replica.
func unmarshal(decode func([]byte) error, payload []byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("undecodable payload: %v", r)
		}
	}()
	if err := decode(payload); err != nil {
		return fmt.Errorf("undecodable payload: %w", err)
	}
	return nil
}

func (t *transport) GetConnection(ctx context.Context, target string) (raftio.IConnection, error) {
	return t.newConn(target, false)
}

func (t *transport) GetSnapshotConnection(ctx context.Context, target string) (raftio.ISnapshotConnection, error) {
	return t.newConn(target, true)
}

func (t *transport) newConn(target string, snapshot bool) (*conn, error) {
	to, ok := t.net.byAddr[target]
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
type conn struct {
	t        *transport
	to       int
	addr     string
	snapshot bool

	mu    sync.Mutex
	c     net.Conn
	buf   []byte
	delay chan delayed // started on the first delayed message
	stop  chan struct{}
	once  sync.Once
	wg    sync.WaitGroup
}

type delayed struct {
	due   time.Time
	frame []byte
}

// delayQueue bounds how many delayed frames a link holds; beyond it the
// link drops, as a congested one would.
const delayQueue = 1024

func (c *conn) Close() {
	c.once.Do(func() {
		close(c.stop)
		c.mu.Lock()
		if c.c != nil {
			c.c.Close()
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
		c.t.net.observeSent(c.t.self, c.to, votes, !v.votesDeliver)
		if v.votesDeliver && len(votes) > 0 {
			vb := b
			vb.Requests = votes
			c.send(vb, v.delay+v.votesDelay)
		}
	}
	c.t.net.observeSent(c.t.self, c.to, b.Requests, false)
	if len(b.Requests) > 0 {
		c.send(b, v.delay)
	}
	return nil
}

// send frames a batch and writes it now or, on a slow link, later.
func (c *conn) send(b pb.MessageBatch, delay time.Duration) {
	// Marshal straight into the frame: one allocation, no copy.
	frame := make([]byte, frameHeaderSize+b.Size())
	n, err := b.MarshalTo(frame[frameHeaderSize:])
	if err != nil {
		return // cannot happen for a batch dragonboat built; drop it
	}
	putFrameHeader(frame[:frameHeaderSize], frameBatch, frame[frameHeaderSize:frameHeaderSize+n])
	frame = frame[:frameHeaderSize+n]
	if delay > 0 {
		c.sendLater(time.Now().Add(delay), frame)
		return
	}
	c.write(frame)
}

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
	c.t.net.observeChunk(c.t.self, c.to, ch, cut)
	if cut {
		return errLinkCut
	}
	payload, err := ch.Marshal()
	if err != nil {
		return err
	}
	if !c.write(appendFrame(nil, frameChunk, payload)) {
		return fmt.Errorf("send snapshot chunk to replica %d: connection failed", c.to)
	}
	return nil
}

// write sends one frame, dialling first if needed. It reports whether the
// frame was written; a failed write drops the connection for a redial.
func (c *conn) write(frame []byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	select {
	case <-c.stop:
		return false
	default:
	}
	if c.c == nil {
		nc, err := net.DialTimeout("tcp", c.addr, time.Second)
		if err != nil {
			return false
		}
		c.c = nc
	}
	if _, err := c.c.Write(frame); err != nil {
		c.c.Close()
		c.c = nil
		return false
	}
	return true
}

func (c *conn) sendLater(due time.Time, frame []byte) {
	c.mu.Lock()
	if c.delay == nil {
		c.delay = make(chan delayed, delayQueue)
		c.wg.Add(1)
		go c.delayLine(c.delay)
	}
	q := c.delay
	c.mu.Unlock()
	select {
	case q <- delayed{due: due, frame: frame}:
	default: // queue full: the slow link loses it
	}
}

// delayLine delivers delayed frames in order, each at its due time.
func (c *conn) delayLine(q chan delayed) {
	defer c.wg.Done()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		select {
		case <-c.stop:
			return
		case d := <-q:
			timer.Reset(time.Until(d.due))
			select {
			case <-c.stop:
				return
			case <-timer.C:
			}
			c.write(d.frame)
		}
	}
}

func isAddrInUse(err error) bool { return errors.Is(err, syscall.EADDRINUSE) }

func isClosedConn(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, syscall.ECONNRESET)
}

package wire

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	dbconfig "github.com/lni/dragonboat/v4/config"
	"github.com/lni/dragonboat/v4/raftio"
	pb "github.com/lni/dragonboat/v4/raftpb"

	"github.com/raftian/raftian/record"
)

// The transport is plain TCP on loopback, one connection per peer for
// messages and one per snapshot. Two rules from measuring dragonboat:
//   - Never fail towards dragonboat for a known peer. An error makes it tear
//     the connection down and back off for up to a second, which hides the
//     Raft timing a class wants to see. A dead or cut peer's messages are
//     dropped silently, as a real network would.
//   - Never block on observers: the recorder takes one short lock a batch.

// Network is what the transports of one cluster share: the address book,
// the fault layer, the recorder, the clues for role derivation and the
// budget for frames being read.
type Network struct {
	mu         sync.RWMutex
	byAddr     map[string]int // replica number by address; grows with the cluster
	deployment uint64         // this cluster's id; other clusters' messages are refused
	faults     *faults
	rec        *record.Recorder // nil: nothing recorded
	clues      *clues
	budget     *budget
	guard      Guard // nil: plain TCP on loopback
}

// Guard secures a network's connections when its replicas are on
// different machines (a class): each connection starts with a handshake
// that proves which replica is at the other end (package class).
type Guard interface {
	// Server runs an accepted connection's handshake and returns the
	// replica that connected.
	Server(net.Conn) (net.Conn, int, error)
	// Client runs a dialled connection's handshake; the peer must prove
	// it is replica want.
	Client(c net.Conn, want int) (net.Conn, error)
}

// Secure makes every connection of the network start with g's handshake.
// It is called before any replica starts.
func (n *Network) Secure(g Guard) { n.guard = g }

// Limits of the inbound side, against peers that are not replicas: a
// replica's peers need a few connections each (messages, snapshots), and
// send a heartbeat every round trip.
var (
	maxInbound   = 32               // connections held per replica
	inboundIdle  = 30 * time.Second // a connection silent this long is closed
	frameTimeout = 10 * time.Second // a frame must arrive whole within this
)

// New returns the network of replicas at addrs (replica i at addrs[i-1])
// of the cluster with the given deployment id, recording to rec (if not
// nil).
func New(addrs []string, deployment uint64, rec *record.Recorder) *Network {
	n := &Network{
		byAddr:     map[string]int{},
		deployment: deployment,
		faults:     newFaults(len(addrs)),
		rec:        rec,
		clues:      newClues(),
		budget:     &budget{left: inboundBudget},
	}
	for i, a := range addrs {
		n.byAddr[a] = i + 1
	}
	return n
}

// MaxReplicas is the most replicas a network can hold.
const MaxReplicas = 9

// AddPeer puts replica i at addr in the address book: a replica added to
// the cluster. It is on replica like's side of a partition, if there is
// one.
func (n *Network) AddPeer(i int, addr string, like int) {
	n.mu.Lock()
	n.byAddr[addr] = i
	n.mu.Unlock()
	n.faults.grow(i, like)
}

// replicaAt returns the replica at addr, if it is one.
func (n *Network) replicaAt(addr string) (int, bool) {
	n.mu.RLock()
	defer n.mu.RUnlock()
	i, ok := n.byAddr[addr]
	return i, ok
}

// Factory plugs the network's transport into a NodeHost.
func (n *Network) Factory() dbconfig.TransportFactory { return &transportFactory{net: n} }

type transportFactory struct{ net *Network }

func (f *transportFactory) Create(nhc dbconfig.NodeHostConfig,
	handler raftio.MessageHandler, chunks raftio.ChunkHandler) raftio.ITransport {
	self, _ := f.net.replicaAt(nhc.RaftAddress)
	return &transport{
		net:     f.net,
		self:    self,
		addr:    nhc.RaftAddress,
		handler: handler,
		chunks:  chunks,
		conns:   map[net.Conn]struct{}{},
		out:     map[*conn]struct{}{},
	}
}

func (f *transportFactory) Validate(addr string) bool {
	_, ok := f.net.replicaAt(addr)
	return ok
}

type transport struct {
	net     *Network
	self    int
	addr    string
	handler raftio.MessageHandler
	chunks  raftio.ChunkHandler

	mu      sync.Mutex
	ln      net.Listener
	conns   map[net.Conn]struct{} // accepted connections
	out     map[*conn]struct{}    // connections we dialled
	closed  bool
	refused int                  // connections refused since the last log line
	said    map[string]time.Time // when each warning was last logged (quiet)
	wg      sync.WaitGroup
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
		if len(t.conns) >= maxInbound {
			t.refuse(c)
			t.mu.Unlock()
			c.Close()
			continue
		}
		t.conns[c] = struct{}{}
		t.wg.Add(1)
		t.mu.Unlock()
		go t.serve(c)
	}
}

// refuse logs a connection refused for being one too many, at most one
// line every few seconds however many come. t.mu is held.
func (t *transport) refuse(c net.Conn) {
	t.refused++
	if t.quietLocked("beyond the limit") {
		return
	}
	log().Warn("raft port: refused connections beyond the limit", "replica", t.self,
		"limit", maxInbound, "refused", t.refused, "last remote", c.RemoteAddr().String())
	t.refused = 0
}

// quietPeriod is how long a warning stays unrepeated, and maxSaid how
// many different ones are remembered: a network full of strangers must
// neither flood the log nor grow the table.
const (
	quietPeriod = 5 * time.Second
	maxSaid     = 64
)

// quiet reports whether a warning about what (a peer, a refusal) was
// logged in the last few seconds and should be left out now: a refused
// peer tries again at every heartbeat.
func (t *transport) quiet(what string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.quietLocked(what)
}

// quietLocked is quiet with t.mu held.
func (t *transport) quietLocked(what string) bool {
	now := time.Now()
	if now.Sub(t.said[what]) < quietPeriod {
		return true
	}
	if t.said == nil {
		t.said = map[string]time.Time{}
	}
	if len(t.said) >= maxSaid {
		for k, at := range t.said {
			if now.Sub(at) >= quietPeriod {
				delete(t.said, k)
			}
		}
		if len(t.said) >= maxSaid {
			return true // this many warnings in a few seconds: enough said
		}
	}
	t.said[what] = now
	return false
}

// serve reads frames from one inbound connection until it fails. Anything
// malformed closes the connection with one log line; it never reaches
// Raft. A connection that stays silent, or sends a frame too slowly or
// one too large for the budget left, is closed as well.
func (t *transport) serve(c net.Conn) {
	defer t.wg.Done()
	defer func() {
		t.mu.Lock()
		delete(t.conns, c)
		t.mu.Unlock()
		c.Close()
	}()
	bad := func(err error) {
		log().Warn("raft port: dropped a connection sending bad data",
			"replica", t.self, "remote", c.RemoteAddr().String(), "err", err)
	}
	from := 0 // the replica the handshake proved, if guarded
	if g := t.net.guard; g != nil {
		tc, n, err := g.Server(c)
		if err != nil {
			if host, _, _ := net.SplitHostPort(c.RemoteAddr().String()); !t.quiet("refused " + host) {
				log().Warn("raft port: refused a connection", "replica", t.self,
					"remote", c.RemoteAddr().String(), "err", err)
			}
			return
		}
		c, from = tc, n
	}
	r := bufio.NewReaderSize(c, 64<<10)
	buf := make([]byte, 0, 64<<10) // for the common, small frames
	for {
		c.SetReadDeadline(time.Now().Add(inboundIdle))
		h, err := readHeader(r)
		if err != nil {
			if !isClosedConn(err) && !isTimeout(err) {
				bad(err)
			}
			return
		}
		if !t.net.budget.take(h.size) {
			bad(fmt.Errorf("%w: %d bytes do not fit in the inbound budget", errTooLarge, h.size))
			return
		}
		c.SetReadDeadline(time.Now().Add(frameTimeout))
		payload, err := readPayload(r, h, buf)
		if err == nil {
			err = t.deliver(h.kind, h.id, payload, from)
		}
		t.net.budget.give(h.size)
		if h.size >= largeFrame {
			payload = nil
			returnMemory()
		}
		if err != nil {
			if !isClosedConn(err) {
				bad(err)
			}
			return
		}
	}
}

var (
	errUnknownSource = errors.New("message from an unknown address")
	errDeployment    = errors.New("message from another raftian cluster")
	errShard         = errors.New("message for an unknown shard")
	errImpostor      = errors.New("a replica spoke for another")
)

// deliver hands a frame's messages (whose first id is id) to Raft. from is
// the replica the connection's handshake proved, or 0 without one: a
// replica may speak only for itself.
func (t *transport) deliver(kind byte, id uint64, payload []byte, from int) error {
	switch kind {
	case frameBatch:
		var b pb.MessageBatch
		if err := Unmarshal(b.Unmarshal, payload); err != nil {
			return err
		}
		if b.DeploymentId != t.net.deployment {
			return fmt.Errorf("%w (deployment %x)", errDeployment, b.DeploymentId)
		}
		src, ok := t.net.replicaAt(b.SourceAddress)
		if !ok {
			return fmt.Errorf("%w %q", errUnknownSource, b.SourceAddress)
		}
		if from != 0 && src != from {
			return fmt.Errorf("%w: replica %d sent a batch from replica %d's address", errImpostor, from, src)
		}
		for _, m := range b.Requests {
			if m.ShardID != ShardID {
				return fmt.Errorf("%w %d", errShard, m.ShardID)
			}
			if int(m.From) != src {
				return fmt.Errorf("%w: a message from replica %d in a batch of replica %d", errImpostor, m.From, src)
			}
		}
		// Checked again on receipt: a partition may have started while the
		// batch was on its way.
		if t.net.faults.cut(src, t.self) {
			t.net.arrived(src, t.self, id, b.Requests, true)
			return nil
		}
		t.net.clues.received(t.self, b.Requests)
		t.net.arrived(src, t.self, id, b.Requests, false)
		t.handler(b)
	case frameChunk:
		var ch pb.Chunk
		if err := Unmarshal(ch.Unmarshal, payload); err != nil {
			return err
		}
		if ch.DeploymentId != t.net.deployment {
			return fmt.Errorf("%w (deployment %x)", errDeployment, ch.DeploymentId)
		}
		if ch.ShardID != ShardID {
			return fmt.Errorf("%w %d", errShard, ch.ShardID)
		}
		if from != 0 && int(ch.From) != from {
			return fmt.Errorf("%w: replica %d sent a snapshot chunk from replica %d", errImpostor, from, ch.From)
		}
		msg := chunkMessage(ch)
		if t.net.faults.cut(int(ch.From), t.self) {
			t.net.arrived(int(ch.From), t.self, id, msg, true)
			return nil
		}
		t.net.arrived(int(ch.From), t.self, id, msg, false)
		if !t.chunks(ch) {
			return errors.New("snapshot chunk refused")
		}
	}
	return nil
}

// Unmarshal runs a generated protobuf decoder and turns a panic on hostile
// input into an error: garbage on a Raft port (or in a damaged file) must
// not crash a replica.
func Unmarshal(decode func([]byte) error, payload []byte) (err error) {
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

func isAddrInUse(err error) bool { return errors.Is(err, syscall.EADDRINUSE) }

// largeFrame is the size from which a frame's memory is handed back to
// the system as soon as it has been delivered (or refused): left to the
// garbage collector, a dead 64 MiB buffer doubles the heap's next goal, and
// the process grows by that much again before it collects.
const largeFrame = 8 << 20

var lastReturn atomic.Int64 // unix nanoseconds of the last returnMemory

// returnMemory collects garbage and returns free memory to the system, at
// most once a second however many large frames arrive.
func returnMemory() {
	now := time.Now().UnixNano()
	last := lastReturn.Load()
	if now-last < int64(time.Second) || !lastReturn.CompareAndSwap(last, now) {
		return
	}
	debug.FreeOSMemory()
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func isClosedConn(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, syscall.ECONNRESET)
}

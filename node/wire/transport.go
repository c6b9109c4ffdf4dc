package wire

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	dbconfig "github.com/lni/dragonboat/v4/config"
	"github.com/lni/dragonboat/v4/raftio"

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
	// located: in a class, where a seat listens now, when it moved since
	// its address went into Raft's membership (which keeps the old one).
	located map[int]string
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
	// MayChangeMembers reports whether replica n may propose membership
	// changes (in a class, only the teacher's seat).
	MayChangeMembers(n int) bool
}

// Secure makes every connection of the network start with g's handshake.
// It is called before any replica starts.
func (n *Network) Secure(g Guard) { n.guard = g }

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
const MaxReplicas = record.MaxReplicas

// AddPeer puts replica i at addr in the address book: a replica added to
// the cluster. It is on replica like's side of a partition, if there is
// one.
func (n *Network) AddPeer(i int, addr string, like int) {
	n.mu.Lock()
	n.byAddr[addr] = i
	n.mu.Unlock()
	n.faults.grow(i, like)
}

// replicaAt returns the replica at addr, if it is one. An address that
// names its seat (SeatAddr) is one, and joins the address book.
func (n *Network) replicaAt(addr string) (int, bool) {
	n.mu.RLock()
	i, ok := n.byAddr[addr]
	n.mu.RUnlock()
	if ok {
		return i, true
	}
	if seat := seatOf(addr); n.guard != nil && seat >= 1 && seat <= MaxReplicas {
		n.AddPeer(seat, addr, 0)
		return seat, true
	}
	return 0, false
}

// Locate notes that seat n listens at hostport now: a laptop that moved.
// Connections to it are made there from now on, whatever address Raft's
// membership keeps for it.
func (n *Network) Locate(seat int, hostport string) {
	n.mu.RLock()
	same := n.located[seat] == hostport
	n.mu.RUnlock()
	if same {
		return
	}
	n.mu.Lock()
	if n.located == nil {
		n.located = map[int]string{}
	}
	n.located[seat] = hostport
	n.mu.Unlock()
}

// where is where to dial replica to, whose address in Raft is addr.
func (n *Network) where(to int, addr string) string {
	n.mu.RLock()
	hp, ok := n.located[to]
	n.mu.RUnlock()
	if ok {
		return hp
	}
	return addr
}

// SeatAddr is seat n's address in Raft, in a class: "seat#n", its
// identity rather than where it is. Laptops move (DHCP, another network),
// and dragonboat refuses to see a member's address change: the seat is
// what Raft knows, and where it listens now is the network's business
// (Locate). The TLS handshake proves a seat is who it says.
func SeatAddr(n int) string { return fmt.Sprintf("seat#%d", n) }

// Where is where seat n listens, as far as this network knows; "" if it
// does not.
func (n *Network) Where(seat int) string {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.located[seat]
}

// seatOf returns the seat a class's address names (SeatAddr), 0 if it
// names none.
func seatOf(addr string) int {
	rest, ok := strings.CutPrefix(addr, "seat#")
	if !ok {
		return 0
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 1 {
		return 0
	}
	return n
}

// Factory plugs the network's transport into a NodeHost.
func (n *Network) Factory() dbconfig.TransportFactory { return &transportFactory{net: n} }

type transportFactory struct{ net *Network }

func (f *transportFactory) Create(nhc dbconfig.NodeHostConfig,
	handler raftio.MessageHandler, chunks raftio.ChunkHandler) raftio.ITransport {
	self, _ := f.net.replicaAt(nhc.RaftAddress)
	listen := nhc.ListenAddress // a class's seat: its address in Raft is its identity
	if listen == "" {
		listen = nhc.RaftAddress
	}
	return &transport{
		net:     f.net,
		self:    self,
		addr:    listen,
		handler: handler,
		chunks:  chunks,
		conns:   map[net.Conn]struct{}{},
		out:     map[*conn]struct{}{},
	}
}

func (f *transportFactory) Validate(addr string) bool {
	if _, ok := f.net.replicaAt(addr); ok {
		return true
	}
	_, _, err := net.SplitHostPort(addr) // a class's seat's listen address
	return f.net.guard != nil && err == nil
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

func isAddrInUse(err error) bool { return errors.Is(err, syscall.EADDRINUSE) }

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

// replicaAt returns the replica at addr, if it is one. An address that
// names its seat (SeatAddr) is one, and joins the address book.
func (n *Network) replicaAt(addr string) (int, bool) {
	n.mu.RLock()
	i, ok := n.byAddr[addr]
	n.mu.RUnlock()
	if ok {
		return i, true
	}
	if _, seat := splitSeat(addr); n.guard != nil && seat >= 1 && seat <= MaxReplicas {
		n.AddPeer(seat, addr, 0)
		return seat, true
	}
	return 0, false
}

// SeatAddr is the address of seat n of a class listening at hostport:
// "hostport#n". In a class a replica's address says which seat it is, so
// that a seat can reach one it has not heard of yet (the TLS handshake
// proves it); dragonboat keeps it as an opaque string.
func SeatAddr(hostport string, n int) string { return fmt.Sprintf("%s#%d", hostport, n) }

// HostPort is where the replica at addr listens: addr without its seat.
func HostPort(addr string) string { h, _ := splitSeat(addr); return h }

// splitSeat splits a seat's address into where it listens and its seat,
// 0 if it names none.
func splitSeat(addr string) (hostport string, seat int) {
	i := strings.LastIndexByte(addr, '#')
	if i < 0 {
		return addr, 0
	}
	n, err := strconv.Atoi(addr[i+1:])
	if err != nil || n < 1 {
		return addr, 0
	}
	return addr[:i], n
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
	listen, _ := splitSeat(t.addr)
	ln, err := net.Listen("tcp", listen)
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

package wire

import (
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	dbconfig "github.com/lni/dragonboat/v4/config"
	"github.com/lni/dragonboat/v4/raftio"
	pb "github.com/lni/dragonboat/v4/raftpb"

	"github.com/raftian/raftian/class"
	"github.com/raftian/raftian/internal/testenv"
)

// A class's seats, each with its own network as each laptop has: seat i
// at addrs[i-1].
type seats struct {
	addrs  []string
	guards []*class.Guard

	mu  sync.Mutex
	got []pb.MessageBatch // batches seat 2 took
}

func newSeats(t testing.TB, n int) *seats {
	t.Helper()
	ca, err := class.NewCA(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	s := &seats{addrs: testenv.Addrs(t, n)}
	for i := 1; i <= n; i++ {
		key, err := class.NewKey()
		if err != nil {
			t.Fatal(err)
		}
		cert, err := ca.Issue(i, &key.PublicKey, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		g, err := class.NewGuard(ca.Cert, cert, key)
		if err != nil {
			t.Fatal(err)
		}
		s.guards = append(s.guards, g)
	}
	return s
}

// start starts seat i's transport; seat 2's keeps what it is handed.
func (s *seats) start(t *testing.T, i int) *transport {
	t.Helper()
	n := New(s.addrs, 1, nil)
	n.Secure(s.guards[i-1])
	tr := n.Factory().Create(dbconfig.NodeHostConfig{RaftAddress: s.addrs[i-1]},
		func(b pb.MessageBatch) {
			s.mu.Lock()
			s.got = append(s.got, b)
			s.mu.Unlock()
		}, func(pb.Chunk) bool { return true })
	if err := tr.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	return tr.(*transport)
}

func (s *seats) taken() []pb.MessageBatch {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]pb.MessageBatch(nil), s.got...)
}

// batch is a heartbeat batch as replica from would send it to replica 2,
// sent from address src.
func (s *seats) batch(from int, src string) pb.MessageBatch {
	return pb.MessageBatch{DeploymentId: 1, SourceAddress: src,
		Requests: []pb.Message{{Type: pb.Heartbeat, From: uint64(from), To: 2, ShardID: ShardID, Term: 1}}}
}

// sendRaw sends one frame to seat 2 over a connection whose handshake
// client made, and waits until seat 2 either closes the connection
// (refused) or has taken want batches.
func (s *seats) sendRaw(t *testing.T, dial func(net.Conn) (net.Conn, error), b pb.MessageBatch) (closed bool) {
	t.Helper()
	nc, err := net.DialTimeout("tcp", s.addrs[1], time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if dial != nil {
		if nc, err = dial(nc); err != nil {
			t.Fatalf("handshake: %v", err)
		}
	}
	defer nc.Close()
	payload, err := b.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	before := len(s.taken()) // before the write: the batch may be taken at once
	if _, err := nc.Write(BatchFrame(payload)); err != nil {
		return true
	}
	nc.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		if len(s.taken()) > before {
			return false
		}
		var one [1]byte
		if _, err := nc.Read(one[:]); err != nil && !isTimeout(err) {
			return true // closed, or refused with a TLS alert
		}
		nc.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	}
	t.Fatal("seat 2 neither took the batch nor closed the connection in 10 s")
	return false
}

// A seat speaks only for itself: its certificate names its seat, and a
// batch from another replica's address, or holding another replica's
// message, closes the connection before Raft sees it.
func TestASeatSpeaksOnlyForItself(t *testing.T) {
	s := newSeats(t, 3)
	s.start(t, 2)
	asSeat1 := func(nc net.Conn) (net.Conn, error) { return s.guards[0].Client(nc, 2) }

	if closed := s.sendRaw(t, asSeat1, s.batch(3, s.addrs[2])); !closed {
		t.Error("seat 1 sent a batch from seat 3's address, and seat 2 took it")
	}
	if closed := s.sendRaw(t, asSeat1, s.batch(3, s.addrs[0])); !closed {
		t.Error("seat 1 sent replica 3's message, and seat 2 took it")
	}
	if closed := s.sendRaw(t, nil, s.batch(1, s.addrs[0])); !closed {
		t.Error("a batch without TLS was taken")
	}
	if len(s.taken()) != 0 {
		t.Fatalf("seat 2 took %d refused batches", len(s.taken()))
	}
	// Seat 1 speaking for itself is taken: the refusals were the
	// impostor's, not a broken setup.
	if closed := s.sendRaw(t, asSeat1, s.batch(1, s.addrs[0])); closed {
		t.Fatal("seat 1's own batch was refused")
	}
}

// Seats' transports connect through the guard: a batch sent by seat 1's
// replica reaches seat 2's, and a seat removed from the class reaches no
// one.
func TestSeatsTalkThroughTheirGuards(t *testing.T) {
	s := newSeats(t, 3)
	s.start(t, 2)
	one := s.start(t, 1)
	c, err := one.GetConnection(t.Context(), s.addrs[1])
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	testenv.WaitFor(t, 10*time.Second, "seat 2 to take seat 1's heartbeat", func() bool {
		c.SendMessageBatch(s.batch(1, s.addrs[0]))
		return len(s.taken()) > 0
	})
	if b := s.taken()[0]; b.Requests[0].From != 1 {
		t.Errorf("seat 2 took a message from %d, want 1", b.Requests[0].From)
	}

	s.guards[1].Remove(3)
	asSeat3 := func(nc net.Conn) (net.Conn, error) { return s.guards[2].Client(nc, 2) }
	if closed := s.sendRaw(t, asSeat3, s.batch(3, s.addrs[2])); !closed {
		t.Error("a removed seat's batch was taken")
	}
}

// BenchmarkSeatToSeat sends batches of sixteen 1 KiB entries from seat 1's
// transport to seat 2's, plain TCP against mutual TLS: what a class pays
// for its security (go test -bench SeatToSeat ./node/wire).
func BenchmarkSeatToSeat(b *testing.B) {
	for _, secure := range []bool{false, true} {
		name := "plain"
		if secure {
			name = "tls"
		}
		b.Run(name, func(b *testing.B) {
			s := newSeats(b, 2)
			var got atomic.Int64
			start := func(i int) raftio.ITransport {
				n := New(s.addrs, 1, nil)
				if secure {
					n.Secure(s.guards[i-1])
				}
				tr := n.Factory().Create(dbconfig.NodeHostConfig{RaftAddress: s.addrs[i-1]},
					func(pb.MessageBatch) { got.Add(1) }, func(pb.Chunk) bool { return true })
				if err := tr.Start(); err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { tr.Close() })
				return tr
			}
			start(2)
			c, err := start(1).GetConnection(b.Context(), s.addrs[1])
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			batch := s.batch(1, s.addrs[0])
			batch.Requests[0].Type = pb.Replicate
			for i := range 16 {
				batch.Requests[0].Entries = append(batch.Requests[0].Entries,
					pb.Entry{Index: uint64(i + 1), Term: 1, Cmd: make([]byte, 1024)})
			}
			// The first batch dials (and shakes hands): not measured.
			c.SendMessageBatch(batch)
			testenv.WaitFor(b, 10*time.Second, "the first batch", func() bool { return got.Load() == 1 })
			b.SetBytes(int64(batch.Size()))
			b.ResetTimer()
			for range b.N {
				c.SendMessageBatch(batch)
			}
			testenv.WaitFor(b, time.Minute, "every batch to arrive", func() bool { return got.Load() == int64(b.N)+1 })
		})
	}
}

// Only the teacher's seat may change membership: a student's seat that
// forwards a config-change proposal to the leader is refused before Raft
// sees it, while the teacher's same proposal is taken. (Seat 2 plays the
// leader here; seat 3 the student, seat 1 the teacher.)
func TestOnlyTheTeacherProposesMembers(t *testing.T) {
	s := newSeats(t, 3)
	s.start(t, 2)
	propose := func(from int) pb.MessageBatch {
		b := s.batch(from, s.addrs[from-1])
		b.Requests[0].Type = pb.Propose
		b.Requests[0].Entries = []pb.Entry{{Type: pb.ConfigChangeEntry, Cmd: []byte("add 9")}}
		return b
	}
	asSeat3 := func(nc net.Conn) (net.Conn, error) { return s.guards[2].Client(nc, 2) }
	if closed := s.sendRaw(t, asSeat3, propose(3)); !closed {
		t.Error("a student's seat proposed a membership change, and the leader took it")
	}
	if len(s.taken()) != 0 {
		t.Fatalf("the leader took %d refused batches", len(s.taken()))
	}
	asSeat1 := func(nc net.Conn) (net.Conn, error) { return s.guards[0].Client(nc, 2) }
	if closed := s.sendRaw(t, asSeat1, propose(1)); closed {
		t.Fatal("the teacher's membership proposal was refused")
	}
}

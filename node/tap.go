package node

import (
	"sync"
	"time"

	pb "github.com/lni/dragonboat/v4/raftpb"
)

// Message is one Raft message as the transport saw it.
type Message struct {
	Seq      uint64    // position in the tap, from 1
	At       time.Time // when it was sent
	Type     pb.MessageType
	From, To int // replica numbers, 1-based
	Term     uint64
	LogTerm  uint64
	LogIndex uint64
	Commit   uint64
	Reject   bool
	Entries  int
	Dropped  bool // the fault layer dropped it on the way out
}

// Kind returns a short name for the message type, e.g. "Heartbeat".
func (m Message) Kind() string { return m.Type.String() }

// TapSize is how many messages the tap keeps.
const TapSize = 8192

// Tap is a bounded ring of the most recent messages. Writers never wait
// for readers: when the ring is full the oldest message is overwritten, and
// a reader that fell behind simply misses it.
type Tap struct {
	mu   sync.Mutex
	ring ring[Message]
}

func newTap() *Tap { return &Tap{ring: newRing[Message](TapSize)} }

func (t *Tap) add(m Message) {
	t.mu.Lock()
	t.addLocked(m)
	t.mu.Unlock()
}

func (t *Tap) addLocked(m Message) {
	m.Seq = t.ring.next
	t.ring.add(m)
}

// Since appends to out the messages after seq that are still in the ring
// and returns it with the seq to ask for next time.
func (t *Tap) Since(seq uint64, out []Message) ([]Message, uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.ring.since(seq, out)
}

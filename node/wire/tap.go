package wire

import (
	"sync"
	"time"

	pb "github.com/lni/dragonboat/v4/raftpb"

	"github.com/raftian/raftian/internal/ring"
)

// Kind is what a Raft message is for, in the words of the Raft paper;
// replies have the same kind as their requests (Message.Reply).
type Kind uint8

const (
	KindOther      Kind = iota // everything a class need not see
	KindHeartbeat              // a leader's heartbeat, and its reply
	KindAppend                 // AppendEntries (dragonboat's Replicate), and its reply
	KindVote                   // RequestVote, and a granted or rejected vote
	KindPreVote                // PreVote's request and answer
	KindSnapshot               // InstallSnapshot
	KindTimeoutNow             // a leader telling its chosen successor to campaign at once
)

var kindNames = [...]string{"other", "heartbeat", "append", "vote", "pre-vote", "snapshot", "timeout-now"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "other"
}

// kindOf classifies dragonboat's message types.
func kindOf(t pb.MessageType) (Kind, bool) {
	switch t {
	case pb.Heartbeat:
		return KindHeartbeat, false
	case pb.HeartbeatResp:
		return KindHeartbeat, true
	case pb.Replicate:
		return KindAppend, false
	case pb.ReplicateResp:
		return KindAppend, true
	case pb.RequestVote:
		return KindVote, false
	case pb.RequestVoteResp:
		return KindVote, true
	case pb.RequestPreVote:
		return KindPreVote, false
	case pb.RequestPreVoteResp:
		return KindPreVote, true
	case pb.InstallSnapshot:
		return KindSnapshot, false
	case pb.TimeoutNow:
		return KindTimeoutNow, false
	}
	return KindOther, false
}

// Message is one Raft message as the transport saw it.
type Message struct {
	Seq      uint64    // position in the tap, from 1
	At       time.Time // when it was sent
	Kind     Kind
	Reply    bool // a reply to a request of the same kind
	From, To int  // replica numbers, 1-based
	Term     uint64
	LogTerm  uint64
	LogIndex uint64
	Commit   uint64
	Reject   bool
	Entries  int
	Dropped  bool // the fault layer dropped it on the way out
}

// TapSize is how many messages the tap keeps.
const TapSize = 8192

// Tap is a bounded ring of the most recent messages. Writers never wait
// for readers: when the ring is full the oldest message is overwritten, and
// a reader that fell behind simply misses it.
type Tap struct {
	mu   sync.Mutex
	ring ring.Ring[Message]
}

func newTap() *Tap { return &Tap{ring: ring.New[Message](TapSize)} }

func (t *Tap) add(m Message) {
	t.mu.Lock()
	t.addLocked(m)
	t.mu.Unlock()
}

func (t *Tap) addLocked(m Message) {
	m.Seq = t.ring.Next()
	t.ring.Add(m)
}

// Since appends to out the messages after seq that are still in the ring
// and returns it with the seq to ask for next time.
func (t *Tap) Since(seq uint64, out []Message) ([]Message, uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.ring.Since(seq, out)
}

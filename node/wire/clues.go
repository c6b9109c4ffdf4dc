package wire

import (
	"sync"

	pb "github.com/lni/dragonboat/v4/raftpb"
)

// dragonboat does not say what a replica's commit index is. The
// transport sees it: a Heartbeat or Replicate arriving carries the commit
// index the follower may advance to; the leader's own commit index is
// what it sends. (Whether a replica campaigns is the record's to say:
// record.Known.)

type clues struct {
	mu sync.Mutex
	of []Clues // of[i] is what is known of replica i
}

// Clues are what the wire tells of one replica.
type Clues struct {
	Commit uint64 // the highest commit index it can know
}

func newClues() *clues { return &clues{of: make([]Clues, MaxReplicas+1)} }

func (c *clues) get(i int) Clues {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.of[i]
}

// forget clears what is known about replica i, e.g. when it restarts.
func (c *clues) forget(i int) {
	c.mu.Lock()
	c.of[i] = Clues{}
	c.mu.Unlock()
}

func (c *clues) received(to int, msgs []pb.Message) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, m := range msgs {
		o := &c.of[to]
		switch m.Type {
		case pb.Heartbeat:
			o.Commit = max(o.Commit, m.Commit)
		case pb.Replicate:
			// A follower commits no further than what it has received.
			o.Commit = max(o.Commit, min(m.Commit, m.LogIndex+uint64(len(m.Entries))))
		}
	}
}

// observeSent notes a batch's commit index, records it, and returns the
// id of its first message (0 when nothing is recorded).
func (n *Network) observeSent(from, to int, msgs []pb.Message, dropped bool) uint64 {
	if len(msgs) == 0 {
		return 0
	}
	// One lock for the batch: this runs on the send path.
	n.clues.mu.Lock()
	for _, m := range msgs {
		if m.Type == pb.Replicate || m.Type == pb.Heartbeat {
			o := &n.clues.of[from]
			o.Commit = max(o.Commit, m.Commit)
		}
	}
	n.clues.mu.Unlock()
	if n.rec == nil { // nothing recorded: no message turned into observations
		return 0
	}
	return n.rec.Sent(from, to, observed(msgs), dropped)
}

// arrived records a batch's arrival (lost: refused at a wall), if the
// network records at all: turning messages into observations decodes
// every entry, which the hot path must not pay for nothing.
func (n *Network) arrived(from, to int, id uint64, msgs []pb.Message, lost bool) {
	if n.rec != nil {
		n.rec.Arrived(from, to, id, observed(msgs), lost)
	}
}

// observeChunk records a snapshot chunk as an InstallSnapshot message.
func (n *Network) observeChunk(from, to int, ch pb.Chunk, dropped bool) uint64 {
	if n.rec == nil {
		return 0
	}
	return n.rec.Sent(from, to, observed(chunkMessage(ch)), dropped)
}

// chunkMessage is a snapshot chunk as the record keeps it: the snapshot's
// index and term; a chunk does not carry its sender's term.
func chunkMessage(ch pb.Chunk) []pb.Message {
	return []pb.Message{{Type: pb.InstallSnapshot, LogTerm: ch.Term, LogIndex: ch.Index}}
}

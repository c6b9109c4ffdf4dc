package node

import (
	"sync"
	"time"

	pb "github.com/lni/dragonboat/v4/raftpb"
)

// dragonboat does not say whether a replica is campaigning, when a
// follower last heard from its leader, or what its commit index is. The
// transport sees all three: a replica that sends RequestVote is a
// candidate, RequestPreVote a pre-candidate; a Heartbeat or Replicate
// arriving is contact from the leader, and carries the commit index the
// follower may advance to; the leader's own commit index is what it sends.

type clues struct {
	mu       sync.Mutex
	campaign []campaign  // last campaign message each replica sent
	contact  []time.Time // when each replica last heard from a leader
	commit   []uint64    // highest commit index seen for each replica
}

type campaign struct {
	at      time.Time
	term    uint64
	preVote bool
}

func newClues(n int) *clues {
	return &clues{campaign: make([]campaign, n+1), contact: make([]time.Time, n+1), commit: make([]uint64, n+1)}
}

func (c *clues) get(i int) (campaign, time.Time, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.campaign[i], c.contact[i], c.commit[i]
}

// forget clears what is known about replica i, e.g. when it restarts.
func (c *clues) forget(i int) {
	c.mu.Lock()
	c.campaign[i], c.contact[i], c.commit[i] = campaign{}, time.Time{}, 0
	c.mu.Unlock()
}

func (c *clues) received(to int, msgs []pb.Message) {
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, m := range msgs {
		switch m.Type {
		case pb.Heartbeat:
			c.contact[to] = now
			c.commit[to] = max(c.commit[to], m.Commit)
		case pb.Replicate:
			// A follower commits no further than what it has received.
			c.contact[to] = now
			c.commit[to] = max(c.commit[to], min(m.Commit, m.LogIndex+uint64(len(m.Entries))))
		case pb.InstallSnapshot:
			c.contact[to] = now
		}
	}
}

// observeSent records a batch in the tap and notes campaigns.
func (n *network) observeSent(from, to int, msgs []pb.Message, dropped bool) {
	if len(msgs) == 0 {
		return
	}
	now := time.Now()
	// One lock of each per batch: this runs on the send path.
	n.clues.mu.Lock()
	for _, m := range msgs {
		switch m.Type {
		case pb.RequestVote, pb.RequestPreVote:
			n.clues.campaign[from] = campaign{at: now, term: m.Term, preVote: m.Type == pb.RequestPreVote}
		case pb.Replicate, pb.Heartbeat:
			n.clues.commit[from] = max(n.clues.commit[from], m.Commit)
		}
	}
	n.clues.mu.Unlock()
	n.tap.mu.Lock()
	for _, m := range msgs {
		n.tap.addLocked(Message{
			At: now, Type: m.Type, From: from, To: to, Term: m.Term,
			LogTerm: m.LogTerm, LogIndex: m.LogIndex, Commit: m.Commit,
			Reject: m.Reject, Entries: len(m.Entries), Dropped: dropped,
		})
	}
	n.tap.mu.Unlock()
}

// observeChunk records a snapshot chunk as an InstallSnapshot message.
func (n *network) observeChunk(from, to int, ch pb.Chunk, dropped bool) {
	n.tap.add(Message{
		At: time.Now(), Type: pb.InstallSnapshot, From: from, To: to,
		Term: ch.Term, LogIndex: ch.Index, Dropped: dropped,
	})
}

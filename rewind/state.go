package rewind

import (
	"fmt"
	"hash/fnv"
	"math/bits"
	"slices"

	"github.com/raftian/raftian/record"
	"github.com/raftian/raftian/world"
)

// State is what every replica believed at one moment, and the network's
// faults then. A State a Model returns is read-only, and valid until the
// model is next asked or updated.
type State struct {
	At       int64  // µs: the time of the last observation applied
	Next     uint64 // the number of the next observation to apply
	Replicas []Replica
	// Players are the replicas' players, [i-1] for replica i: those of
	// the record's header, and those of replicas added since.
	Players []record.Player
	Net     record.Net
	Pending []Proposal // proposals not yet decided, oldest first
}

// Replica is one replica's own view.
type Replica struct {
	ID     int
	Up     bool
	Role   record.Role
	Term   uint64
	Vote   int // the replica it voted for in Term; 0 if none
	Leader int // the leader it believes in; 0 if none
	Commit uint64
	// Applied is the last entry applied to World, which is shared between
	// states and replicas: never change it.
	Applied uint64
	World   *world.World
	Log     Log
	// Contact is when it last heard from a leader; -1 if never.
	Contact  int64
	Campaign Campaign
	// Match and Next: a leader's view of each replica ([i-1]); nil unless
	// it leads.
	Match, Next []uint64
	AppliedAt   int64   // when it last applied an entry; -1 if never
	Failed      Failure // its last failed proposal
	Snapshot    uint64  // its last snapshot's index (taken or installed): its log starts after it
	// NonVoting: added to the cluster, catching up, not voting yet.
	// Removed: deleted from the cluster for good.
	NonVoting, Removed bool
	// Believes is the voting members this replica believes in (bit i-1:
	// replica i), as of the membership changes it applied; 0 if unknown.
	Believes uint64
	// HandingTo is, while a leader hands leadership over, the replica it
	// was asked to hand it to (since HandingAt); 0 otherwise.
	HandingTo int
	HandingAt int64
	// Gapped: a class's merged record lost some of its observations (its
	// laptop's stream was cut or fell behind): what is known of it is
	// stale until its next checkpoint, which restores it.
	Gapped bool
	// Heard is when the record last heard from the replica's own laptop:
	// its latest observation told by it (in a class's merged record, by
	// that seat's stream; one laptop's record hears every replica all
	// the time, with a checkpoint every second).
	Heard int64
	// CrashedBy: while down, the seat whose order crashed it (in a class,
	// the teacher's, 1); 0 otherwise.
	CrashedBy int
}

// RaftApplied is the last entry the replica has carried out, as Raft counts
// applied: its world's last entry, and the committed entries after it that
// the game never sees (a new leader's no-op, a membership change), which
// Raft carries out itself. Commit and RaftApplied count the same entries, so a
// replica that is up to date shows the same number for both.
func (r *Replica) RaftApplied() uint64 {
	i := r.Applied
	for i < r.Commit {
		e, ok := r.Log.Entry(i + 1)
		if !ok || e.What != record.WhatNoop && e.What != record.WhatMembers {
			break
		}
		i++
	}
	return i
}

// Campaign is a vote a replica is asking for: its votes so far are those
// granted and delivered to it, its own included.
type Campaign struct {
	At               int64
	Term             uint64 // the term it would lead in
	Pre              bool
	Granted, Refused uint64 // bit i: replica i answered so
}

// Votes returns how many votes the campaign holds.
func (c Campaign) Votes() int { return popcount(c.Granted) }

// Refusals returns how many refused.
func (c Campaign) Refusals() int { return popcount(c.Refused) }

func popcount(b uint64) int { return bits.OnesCount64(b) }

// Failure is a proposal that failed.
type Failure struct {
	At  int64 // -1: none
	Why string
}

// Proposal is an attack (or a new game: To 0) waiting to be decided.
type Proposal struct {
	ID       uint64
	At       int64
	From, To int
	Via      int
}

// Log is the tail of a replica's Raft log: the entries after Start, and
// those lately overwritten.
type Log struct {
	Start     uint64 // entries up to Start are not held: in a snapshot, or older than the tail kept
	StartTerm uint64 // 0 if unknown
	Ents      []record.Ent
	Gone      []Overwritten // newest last
}

// Overwritten is an entry a leader's entry replaced (§5.3: a follower's
// conflicting entries are deleted).
type Overwritten struct {
	Ent    record.Ent
	At     int64
	ByTerm uint64 // the term of the entry that took its place
}

// Limits of a log's tail, and of what else a state keeps.
const (
	tailKept    = 64
	goneKept    = 8
	pendingKept = 256
)

// Last returns the index of the last entry.
func (l *Log) Last() uint64 { return l.Start + uint64(len(l.Ents)) }

// LastTerm returns the term of the last entry (0 if unknown).
func (l *Log) LastTerm() uint64 {
	if len(l.Ents) == 0 {
		return l.StartTerm
	}
	return l.Ents[len(l.Ents)-1].Term
}

// Term returns the term of the entry at i, if it is held (or is Start).
func (l *Log) Term(i uint64) (uint64, bool) {
	switch {
	case i == l.Start:
		return l.StartTerm, l.StartTerm != 0 || i == 0
	case i < l.Start || i > l.Last():
		return 0, false
	}
	return l.Ents[i-l.Start-1].Term, true
}

// Entry returns the entry at i, if it is held.
func (l *Log) Entry(i uint64) (record.Ent, bool) {
	if i <= l.Start || i > l.Last() {
		return record.Ent{}, false
	}
	return l.Ents[i-l.Start-1], true
}

// put places e in the log: nothing if it is there already, appended if
// it is next, and over a conflicting entry (deleting it and all that
// follow) if the terms differ. An entry beyond a gap starts the tail
// afresh: what lies between was not seen.
func (l *Log) put(e record.Ent, at int64) {
	switch {
	case e.Index <= l.Start:
		return
	case e.Index <= l.Last():
		k := int(e.Index - l.Start - 1)
		if l.Ents[k].Term == e.Term {
			return
		}
		for _, old := range l.Ents[k:] {
			l.Gone = append(l.Gone, Overwritten{Ent: old, At: at, ByTerm: e.Term})
		}
		if over := len(l.Gone) - goneKept; over > 0 {
			l.Gone = slices.Delete(l.Gone, 0, over)
		}
		l.Ents = append(l.Ents[:k], e)
	case e.Index == l.Last()+1:
		l.Ents = append(l.Ents, e)
	default:
		l.Start, l.StartTerm, l.Ents = e.Index-1, 0, append(l.Ents[:0], e)
	}
	if over := len(l.Ents) - tailKept; over > tailKept/2 {
		l.StartTerm = l.Ents[over-1].Term
		l.Start += uint64(over)
		l.Ents = slices.Delete(l.Ents, 0, over)
	}
}

// compact drops the entries up to i, which a snapshot holds.
func (l *Log) compact(i, term uint64) {
	if i >= l.Last() {
		l.Start, l.StartTerm, l.Ents = i, term, l.Ents[:0]
		return
	}
	if i > l.Start {
		l.Ents = slices.Delete(l.Ents, 0, int(i-l.Start))
		l.Start, l.StartTerm = i, term
	}
}

// Clone returns a copy of s to keep: a State a Model returns is valid only
// until the model is next asked.
func (s *State) Clone() *State { return s.clone() }

// clone returns a deep copy of s, sharing only the worlds.
func (s *State) clone() *State {
	c := *s
	c.Replicas = slices.Clone(s.Replicas)
	for i := range c.Replicas {
		r := &c.Replicas[i]
		r.Log.Ents = slices.Clone(r.Log.Ents)
		r.Log.Gone = slices.Clone(r.Log.Gone)
		r.Match = slices.Clone(r.Match)
		r.Next = slices.Clone(r.Next)
	}
	c.Net = cloneNet(s.Net)
	c.Pending = slices.Clone(s.Pending)
	c.Players = slices.Clip(s.Players) // append-only: an append copies
	return &c
}

func cloneNet(n record.Net) record.Net {
	n.Isolated = slices.Clone(n.Isolated)
	n.Group = slices.Clone(n.Group)
	n.Links = slices.Clone(n.Links)
	return n
}

// Majority is how many replicas make a quorum.
func (s *State) Majority() int { return record.Majority(s.Voters()) }

// Voters returns how many replicas vote: neither removed nor non-voting.
func (s *State) Voters() int {
	n := 0
	for _, r := range s.Replicas {
		if !r.Removed && !r.NonVoting {
			n++
		}
	}
	return n
}

// Holding returns how many replicas a leader knows to hold the entry at
// index: itself and those whose match has reached it.
func (r *Replica) Holding(index uint64) int {
	n := 0
	for i, m := range r.Match {
		if m >= index || (i+1 == r.ID && r.Log.Last() >= index) {
			n++
		}
	}
	return n
}

// LeaderOf returns the replica that leads in the highest term, or 0.
func (s *State) LeaderOf() int {
	best, term := 0, uint64(0)
	for _, r := range s.Replicas {
		if r.Up && r.Role == record.RoleLeader && r.Term >= term {
			best, term = r.ID, r.Term
		}
	}
	return best
}

// Partitioned reports whether the replicas are split into groups.
func (s *State) Partitioned() bool {
	for _, g := range s.Net.Group {
		if g != s.Net.Group[0] {
			return true
		}
	}
	return false
}

// Digest is a short code for what a state shows: two moments with the
// same digest look alike in every pane (roles, terms, votes, logs,
// commits, worlds and the network), whatever window drew them.
func (s *State) Digest() string {
	h := fnv.New64a()
	for _, r := range s.Replicas {
		fmt.Fprintf(h, "%d %v %v %d %d %d %d %d %d %d %v %v|%s|", r.ID, r.Up, r.Role, r.Term, r.Vote, r.Leader,
			r.Commit, r.Applied, r.Campaign.Granted, r.Campaign.Term, r.Match, r.Log.Start, r.World.Hash())
		for _, e := range r.Log.Ents {
			fmt.Fprintf(h, "%d/%d/%d ", e.Index, e.Term, e.What)
		}
		for _, g := range r.Log.Gone {
			fmt.Fprintf(h, "-%d/%d ", g.Ent.Index, g.Ent.Term)
		}
	}
	fmt.Fprintf(h, "%v %v %v %d", s.Net.Isolated, s.Net.Group, s.Net.Links, s.Net.Slow)
	return fmt.Sprintf("%08x", h.Sum64()>>32)
}

package rewind

import (
	"bytes"
	"encoding/json"
	"hash/fnv"

	"github.com/raftian/raftian/record"
	"github.com/raftian/raftian/world"
)

// apply brings s past one observation. The rules are Raft's (§ numbers
// are the Raft paper's), applied to what was seen: a replica's role and
// term come from its own messages and dragonboat's reports (State), its
// log from the entries it sent or received, a leader's commit index from
// the answers delivered to it.
func (m *Model) apply(s *State, o *record.Obs) {
	s.At, s.Next = o.At, s.Next+1
	r := s.replica(o.Node)
	defer func() { // after the replica is rebuilt by a crash, a start or a checkpoint
		if t := s.replica(teller(o)); t != nil {
			t.Heard = o.At
		}
	}()
	switch o.Kind {
	case record.Send:
		if r != nil {
			sent(s, r, o)
		}
	case record.Deliver:
		if to := s.replica(o.Peer); to != nil && to.Up {
			delivered(s, to, o)
		}
	case record.State:
		if r != nil {
			becomes(s, r, o)
		}
	case record.Append:
		if r != nil {
			for _, e := range o.Ents {
				if e.Index > r.Log.Last() {
					r.Log.put(e, o.At)
				}
			}
		}
	case record.Apply:
		if r != nil {
			r.World = m.worldAfter(r.World, o.Index, o.Data)
			r.Applied, r.AppliedAt = o.Index, o.At
			r.Commit = max(r.Commit, o.Index)
		}
	case record.Restore:
		if r != nil {
			if w, err := m.decodeWorld(o.Data); err == nil {
				r.World = w
			}
			r.Applied, r.Snapshot = o.Index, max(r.Snapshot, o.Index)
			r.Commit = max(r.Commit, o.Index)
			r.Log.compact(o.Index, o.Term)
		}
	case record.Snap:
		if r != nil {
			r.Snapshot = o.Index
		}
	case record.Down:
		if r != nil {
			*r = Replica{ID: r.ID, Role: record.RoleDown, Term: r.Term, Vote: r.Vote, Commit: r.Commit,
				Applied: r.Applied, World: r.World, Log: r.Log, Contact: -1, AppliedAt: r.AppliedAt,
				Failed: r.Failed, Snapshot: r.Snapshot, NonVoting: r.NonVoting, Removed: r.Removed, Believes: r.Believes,
				CrashedBy: int(o.Peer)}
		}
	case record.Up:
		if r != nil {
			*r = Replica{ID: r.ID, Up: true, Role: record.RoleFollower, Term: o.Term, Vote: int(o.Peer),
				Commit: o.Commit, World: world.New(m.n), Contact: o.At, AppliedAt: -1,
				Failed: r.Failed, Log: tailLog(o.Index, o.Ents), NonVoting: r.NonVoting, Removed: r.Removed,
				Believes: r.Believes}
		}
	case record.Propose:
		s.Pending = append(s.Pending, Proposal{ID: o.ID, At: o.At, From: int(o.Node), To: int(o.Peer), Via: int(o.Via)})
		if over := len(s.Pending) - pendingKept; over > 0 {
			s.Pending = s.Pending[over:]
		}
	case record.Outcome:
		for k, p := range s.Pending {
			if p.ID == o.ID {
				s.Pending = append(s.Pending[:k:k], s.Pending[k+1:]...)
				break
			}
		}
		if o.Lost && r != nil {
			r.Failed = Failure{At: o.At, Why: string(o.Data)}
		}
	case record.Transfer:
		if from := s.replica(o.Peer); from != nil && from.Role == record.RoleLeader {
			from.HandingTo, from.HandingAt = int(o.Node), o.At
		}
	case record.Member:
		m.member(s, o)
	case record.Voters:
		if r != nil {
			r.Believes = 0
			for _, v := range o.Data {
				r.Believes |= 1 << (v - 1)
			}
		}
	case record.Gap:
		if r != nil {
			r.Gapped = true
		}
	case record.Checkpoint:
		// Used to start a model whose record lost its beginning, and to
		// pick up a replica whose observations a gap lost.
		if r != nil && r.Gapped {
			m.restore(s, r, o)
		}
	default:
		faulted(&s.Net, o, len(s.Replicas))
	}
}

func (s *State) replica(i uint8) *Replica {
	if i < 1 || int(i) > len(s.Replicas) {
		return nil
	}
	return &s.Replicas[i-1]
}

// tailLog is a log whose last entry is last and whose tail is ents.
func tailLog(last uint64, ents []record.Ent) Log {
	l := Log{Start: last}
	if len(ents) > 0 && ents[len(ents)-1].Index == last {
		l.Start = ents[0].Index - 1
		l.Ents = append([]record.Ent(nil), ents...)
	}
	return l
}

// sent applies what a message tells of its sender.
func sent(s *State, r *Replica, o *record.Obs) {
	switch o.Msg {
	case record.MsgAppend:
		// A leader sends entries from its own log.
		for _, e := range o.Ents {
			r.Log.put(e, o.At)
		}
		if r.Role == record.RoleLeader && r.Next != nil && int(o.Peer) <= len(r.Next) && o.Peer > 0 {
			r.Next[o.Peer-1] = o.Index + uint64(len(o.Ents)) + 1
		}
		fallthrough
	case record.MsgHeartbeat:
		if r.Role == record.RoleLeader && o.Term == r.Term {
			r.Commit = max(r.Commit, o.Commit)
		}
	case record.MsgVoteResp:
		if !o.Reject && o.Term == r.Term {
			r.Vote = int(o.Peer)
		}
	case record.MsgAppendResp:
		// A follower that accepts entries up to o.Index holds its leader's
		// log up to there. The record may have missed how it got them: a
		// delivery seen before the poll of its log showed the entries
		// before, refused here as a gap. Its leader's log fills them in.
		if l := s.replica(o.Peer); !o.Reject && l != nil && o.Index > r.Log.Last() && o.Term == r.Term {
			for i := r.Log.Last() + 1; i <= o.Index; i++ {
				e, ok := l.Log.Entry(i)
				if !ok {
					break
				}
				r.Log.put(e, o.At)
			}
		}
	}
}

// delivered applies a message to the replica it reached.
func delivered(s *State, r *Replica, o *record.Obs) {
	switch o.Msg {
	case record.MsgHeartbeat, record.MsgAppend:
		if o.Term < r.Term {
			return // from a stale leader: refused
		}
		follow(r, o.Term, int(o.Node))
		r.Contact = o.At
		if o.Msg == record.MsgHeartbeat {
			r.Commit = max(r.Commit, min(o.Commit, r.Log.Last()))
		} else {
			appended(r, o)
		}
	case record.MsgSnapshot:
		// A snapshot chunk carries the snapshot's index and term, not its
		// sender's term. The log is restored to it (§7) unless it already
		// holds that entry; the world follows when the replica restores it.
		r.Contact = o.At
		if r.Role == record.RoleFollower {
			r.Leader = int(o.Node) // only a leader sends snapshots
		}
		if t, ok := r.Log.Term(o.Index); !ok || t != o.LogTerm {
			r.Log.compact(o.Index, o.LogTerm)
		}
		r.Commit = max(r.Commit, o.Index)
	case record.MsgAppendResp, record.MsgHeartbeatResp:
		if o.Term > r.Term {
			follow(r, o.Term, 0) // §5.1: a newer term exists; step down
			return
		}
		if o.Msg == record.MsgAppendResp && r.Role == record.RoleLeader && o.Term == r.Term {
			acked(s, r, o)
		}
	case record.MsgVoteResp, record.MsgPreVoteResp:
		answered(s, r, o)
	}
}

// follow makes r a follower of leader in term.
func follow(r *Replica, term uint64, leader int) {
	if term > r.Term {
		r.Term, r.Vote = term, 0
	}
	r.Role, r.Leader, r.Campaign = record.RoleFollower, leader, Campaign{}
	r.Match, r.Next = nil, nil
}

// appended is §5.3 on the follower's side: entries are taken only if the
// log holds the entry before them with the same term; a conflicting entry
// is deleted with all that follow it.
func appended(r *Replica, o *record.Obs) {
	last := r.Log.Last()
	if o.Index > last {
		return // refused: a gap
	}
	if t, ok := r.Log.Term(o.Index); ok && t != o.LogTerm && o.Index > 0 {
		return // refused: no match
	}
	for _, e := range o.Ents {
		r.Log.put(e, o.At)
	}
	r.Commit = max(r.Commit, min(o.Commit, o.Index+uint64(len(o.Ents))))
}

// acked is a follower's answer reaching its leader: the follower's match
// rises, and with it, perhaps, the commit index (§5.3, §5.4.2).
func acked(s *State, l *Replica, o *record.Obs) {
	f := int(o.Node)
	if l.Match == nil || f < 1 || f > len(l.Match) {
		return
	}
	if o.Reject {
		l.Next[f-1] = min(l.Next[f-1], o.Hint+1)
		return
	}
	l.Match[f-1] = max(l.Match[f-1], o.Index)
	l.Next[f-1] = max(l.Next[f-1], l.Match[f-1]+1)
	advanceCommit(s, l)
}

// advanceCommit is the commit rule: the leader commits the highest entry
// of its own term that a majority holds.
func advanceCommit(s *State, l *Replica) {
	for n := l.Log.Last(); n > l.Commit; n-- {
		t, ok := l.Log.Term(n)
		if !ok || t < l.Term {
			return // only entries of its own term are committed by counting
		}
		if t == l.Term && l.Holding(n) >= s.Majority() {
			l.Commit = n
			return
		}
	}
}

// answered counts a vote (or pre-vote) delivered to a candidate for its
// campaign; a majority of refusals ends the campaign.
func answered(s *State, c *Replica, o *record.Obs) {
	if !o.Reject && o.Msg == record.MsgVoteResp && o.Term > c.Term {
		return
	}
	if o.Reject && o.Term > c.Term {
		follow(c, o.Term, 0)
		return
	}
	pre := o.Msg == record.MsgPreVoteResp
	camp := &c.Campaign
	if !c.Role.Campaigning() || camp.Pre != pre || (!o.Reject && o.Term != camp.Term) {
		return
	}
	bit := uint64(1) << o.Node
	if o.Reject {
		camp.Refused |= bit
	} else {
		camp.Granted |= bit
	}
	if camp.Refusals() >= s.Majority() {
		follow(c, c.Term, 0) // lost
	}
}

// becomes applies what dragonboat or the replica's own messages said it
// is. A report older than what is known is ignored.
func becomes(s *State, r *Replica, o *record.Obs) {
	if o.Term < r.Term || !r.Up {
		return
	}
	if o.Term > r.Term {
		r.Term, r.Vote = o.Term, 0
	}
	r.Role, r.Leader = o.Role, int(o.Peer)
	if o.Role != record.RoleLeader {
		r.HandingTo = 0 // a handover ends when the leader steps down
	}
	switch o.Role {
	case record.RoleCandidate:
		r.Vote, r.Leader = r.ID, 0
		r.Campaign = Campaign{At: o.At, Term: o.Term, Granted: 1 << r.ID}
		r.Match, r.Next = nil, nil
	case record.RolePreCandidate:
		r.Leader = 0
		r.Campaign = Campaign{At: o.At, Term: o.Term + 1, Pre: true, Granted: 1 << r.ID}
		r.Match, r.Next = nil, nil
	case record.RoleLeader:
		r.Leader, r.Campaign = r.ID, Campaign{}
		r.Match, r.Next = make([]uint64, len(s.Replicas)), make([]uint64, len(s.Replicas))
		for i := range r.Next {
			r.Next[i] = r.Log.Last() + 1
		}
		r.Match[r.ID-1] = r.Log.Last()
	default:
		r.Campaign, r.Match, r.Next = Campaign{}, nil, nil
	}
}

// faulted applies a fault or its end to the network.
func faulted(n *record.Net, o *record.Obs, size int) {
	i := int(o.Node) - 1
	switch o.Kind {
	case record.Isolate, record.Rejoin:
		if i >= 0 && i < size {
			n.Isolated[i] = o.Kind == record.Isolate
		}
	case record.Partition:
		for k := range n.Group {
			n.Group[k] = 0
			if k < len(o.Data) {
				n.Group[k] = int(o.Data[k])
			}
		}
	case record.Heal:
		clear(n.Isolated)
		clear(n.Group)
		n.Links = nil
	case record.Link:
		l := record.LinkFault{From: int(o.Node), To: int(o.Peer), Loss: o.Loss, Delay: o.Delay, Jitter: int64(o.Hint), VotesOnly: o.Reject}
		k := 0
		for _, x := range n.Links {
			if x.From != l.From || x.To != l.To || x.VotesOnly != l.VotesOnly {
				n.Links[k] = x
				k++
			}
		}
		n.Links = n.Links[:k]
		if l.Loss != 0 || l.Delay != 0 || l.Jitter != 0 {
			n.Links = append(n.Links, l)
		}
	case record.Slow:
		n.Slow = o.Delay
	case record.Timing:
		n.RTT = o.Delay
	}
}

// worldAfter returns the world after applying the entry at index to w.
// Every replica applies the same entries in the same order (§5.4.3), so
// worlds are shared: replicas at the same place share one.
func (m *Model) worldAfter(w *world.World, index uint64, cmd []byte) *world.World {
	h := fnv.New64a()
	h.Write(cmd)
	key := worldKey{prev: w, index: index, sum: h.Sum64()}
	if next, ok := m.worlds[key]; ok {
		return next
	}
	if len(m.worlds) >= 4096 {
		clear(m.worlds)
	}
	next := w.Clone()
	next.Apply(index, cmd)
	m.worlds[key] = next
	return next
}

type worldKey struct {
	prev  *world.World
	index uint64
	sum   uint64
}

func (m *Model) decodeWorld(b []byte) (*world.World, error) {
	w := world.New(m.n)
	return w, w.Restore(bytes.NewReader(b))
}

// decodeNet reads a network checkpoint.
func decodeNet(b []byte, n int) record.Net {
	var net record.Net
	if json.Unmarshal(b, &net) != nil || len(net.Isolated) != n || len(net.Group) != n {
		return emptyNet(n)
	}
	return net
}

func emptyNet(n int) record.Net {
	return record.Net{Isolated: make([]bool, n), Group: make([]int, n)}
}

// teller is the replica whose laptop told o, as a class's merged record
// takes each observation from one seat (package merge): a replica's own
// doings from it, a delivery from its receiver, the network's faults and
// the membership from the teacher's laptop (0 here: no replica's news).
func teller(o *record.Obs) uint8 {
	switch o.Kind {
	case record.Deliver:
		return o.Peer
	case record.Propose:
		return o.Via
	case record.Transfer:
		return o.Peer
	case record.Partition, record.Isolate, record.Rejoin, record.Heal, record.Slow, record.Timing, record.Member,
		record.Link, record.Gap:
		return 0
	}
	return o.Node
}

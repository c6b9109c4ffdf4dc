package rewind

import (
	"bytes"
	"strings"
	"testing"

	"github.com/raftian/raftian/record"
)

// find finds a moment from the beginning, and fails if it is not there
// or not where want says.
func (s *script) find(m *Model, name string, from int64, want int64, replica int) Found {
	s.t.Helper()
	f, ok := m.Find(name, from, -1)
	if !ok {
		s.t.Fatalf("%s: not found", name)
	}
	if (want != 0 && f.At != want) || (replica != 0 && f.Replica != replica) {
		s.t.Fatalf("%s: at %d about replica %d; want at %d about replica %d", name, f.At, f.Replica, want, replica)
	}
	if !m.Holds(f) {
		s.t.Errorf("%s: found, but does not hold at its moment", name)
	}
	return f
}

func (s *script) missing(m *Model, name string, from int64) {
	s.t.Helper()
	if f, ok := m.Find(name, from, -1); ok {
		s.t.Errorf("%s: found at %d about replica %d; want none", name, f.At, f.Replica)
	}
}

// The moments of an election: the leader crashes; replica 3 stands (a
// pre-vote, then a vote in term 3), wins, and a majority follows it.
func TestMomentsOfAnElection(t *testing.T) {
	s := newScript(t, 5)
	s.elect(1, 5, 2)
	start := s.add(record.Obs{Kind: record.Down, Node: 1})
	for _, to := range []int{2, 4, 5} {
		s.send(msg(record.MsgPreVote, 3, to, 3))
	}
	campaign := s.at - 3000 // the State the first pre-vote revealed, before the three sends
	for _, from := range []int{2, 4} {
		s.exchange(msg(record.MsgPreVoteResp, from, 3, 3))
	}
	s.send(msg(record.MsgVote, 3, 2, 3))
	s.send(msg(record.MsgVote, 3, 4, 3))
	request := s.at // both requests on their way
	for _, from := range []int{2, 4} {
		s.exchange(msg(record.MsgVoteResp, from, 3, 3))
	}
	win := s.state(3, record.RoleLeader, 3, 3)
	for _, to := range []int{2, 4, 5} {
		s.exchange(msg(record.MsgHeartbeat, 3, to, 3))
	}
	m := s.model()

	s.find(m, "won", start, win, 3)
	c := s.find(m, "campaign", start, campaign, 3)
	v := s.find(m, "vote-request", start, request, 3)
	s.find(m, "new-leader", start, 0, 3)
	s.find(m, "heartbeat", win, 0, 3)
	s.missing(m, "won", win+1)

	if got, err := m.Fill("{replica} asks the others in term {term}", v); err != nil || got != "Replica 3 (p) asks the others in term 3" {
		t.Errorf("at the vote request: %q, %v", got, err)
	}
	if got, err := m.Fill("{replica} stands; {crashed} is down", c); err != nil || got != "Replica 3 (p) stands; replica 1 (p) is down" {
		t.Errorf("at the campaign: %q, %v", got, err)
	}
	if _, err := m.Fill("{leader} leads", c); err == nil || !strings.Contains(err.Error(), "{leader}") {
		t.Errorf("no leader at the campaign, yet {leader} was filled: %v", err)
	}
	w, _ := m.Find("won", start, -1)
	if got, err := m.Fill("{leader} won term {term} with {votes} votes", w); err != nil || got != "Replica 3 (p) won term 3 with 3 votes" {
		t.Errorf("at the win: %q, %v", got, err)
	}
}

// new-leader is about a majority that follows: a win alone is not it.
func TestNewLeaderNeedsAMajority(t *testing.T) {
	s := newScript(t, 5)
	s.elect(1, 5, 2)
	start := s.at
	s.state(2, record.RoleLeader, 3, 2)
	m := s.model()
	s.find(m, "won", start, 0, 2)
	s.missing(m, "new-leader", start)
	s.exchange(msg(record.MsgHeartbeat, 2, 3, 3))
	s.exchange(msg(record.MsgHeartbeat, 2, 4, 3))
	s.find(s.model(), "new-leader", start, 0, 2)
}

// An attack: in the leader's log only, then on a majority nobody knows is
// committed, then committed by the leader.
func TestMomentsOfAnAttack(t *testing.T) {
	s := newScript(t, 5)
	s.elect(1, 5, 2)
	start := s.at
	e := record.Ent{Index: 2, Term: 2, What: record.WhatAttack, From: 1, To: 2}
	var sent []record.Obs
	for to := 2; to <= 5; to++ {
		a := msg(record.MsgAppend, 1, to, 2)
		a.Index, a.LogTerm, a.Commit, a.Ents = 1, 2, 1, []record.Ent{e}
		sent = append(sent, s.send(a))
	}
	onLeader := s.at - 3000 // the first append: the leader's log holds it
	s.deliver(sent[0])
	s.deliver(sent[1])
	majority := s.at
	ack := msg(record.MsgAppendResp, 2, 1, 2)
	ack.Index = 2
	s.exchange(ack)
	ack.Node = 3
	s.exchange(ack)
	m := s.model()
	f := s.find(m, "appended", start, onLeader, 1)
	if f.Entry.Index != 2 {
		t.Errorf("appended about entry %+v", f.Entry)
	}
	u := s.find(m, "majority-uncommitted", start, majority, 0)
	if got, _ := m.Fill("{entry} is on {holders} replicas", u); got != "Entry 2 of term 2 (1→2) is on 3 replicas" {
		t.Errorf("majority-uncommitted says %q", got)
	}
	done := s.find(m, "committed", start, 0, 1)
	if m.Holds(Found{Name: "appended", At: done.At, Before: done.Before}) {
		t.Error("appended still holds once committed")
	}
}

// committed is about an attack no replica held when the step began, even
// when a cut-off old leader's log runs past the new leader's (the minority
// lesson's old leader kept its failed attack's retries).
func TestCommittedPastAnOldLeadersLongerLog(t *testing.T) {
	s := newScript(t, 5)
	s.elect(1, 5, 2)
	cut := msg(record.MsgAppend, 1, 2, 2)
	cut.Index, cut.LogTerm, cut.Commit = 1, 2, 1
	for i := uint64(2); i <= 4; i++ {
		cut.Ents = append(cut.Ents, record.Ent{Index: i, Term: 2, What: record.WhatAttack, From: 1, To: 3})
	}
	s.drop(s.send(cut))
	s.state(5, record.RoleLeader, 3, 5)
	for _, f := range []int{3, 4} {
		s.exchange(msg(record.MsgHeartbeat, 5, f, 3))
	}
	start := s.at
	e := record.Ent{Index: 2, Term: 3, What: record.WhatAttack, From: 3, To: 4}
	for _, to := range []int{3, 4} {
		a := msg(record.MsgAppend, 5, to, 3)
		a.Index, a.LogTerm, a.Commit, a.Ents = 1, 2, 1, []record.Ent{e}
		s.exchange(a)
		ack := msg(record.MsgAppendResp, to, 5, 3)
		ack.Index = 2
		s.exchange(ack)
	}
	f := s.find(s.model(), "committed", start, 0, 5)
	if f.Entry.Index != 2 || f.Entry.Term != 3 {
		t.Errorf("committed is about entry %d of term %d, want 2 of term 3", f.Entry.Index, f.Entry.Term)
	}
}

// Faults: one replica cut off, a partition, the heal.
func TestMomentsOfFaults(t *testing.T) {
	s := newScript(t, 5)
	s.elect(1, 5, 2)
	start := s.at
	iso := s.add(record.Obs{Kind: record.Isolate, Node: 4})
	part := s.add(record.Obs{Kind: record.Partition, Data: []byte{1, 1, 2, 2, 2}})
	heal := s.add(record.Obs{Kind: record.Heal})
	m := s.model()
	s.find(m, "isolated", start, iso, 4)
	s.find(m, "partitioned", start, part, 0)
	s.find(m, "healed", iso, heal, 0)
	s.missing(m, "healed", start) // nothing was cut when it began
	if got, _ := m.Fill("{isolated} is cut off", Found{Name: "isolated", At: iso, Replica: 4, Before: m.At(start).Clone()}); got != "Replica 4 (p) is cut off" {
		t.Errorf("isolated: %q", got)
	}
}

// Split brain: two leaders in different terms, then the old leader's
// entries overwritten by the new leader's.
func TestMomentsOfASplitBrain(t *testing.T) {
	s := newScript(t, 5)
	s.elect(1, 5, 2)
	start := s.at
	old := record.Ent{Index: 2, Term: 2, What: record.WhatAttack, From: 1, To: 4}
	retry := record.Ent{Index: 3, Term: 2, What: record.WhatAttack, From: 1, To: 4}
	a := msg(record.MsgAppend, 1, 2, 2)
	a.Index, a.LogTerm, a.Ents = 1, 2, []record.Ent{old, retry}
	s.exchange(a)
	two := s.state(3, record.RoleLeader, 3, 3)
	over := msg(record.MsgAppend, 3, 2, 3)
	over.Index, over.LogTerm, over.Ents = 1, 2, []record.Ent{{Index: 2, Term: 3}}
	gone := s.exchange(over)
	m := s.model()
	f := s.find(m, "two-leaders", start, two, 1)
	if got, err := m.Fill("{replica} leads term {old-term}", f); err != nil || got != "Replica 1 (p) leads term 2" {
		t.Errorf("two-leaders: %q, %v", got, err)
	}
	// Both old entries are gone; the moment is about the first, the one
	// drawn struck through under its replacement.
	o := s.find(m, "overwritten", start, gone, 2)
	if o.Entry != old {
		t.Errorf("overwritten: %+v, want %+v", o.Entry, old)
	}
}

// A cut-off replica without PreVote: a candidate whose term climbs; with
// PreVote: a pre-candidate in its own term.
func TestMomentsOfACutOffReplica(t *testing.T) {
	s := newScript(t, 5)
	s.elect(1, 5, 2)
	start := s.add(record.Obs{Kind: record.Isolate, Node: 5})
	pre := msg(record.MsgPreVote, 5, 1, 3)
	pre.Lost = true
	s.send(pre)
	preAt := s.at - 1000
	m := s.model()
	s.find(m, "pre-candidate", start, preAt, 5)
	s.missing(m, "climbing", start)
	for term := uint64(3); term <= 4; term++ {
		v := msg(record.MsgVote, 5, 1, term)
		v.Lost = true
		s.send(v)
	}
	climb := s.at - 1000
	s.find(s.model(), "climbing", start, climb, 5)
}

// With PreVote, a cut-off replica that comes back follows the leader it
// left, in the same term: it has rejoined. Healed but not yet following,
// it has not.
func TestMomentOfAQuietReturn(t *testing.T) {
	s := newScript(t, 5)
	s.elect(1, 5, 2)
	s.add(record.Obs{Kind: record.Isolate, Node: 5})
	s.state(5, record.RolePreCandidate, 2, 0) // its timer ran out: it asks, in its own term
	start := s.at
	m := s.model()
	s.missing(m, "rejoined", start) // still cut off
	s.add(record.Obs{Kind: record.Heal})
	s.missing(s.model(), "rejoined", start)
	back := s.exchange(msg(record.MsgHeartbeat, 1, 5, 2))
	f := s.find(s.model(), "rejoined", start, back, 5)
	if got, err := s.model().Fill("{replica} follows {leader} in term {term}", f); err != nil || got != "Replica 5 (p) follows replica 1 (p) in term 2" {
		t.Errorf("rejoined: %q, %v", got, err)
	}
}

// A split vote: two candidates in one term, each with its own vote only.
func TestMomentsOfASplitVote(t *testing.T) {
	s := newScript(t, 5)
	s.elect(1, 5, 2)
	start := s.add(record.Obs{Kind: record.Down, Node: 1})
	s.send(msg(record.MsgVote, 2, 3, 3))
	m := s.model()
	s.missing(m, "split-vote", start)
	s.send(msg(record.MsgVote, 4, 5, 3))
	split := s.at - 1000
	s.find(s.model(), "split-vote", start, split, 0)
}

// Snapshots, a transfer's TimeoutNow, a rejected append, a failed
// proposal, a change of voters, every replica down and up, a replica
// joining.
func TestMomentsOfTheRest(t *testing.T) {
	s := newScript(t, 5)
	s.elect(1, 5, 2)
	start := s.at
	snap := msg(record.MsgSnapshot, 1, 4, 0)
	snap.Index, snap.LogTerm = 1, 2
	sent := s.send(snap).At
	var w bytes.Buffer
	newWorld(5).Save(&w)
	restore := s.add(record.Obs{Kind: record.Restore, Node: 4, Index: 1, Data: w.Bytes()})
	tn := s.exchange(msg(record.MsgTimeoutNow, 1, 2, 2))
	rej := msg(record.MsgAppendResp, 3, 1, 2)
	rej.Reject = true
	rejAt := s.exchange(rej)
	s.add(record.Obs{Kind: record.Propose, ID: 9, Node: 1, Peer: 2, Via: 5})
	fail := s.add(record.Obs{Kind: record.Outcome, ID: 9, Node: 5, Lost: true, Data: []byte("timeout")})
	member := s.add(record.Obs{Kind: record.Member, Node: 5, Data: []byte(record.MemberRemoved)})
	m := s.model()
	s.find(m, "snapshot-sent", start, sent, 4)
	s.find(m, "restored", start, restore, 4)
	s.find(m, "timeout-now", start, tn, 2)
	s.find(m, "rejected", start, rejAt, 3)
	s.find(m, "failed", start, fail, 5)
	s.find(m, "voters-changed", start, member, 0)
	downStart := s.at
	for i := 1; i <= 4; i++ {
		s.add(record.Obs{Kind: record.Down, Node: uint8(i)})
	}
	allDown := s.at
	for i := 1; i <= 4; i++ {
		s.up(i, 2)
	}
	m = s.model()
	s.find(m, "all-down", downStart, allDown, 0) // replica 5 was removed: it does not count
	s.find(m, "all-up", allDown, s.at, 0)
	joinStart := s.at
	s.missing(m, "joining", joinStart)
	s.add(record.Obs{Kind: record.Member, Node: 6, Data: []byte(record.MemberNonVoting + " Farid #56b4e9")})
	s.missing(s.model(), "joining", joinStart) // added, not started yet
	join := s.add(record.Obs{Kind: record.Up, Node: 6, Term: 2})
	s.find(s.model(), "joining", joinStart, join, 6)
}

// new-leader is about a leader no reachable replica is about to depose: a
// replica back from isolation in a higher term is one; while it is still
// cut off, it is not.
func TestNewLeaderIsSettled(t *testing.T) {
	s := newScript(t, 5)
	s.elect(1, 5, 2)
	s.add(record.Obs{Kind: record.Isolate, Node: 5})
	s.state(5, record.RoleCandidate, 8, 0) // its term climbed while cut off
	start := s.at
	s.state(2, record.RoleLeader, 3, 2)
	for _, f := range []int{3, 4} {
		s.exchange(msg(record.MsgHeartbeat, 2, f, 3))
	}
	settled := s.at
	s.find(s.model(), "new-leader", start, settled, 2) // 5 is cut off: it cannot depose 2
	back := s.add(record.Obs{Kind: record.Heal})
	m := s.model()
	if st := m.At(back); Settled(st, 2) {
		t.Error("replica 5 is back in term 8, and 2 still counts as settled in term 3")
	}
	s.missing(m, "new-leader", back)
}

// A crashed replica restarted: up is not enough, it must follow the
// leader and hold its log.
func TestMomentOfARestart(t *testing.T) {
	s := newScript(t, 5)
	s.elect(1, 5, 2)
	for _, f := range []int{2, 3, 5} { // they know the no-op is committed
		hb := msg(record.MsgHeartbeat, 1, f, 2)
		hb.Commit = 1
		s.exchange(hb)
	}
	s.add(record.Obs{Kind: record.Down, Node: 4})
	start := s.at
	s.missing(s.model(), "restarted", start)
	s.up(4, 2)
	s.missing(s.model(), "restarted", start) // up, but it has heard from nobody
	s.exchange(msg(record.MsgHeartbeat, 1, 4, 2))
	s.missing(s.model(), "restarted", start) // it follows, but its log is behind
	catch := msg(record.MsgAppend, 1, 4, 2)
	catch.Ents, catch.Commit = []record.Ent{{Index: 1, Term: 2}}, 1
	back := s.exchange(catch)
	s.find(s.model(), "restarted", start, back, 1)
}

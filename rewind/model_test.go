package rewind

import (
	"bytes"
	"testing"

	"github.com/raftian/raftian/record"
	"github.com/raftian/raftian/world"
)

// §5.2: a candidate's votes are the grants delivered to it in its current
// campaign; two candidates can split the vote, and the next campaign starts
// its count afresh.
func TestSplitVote(t *testing.T) {
	s := newScript(t, 5)
	s.elect(1, 5, 1)
	crash := s.add(record.Obs{Kind: record.Down, Node: 1})
	s.state(2, record.RoleCandidate, 2, 0)
	s.state(3, record.RoleCandidate, 2, 0)
	var reqs []record.Obs
	for _, c := range []int{2, 3} {
		for to := 1; to <= 5; to++ {
			if to != c {
				reqs = append(reqs, s.send(msg(record.MsgVote, c, to, 2)))
			}
		}
	}
	// 4 votes for 2, 5 for 3; 2 and 3 refuse each other; 1 is down.
	grant := func(from, to int) record.Obs { return s.send(msg(record.MsgVoteResp, from, to, 2)) }
	refuse := func(from, to int) record.Obs {
		m := msg(record.MsgVoteResp, from, to, 2)
		m.Reject = true
		return s.send(m)
	}
	g4 := grant(4, 2)
	g5 := grant(5, 3)
	r32 := refuse(3, 2)
	r23 := refuse(2, 3)
	beforeDelivery := s.at
	s.deliver(g4)
	s.deliver(g5)
	s.deliver(r32)
	end := s.deliver(r23)

	m := s.model()
	if st := m.At(crash); st.Replicas[0].Up || st.Replicas[0].Role != record.RoleDown {
		t.Fatalf("replica 1 after its crash: %+v", st.Replicas[0])
	}
	if got := m.At(beforeDelivery).Replicas[1].Campaign.Votes(); got != 1 {
		t.Errorf("before any grant was delivered, 2 has %d votes; want 1 (its own)", got)
	}
	st := m.At(end)
	for _, c := range []int{2, 3} {
		r := st.Replicas[c-1]
		if r.Role != record.RoleCandidate || r.Term != 2 || r.Campaign.Votes() != 2 || r.Vote != c {
			t.Errorf("candidate %d after the split: role %v term %d votes %d vote %d; want candidate, term 2, 2 votes, its own",
				c, r.Role, r.Term, r.Campaign.Votes(), r.Vote)
		}
	}
	if st.Replicas[3].Vote != 2 || st.Replicas[4].Vote != 3 {
		t.Errorf("votes: 4 for %d, 5 for %d; want 4 for 2 and 5 for 3", st.Replicas[3].Vote, st.Replicas[4].Vote)
	}
	// The vote requests to 1 were sent to a crashed replica: never delivered.
	for _, f := range m.Flights(end, 0, nil) {
		if f.To == 1 && f.Over(end) {
			t.Errorf("a message to the crashed replica 1 arrived: %+v", f)
		}
	}
	// Term 3: 2 stands again; its count starts afresh and it wins with 3.
	s.state(2, record.RoleCandidate, 3, 0)
	mid := s.deliver(s.send(msg(record.MsgVoteResp, 4, 2, 3)))
	s.deliver(s.send(msg(record.MsgVoteResp, 5, 2, 3)))
	won := s.state(2, record.RoleLeader, 3, 2)
	m = s.model()
	if got := m.At(mid).Replicas[1].Campaign.Votes(); got != 2 {
		t.Errorf("term 3 campaign after one grant: %d votes; want 2 (the old campaign's do not count)", got)
	}
	if r := m.At(won).Replicas[1]; r.Role != record.RoleLeader || r.Term != 3 {
		t.Errorf("2 after winning: %v in term %d", r.Role, r.Term)
	}
	_ = reqs
}

// A pre-candidate repeats its pre-vote in the same term; each round counts
// only its own answers, and a majority of refusals ends it.
func TestPreVoteRoundsCountApart(t *testing.T) {
	s := newScript(t, 5)
	s.elect(1, 5, 1)
	s.add(record.Obs{Kind: record.Isolate, Node: 5})
	s.state(5, record.RolePreCandidate, 1, 0)
	for _, from := range []int{2, 3, 4} {
		s.exchange(msg(record.MsgPreVoteResp, from, 5, 2))
	}
	first := s.at
	s.state(5, record.RolePreCandidate, 1, 0) // a new round
	second := s.exchange(msg(record.MsgPreVoteResp, 2, 5, 2))
	for _, from := range []int{1, 3, 4} {
		m := msg(record.MsgPreVoteResp, from, 5, 1)
		m.Reject = true
		s.exchange(m)
	}
	lost := s.at
	m := s.model()
	if got := m.At(first).Replicas[4].Campaign.Votes(); got != 4 {
		t.Errorf("first round: %d votes, want 4", got)
	}
	if r := m.At(second).Replicas[4]; r.Role != record.RolePreCandidate || r.Campaign.Votes() != 2 || r.Term != 1 {
		t.Errorf("second round: %v, %d votes, term %d; want pre-candidate, 2 votes, term 1", r.Role, r.Campaign.Votes(), r.Term)
	}
	if r := m.At(lost).Replicas[4]; r.Role != record.RoleFollower || r.Term != 1 {
		t.Errorf("after a majority refused: %v in term %d; want a follower in term 1", r.Role, r.Term)
	}
}

// §5.3 and §5.4.2: an entry of an old leader that only a minority holds is
// overwritten after the partition heals; the new leader commits its own
// entry only once a majority holds it.
func TestOverwriteAfterPartition(t *testing.T) {
	s := newScript(t, 5)
	s.elect(1, 5, 1)
	s.add(record.Obs{Kind: record.Partition, Data: []byte{1, 1, 2, 2, 2}})
	// The old leader takes an attack that reaches 2 only.
	old := record.Ent{Index: 2, Term: 1, What: record.WhatAttack, From: 1, To: 3}
	a := msg(record.MsgAppend, 1, 2, 1)
	a.Index, a.LogTerm, a.Commit, a.Ents = 1, 1, 1, []record.Ent{old}
	s.exchange(a)
	ack := msg(record.MsgAppendResp, 2, 1, 1)
	ack.Index = 2
	onTwo := s.exchange(ack)
	// The majority elects 3, whose no-op goes to 4 and 5.
	s.state(3, record.RoleLeader, 2, 3)
	noop := record.Ent{Index: 2, Term: 2}
	var acks []record.Obs
	for _, f := range []int{4, 5} {
		a := msg(record.MsgAppend, 3, f, 2)
		a.Index, a.LogTerm, a.Commit, a.Ents = 1, 1, 1, []record.Ent{noop}
		s.exchange(a)
		r := msg(record.MsgAppendResp, f, 3, 2)
		r.Index = 2
		acks = append(acks, s.send(r))
	}
	oneAck := s.deliver(acks[0])
	twoAcks := s.deliver(acks[1])
	s.add(record.Obs{Kind: record.Heal})
	s.state(1, record.RoleFollower, 2, 3)
	for _, f := range []int{1, 2} {
		a := msg(record.MsgAppend, 3, f, 2)
		a.Index, a.LogTerm, a.Commit, a.Ents = 1, 1, 2, []record.Ent{noop}
		s.exchange(a)
	}
	end := s.at

	m := s.model()
	if l := m.At(onTwo).Replicas[0]; l.Holding(2) != 2 || l.Commit != 1 {
		t.Errorf("old leader: entry 2 on %d/5, commit %d; want on 2/5, commit 1", l.Holding(2), l.Commit)
	}
	if l := m.At(oneAck).Replicas[2]; l.Commit != 1 || l.Holding(2) != 2 {
		t.Errorf("new leader after one ack: commit %d, on %d/5; want commit 1, on 2/5", l.Commit, l.Holding(2))
	}
	if l := m.At(twoAcks).Replicas[2]; l.Commit != 2 || l.Holding(2) != 3 {
		t.Errorf("new leader after two acks: commit %d, on %d/5; want commit 2 (a majority), on 3/5", l.Commit, l.Holding(2))
	}
	st := m.At(end)
	for _, i := range []int{1, 2} {
		r := st.Replicas[i-1]
		e, ok := r.Log.Entry(2)
		if !ok || e.Term != 2 {
			t.Errorf("replica %d: entry 2 is %+v; want the new leader's no-op of term 2", i, e)
		}
		if len(r.Log.Gone) != 1 || r.Log.Gone[0].Ent != old || r.Log.Gone[0].ByTerm != 2 {
			t.Errorf("replica %d: overwritten %+v; want the old attack, replaced in term 2", i, r.Log.Gone)
		}
		if r.Commit != 2 || r.Leader != 3 || r.Term != 2 {
			t.Errorf("replica %d: commit %d leader %d term %d; want 2, 3, 2", i, r.Commit, r.Leader, r.Term)
		}
	}
	if st.Partitioned() {
		t.Error("still partitioned after the heal")
	}
}

// A follower far behind catches up from a snapshot: its world is the
// snapshot's, its log starts after it.
func TestCatchUpBySnapshot(t *testing.T) {
	s := newScript(t, 5)
	s.elect(1, 5, 1)
	s.add(record.Obs{Kind: record.Down, Node: 5})
	w := newWorld(5)
	for i := uint64(2); i <= 40; i++ {
		cmd := attackCmd(1, 2, i-1)
		w.Apply(i, cmd)
		for r := 1; r <= 4; r++ {
			s.add(record.Obs{Kind: record.Apply, Node: uint8(r), Index: i, Data: cmd})
		}
	}
	var snap bytes.Buffer
	if err := w.Save(&snap); err != nil {
		t.Fatal(err)
	}
	s.up(5, 1)
	chunk := msg(record.MsgSnapshot, 1, 5, 0) // a chunk holds the snapshot's term, not the sender's
	chunk.Index, chunk.LogTerm = 40, 1
	s.exchange(chunk)
	restored := s.add(record.Obs{Kind: record.Restore, Node: 5, Index: 40, Term: 1, Data: snap.Bytes()})

	m := s.model()
	r := m.At(restored).Replicas[4]
	if r.Applied != 40 || r.World.Hash() != w.Hash() || r.Log.Start != 40 || r.Leader != 1 {
		t.Errorf("after the snapshot: applied %d, log from %d, leader %d, world same: %v; want 40, 40, 1, true",
			r.Applied, r.Log.Start, r.Leader, r.World.Hash() == w.Hash())
	}
	if h := m.At(restored).Replicas[0].World.Hash(); h != w.Hash() {
		t.Error("the leader's world differs from the snapshot's")
	}
}

// A crash keeps a replica's log and term; after its restart it applies
// its entries again from a new world, and ends where it was.
func TestCrashAndRestart(t *testing.T) {
	s := newScript(t, 3)
	s.elect(1, 3, 1)
	for i := uint64(2); i <= 5; i++ {
		s.add(record.Obs{Kind: record.Apply, Node: 2, Index: i, Data: attackCmd(1, 3, i-1)})
	}
	before := s.at
	hb := s.send(msg(record.MsgHeartbeat, 1, 2, 1))
	crash := s.add(record.Obs{Kind: record.Down, Node: 2})
	ents := []record.Ent{{Index: 1, Term: 1}}
	s.add(record.Obs{Kind: record.Up, Node: 2, Term: 1, Peer: 1, Commit: 5, Index: 1, Ents: ents})
	restarted := s.at
	for i := uint64(2); i <= 5; i++ {
		s.add(record.Obs{Kind: record.Apply, Node: 2, Index: i, Data: attackCmd(1, 3, i-1)})
	}
	end := s.at

	m := s.model()
	want := m.At(before).Replicas[1].World.Hash()
	if r := m.At(crash).Replicas[1]; r.Up || r.Term != 1 || r.Log.Last() != 1 {
		t.Errorf("crashed: up %v term %d last %d; want down, term and log kept", r.Up, r.Term, r.Log.Last())
	}
	if r := m.At(restarted).Replicas[1]; !r.Up || r.Role != record.RoleFollower || r.Applied != 0 || r.Vote != 1 || r.Commit != 5 {
		t.Errorf("restarted: %+v; want up, a follower, nothing applied yet, its vote and commit kept", r)
	}
	if r := m.At(end).Replicas[1]; r.Applied != 5 || r.World.Hash() != want {
		t.Errorf("after re-applying: applied %d, same world %v", r.Applied, r.World.Hash() == want)
	}
	for _, f := range m.Flights(end, end, nil) {
		if f.ID == hb.ID && (!f.Lost || f.End != crash) {
			t.Errorf("the heartbeat to the crashed replica: %+v; want lost at the crash", f)
		}
	}
}

// Any moment rebuilt from a keyframe equals the same moment reached by
// reading the record from its start.
func TestSeekEqualsReading(t *testing.T) {
	s := newScript(t, 5)
	s.elect(1, 5, 1)
	for i := uint64(2); i < 5000; i++ {
		e := record.Ent{Index: i, Term: 1, What: record.WhatAttack, From: 1, To: 2}
		for f := 2; f <= 5; f++ {
			a := msg(record.MsgAppend, 1, f, 1)
			a.Index, a.LogTerm, a.Commit, a.Ents = i-1, 1, i-1, []record.Ent{e}
			s.exchange(a)
			r := msg(record.MsgAppendResp, f, 1, 1)
			r.Index = i
			s.exchange(r)
		}
	}
	m := s.model()
	_, end := m.Range()
	for _, t0 := range []int64{end / 3, end / 7, end - 1, end / 2, 5_000} {
		got := m.At(t0).clone()
		fresh := New(s.log)
		fresh.readUntil(t0)
		if d := diff(got, fresh.head); d != "" {
			t.Errorf("at %d µs: %s", t0, d)
		}
	}
}

// A leader asked to hand over shows whom to until it steps down; the
// strip marks the transfer.
func TestTransferShownUntilTheLeaderStepsDown(t *testing.T) {
	s := newScript(t, 5)
	s.elect(1, 2, 1)
	asked := s.add(record.Obs{Kind: record.Transfer, Node: 3, Peer: 1})
	s.state(3, record.RoleCandidate, 3, 0)
	stepped := s.state(1, record.RoleFollower, 3, 0)
	m := s.model()
	if r := m.At(asked).Replicas[0]; r.HandingTo != 3 || r.HandingAt != asked {
		t.Errorf("leader 1 after the request: handing to %d since %d; want 3 since %d", r.HandingTo, r.HandingAt, asked)
	}
	if r := m.At(stepped).Replicas[0]; r.HandingTo != 0 {
		t.Errorf("leader 1 after stepping down still hands over to %d", r.HandingTo)
	}
	_, marks := m.Lanes()
	if len(marks) == 0 || marks[len(marks)-1].Label != "transfer 1→3" {
		t.Errorf("markers %v; want the last to be transfer 1→3", marks)
	}
}

// A replica added grows the state (its player named in the record), is
// non-voting until promoted, and a removed one stays removed through its
// stop; the majority counts voters only. Before the add, the state is as
// it was.
func TestMembershipChangesTheState(t *testing.T) {
	s := newScript(t, 5)
	s.elect(1, 2, 1)
	before := s.at
	added := s.add(record.Obs{Kind: record.Member, Node: 6, Data: []byte(record.MemberNonVoting + " Fatima #f781bf")})
	s.add(record.Obs{Kind: record.Up, Node: 6, Term: 2})
	promoted := s.add(record.Obs{Kind: record.Member, Node: 6, Data: []byte(record.MemberVoter)})
	s.add(record.Obs{Kind: record.Member, Node: 2, Data: []byte(record.MemberRemoved)})
	stopped := s.add(record.Obs{Kind: record.Down, Node: 2})
	m := s.model()
	if st := m.At(before); len(st.Replicas) != 5 || st.Majority() != 3 {
		t.Errorf("before the add: %d replicas, majority %d", len(st.Replicas), st.Majority())
	}
	st := m.At(added)
	if len(st.Replicas) != 6 || !st.Replicas[5].NonVoting || st.Players[5].Name != "Fatima" || st.Majority() != 3 || len(st.Net.Isolated) != 6 {
		t.Errorf("after the add: %d replicas, 6 non-voting %v, players %v, majority %d", len(st.Replicas), st.Replicas[5].NonVoting, st.Players, st.Majority())
	}
	if st := m.At(promoted); st.Replicas[5].NonVoting || st.Voters() != 6 || st.Majority() != 4 {
		t.Errorf("after the promotion: 6 non-voting %v, %d voters, majority %d", st.Replicas[5].NonVoting, st.Voters(), st.Majority())
	}
	if st := m.At(stopped); !st.Replicas[1].Removed || st.Replicas[1].Up || st.Voters() != 5 {
		t.Errorf("after the removal: 2 removed %v up %v, %d voters", st.Replicas[1].Removed, st.Replicas[1].Up, st.Voters())
	}
	_, marks := m.Lanes()
	for _, mk := range marks {
		if mk.Label == "crash" && mk.Node == 2 {
			t.Error("a removed replica's stop is marked as a crash")
		}
	}
}

// Each replica's own membership is what it last reported: one that has
// not applied a change still believes in the old voters.
func TestEachReplicaBelievesItsOwnMembership(t *testing.T) {
	s := newScript(t, 5)
	s.elect(1, 2, 1)
	s.add(record.Obs{Kind: record.Voters, Node: 1, Data: []byte{1, 2, 3, 4, 5, 6}})
	at := s.add(record.Obs{Kind: record.Voters, Node: 2, Data: []byte{1, 2, 3, 4, 5}})
	s.add(record.Obs{Kind: record.Down, Node: 1})
	down := s.add(record.Obs{Kind: record.Up, Node: 1, Term: 2})
	m := s.model()
	st := m.At(at)
	if b := st.Replicas[0].Believes; b != 0b111111 {
		t.Errorf("replica 1 believes %b; want voters 1–6", b)
	}
	if b := st.Replicas[1].Believes; b != 0b11111 {
		t.Errorf("replica 2 believes %b; want voters 1–5", b)
	}
	if b := m.At(down).Replicas[0].Believes; b != 0b111111 {
		t.Errorf("after a restart replica 1 believes %b; want what it believed", b)
	}
}

// A class's merged record that lost some of a replica's observations (a
// gap marker) shows that replica as stale, and its next checkpoint
// restores it: role, term, log and world as the replica had them.
func TestAGapIsMendedByTheNextCheckpoint(t *testing.T) {
	s := newScript(t, 3)
	s.elect(1, 3, 1)
	gap := s.add(record.Obs{Kind: record.Gap, Node: 3, Index: 120})
	w := world.New(3)
	for i := uint64(2); i <= 4; i++ {
		w.Apply(i, attackCmd(1, 2, i-1))
	}
	var b bytes.Buffer
	w.Save(&b)
	ents := []record.Ent{{Index: 3, Term: 2}, {Index: 4, Term: 2}}
	cp := s.add(record.Obs{Kind: record.Checkpoint, Node: 3, Role: record.RoleFollower, Term: 2, Peer: 2,
		Commit: 4, Index: 4, Ents: ents, Data: b.Bytes()})
	m := s.model()
	if r := m.At(gap).Replicas[2]; !r.Gapped || r.Term != 1 {
		t.Errorf("after the gap: %+v; want stale, still in term 1", r)
	}
	r := m.At(cp).Replicas[2]
	if r.Gapped || r.Term != 2 || r.Leader != 2 || r.Commit != 4 || r.Log.Last() != 4 || r.Applied != 4 || r.World.Hash() != w.Hash() {
		t.Errorf("after its checkpoint: %+v; want term 2 under leader 2, 4 entries applied", r)
	}
	if r := m.At(cp).Replicas[1]; r.Term != 1 {
		t.Errorf("another replica's checkpoint after no gap of its own changed replica 2: %+v", r)
	}
	var marked bool
	_, markers := m.Lanes()
	for _, mk := range markers {
		marked = marked || mk.Kind == record.Gap && mk.Node == 3 && mk.Label == "stream gap: 120 lost"
	}
	if !marked {
		t.Errorf("no gap marker on replica 3's lane: %+v", markers)
	}
}

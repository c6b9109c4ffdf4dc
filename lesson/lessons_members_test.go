package lesson

import (
	"fmt"
	"strings"
	"testing"

	"github.com/raftian/raftian/cluster"
	"github.com/raftian/raftian/command"
	"github.com/raftian/raftian/record"
	"github.com/raftian/raftian/rewind"
)

// The lessons of the membership chapter: leader transfer, replicas
// joining and leaving.

// Lesson 10: leadership moves to the follower asked for, in a higher term,
// by a TimeoutNow, with no replica down and no timer run out.
func TestLessonLeaderTransfer(t *testing.T) {
	p := playLesson(t, "leader-transfer", nil)
	before, after := leaderOf(p.at(t, 1)), leaderOf(p.at(t, 2))
	if after.id == 0 || after.id == before.id || after.term <= before.term {
		t.Fatalf("caption 2: leader %+v; before the transfer %+v", after, before)
	}
	if _, ok := p.first(func(o *record.Obs) bool {
		return o.Kind == record.Send && o.Msg == record.MsgTimeoutNow && int(o.Node) == before.id && int(o.Peer) == after.id
	}); !ok {
		t.Errorf("no TimeoutNow from %d to %d in the record", before.id, after.id)
	}
	if down, ok := p.first(func(o *record.Obs) bool { return o.Kind == record.Down }); ok {
		t.Errorf("replica %d went down during a transfer lesson", down.Node)
	}
	if c := p.reveal(2); !strings.Contains(c.Reveal, fmt.Sprintf("term %d", after.term)) {
		t.Errorf("the reveal %q does not name term %d", c.Reveal, after.term)
	}
}

// Lesson 11: two replicas join as voters (quorum 4 of 7), the cluster
// commits with three of seven down and not with four, and the two leave
// again (quorum 3 of 5), their cities ruins.
func TestLessonMembership(t *testing.T) {
	p := playLesson(t, "membership", map[int]int{2: 4, 6: 2})
	st := p.at(t, 2)
	if len(st.Replicas) != 7 || st.Voters() != 7 || st.Majority() != 4 {
		t.Fatalf("caption 2: %d replicas, %d voters, quorum %d; want 7, 7, 4", len(st.Replicas), st.Voters(), st.Majority())
	}
	for _, r := range st.Replicas {
		if !r.Up || r.NonVoting || r.World.Players() != 7 {
			t.Errorf("caption 2: replica %d up %v non-voting %v with %d players", r.ID, r.Up, r.NonVoting, r.World.Players())
		}
	}
	if c := p.reveal(2); !strings.HasPrefix(c.Reveal, "Right!") || !strings.Contains(c.Reveal, "7 replicas vote now, so 4 must agree") {
		t.Errorf("reveal 2, answered 4: %q", c.Reveal)
	}
	up := func(st *rewind.State) int {
		n := 0
		for _, r := range st.Replicas {
			if r.Up {
				n++
			}
		}
		return n
	}
	outcome := func(from, to int) *cluster.Outcome {
		for _, r := range p.results {
			if a, ok := r.Command.(command.Attack); ok && a.From == from && a.To == to {
				return r.Outcome
			}
		}
		return nil
	}
	if n := up(p.at(t, 3)); n != 4 {
		t.Errorf("caption 3: %d replicas up; want 4", n)
	}
	if o := outcome(1, 2); o == nil || !o.OK {
		t.Errorf("with four of seven up, Aria's attack: %+v", o)
	}
	if n := up(p.at(t, 4)); n != 3 {
		t.Errorf("caption 4: %d replicas up; want 3", n)
	}
	if o := outcome(2, 1); o == nil || o.OK {
		t.Errorf("with three of seven up, Boris's attack: %+v", o)
	}
	st = p.at(t, 6)
	l := leaderOf(st)
	if st.Voters() != 5 || st.Majority() != 3 || !st.Replicas[5].Removed || !st.Replicas[6].Removed || l.id == 0 {
		t.Fatalf("caption 6: %d voters, quorum %d, 6 removed %v, 7 removed %v, leader %d", st.Voters(), st.Majority(),
			st.Replicas[5].Removed, st.Replicas[6].Removed, l.id)
	}
	if w := st.Replicas[l.id-1].World; !w.Left(6) || !w.Left(7) {
		t.Errorf("caption 6: the leader's world has 6 left %v, 7 left %v", w.Left(6), w.Left(7))
	}
	if c := p.reveal(6); !strings.HasPrefix(c.Reveal, "Not this time") || !strings.Contains(c.Reveal, "5 replicas vote now, so 3 must agree") {
		t.Errorf("reveal 6, answered 2: %q", c.Reveal)
	}
}

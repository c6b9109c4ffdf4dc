package timeline

import (
	"testing"
	"time"

	"github.com/raftian/raftian/node"
)

func TestTimelineSegmentsFollowStateChanges(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	tl := New(2, Span)
	follower := LaneState{Role: node.RoleFollower, Term: 2}
	leader := LaneState{Role: node.RoleLeader, Term: 2}
	tl.Observe(at(0), []LaneState{leader, follower})
	tl.Observe(at(1), []LaneState{leader, follower}) // no change: no new segment
	tl.Observe(at(2), []LaneState{{Role: node.RoleDown}, {Role: node.RoleCandidate, Term: 3}})
	tl.Observe(at(3), []LaneState{{Role: node.RoleDown}, {Role: node.RoleLeader, Term: 3}})

	if n := len(tl.Lanes[0]); n != 2 {
		t.Fatalf("lane 1 has %d segments, want 2 (leader, down)", n)
	}
	if n := len(tl.Lanes[1]); n != 3 {
		t.Fatalf("lane 2 has %d segments, want 3 (follower, candidate, leader)", n)
	}
	if s, _ := tl.StateAt(1, at(2.5)); s.Role != node.RoleCandidate || s.Term != 3 {
		t.Errorf("lane 2 at 2.5 s: %+v, want candidate in term 3", s)
	}
	if s, _ := tl.StateAt(0, at(1.5)); s.Role != node.RoleLeader {
		t.Errorf("lane 1 at 1.5 s: %+v, want leader", s)
	}
	if _, ok := tl.StateAt(0, at(-1)); ok {
		t.Error("a state known before the first observation")
	}
	if got := tl.Lanes[1][0].End; !got.Equal(at(2)) {
		t.Errorf("first segment ended at %v, want %v", got, at(2))
	}
}

func TestTimelineForgetsOldHistory(t *testing.T) {
	t0 := time.Unix(1000, 0)
	tl := New(1, Span)
	for i := 0; i < 200; i++ {
		role := node.RoleFollower
		if i%2 == 1 {
			role = node.RoleCandidate
		}
		now := t0.Add(time.Duration(i) * time.Second)
		tl.Observe(now, []LaneState{{Role: role, Term: uint64(i)}})
		tl.Mark(Marker{At: now, Type: node.EvCrash, Lane: 1})
	}
	end := t0.Add(199 * time.Second)
	for _, s := range tl.Lanes[0] {
		if !s.End.IsZero() && s.End.Before(end.Add(-Span)) {
			t.Fatalf("kept a segment that ended at %v, more than %v before %v", s.End, Span, end)
		}
	}
	if n := len(tl.Lanes[0]); n > 62 {
		t.Fatalf("kept %d segments for 60 s of one change a second", n)
	}
	if n := len(tl.Markers); n > 61 {
		t.Fatalf("kept %d markers", n)
	}
}

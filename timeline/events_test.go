package timeline

import (
	"strings"
	"testing"
	"time"

	"github.com/raftian/raftian/node"
)

func leaderEv(ms int64, n int, term uint64, leader int) node.Event {
	return node.Event{TMs: ms, Type: node.EvLeader, Node: n, Term: term, Leader: &leader}
}

func TestFromEventsRebuildsRoles(t *testing.T) {
	evs := []node.Event{
		leaderEv(0, 1, 1, 0), leaderEv(0, 2, 1, 0),
		leaderEv(500, 1, 2, 0), // a new term, no leader: candidate
		leaderEv(520, 1, 2, 1), leaderEv(530, 2, 2, 1),
		{TMs: 2000, Type: node.EvCrash, Node: 1},
		leaderEv(2400, 2, 2, 0), // same term, no leader: pre-candidate
		leaderEv(2600, 2, 3, 2),
		{TMs: 3000, Type: node.EvIsolate, Node: 2},
		{TMs: 3500, Type: node.EvPartition, Groups: [][]int{{1}, {2}}},
		{TMs: 4000, Type: node.EvHeal},
		{TMs: 4500, Type: node.EvRestart, Node: 1},
	}
	tl := FromEvents(2, evs)
	want := []struct {
		lane int
		ms   int64
		role node.Role
		iso  bool
	}{
		{0, 510, node.RoleCandidate, false}, {0, 1000, node.RoleLeader, false}, {0, 2500, node.RoleDown, false},
		{0, 4600, node.RoleFollower, false}, {1, 1000, node.RoleFollower, false}, {1, 2500, node.RolePreCandidate, false},
		{1, 2700, node.RoleLeader, false}, {1, 3200, node.RoleLeader, true}, {1, 4200, node.RoleLeader, false},
	}
	for _, w := range want {
		s, ok := tl.StateAt(w.lane, at(w.ms))
		if !ok || s.Role != w.role || s.Isolated != w.iso {
			t.Errorf("lane %d at %d ms: %+v (known %v), want %v isolated=%v", w.lane+1, w.ms, s, ok, w.role, w.iso)
		}
	}
	if len(tl.Markers) != 5 {
		t.Errorf("%d markers, want 5 (crash, isolate, partition, heal, restart)", len(tl.Markers))
	}
	var svg strings.Builder
	if err := SVG(&svg, tl, []string{"Aria", "Boris"}); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"<svg", "1 Aria", "2 Boris", RoleRGB(node.RoleLeader).Hex(), RoleRGB(node.RoleDown).Hex(),
		IsolatedRGB.Hex(), ">crash<", ">1|2<", "</svg>"} {
		if !strings.Contains(svg.String(), s) {
			t.Errorf("the SVG lacks %q", s)
		}
	}
}

func at(ms int64) time.Time { return time.UnixMilli(ms) }

package timeline

import (
	"strings"
	"testing"

	"github.com/raftian/raftian/record"
	"github.com/raftian/raftian/rewind"
)

func leaderEv(ms int64, n int, term uint64, leader int, role string) record.Event {
	return record.Event{TMs: ms, Type: record.EventLeader, Node: n, Term: term, Leader: &leader, Role: role}
}

// roleAt is lane i's role at t µs.
func roleAt(lanes [][]rewind.Segment, i int, t int64) (record.Role, bool, bool) {
	for _, s := range lanes[i] {
		if s.Start <= t && (s.End < 0 || t < s.End) {
			return s.Role, s.Isolated, true
		}
	}
	return 0, false, false
}

// An events file is drawn from the observations its events stand for:
// roles as the events say them (an old file without roles tells only who
// led), crashes and restarts, isolation and partitions.
func TestFromEventsDrawsTheRecordsLanes(t *testing.T) {
	h := record.Header{Players: []record.Player{{Name: "Aria", Color: "#ff0000"}, {Name: "Boris", Color: "#00ff00"}},
		RTTMs: 50, ElectionRTT: 10}
	evs := []record.Event{
		leaderEv(0, 1, 1, 0, "follower"), leaderEv(0, 2, 1, 0, "follower"),
		leaderEv(500, 1, 2, 0, "candidate"),
		leaderEv(520, 1, 2, 1, "leader"), leaderEv(530, 2, 2, 1, "follower"),
		{TMs: 2000, Type: record.EventCrash, Node: 1},
		leaderEv(2400, 2, 2, 0, "pre-candidate"),
		leaderEv(2600, 2, 3, 2, ""), // an older file: itself as leader
		{TMs: 3000, Type: record.EventIsolate, Node: 2},
		{TMs: 3500, Type: record.EventPartition, Groups: [][]int{{1}, {2}}},
		{TMs: 4000, Type: record.EventHeal},
		{TMs: 4500, Type: record.EventRestart, Node: 1},
		{TMs: 4600, Type: record.EventCommit, From: 1, To: 2}, // leaves no mark
	}
	m := FromEvents(h, evs)
	lanes, markers := m.Lanes()
	want := []struct {
		lane int
		ms   int64
		role record.Role
		iso  bool
	}{
		{0, 510, record.RoleCandidate, false}, {0, 1000, record.RoleLeader, false}, {0, 2500, record.RoleDown, false},
		{0, 4600, record.RoleFollower, false}, {1, 1000, record.RoleFollower, false}, {1, 2500, record.RolePreCandidate, false},
		{1, 2700, record.RoleLeader, false}, {1, 3200, record.RoleLeader, true}, {1, 4200, record.RoleLeader, false},
	}
	for _, w := range want {
		role, iso, ok := roleAt(lanes, w.lane, w.ms*1000)
		if !ok || role != w.role || iso != w.iso {
			t.Errorf("lane %d at %d ms: %v isolated=%v (known %v), want %v isolated=%v", w.lane+1, w.ms, role, iso, ok, w.role, w.iso)
		}
	}
	if len(markers) != 5 {
		t.Errorf("%d markers, want 5 (crash, isolate, partition, heal, restart): %+v", len(markers), markers)
	}
	var svg strings.Builder
	if err := SVG(&svg, m, []string{"Aria", "Boris"}); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"<svg", "1 Aria", "2 Boris", RoleRGB(record.RoleLeader).Hex(), RoleRGB(record.RoleDown).Hex(),
		IsolatedRGB.Hex(), ">crash<", ">{1}|{2}<", "</svg>"} {
		if !strings.Contains(svg.String(), s) {
			t.Errorf("the SVG lacks %q", s)
		}
	}
}

package timeline

import (
	"time"

	"github.com/raftian/raftian/command"
	"github.com/raftian/raftian/node"
)

// FromEvents rebuilds the whole timeline of a run of n replicas from its
// events. A replica's role comes from the leaders it reported: itself is
// leader; none with a new term, candidate; none in the same term,
// pre-candidate; another, follower.
func FromEvents(n int, evs []node.Event) *Timeline {
	t := New(n, 0)
	state := make([]LaneState, n+1)
	for i := 1; i <= n; i++ {
		state[i] = LaneState{Role: node.RoleFollower}
	}
	at := func(e node.Event) time.Time { return time.UnixMilli(e.TMs) }
	observe := func(e node.Event) { t.Observe(at(e), state[1:]) }
	for _, e := range evs {
		r := e.Node
		inRange := r >= 1 && r <= n
		switch e.Type {
		case node.EvLeader:
			if !inRange || e.Leader == nil || state[r].Role == node.RoleDown {
				continue
			}
			s := &state[r]
			switch {
			case *e.Leader == r:
				s.Role = node.RoleLeader
			case *e.Leader != 0, s.Term == 0 && e.Term <= 1: // a follower, or just started
				s.Role = node.RoleFollower
			case e.Term > s.Term:
				s.Role = node.RoleCandidate
			default:
				s.Role = node.RolePreCandidate
			}
			s.Term = e.Term
		case node.EvCrash:
			if inRange {
				state[r] = LaneState{Role: node.RoleDown, Isolated: state[r].Isolated}
			}
		case node.EvRestart:
			if inRange {
				state[r].Role = node.RoleFollower
			}
		case node.EvIsolate, node.EvRejoin:
			if inRange {
				state[r].Isolated = e.Type == node.EvIsolate
			}
		case node.EvHeal:
			for i := 1; i <= n; i++ {
				state[i].Isolated = false
			}
		}
		if m, ok := MarkerOf(e, at(e)); ok {
			t.Mark(m)
		}
		observe(e)
	}
	return t
}

// MarkerOf returns the marker an event gets, at the given time, if it is
// one that is marked: a fault, its end, or the Raft settings changing. The
// window's strip and the SVG export mark the same events the same way.
func MarkerOf(e node.Event, at time.Time) (Marker, bool) {
	m := Marker{At: at, Type: e.Type, Lane: e.Node, Label: e.Type}
	switch e.Type {
	case node.EvCrash, node.EvRestart, node.EvIsolate, node.EvRejoin, node.EvHeal:
	case node.EvPartition:
		m.Label = command.GroupsText(e.Groups)
	case node.EvReconfigure:
		m.Label = e.Reason
	default:
		return Marker{}, false
	}
	return m, true
}

// Package timeline keeps what each replica was doing over time: one lane
// per replica of segments in a role and term, and markers for faults. The
// window draws the last minute of it; raftian timeline draws a whole run
// from its events file as a picture for slides and reports.
package timeline

import (
	"time"

	"github.com/raftian/raftian/node"
)

// Span is how much history the window's strip keeps.
const Span = 60 * time.Second

// LaneState is what a lane shows at one moment.
type LaneState struct {
	Role     node.Role // RoleDown when crashed
	Isolated bool
	Term     uint64
}

// Segment is a stretch of time in one state; End is zero while it lasts.
type Segment struct {
	Start, End time.Time
	State      LaneState
}

// Marker is a fault event drawn across the strip or on one lane.
type Marker struct {
	At    time.Time
	Type  string // node.EvCrash, EvRestart, EvIsolate, EvRejoin, EvPartition, EvHeal
	Lane  int    // replica, or 0 for all lanes
	Label string
}

// Timeline is the history of n replicas.
type Timeline struct {
	Lanes   [][]Segment // Lanes[i] is replica i+1, oldest first
	Markers []Marker
	span    time.Duration // history older than this is dropped; 0 keeps all
}

// New returns an empty timeline of n lanes that keeps span of history
// (0: all of it).
func New(n int, span time.Duration) *Timeline {
	return &Timeline{Lanes: make([][]Segment, n), span: span}
}

// Observe records the lanes' states at now: a lane whose state changed
// ends its current segment and starts another. History older than the
// span is dropped.
func (t *Timeline) Observe(now time.Time, states []LaneState) {
	for i, s := range states {
		lane := t.Lanes[i]
		if n := len(lane); n > 0 && lane[n-1].State == s {
			continue
		} else if n > 0 {
			lane[n-1].End = now
		}
		t.Lanes[i] = append(lane, Segment{Start: now, State: s})
	}
	t.prune(now)
}

// Mark records a fault marker.
func (t *Timeline) Mark(m Marker) {
	t.Markers = append(t.Markers, m)
}

func (t *Timeline) prune(now time.Time) {
	if t.span == 0 {
		return
	}
	cut := now.Add(-t.span)
	for i, lane := range t.Lanes {
		k := 0
		for k < len(lane)-1 && !lane[k].End.IsZero() && lane[k].End.Before(cut) {
			k++
		}
		t.Lanes[i] = lane[k:]
	}
	k := 0
	for k < len(t.Markers) && t.Markers[k].At.Before(cut) {
		k++
	}
	t.Markers = t.Markers[k:]
}

// StateAt returns lane i's state at time at, and whether it is known.
func (t *Timeline) StateAt(i int, at time.Time) (LaneState, bool) {
	for _, s := range t.Lanes[i] {
		if !at.Before(s.Start) && (s.End.IsZero() || at.Before(s.End)) {
			return s.State, true
		}
	}
	return LaneState{}, false
}

// StateOf derives a lane's state from a replica's status.
func StateOf(st node.ReplicaStatus) LaneState {
	if !st.Up {
		return LaneState{Role: node.RoleDown}
	}
	return LaneState{Role: st.Role, Isolated: st.Isolated, Term: st.Term}
}

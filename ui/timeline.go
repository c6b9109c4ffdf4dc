package ui

import (
	"time"

	"github.com/raftian/raftian/node"
)

// The timeline strip: one lane per replica over the last TimelineSpan,
// coloured by what the replica was doing, with the term written where it
// changes and markers for faults. It is kept here as plain data so that it
// can be tested without a window.

// TimelineSpan is how much history the strip shows.
const TimelineSpan = 60 * time.Second

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

// Timeline is the strip's history.
type Timeline struct {
	Lanes   [][]Segment // Lanes[i] is replica i+1, oldest first
	Markers []Marker
}

// NewTimeline returns an empty timeline of n lanes.
func NewTimeline(n int) *Timeline { return &Timeline{Lanes: make([][]Segment, n)} }

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
	cut := now.Add(-TimelineSpan)
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

// laneState derives a lane's state from a replica's status.
func laneState(st node.ReplicaStatus) LaneState {
	if !st.Up {
		return LaneState{Role: node.RoleDown}
	}
	return LaneState{Role: st.Role, Isolated: st.Isolated, Term: st.Term}
}

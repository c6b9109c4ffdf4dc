package rewind

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/raftian/raftian/record"
)

// Lanes are what each replica was over time, for the timeline strip: a
// segment per stretch in one role and term; and the faults, as markers.

// Segment is a stretch of time a replica spent in one state.
type Segment struct {
	Start, End int64 // End is -1 while it lasts
	Role       record.Role
	Term       uint64
	Isolated   bool
}

// Marker is a fault, its end, or a crash or start, on the strip.
type Marker struct {
	At    int64
	Kind  record.Kind
	Node  int // 0: every lane
	Label string
}

type lanes struct {
	segs    [][]Segment // [i-1]: replica i, oldest first
	markers []Marker
	started []bool // [i-1]: replica i has started once: its next start is a restart
}

func newLanes(n int) lanes { return lanes{segs: make([][]Segment, n), started: make([]bool, n)} }

// observe notes the replicas' states after an observation at t.
func (l *lanes) observe(t int64, s *State) {
	for len(l.segs) < len(s.Replicas) { // a replica was added
		l.segs, l.started = append(l.segs, nil), append(l.started, false)
	}
	for i, r := range s.Replicas {
		seg := Segment{Start: t, End: -1, Role: r.Role, Term: r.Term, Isolated: s.Net.Isolated[i]}
		if !r.Up {
			seg.Role = record.RoleDown
		}
		lane := l.segs[i]
		if n := len(lane); n > 0 {
			last := &lane[n-1]
			if last.Role == seg.Role && last.Term == seg.Term && last.Isolated == seg.Isolated {
				continue
			}
			last.End = t
		}
		l.segs[i] = append(lane, seg)
	}
}

// mark adds a marker for the observation, if it is one the strip marks.
func (l *lanes) mark(o *record.Obs) {
	m := Marker{At: o.At, Kind: o.Kind, Node: int(o.Node), Label: o.Kind.String()}
	switch o.Kind {
	case record.Down:
		m.Label = "crash"
	case record.Up:
		i := int(o.Node) - 1
		if i < 0 || i >= len(l.started) || !l.started[i] {
			if i >= 0 && i < len(l.started) {
				l.started[i] = true
			}
			return // a replica's first start is no fault
		}
		m.Label = "restart"
	case record.Isolate, record.Rejoin, record.Heal:
	case record.Partition:
		m.Label = groupsText(o.Data)
	case record.Slow:
		m.Label = "slow"
		if o.Delay == 0 {
			m.Label = "normal speed"
		}
	case record.Transfer:
		m.Label = fmt.Sprintf("transfer %d→%d", o.Peer, o.Node)
	case record.Member:
		as, _, _ := strings.Cut(string(o.Data), " ")
		m.Label = fmt.Sprintf("%d %s", o.Node, as)
	case record.Gap:
		m.Label = "stream gap"
		if o.Index > 0 {
			m.Label = fmt.Sprintf("stream gap: %d lost", o.Index)
		}
	case record.Link:
		if n := len(l.markers); n > 0 && l.markers[n-1].Kind == record.Link && o.At-l.markers[n-1].At < 1000 {
			l.markers[n-1].Label = "links" // one command changed many links (link all …)
			return
		}
		m.Label = fmt.Sprintf("link %d→%d", o.Node, o.Peer)
		m.Node = 0
	default:
		return
	}
	l.markers = append(l.markers, m)
}

// groupsText writes partition groups as {1,2}|{3,4,5}.
func groupsText(group []byte) string {
	var out []byte
	for g := byte(0); g <= record.MaxReplicas; g++ {
		var members []byte
		for i, x := range group {
			if x == g {
				if len(members) > 0 {
					members = append(members, ',')
				}
				members = strconv.AppendInt(members, int64(i+1), 10)
			}
		}
		if len(members) == 0 {
			continue
		}
		if len(out) > 0 {
			out = append(out, '|')
		}
		out = append(out, '{')
		out = append(out, members...)
		out = append(out, '}')
	}
	return string(out)
}

// drop forgets what ended before t.
func (l *lanes) drop(t int64) {
	for i, lane := range l.segs {
		k := 0
		for k < len(lane)-1 && lane[k].End >= 0 && lane[k].End < t {
			k++
		}
		l.segs[i] = lane[k:]
	}
	k := 0
	for k < len(l.markers) && l.markers[k].At < t {
		k++
	}
	l.markers = l.markers[k:]
}

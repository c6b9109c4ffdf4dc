// Package rewind answers, from a record, what each replica believed at any
// moment and which messages were on their way: the window draws only
// from it, live (at the record's newest moment) or rewound. It is pure: no
// cluster, no clock, no screen.
package rewind

import (
	"slices"
	"sort"

	"github.com/raftian/raftian/record"
	"github.com/raftian/raftian/world"
)

// Source is where a model reads observations: a record.Log, or a live
// recorder written to while the model reads.
type Source interface {
	Header() record.Header
	Bounds() (first, next uint64)
	Read(from uint64, limit int, out []record.Obs) []record.Obs
	Search(t int64) uint64
}

// Model follows a record. Update reads what is new; At answers for any
// moment the record still holds. It is not safe for concurrent use.
type Model struct {
	src    Source
	n      int
	head   *State // after every observation read
	keys   []keyframe
	fl     flights
	lanes  lanes
	worlds map[worldKey]*world.World
	start  int64 // the earliest moment the model can show
	synced bool  // reading from the record's beginning or a checkpoint
	buf    []record.Obs

	cache   *State // the last state At built, to go on from
	cacheKF int    // the keyframe it was built from
}

// keyframe is a copy of the state every keyEvery µs (or keyObs
// observations), so that any moment is at most that far from one.
type keyframe struct{ s *State }

const (
	keyEvery = 1_000_000
	keyObs   = 2048
)

// New returns a model of src; call Update to read it.
func New(src Source) *Model {
	n := len(src.Header().Players)
	m := &Model{src: src, n: n, worlds: map[worldKey]*world.World{}, lanes: newLanes(n),
		fl: flights{open: map[uint64]struct{}{}}}
	m.head = m.initial()
	m.synced = m.head.Next == 1
	return m
}

// Header is what cluster the record is of.
func (m *Model) Header() record.Header { return m.src.Header() }

// Size is the number of replicas.
func (m *Model) Size() int { return m.n }

// initial is the state before the first observation: every replica down,
// the network whole.
func (m *Model) initial() *State {
	s := &State{Replicas: make([]Replica, m.n), Net: emptyNet(m.n), At: -1,
		Players: slices.Clip(m.src.Header().Players)}
	for i := range s.Replicas {
		s.Replicas[i] = Replica{ID: i + 1, Role: record.RoleDown, World: world.New(m.n), Contact: -1, AppliedAt: -1,
			Failed: Failure{At: -1}}
	}
	first, _ := m.src.Bounds()
	s.Next = first
	return s
}

// Update reads the observations added to the source since the last call.
func (m *Model) Update() {
	first, next := m.src.Bounds()
	if m.head.Next < first { // the source dropped what the model had not read
		m.reset()
	}
	for m.head.Next < next {
		m.buf = m.src.Read(m.head.Next, 4096, m.buf[:0])
		if len(m.buf) == 0 {
			break
		}
		for i := range m.buf {
			o := &m.buf[i]
			if !m.synced {
				// A record that lost its beginning is read from its first
				// checkpoint on.
				if o.Kind == record.Checkpoint && o.Node == 0 {
					m.fromCheckpoint()
					m.synced = true
					break
				}
				m.head.Next++
				continue
			}
			m.step(o)
		}
	}
	m.forget(first)
}

// reset forgets everything read: the model starts again from what the
// source holds.
func (m *Model) reset() {
	*m = *New(m.src)
}

// step applies one new observation to the head.
func (m *Model) step(o *record.Obs) {
	seq := m.head.Next
	switch o.Kind {
	case record.Send:
		m.fl.sent(seq, o, &m.head.Net)
	case record.Deliver:
		m.fl.ended(o.ID, o.At, false)
	case record.Drop:
		m.fl.ended(o.ID, o.At, true)
	case record.Down:
		m.fl.down(int(o.Node), o.At)
	}
	if len(m.keys) == 0 || o.At-m.keys[len(m.keys)-1].s.At >= keyEvery || seq-m.keys[len(m.keys)-1].s.Next >= keyObs {
		m.keys = append(m.keys, keyframe{s: m.head.clone()})
	}
	m.apply(m.head, o)
	m.lanes.observe(o.At, m.head)
	if r := m.head.replica(o.Node); o.Kind != record.Down || r == nil || !r.Removed {
		m.lanes.mark(o) // a removed replica's stop is no crash: its removal is marked
	}
}

// fromCheckpoint reads a checkpoint (the network's, then each replica's)
// into the head.
func (m *Model) fromCheckpoint() {
	obs := m.src.Read(m.head.Next, m.n+1, nil)
	s := m.head
	for i := range obs {
		o := &obs[i]
		if o.Kind != record.Checkpoint {
			break
		}
		s.At, s.Next = o.At, s.Next+1
		if o.Node == 0 {
			s.Net = decodeNet(o.Data, m.n)
			continue
		}
		if r := s.replica(o.Node); r != nil {
			m.restore(s, r, o)
			m.lanes.started[r.ID-1] = true // its next start is a restart
		}
	}
	m.start = s.At
	m.lanes.observe(s.At, s)
}

// restore sets replica r to what its checkpoint o says.
func (m *Model) restore(s *State, r *Replica, o *record.Obs) {
	*r = Replica{ID: r.ID, Up: o.Role != record.RoleDown, Role: o.Role, Term: o.Term, Leader: int(o.Peer),
		Vote: int(o.Via), Commit: o.Commit, Contact: o.At, AppliedAt: -1, Failed: Failure{At: -1},
		Log: tailLog(o.Index, o.Ents), World: r.World, NonVoting: r.NonVoting, Removed: r.Removed, Believes: r.Believes}
	if w, err := m.decodeWorld(o.Data); err == nil {
		r.World, r.Applied = w, w.AppliedIndex()
	}
	if r.Role == record.RoleLeader {
		becomes(s, r, &record.Obs{Role: record.RoleLeader, Term: r.Term, Peer: uint8(r.ID)})
	}
	r.Heard = o.At
}

// forget drops keyframes, flights and lanes older than what the source
// still holds.
func (m *Model) forget(first uint64) {
	k := sort.Search(len(m.keys), func(i int) bool { return m.keys[i].s.Next >= first })
	// Keep the newest keyframe from before first: it is the state at the
	// source's first observation once that is applied... unless the
	// observations after it are gone, which they are: drop it.
	if k > 0 {
		clear(m.keys[:k])
		m.keys = m.keys[k:]
		m.cache, m.cacheKF = nil, 0
	}
	if len(m.keys) > 0 {
		m.start = max(m.start, m.keys[0].s.At)
		m.fl.drop(first)
		m.lanes.drop(m.start)
	}
}

// Range returns the moments the model can show: from start to the last
// observation read.
func (m *Model) Range() (start, end int64) { return max(m.start, 0), max(m.head.At, 0) }

// Head returns the state after every observation read.
func (m *Model) Head() *State { return m.head }

// At returns the state at t: after every observation at or before t.
func (m *Model) At(t int64) *State {
	if t >= m.head.At {
		return m.head
	}
	k := sort.Search(len(m.keys), func(i int) bool { return m.keys[i].s.At > t }) - 1
	if k < 0 {
		k = 0
		if len(m.keys) == 0 {
			return m.head
		}
	}
	s := m.cache
	if s == nil || m.cacheKF != k || s.At > t {
		s, m.cacheKF = m.keys[k].s.clone(), k
	}
	for {
		m.buf = m.src.Read(s.Next, 256, m.buf[:0])
		done := len(m.buf) == 0
		for i := range m.buf {
			if o := &m.buf[i]; o.At > t || s.Next >= m.head.Next {
				done = true
				break
			} else {
				m.apply(s, o)
			}
		}
		if done {
			break
		}
	}
	m.cache = s
	return s
}

// Flights returns the messages on their way at t, and those that arrived
// or were lost within trail µs before it.
func (m *Model) Flights(t, trail int64, out []Flight) []Flight { return m.fl.at(t, trail, out) }

// Lanes returns each replica's segments and the markers, oldest first.
func (m *Model) Lanes() ([][]Segment, []Marker) { return m.lanes.segs, m.lanes.markers }

// Next returns the time of the first observation after t, if there is one.
func (m *Model) Next(t int64) (int64, bool) {
	for seq := m.src.Search(t); seq < m.head.Next; seq++ {
		obs := m.src.Read(seq, 1, m.buf[:0])
		if len(obs) == 0 {
			return 0, false
		}
		if obs[0].Kind != record.Checkpoint {
			return obs[0].At, true
		}
	}
	return 0, false
}

// Prev returns the time of the observation before the last one at or
// before t: one step back.
func (m *Model) Prev(t int64) (int64, bool) {
	first, _ := m.src.Bounds()
	skipped := false
	for seq := m.src.Search(t); seq > first; seq-- {
		obs := m.src.Read(seq-1, 1, m.buf[:0])
		if len(obs) == 0 || obs[0].At < m.start {
			break
		}
		if obs[0].Kind == record.Checkpoint {
			continue
		}
		if skipped {
			return obs[0].At, true
		}
		skipped = true
	}
	return m.start, skipped
}

// Observation returns the observation numbered seq, if the source holds it.
func (m *Model) Observation(seq uint64) (record.Obs, bool) {
	obs := m.src.Read(seq, 1, nil)
	if len(obs) == 0 {
		return record.Obs{}, false
	}
	return obs[0], true
}

package rewind

import (
	"time"

	"github.com/raftian/raftian/record"
)

// The moments about logs, faults and membership: what is appended,
// committed, overwritten or restored; who is down, cut off or joining.

func restarted(s, before *State) (int, Ent, bool) {
	l := caughtUp(s)
	if l == 0 {
		return 0, Ent{}, false
	}
	some := false
	for i, b := range before.Replicas {
		if b.Up || b.Removed {
			continue
		}
		some = true
		if i >= len(s.Replicas) || !s.Replicas[i].Up || s.Replicas[i].Leader != l {
			return 0, Ent{}, false
		}
	}
	return l, Ent{}, some
}

func allDown(s, _ *State) (int, Ent, bool) {
	for _, r := range s.Replicas {
		if r.Up && !r.Removed {
			return 0, Ent{}, false
		}
	}
	return 0, Ent{}, true
}

func allUp(s, before *State) (int, Ent, bool) {
	_, _, wasDown := anyDown(before)
	_, _, down := anyDown(s)
	return 0, Ent{}, wasDown && !down
}

func anyDown(s *State) (int, Ent, bool) {
	for _, r := range s.Replicas {
		if !r.Up && !r.Removed {
			return r.ID, Ent{}, true
		}
	}
	return 0, Ent{}, false
}

// attackAfter is the first attack in the leader's log that no replica held
// when the step began.
func attackAfter(s, before *State) (int, Ent, bool) {
	l := majorityLeader(s)
	if l == 0 {
		return 0, Ent{}, false
	}
	// New is what no replica held when the step began, by index and term:
	// not merely past every log's end, since a cut-off old leader's log may
	// run past the new leader's with entries that will never commit.
	for _, e := range s.Replicas[l-1].Log.Ents {
		if e.What == record.WhatAttack && holders(before, e) == 0 {
			return l, e, true
		}
	}
	return 0, Ent{}, false
}

func appendedAttack(s, before *State) (int, Ent, bool) {
	l, e, ok := attackAfter(s, before)
	if !ok {
		return 0, Ent{}, false
	}
	for _, r := range s.Replicas {
		if r.Commit >= e.Index {
			return 0, Ent{}, false
		}
	}
	return l, e, true
}

func committed(s, before *State) (int, Ent, bool) {
	l, e, ok := attackAfter(s, before)
	return l, e, ok && s.Replicas[l-1].Commit >= e.Index
}

// holders counts the replicas that hold entry e (the same index and term).
func holders(s *State, e Ent) int {
	n := 0
	for _, r := range s.Replicas {
		if held, ok := r.Log.Entry(e.Index); ok && held.Term == e.Term && !r.Removed {
			n++
		}
	}
	return n
}

func majorityUncommitted(s, _ *State) (int, Ent, bool) {
	top := uint64(0)
	for _, r := range s.Replicas {
		top = max(top, r.Commit)
	}
	for _, r := range s.Replicas {
		for _, e := range r.Log.Ents {
			if e.Index > top && e.What == record.WhatAttack && holders(s, e) >= s.Majority() {
				return r.ID, e, true
			}
		}
	}
	return 0, Ent{}, false
}

// caughtUp is the leader when every up replica holds its log to its last
// entry, committed, and has applied as far as it; 0 otherwise.
func caughtUp(s *State) int {
	l := majorityLeader(s)
	if l == 0 {
		return 0
	}
	lead := &s.Replicas[l-1]
	last, term := lead.Log.Last(), lead.Log.LastTerm()
	for _, r := range s.Replicas {
		if r.Up && (r.Log.Last() != last || r.Log.LastTerm() != term || r.Commit < last || r.Applied != lead.Applied) {
			return 0
		}
	}
	return l
}

// overwritten: an entry a replica lost since the step began: of the
// replica that led when the step began if it lost one, and the lowest
// index (its pane shows it struck through, under its replacement).
func overwritten(s, before *State) (int, Ent, bool) {
	if topLeader(s) == 0 {
		return 0, Ent{}, false
	}
	type lost struct {
		id  int
		e   Ent
		led bool
	}
	var best lost
	for i, r := range s.Replicas {
		led := i < len(before.Replicas) && before.Replicas[i].Role == record.RoleLeader
		for _, g := range r.Log.Gone {
			c := lost{r.ID, g.Ent, led}
			if g.At > before.At && (best.id == 0 || c.led && !best.led || c.led == best.led && c.e.Index < best.e.Index) {
				best = c
			}
		}
	}
	return best.id, best.e, best.id != 0
}

func snapshotSent(m *Model, from, to int64, _ *State) (Found, bool) {
	var f Found
	ok := m.scan(from, to, func(s *State, o *record.Obs) bool {
		if o.Kind == record.Send && o.Msg == record.MsgSnapshot {
			f = Found{At: s.At, Replica: int(o.Peer)}
			return true
		}
		return false
	})
	return f, ok
}

func restored(s, before *State) (int, Ent, bool) {
	for i, r := range s.Replicas {
		if r.Up && i < len(before.Replicas) && r.Snapshot > before.Replicas[i].Snapshot && r.Snapshot == r.Applied {
			return r.ID, Ent{}, true
		}
	}
	return 0, Ent{}, false
}

func isolated(s, _ *State) (int, Ent, bool) {
	for i, iso := range s.Net.Isolated {
		if iso && i < len(s.Replicas) && s.Replicas[i].Up {
			return i + 1, Ent{}, true
		}
	}
	return 0, Ent{}, false
}

func partitioned(s, _ *State) (int, Ent, bool) { return 0, Ent{}, s.Partitioned() }

func healed(s, before *State) (int, Ent, bool) {
	cut := func(s *State) bool {
		for _, iso := range s.Net.Isolated {
			if iso {
				return true
			}
		}
		return s.Partitioned()
	}
	return 0, Ent{}, cut(before) && !cut(s)
}

func rejected(m *Model, from, to int64, _ *State) (Found, bool) {
	var f Found
	ok := m.scan(from, to, func(s *State, o *record.Obs) bool {
		if o.Kind == record.Deliver && o.Msg == record.MsgAppendResp && o.Reject {
			f = Found{At: s.At, Replica: int(o.Node)}
			return true
		}
		return false
	})
	return f, ok
}

func failed(s, before *State) (int, Ent, bool) {
	for _, r := range s.Replicas {
		if r.Failed.At > before.At {
			return r.ID, Ent{}, true
		}
	}
	return 0, Ent{}, false
}

func joining(s, before *State) (int, Ent, bool) {
	for i, r := range s.Replicas {
		if r.Up && r.NonVoting && !r.Removed && (i >= len(before.Replicas) || !before.Replicas[i].NonVoting) {
			return r.ID, Ent{}, true
		}
	}
	return 0, Ent{}, false
}

func votersChanged(s, before *State) (int, Ent, bool) {
	return 0, Ent{}, s.Voters() != before.Voters()
}

// Silence is how long a replica's laptop may say nothing before it counts
// as silent: a live one says something every heartbeat, and a checkpoint
// every second.
const Silence = 1500 * time.Millisecond

// Silent reports whether replica i's laptop ([i-1]) has said nothing for
// Silence at the moment of s.
func (s *State) Silent(i int) bool {
	r := &s.Replicas[i]
	return !r.Removed && s.At-r.Heard > Silence.Microseconds()
}

func silent(s, before *State) (int, Ent, bool) {
	for i := range s.Replicas {
		if s.Silent(i) && (i >= len(before.Replicas) || !before.Silent(i)) {
			return i + 1, Ent{}, true
		}
	}
	return 0, Ent{}, false
}

func heardAgain(s, before *State) (int, Ent, bool) {
	woke := 0
	for i := range before.Replicas {
		if !before.Silent(i) {
			continue
		}
		if s.Silent(i) {
			return 0, Ent{}, false
		}
		woke = i + 1
	}
	return woke, Ent{}, woke != 0
}

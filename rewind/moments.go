package rewind

import (
	"fmt"
	"sort"
	"strings"

	"github.com/raftian/raftian/record"
)

// Moments are what a lesson's step is about: a kind of moment found in a
// record, the first time from the step's start on that it holds. The
// window shows the step's caption paused there, so a caption claims only
// what the picture shows; and every name and number in it is filled from
// the model at that moment (Fill). Each moment is a predicate over one
// state (what the picture shows) and, for a few, what the state was when
// the step began.

// Ent and Role are the record's, for those who ask the model and need
// not read the record.
type (
	Ent  = record.Ent
	Role = record.Role
)

// Found is a moment found: when, and what it is about.
type Found struct {
	Name    string
	At      int64 // µs: the state after the observation at At shows it
	Replica int   // the replica it is about (a candidate, a leader, the isolated one); 0 if none
	Entry   Ent   // the entry it is about, if any
	Before  *State
}

// A Moment is one kind of moment.
type Moment struct {
	Name string
	// Says what holds at the moment, for a person (docs/lessons.md).
	Says string
	// Gives are the placeholders it fills beyond those every moment
	// fills (see Fill).
	Gives []string
	// holds reports whether s shows the moment, given the state when the
	// step began, and what it is about.
	holds func(s, before *State) (replica int, e Ent, ok bool)
	// find, when not nil, finds the moment itself (one that depends on
	// what comes after it, like the start of the campaign that won).
	find func(m *Model, from, to int64, before *State) (Found, bool)
}

// Moments is the vocabulary, by name.
var Moments = map[string]Moment{}

func init() {
	for _, mo := range []Moment{
		{Name: "leader", Says: "a replica leads, and a majority follows it", Gives: []string{"leader", "term"},
			holds: func(s, _ *State) (int, Ent, bool) { l := majorityLeader(s); return l, Ent{}, l != 0 }},
		{Name: "new-leader", Says: "a replica leads in a higher term than when the step began, a majority follows it, and no replica that can reach it is in a higher term",
			Gives: []string{"leader", "term"}, holds: newLeader},
		{Name: "won", Says: "a replica has just won an election it had not won when the step began (it leads; the others may not know yet)",
			Gives: []string{"leader", "term", "votes"}, holds: won},
		{Name: "campaign", Says: "the replica that wins next has just started the campaign that wins (a pre-vote, or a vote without one); failed rounds before it left out",
			Gives: []string{"replica", "term"}, find: campaignThatWon},
		{Name: "vote-request", Says: "the replica that wins next is a candidate and its vote requests of the campaign that wins are on their way, none arrived yet",
			Gives: []string{"replica", "term"}, find: voteRequestThatWon},
		{Name: "heartbeat", Says: "a heartbeat from the leader a majority follows has reached a follower",
			Gives: []string{"leader", "term"}, holds: heartbeat},
		{Name: "all-down", Says: "every replica is down", holds: allDown},
		{Name: "all-up", Says: "every replica is up again after some were down when the step began", holds: allUp},
		{Name: "appended", Says: "the leader holds an attack newer than the step's start that no replica has committed yet",
			Gives: []string{"leader", "term", "entry", "holders"}, holds: appendedAttack},
		{Name: "committed", Says: "the leader has committed an attack newer than the step's start",
			Gives: []string{"leader", "term", "entry", "holders"}, holds: committed},
		{Name: "majority-uncommitted", Says: "an entry is held by a majority of the replicas, and no replica knows it is committed",
			Gives: []string{"entry", "holders"}, holds: majorityUncommitted},
		{Name: "caught-up", Says: "every replica that is up holds the leader's log to its last entry, committed and applied",
			Gives: []string{"leader", "term"}, holds: func(s, _ *State) (int, Ent, bool) { l := caughtUp(s); return l, Ent{}, l != 0 }},
		{Name: "two-leaders", Says: "two replicas each believe they lead, in different terms",
			Gives: []string{"leader", "term", "replica", "old-term"}, holds: twoLeaders},
		{Name: "overwritten", Says: "a replica's entry has been overwritten by a leader's (struck through) since the step began",
			Gives: []string{"replica", "entry", "leader", "term"}, holds: overwritten},
		{Name: "restarted", Says: "every replica down when the step began is up again, follows the leader, and holds its log to its last entry, committed and applied",
			Gives: []string{"leader", "term"}, holds: restarted},
		{Name: "rejoined", Says: "a replica cut off when the step began is back and follows the leader that led then, in the same term",
			Gives: []string{"replica", "leader", "term"}, holds: rejoined},
		{Name: "snapshot-sent", Says: "a snapshot is on its way to a replica", Gives: []string{"replica"}, find: snapshotSent},
		{Name: "restored", Says: "a replica has installed a snapshot since the step began", Gives: []string{"replica"}, holds: restored},
		{Name: "timeout-now", Says: "a leader's TimeoutNow has reached the replica it hands leadership to", Gives: []string{"replica"}, find: timeoutNow},
		{Name: "isolated", Says: "a replica is cut off from every other", Gives: []string{"replica"}, holds: isolated},
		{Name: "partitioned", Says: "the replicas are split into groups that cannot reach each other", holds: partitioned},
		{Name: "healed", Says: "no replica is cut off and no partition holds, after a fault when the step began", holds: healed},
		{Name: "climbing", Says: "a cut-off replica is a candidate whose term has risen by two or more since the step began",
			Gives: []string{"replica", "term"}, holds: climbing},
		{Name: "pre-candidate", Says: "a cut-off replica is a pre-candidate, in the term it had when the step began",
			Gives: []string{"replica", "term"}, holds: preCandidate},
		{Name: "split-vote", Says: "two or more replicas are candidates, none leads, and none holds a majority of votes",
			Gives: []string{"replica", "term"}, holds: splitVote},
		{Name: "rejected", Says: "a follower's answer rejecting an append (its log does not match) has reached the leader",
			Gives: []string{"replica", "leader"}, find: rejected},
		{Name: "failed", Says: "a proposal made after the step began has failed, and its replica's pane says so",
			Gives: []string{"replica"}, holds: failed},
		{Name: "voters-changed", Says: "the number of voters differs from when the step began", holds: votersChanged},
		{Name: "joining", Says: "a replica added since the step began is up and catching up as a non-voting member (JOINING), not counted for a quorum",
			Gives: []string{"replica"}, holds: joining},
	} {
		Moments[mo.Name] = mo
	}
}

// MomentNames lists the moments, sorted.
func MomentNames() []string {
	var out []string
	for n := range Moments {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Find finds the first moment of the named kind in the record from from
// to to (µs); to < 0: to the newest observation read.
func (m *Model) Find(name string, from, to int64) (Found, bool) {
	mo, ok := Moments[name]
	if !ok {
		return Found{}, false
	}
	if to < 0 {
		to = m.head.At
	}
	before := m.At(from).Clone()
	var f Found
	if mo.find != nil {
		f, ok = mo.find(m, from, to, before)
	} else {
		ok = m.scan(from, to, func(s *State, _ *record.Obs) bool {
			f.Replica, f.Entry, ok = mo.holds(s, before)
			f.At = s.At
			return ok
		})
	}
	f.Name, f.Before = name, before
	return f, ok
}

// Holds reports whether the state at f.At shows f's moment: what a test
// checks of a caption on screen.
func (m *Model) Holds(f Found) bool {
	mo, ok := Moments[f.Name]
	if !ok || f.Before == nil {
		return false
	}
	s := m.At(f.At)
	if mo.holds != nil {
		_, _, ok := mo.holds(s, f.Before)
		return ok
	}
	// Moments found by their own search hold of their replica.
	r := s.replica(uint8(f.Replica))
	switch f.Name {
	case "campaign", "vote-request":
		return r != nil && r.Up && r.Role.Campaigning()
	case "snapshot-sent", "timeout-now", "rejected":
		return r != nil
	}
	return false
}

// scan calls f with the state at from (and no observation), then applies
// every observation from from to to, in order, to a copy of it and calls
// f after each, until f returns true. It reports whether it did.
func (m *Model) scan(from, to int64, f func(s *State, o *record.Obs) bool) bool {
	s := m.At(from).Clone()
	if f(s, &record.Obs{At: s.At}) {
		return true
	}
	var buf []record.Obs
	for seq := s.Next; seq < m.head.Next; {
		buf = m.src.Read(seq, 256, buf[:0])
		if len(buf) == 0 {
			return false
		}
		for i := range buf {
			o := &buf[i]
			if o.At > to {
				return false
			}
			m.apply(s, o)
			if f(s, o) {
				return true
			}
		}
		seq += uint64(len(buf))
	}
	return false
}

// MajorityLeader is the replica a majority of the voters follows (itself
// included), if it leads: 0 if none.
func MajorityLeader(s *State) int { return majorityLeader(s) }

// CaughtUp reports whether every replica that is up holds the leader's
// log to its last entry, committed, and has applied as far as it.
func CaughtUp(s *State) bool { return caughtUp(s) != 0 }

// FirstProposal says how the first proposal of a player made from from
// on ended: committed (whatever the rules then made of it), or not;
// decided is false while it has no outcome.
func (m *Model) FirstProposal(from int64) (committed, decided bool) {
	var id uint64
	m.scan(from, m.head.At, func(_ *State, o *record.Obs) bool {
		switch {
		case id == 0 && o.Kind == record.Propose && o.Node != 0:
			id = o.ID
		case id != 0 && o.Kind == record.Outcome && o.ID == id:
			committed, decided = !o.Lost, true
			return true
		}
		return false
	})
	return committed, decided
}

func majorityLeader(s *State) int {
	votes := map[[2]uint64]int{}
	for _, r := range s.Replicas {
		if r.Up && !r.Removed && r.Leader != 0 {
			votes[[2]uint64{uint64(r.Leader), r.Term}]++
		}
	}
	for k, n := range votes {
		l := s.replica(uint8(k[0]))
		if n >= s.Majority() && l != nil && l.Up && l.Role == record.RoleLeader && l.Term == k[1] {
			return int(k[0])
		}
	}
	return 0
}

// topTerm is the highest term of a replica that is up.
func topTerm(s *State) uint64 {
	var t uint64
	for _, r := range s.Replicas {
		if r.Up {
			t = max(t, r.Term)
		}
	}
	return t
}

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

func rejoined(s, before *State) (int, Ent, bool) {
	l, b := majorityLeader(s), majorityLeader(before)
	if l == 0 || l != b || s.Replicas[l-1].Term != before.Replicas[b-1].Term {
		return 0, Ent{}, false
	}
	term := s.Replicas[l-1].Term
	for i, r := range s.Replicas {
		if r.Up && r.Leader == l && r.Term == term && apart(before, i, l-1) && !apart(s, i, l-1) {
			return r.ID, Ent{}, true
		}
	}
	return 0, Ent{}, false
}

// apart reports whether replicas a and b (0-based) cannot reach each
// other in s: either is isolated, or a partition puts them on two sides.
func apart(s *State, a, b int) bool {
	net := s.Net
	cut := func(i int) bool { return i < len(net.Isolated) && net.Isolated[i] }
	return cut(a) || cut(b) || a < len(net.Group) && b < len(net.Group) && net.Group[a] != net.Group[b]
}

func newLeader(s, before *State) (int, Ent, bool) {
	l := majorityLeader(s)
	return l, Ent{}, l != 0 && s.Replicas[l-1].Term > leaderTerm(before) && Settled(s, l)
}

// Settled reports whether leader l's term is the highest of the replicas
// that can reach it: none is about to depose it (a replica back from
// isolation in a higher term would).
func Settled(s *State, l int) bool {
	for i, r := range s.Replicas {
		if r.Up && !r.Removed && !apart(s, i, l-1) && r.Term > s.Replicas[l-1].Term {
			return false
		}
	}
	return true
}

// leaderTerm is the term of the leader a majority followed in s, or, with
// none, the highest term of a replica that was up.
func leaderTerm(s *State) uint64 {
	if l := majorityLeader(s); l != 0 {
		return s.Replicas[l-1].Term
	}
	return topTerm(s)
}

// won: a replica leads that did not lead in this term when the step
// began.
func won(s, before *State) (int, Ent, bool) {
	for i, r := range s.Replicas {
		was := i < len(before.Replicas) && before.Replicas[i].Up && before.Replicas[i].Role == record.RoleLeader &&
			before.Replicas[i].Term == r.Term
		if r.Up && r.Role == record.RoleLeader && !was && r.Term >= topTerm(before) {
			return r.ID, Ent{}, true
		}
	}
	return 0, Ent{}, false
}

// campaignThatWon finds the win, then when the winner began the campaign
// that won: its last change into campaigning before it.
func campaignThatWon(m *Model, from, to int64, before *State) (Found, bool) {
	w, ok := m.Find("won", from, to)
	if !ok {
		return Found{}, false
	}
	var f Found
	found := false
	prev := record.RoleFollower
	m.scan(from, w.At, func(s *State, o *record.Obs) bool {
		r := s.Replicas[w.Replica-1]
		switch {
		case r.Role.Campaigning() && !prev.Campaigning():
			f, found = Found{At: s.At, Replica: r.ID}, true
		case !r.Role.Campaigning() && r.Role != record.RoleLeader:
			found = false
		}
		prev = r.Role
		return false
	})
	return f, found
}

// voteRequestThatWon is the winner's first vote request in the term it
// won.
func voteRequestThatWon(m *Model, from, to int64, before *State) (Found, bool) {
	w, ok := m.Find("won", from, to)
	if !ok {
		return Found{}, false
	}
	term := m.At(w.At).Replicas[w.Replica-1].Term
	ours := func(o *record.Obs) bool { return o.Msg == record.MsgVote && int(o.Node) == w.Replica && o.Term == term }
	var f Found
	found := m.scan(from, w.At, func(s *State, o *record.Obs) bool {
		if o.Kind == record.Send && ours(o) {
			f = Found{At: s.At, Replica: w.Replica}
			return true
		}
		return false
	})
	if !found {
		return f, false
	}
	// The candidate asks every other replica at once: the moment is when
	// all its requests are on their way, before the first arrives.
	m.scan(f.At, w.At, func(s *State, o *record.Obs) bool {
		switch {
		case o.Kind == record.Deliver && ours(o):
			return true
		case o.Kind == record.Send && ours(o):
			f.At = s.At
		}
		return false
	})
	return f, true
}

func heartbeat(s, _ *State) (int, Ent, bool) {
	l := majorityLeader(s)
	if l == 0 {
		return 0, Ent{}, false
	}
	for _, r := range s.Replicas { // a follower heard from it just now
		if r.ID != l && r.Up && r.Leader == l && r.Contact == s.At {
			return l, Ent{}, true
		}
	}
	return 0, Ent{}, false
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

func twoLeaders(s, _ *State) (int, Ent, bool) {
	var leaders []*Replica
	for i := range s.Replicas {
		if r := &s.Replicas[i]; r.Up && r.Role == record.RoleLeader {
			leaders = append(leaders, r)
		}
	}
	if len(leaders) < 2 || leaders[0].Term == leaders[1].Term {
		return 0, Ent{}, false
	}
	old := leaders[0]
	if leaders[1].Term < old.Term {
		old = leaders[1]
	}
	return old.ID, Ent{}, true
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

// topLeader is the replica that leads in the highest term, whether or
// not a majority follows it yet; 0 if none.
func topLeader(s *State) int {
	best, term := 0, uint64(0)
	for _, r := range s.Replicas {
		if r.Up && r.Role == record.RoleLeader && r.Term >= term {
			best, term = r.ID, r.Term
		}
	}
	return best
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

func timeoutNow(m *Model, from, to int64, _ *State) (Found, bool) {
	var f Found
	ok := m.scan(from, to, func(s *State, o *record.Obs) bool {
		if o.Kind == record.Deliver && o.Msg == record.MsgTimeoutNow {
			f = Found{At: s.At, Replica: int(o.Peer)}
			return true
		}
		return false
	})
	return f, ok
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

func climbing(s, before *State) (int, Ent, bool) {
	i, _, ok := isolated(s, before)
	if !ok {
		return 0, Ent{}, false
	}
	r := s.Replicas[i-1]
	return i, Ent{}, r.Role == record.RoleCandidate && i <= len(before.Replicas) && r.Term >= before.Replicas[i-1].Term+2
}

func preCandidate(s, before *State) (int, Ent, bool) {
	i, _, ok := isolated(s, before)
	if !ok {
		return 0, Ent{}, false
	}
	r := s.Replicas[i-1]
	return i, Ent{}, r.Role == record.RolePreCandidate && i <= len(before.Replicas) && r.Term == before.Replicas[i-1].Term
}

func splitVote(s, _ *State) (int, Ent, bool) {
	var cands []Replica
	for _, r := range s.Replicas {
		switch {
		case r.Up && r.Role == record.RoleLeader:
			return 0, Ent{}, false
		case r.Up && r.Role == record.RoleCandidate:
			if r.Campaign.Votes() >= s.Majority() {
				return 0, Ent{}, false
			}
			cands = append(cands, r)
		}
	}
	if len(cands) < 2 {
		return 0, Ent{}, false
	}
	return cands[0].ID, Ent{}, true
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

// Placeholders a caption may hold, filled from the model at its moment.
// Every moment fills those below; the others (leader, term, replica,
// entry, holders, votes, old-term) only the moments that give them.
var everyMoment = []string{"previous-leader", "previous-term", "crashed", "down", "up", "isolated", "voters", "majority", "delay"}

// Placeholders lists every placeholder a caption may hold.
func Placeholders() []string {
	return append([]string{"leader", "term", "replica", "entry", "holders", "votes", "old-term"}, everyMoment...)
}

// Gives reports whether a caption about the named moment can always fill
// placeholder p.
func Gives(moment, p string) bool {
	for _, e := range everyMoment {
		if e == p {
			return true
		}
	}
	for _, g := range Moments[moment].Gives {
		if g == p {
			return true
		}
	}
	return false
}

// previousTerm is the term of the leader a majority followed in before, if
// any.
func previousTerm(before *State) string {
	if before == nil {
		return ""
	}
	if l := majorityLeader(before); l != 0 {
		return fmt.Sprint(before.Replicas[l-1].Term)
	}
	return ""
}

// Fill fills the placeholders of text ({leader}, {term}, ...) from the
// model at moment f. It reports false, and which, if one cannot be
// filled: nothing unfilled reaches a screen.
func (m *Model) Fill(text string, f Found) (string, error) {
	s := m.At(f.At)
	name := func(id int) string {
		if id < 1 || id > len(s.Players) {
			return ""
		}
		return fmt.Sprintf("replica %d (%s)", id, s.Players[id-1].Name)
	}
	subject := s.replica(uint8(f.Replica))
	leader := majorityLeader(s)
	switch {
	case f.Name == "won":
		leader = f.Replica // a winner the others may not know yet
	case leader == 0 || f.Name == "two-leaders":
		leader = topLeader(s)
	}
	term := ""
	switch {
	case (f.Name == "" || Gives(f.Name, "leader")) && leader != 0:
		term = fmt.Sprint(s.Replicas[leader-1].Term)
	case subject != nil:
		term = fmt.Sprint(subject.Term)
	}
	var down, isolated []int
	for i, r := range s.Replicas {
		if !r.Up && !r.Removed {
			down = append(down, r.ID)
		}
		if i < len(s.Net.Isolated) && s.Net.Isolated[i] {
			isolated = append(isolated, r.ID)
		}
	}
	values := map[string]string{
		"leader":          name(leader),
		"term":            term,
		"replica":         name(f.Replica),
		"previous-leader": name(majorityLeader(f.Before)),
		"previous-term":   previousTerm(f.Before),
		"crashed":         names(name, down),
		"down":            fmt.Sprint(len(down)),
		"up":              fmt.Sprint(len(s.Replicas) - len(down) - removedCount(s)),
		"isolated":        names(name, isolated),
		"voters":          fmt.Sprint(s.Voters()),
		"majority":        fmt.Sprint(s.Majority()),
		"delay":           delayText(s.Net),
	}
	if f.Entry.Index != 0 {
		values["entry"] = fmt.Sprintf("entry %d of term %d (%s)", f.Entry.Index, f.Entry.Term, f.Entry)
		values["holders"] = fmt.Sprint(holders(s, f.Entry))
	}
	if subject != nil && (subject.Role.Campaigning() || f.Name == "won") {
		values["votes"] = fmt.Sprint(votesFor(s, f.Replica))
	}
	if f.Name == "two-leaders" && subject != nil {
		values["old-term"] = fmt.Sprint(subject.Term)
	}
	var missing []string
	out := text
	for _, p := range Placeholders() {
		key := "{" + p + "}"
		if !strings.Contains(out, key) {
			continue
		}
		if values[p] == "" {
			missing = append(missing, key)
			continue
		}
		out = strings.ReplaceAll(out, key, values[p])
	}
	if len(missing) > 0 {
		return "", fmt.Errorf("%s cannot be filled at the %s moment", strings.Join(missing, ", "), f.Name)
	}
	return sentences(out), nil
}

// sentences starts every sentence with a capital: a placeholder filled at
// the start of one ("replica 3 (Chen) leads") is written in the middle
// of one.
// Sentences starts every sentence of s with a capital letter.
func Sentences(s string) string { return sentences(s) }

func sentences(s string) string {
	b := []byte(s)
	start := true
	for i, c := range b {
		switch {
		case start && c >= 'a' && c <= 'z':
			b[i] = c - 'a' + 'A'
			start = false
		case c == '.' || c == '!' || c == '?':
			start = i+1 < len(b) && b[i+1] == ' '
		case c != ' ':
			start = false
		}
	}
	return string(b)
}

// votesFor counts the votes for replica id in its term: its campaign's
// while it campaigns; once it leads, the replicas that voted for it.
func votesFor(s *State, id int) int {
	r := s.Replicas[id-1]
	if r.Role.Campaigning() {
		return r.Campaign.Votes()
	}
	n := 0
	for _, o := range s.Replicas {
		if o.Term == r.Term && o.Vote == id {
			n++
		}
	}
	return n
}

func removedCount(s *State) int {
	n := 0
	for _, r := range s.Replicas {
		if r.Removed {
			n++
		}
	}
	return n
}

// names is "replica 3 (Chen)", "replicas 2 and 4", or "no replica".
func names(name func(int) string, ids []int) string {
	switch len(ids) {
	case 0:
		return "no replica"
	case 1:
		return name(ids[0])
	}
	var parts []string
	for _, id := range ids {
		parts = append(parts, fmt.Sprint(id))
	}
	return "replicas " + strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// delayText is the delay messages take now: slow motion, or the longest
// link delay in force.
func delayText(n record.Net) string {
	d := n.Slow
	for _, l := range n.Links {
		d = max(d, n.Slow+l.Delay)
	}
	if d == 0 {
		return "no delay"
	}
	return fmt.Sprintf("%d ms", d/1000)
}

package rewind

import (
	"sort"

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
		{Name: "silent", Says: "a laptop has not been heard for 1.5 s (asleep, or off the network) that was heard when the step began",
			Gives: []string{"replica"}, holds: silent},
		{Name: "heard-again", Says: "every laptop silent when the step began has been heard again",
			Gives: []string{"replica"}, holds: heardAgain},
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

package rewind

import "github.com/raftian/raftian/record"

// The moments about leaders and elections: who leads, who stands, who won.

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

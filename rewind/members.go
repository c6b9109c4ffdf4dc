package rewind

import (
	"strings"

	"github.com/raftian/raftian/record"
	"github.com/raftian/raftian/world"
)

// member applies a membership change: a replica added (the state grows
// by one, its player named in the observation), promoted, or removed.
func (m *Model) member(s *State, o *record.Obs) {
	as, player, _ := strings.Cut(string(o.Data), " ")
	// A name may hold spaces (a class's students choose theirs): the
	// colour is the last word.
	name, color := player, ""
	if k := strings.LastIndexByte(player, ' '); k >= 0 {
		name, color = player[:k], player[k+1:]
	}
	i := int(o.Node)
	if as == record.MemberNamed && i >= 1 && i <= len(s.Players) {
		s.Players[i-1] = record.Player{Name: name, Color: color}
		return
	}
	if as == record.MemberNonVoting && i == len(s.Replicas)+1 && i <= world.MaxPlayers {
		s.Players = append(s.Players, record.Player{Name: name, Color: color})
		s.Replicas = append(s.Replicas, Replica{ID: i, Role: record.RoleDown, World: world.New(m.n), Contact: -1,
			AppliedAt: -1, Failed: Failure{At: -1}})
		s.Net.Isolated = append(s.Net.Isolated, false)
		s.Net.Group = append(s.Net.Group, 0)
		for k := range s.Replicas {
			if r := &s.Replicas[k]; r.Match != nil {
				r.Match, r.Next = append(r.Match, 0), append(r.Next, r.Log.Last()+1)
			}
		}
	}
	r := s.replica(o.Node)
	if r == nil {
		return
	}
	switch as {
	case record.MemberNonVoting: // also an earlier add that failed, tried again
		r.NonVoting, r.Removed = true, false
	case record.MemberVoter:
		r.NonVoting = false
	case record.MemberRemoved:
		r.Removed = true
	}
}

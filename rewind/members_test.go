package rewind

import (
	"testing"

	"github.com/raftian/raftian/record"
)

// A class's seat may be added under a name with spaces, and named later
// (its pane appeared before the roster said who sits there): the model
// keeps the whole name, the colour being the last word, and a name is
// no membership change.
func TestSeatsAreNamed(t *testing.T) {
	s := newScript(t, 5)
	s.elect(1, 2, 1)
	added := s.add(record.Obs{Kind: record.Member, Node: 6, Data: []byte(record.MemberNonVoting + " seat 6 #f781bf")})
	named := s.add(record.Obs{Kind: record.Member, Node: 6, Data: []byte(record.MemberNamed + " Ada Lovelace #f781bf")})
	m := s.model()
	if st := m.At(added); len(st.Players) != 6 || st.Players[5].Name != "seat 6" || st.Players[5].Color != "#f781bf" {
		t.Errorf("added: players %v", st.Players)
	}
	st := m.At(named)
	if st.Players[5].Name != "Ada Lovelace" || !st.Replicas[5].NonVoting || len(st.Replicas) != 6 {
		t.Errorf("named: player %v, non-voting %v, %d replicas", st.Players[5], st.Replicas[5].NonVoting, len(st.Replicas))
	}
}

package rewind_test

import (
	"fmt"
	"time"

	"github.com/raftian/raftian/record"
	"github.com/raftian/raftian/rewind"
)

// The model answers what every replica believed at any moment of a
// record: here replica 1 starts, stands as a candidate in term 2, and
// leads.
func Example() {
	log := record.NewLog(record.Header{Players: []record.Player{{Name: "Aria", Color: "#d55e00"}},
		RTTMs: 50, ElectionRTT: 10}, time.Minute, 1<<20)
	log.Add(record.Obs{At: 1, Kind: record.Up, Node: 1, Term: 1})
	log.Add(record.Obs{At: 2, Kind: record.State, Node: 1, Role: record.RoleCandidate, Term: 2})
	log.Add(record.Obs{At: 3, Kind: record.State, Node: 1, Role: record.RoleLeader, Term: 2, Peer: 1})
	m := rewind.New(log)
	m.Update()
	for _, t := range []int64{1, 2, 3} {
		r := m.At(t).Replicas[0]
		fmt.Println(t, r.Role, r.Term)
	}
	// Output:
	// 1 follower 1
	// 2 candidate 2
	// 3 leader 2
}

package record_test

import (
	"bytes"
	"fmt"

	"github.com/raftian/raftian/record"
)

// A recorder notes what a cluster does as it happens; the record is saved
// to a file and read back, observation by observation.
func Example() {
	rec := record.NewRecorder(record.Header{Players: []record.Player{{Name: "Aria", Color: "#d55e00"}},
		RTTMs: 50, ElectionRTT: 10})
	rec.Add(record.Obs{Kind: record.Isolate, Node: 1})
	rec.Add(record.Obs{Kind: record.Heal})
	var file bytes.Buffer
	if err := rec.Save(&file); err != nil {
		panic(err)
	}
	log, err := record.ReadLog(&file)
	if err != nil {
		panic(err)
	}
	first, next := log.Bounds()
	for _, o := range log.Read(first, int(next-first), nil) {
		fmt.Println(o.Kind, o.Node)
	}
	// Output:
	// isolate 1
	// heal 0
}

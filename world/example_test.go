package world_test

import (
	"fmt"

	"github.com/raftian/raftian/world"
)

// Every replica applies the same entries in the same order and ends with
// the same world: an attack is one log entry.
func Example() {
	w := world.New(5)
	client := world.ID{Client: 7, Seq: 1}
	r := w.Apply(1, world.Attack(client, 1, 2).Encode())
	fmt.Println(r.Applied(), w.HP(2))
	again := w.Apply(2, world.Attack(client, 1, 2).Encode()) // a retry of the same command
	fmt.Println(again.Reason, w.HP(2))
	// Output:
	// true 70
	// duplicate, already applied 70
}

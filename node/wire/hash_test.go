package wire

import (
	"testing"

	"github.com/raftian/raftian/world"
)

// Every command of a client, and of a few clients, has its own id in the
// record; the same command (a retry) has the same.
func TestCommandHashTellsCommandsApart(t *testing.T) {
	seen := map[uint32]world.ID{}
	for _, client := range []uint64{1, 2, 0xb336d2767943acc9, 0xb336d2767943acc8} {
		for seq := uint64(1); seq <= 5000; seq++ {
			id := world.ID{Client: client, Seq: seq}
			h := commandHash(id)
			if h == 0 {
				t.Fatalf("%v hashes to 0, which means no id", id)
			}
			if other, ok := seen[h]; ok {
				t.Fatalf("%v and %v have the same id %x", id, other, h)
			}
			seen[h] = id
			if commandHash(id) != h {
				t.Fatalf("%v hashes differently twice", id)
			}
		}
	}
}

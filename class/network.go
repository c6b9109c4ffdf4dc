package class

import (
	"time"

	"github.com/raftian/raftian/command"
)

// The teacher's network faults reach the seats twice: at once, as orders
// on their streams; and as the class's state in every roster a seat
// reads (every rosterEvery), which repairs a seat that missed an order
// (asleep, off the network, joined later). Each state carries the time
// the teacher set it, on the teacher's clock: a seat applies a roster's
// state only if it is newer than what it has, so a roster read before an
// order never undoes it.

// Network is the class's network faults as the teacher's laptop has them.
type Network struct {
	Isolated []int   `json:"isolated,omitempty"`
	Groups   [][]int `json:"groups,omitempty"` // none: no partition
	SlowMs   int     `json:"slow_ms,omitempty"`
	Set      int64   `json:"set"` // when the teacher set it (unix µs)
}

// isNetwork reports whether cmd changes the class's network.
func isNetwork(cmd command.Command) bool {
	switch cmd.(type) {
	case command.Isolate, command.Rejoin, command.Partition, command.Heal, command.Slow:
		return true
	}
	return false
}

// SetNetwork gives the teacher's class the source of its network state:
// the teacher's own cluster's faults.
func (t *Teacher) SetNetwork(now func() Network) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.network = now
	t.netSet = time.Now().UnixMicro() // this program's state replaces any before it
}

// networkLocked is the state a roster carries; t.mu is held.
func (t *Teacher) networkLocked() *Network {
	if t.network == nil {
		return nil
	}
	n := t.network()
	n.Set = t.netSet
	return &n
}

// netChanged notes that the teacher changed the network now: its state
// is newer than any a seat has.
func (t *Teacher) netChanged() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.netSet = max(t.netSet+1, time.Now().UnixMicro())
	return t.netSet
}

// netApplied keeps, on a seat, the newest network state it applied.
func (s *Student) netApplied(set int64) bool {
	s.netMu.Lock()
	defer s.netMu.Unlock()
	if set <= s.netSet {
		return false
	}
	s.netSet = set
	return true
}

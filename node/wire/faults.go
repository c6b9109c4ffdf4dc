package wire

import (
	"math/rand/v2"
	"sync"
	"time"

	"github.com/raftian/raftian/record"
)

// faults is the fault layer shared by every transport of a cluster. A
// link from a to b is cut when either end is isolated or the two are in
// different partition groups; links can also lose or delay messages.
// Replica numbers are 1-based.
type faults struct {
	mu       sync.RWMutex
	n        int
	isolated []bool
	group    []int // partition group of each replica; all 0 when healed
	links    map[[2]int]Link
	votes    map[[2]int]Link // faults for vote and pre-vote messages only
	slow     time.Duration   // added to every message: slow motion
	change   chan struct{}   // closed (and replaced) when anything changes
}

// Link describes a lossy or slow one-way link.
type Link struct {
	Drop   float64       // probability that a message is lost, 0..1
	Delay  time.Duration // added to every message
	Jitter time.Duration // and up to this much more, drawn per batch
}

// newFaults returns the fault layer of n replicas, with room for up to
// MaxReplicas (a cluster can grow).
func newFaults(n int) *faults {
	return &faults{
		n:        n,
		isolated: make([]bool, MaxReplicas+1),
		group:    make([]int, MaxReplicas+1),
		links:    map[[2]int]Link{},
		votes:    map[[2]int]Link{},
		change:   make(chan struct{}),
	}
}

// changed returns a channel closed at the next change of the faults.
func (f *faults) changed() <-chan struct{} {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.change
}

// changedLocked announces a change; f.mu is held for writing.
func (f *faults) changedLocked() {
	close(f.change)
	f.change = make(chan struct{})
}

// delay returns whether the link from a to b is cut, the delay it adds
// now and the most jitter it adds to that; votes: to a batch of vote
// messages, which a vote fault delays more.
func (f *faults) delay(a, b int, votes bool) (cut bool, d, jitter time.Duration) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	l := f.links[[2]int{a, b}]
	d, jitter = f.slow+l.Delay, l.Jitter
	if votes {
		vl := f.votes[[2]int{a, b}]
		d, jitter = d+vl.Delay, jitter+vl.Jitter
	}
	return f.cutLocked(a, b), d, jitter
}

// cut reports whether the link from a to b is cut.
func (f *faults) cut(a, b int) bool {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.cutLocked(a, b)
}

func (f *faults) cutLocked(a, b int) bool {
	if a < 1 || b < 1 || a > f.n || b > f.n {
		return true
	}
	return f.isolated[a] || f.isolated[b] || f.group[a] != f.group[b]
}

// verdict is what happens to one message batch from a to b.
type verdict struct {
	deliver bool          // false: the whole batch is lost
	delay   time.Duration // added to the batch
	jitter  time.Duration // added to the batch too, drawn within the link's Jitter
	// A fault on vote messages only, if the link has one.
	votes        bool
	votesDeliver bool
	votesDelay   time.Duration
	votesJitter  time.Duration
}

// judge decides the fate of one message batch from a to b. It runs on
// every send, so it only takes the read lock; the dice are the runtime's
// own, safe for concurrent use.
func (f *faults) judge(a, b int) verdict {
	f.mu.RLock()
	cut := f.cutLocked(a, b)
	l, lossy := f.links[[2]int{a, b}]
	vl, votes := f.votes[[2]int{a, b}]
	slow := f.slow
	f.mu.RUnlock()
	if cut {
		return verdict{}
	}
	v := verdict{deliver: true, delay: slow}
	if lossy {
		v.deliver = l.Drop == 0 || rand.Float64() >= l.Drop
		v.delay += l.Delay
		v.jitter = draw(l.Jitter)
	}
	if votes {
		v.votes = true
		v.votesDeliver = vl.Drop == 0 || rand.Float64() >= vl.Drop
		v.votesDelay = vl.Delay
		v.votesJitter = draw(vl.Jitter)
	}
	return v
}

// draw returns a jitter uniformly in [0, most).
func draw(most time.Duration) time.Duration {
	if most <= 0 {
		return 0
	}
	return rand.N(most)
}

func (f *faults) setIsolated(i int, on bool) {
	f.mu.Lock()
	f.isolated[i] = on
	f.changedLocked()
	f.mu.Unlock()
}

func (f *faults) partition(groups [][]int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	// Replicas named in no group form a group of their own together.
	for i := range f.group {
		f.group[i] = 0
	}
	for g, members := range groups {
		for _, r := range members {
			f.group[r] = g + 1
		}
	}
	f.changedLocked()
}

func (f *faults) setLink(a, b int, l Link, votesOnly bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	defer f.changedLocked()
	m := f.links
	if votesOnly {
		m = f.votes
	}
	if l == (Link{}) {
		delete(m, [2]int{a, b})
		return
	}
	m[[2]int{a, b}] = l
}

func (f *faults) setSlow(d time.Duration) {
	f.mu.Lock()
	f.slow = d
	f.changedLocked()
	f.mu.Unlock()
}

func (f *faults) heal() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.group {
		f.group[i], f.isolated[i] = 0, false
	}
	clear(f.links)
	clear(f.votes)
	f.changedLocked()
}

// net returns the faults as the record keeps them.
func (f *faults) net() record.Net {
	f.mu.RLock()
	defer f.mu.RUnlock()
	n := record.Net{Isolated: append([]bool(nil), f.isolated[1:f.n+1]...), Group: append([]int(nil), f.group[1:f.n+1]...),
		Slow: f.slow.Microseconds()}
	add := func(m map[[2]int]Link, votes bool) {
		for k, l := range m {
			n.Links = append(n.Links, record.LinkFault{From: k[0], To: k[1], Loss: uint32(l.Drop * 1e6),
				Delay: l.Delay.Microseconds(), Jitter: l.Jitter.Microseconds(), VotesOnly: votes})
		}
	}
	add(f.links, false)
	add(f.votes, true)
	return n
}

// snapshot returns a copy of the isolation flags and partition groups.
func (f *faults) snapshot() (isolated []bool, group []int) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return append([]bool(nil), f.isolated[:f.n+1]...), append([]int(nil), f.group[:f.n+1]...)
}

// grow makes room for replicas up to n, the newest in like's partition
// group.
func (f *faults) grow(n, like int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n = max(f.n, n)
	if like >= 1 && like < len(f.group) {
		f.group[n] = f.group[like]
	}
	f.changedLocked()
}

// reachable returns the replicas that a can talk to in both directions,
// itself included.
func (f *faults) reachable(a int) []int {
	f.mu.RLock()
	defer f.mu.RUnlock()
	out := []int{a}
	for b := 1; b <= f.n; b++ {
		if b != a && !f.cutLocked(a, b) && !f.cutLocked(b, a) {
			out = append(out, b)
		}
	}
	return out
}

package chaos

import (
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/raftian/raftian/internal/every"
	"github.com/raftian/raftian/node"
	"github.com/raftian/raftian/record"
	"github.com/raftian/raftian/world"
)

// watcher follows the run from outside Raft: every message on the wire
// and every leader reported (from the record), and every replica's
// status, sampled often.
type watcher struct {
	c    *node.Cluster
	loop *every.Loop
	seq  uint64 // the next observation to read
	buf  []record.Obs

	mu        sync.Mutex
	leaders   map[uint64]map[int]bool // term → replicas that acted as its leader
	lastTerm  []uint64                // per replica, the highest term seen
	termDrops []string                // a replica's term went down
	messages  int
	missed    int // observations the record dropped before we read them
	samples   int
}

func startWatcher(c *node.Cluster) *watcher {
	w := &watcher{c: c, leaders: map[uint64]map[int]bool{}, lastTerm: make([]uint64, world.MaxPlayers+1), seq: 1} // the cluster may grow
	w.loop = every.Start(5*time.Millisecond, w.sample)
	return w
}

func (w *watcher) stop() { w.loop.Stop() }

// sample reads the record since the last sample (messages, and the
// leaders dragonboat reported) and every replica's status.
func (w *watcher) sample() {
	rec := w.c.Recorder()
	first, next := rec.Bounds()
	st := w.c.Status()
	w.mu.Lock()
	defer w.mu.Unlock()
	if first > w.seq {
		w.missed += int(first - w.seq)
		w.seq = first
	}
	for w.seq < next {
		w.buf = rec.Read(w.seq, 4096, w.buf[:0])
		if len(w.buf) == 0 {
			break
		}
		w.seq += uint64(len(w.buf))
		for _, o := range w.buf {
			switch {
			case o.Kind == record.State && o.Role == record.RoleLeader:
				w.leader(o.Term, int(o.Node))
			case o.Kind == record.Send:
				w.messages++
				// Only a leader sends Replicate and Heartbeat in its term.
				if o.Msg == record.MsgAppend || o.Msg == record.MsgHeartbeat {
					w.leader(o.Term, int(o.Node))
				}
			}
		}
	}
	for _, s := range st {
		if !s.Up || s.Term == 0 {
			continue
		}
		if s.Term < w.lastTerm[s.ID] {
			w.termDrops = append(w.termDrops, fmt.Sprintf("replica %d: term %d after %d", s.ID, s.Term, w.lastTerm[s.ID]))
		}
		w.lastTerm[s.ID] = max(w.lastTerm[s.ID], s.Term)
	}
	w.samples++
}

func (w *watcher) leader(term uint64, id int) {
	if w.leaders[term] == nil {
		w.leaders[term] = map[int]bool{}
	}
	w.leaders[term][id] = true
}

// electionSafety: at most one leader in any term (§5.2).
func (w *watcher) electionSafety() (string, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var terms []uint64
	for t := range w.leaders {
		terms = append(terms, t)
	}
	sort.Slice(terms, func(i, j int) bool { return terms[i] < terms[j] })
	for _, t := range terms {
		if len(w.leaders[t]) > 1 {
			return "", fmt.Errorf("term %d had leaders %v", t, keys(w.leaders[t]))
		}
	}
	return fmt.Sprintf("%d terms with a leader, one each; %d messages seen, %d missed", len(terms), w.messages, w.missed), nil
}

// termsMonotonic: no replica's term ever goes down, restarts included.
func (w *watcher) termsMonotonic() (string, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.termDrops) > 0 {
		return "", fmt.Errorf("%d drops, first: %s", len(w.termDrops), w.termDrops[0])
	}
	return fmt.Sprintf("%d status samples, highest term %d", w.samples, slicesMax(w.lastTerm)), nil
}

func keys(m map[int]bool) []int {
	var out []int
	for k := range m {
		out = append(out, k)
	}
	sort.Ints(out)
	return out
}

func slicesMax(xs []uint64) uint64 {
	var m uint64
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}

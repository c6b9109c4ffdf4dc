package record

import (
	"sort"
	"time"
)

// Header says what cluster a record is of: enough to draw it without the
// configuration it ran with.
type Header struct {
	Started      time.Time `json:"started"` // wall clock at time 0
	Players      []Player  `json:"players"` // replica i is Players[i-1]
	RTTMs        int       `json:"rtt_ms"`
	ElectionRTT  int       `json:"election_rtt"`
	HeartbeatRTT int       `json:"heartbeat_rtt"`
	PreVote      bool      `json:"prevote"`
	CheckQuorum  bool      `json:"check_quorum"`
}

// Player is a replica's player.
type Player struct {
	Name  string `json:"name"`
	Color string `json:"color"` // "#rrggbb"
}

// ElectionTimeout is the replicas' shortest election timeout.
func (h Header) ElectionTimeout() time.Duration {
	return time.Duration(h.ElectionRTT*h.RTTMs) * time.Millisecond
}

// Keep and Budget bound a record: the last ten minutes, in at most
// Budget bytes (older observations go first when either is exceeded).
const (
	Keep   = 10 * time.Minute
	Budget = 48 << 20
)

// Log is a record in memory: observations in time order, numbered from 1.
// The oldest are dropped once they are older than keep, or the log holds
// more than budget bytes. It is not safe for concurrent use.
type Log struct {
	header Header
	obs    []Obs
	head   int    // obs[head:] are held
	first  uint64 // number of obs[head]
	bytes  int
	keep   int64 // µs
	budget int
}

// NewLog returns an empty log bounded by keep and budget.
func NewLog(h Header, keep time.Duration, budget int) *Log {
	return &Log{header: h, first: 1, keep: keep.Microseconds(), budget: budget}
}

// Header returns what cluster the log is of.
func (l *Log) Header() Header { return l.header }

// Add appends o, which must not be older than the last observation, and
// drops what has fallen out of the bounds.
func (l *Log) Add(o Obs) {
	l.obs = append(l.obs, o)
	l.bytes += o.Size()
	for l.head < len(l.obs)-1 && (l.bytes > l.budget || o.At-l.obs[l.head].At > l.keep) {
		l.bytes -= l.obs[l.head].Size()
		l.obs[l.head] = Obs{} // let its entries and data go
		l.head++
		l.first++
	}
	// Move what is held to the front once the dropped part is the larger
	// half: each observation is moved at most once on average.
	if l.head > 1024 && l.head > len(l.obs)/2 {
		n := copy(l.obs, l.obs[l.head:])
		clear(l.obs[n:])
		l.obs = l.obs[:n]
		l.head = 0
	}
}

// Bounds returns the numbers held: from first to next-1.
func (l *Log) Bounds() (first, next uint64) {
	return l.first, l.first + uint64(len(l.obs)-l.head)
}

// Read appends to out the observations numbered from `from` on that are
// held, at most limit of them.
func (l *Log) Read(from uint64, limit int, out []Obs) []Obs {
	first, next := l.Bounds()
	from = maxU(from, first)
	if from >= next {
		return out
	}
	end := min(next, from+uint64(limit))
	return append(out, l.obs[l.head+int(from-first):l.head+int(end-first)]...)
}

// Search returns the number of the first observation after time t (next
// if there is none).
func (l *Log) Search(t int64) uint64 {
	held := l.obs[l.head:]
	return l.first + uint64(sort.Search(len(held), func(i int) bool { return held[i].At > t }))
}

// Bytes is about how much memory the log holds.
func (l *Log) Bytes() int { return l.bytes }

func maxU(a, b uint64) uint64 {
	if a > b {
		return a
	}
	return b
}

// Last returns the time of the newest observation, or -1 if none is held.
func (l *Log) Last() int64 {
	if l.head == len(l.obs) {
		return -1
	}
	return l.obs[len(l.obs)-1].At
}

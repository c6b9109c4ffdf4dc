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

// RoundTrip is Raft's round trip in force on the network n: the one of
// its last timing change, or the header's.
func (h Header) RoundTrip(n Net) time.Duration {
	if n.RTT > 0 {
		return time.Duration(n.RTT) * time.Microsecond
	}
	return time.Duration(h.RTTMs) * time.Millisecond
}

// ElectionTimeout is the replicas' shortest election timeout on the
// network n (whose round trip may have changed since the header's).
func (h Header) ElectionTimeout(n Net) time.Duration {
	return time.Duration(h.ElectionRTT) * h.RoundTrip(n)
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
//
// An observation is kept as its fields, with its entries and data in two
// arenas of their own: none of the three holds a pointer, so the garbage
// collector never scans the tens of megabytes a record takes, and adding
// an observation allocates nothing but the arenas' occasional growth.
type Log struct {
	header Header
	obs    circle[stored]
	ents   ring[Ent]
	data   ring[byte]
	bytes  int
	keep   int64 // µs
	budget int
	cut    bool // read from a file that ends before its writer finished it
}

// Cut reports whether the log was read from a file its writer never
// finished (the program was killed): it holds what was written up to then.
func (l *Log) Cut() bool { return l.cut }

// stored is an observation as the log keeps it: its entries and data are
// positions in the arenas.
type stored struct {
	At                                 int64
	ID                                 uint64
	Kind                               Kind
	Msg                                MsgType
	Node, Peer                         uint8
	Role                               Role
	Via                                uint8
	Lost, Reject                       bool
	Term, LogTerm, Index, Commit, Hint uint64
	Delay                              int64
	Loss                               uint32
	nEnts, nData                       uint32
	ents, data                         uint64 // where they start in the arenas
}

// NewLog returns an empty log bounded by keep and budget.
func NewLog(h Header, keep time.Duration, budget int) *Log {
	return &Log{header: h, obs: circle[stored]{first: 1}, keep: keep.Microseconds(), budget: budget}
}

// Header returns what cluster the log is of.
func (l *Log) Header() Header { return l.header }

// Add appends o (copying its entries and data), which must not be older
// than the last observation, and drops what has fallen out of the bounds.
func (l *Log) Add(o Obs) {
	s := stored{At: o.At, ID: o.ID, Kind: o.Kind, Msg: o.Msg, Node: o.Node, Peer: o.Peer, Role: o.Role,
		Via: o.Via, Lost: o.Lost, Reject: o.Reject, Term: o.Term, LogTerm: o.LogTerm, Index: o.Index,
		Commit: o.Commit, Hint: o.Hint, Delay: o.Delay, Loss: o.Loss,
		nEnts: uint32(len(o.Ents)), nData: uint32(len(o.Data))}
	s.ents = l.ents.add(o.Ents...)
	s.data = l.data.add(o.Data...)
	l.obs.add(s)
	l.bytes += o.Size()
	for l.obs.len() > 1 {
		old := l.obs.ptr(l.obs.first)
		if l.bytes <= l.budget && o.At-old.At <= l.keep {
			break
		}
		l.bytes -= obsSize + int(old.nEnts)*entSize + int(old.nData)
		l.ents.drop(old.ents + uint64(old.nEnts))
		l.data.drop(old.data + uint64(old.nData))
		l.obs.drop(l.obs.first + 1)
	}
}

// load is a stored observation as an Obs. Its entries and data share the
// arenas' memory, which is never written again: they stay valid.
func (l *Log) load(s *stored) Obs {
	o := Obs{At: s.At, ID: s.ID, Kind: s.Kind, Msg: s.Msg, Node: s.Node, Peer: s.Peer, Role: s.Role,
		Via: s.Via, Lost: s.Lost, Reject: s.Reject, Term: s.Term, LogTerm: s.LogTerm, Index: s.Index,
		Commit: s.Commit, Hint: s.Hint, Delay: s.Delay, Loss: s.Loss}
	if s.nEnts > 0 {
		o.Ents = l.ents.slice(s.ents, int(s.nEnts))
	}
	if s.nData > 0 {
		o.Data = l.data.slice(s.data, int(s.nData))
	}
	return o
}

// Bounds returns the numbers held: from first to next-1.
func (l *Log) Bounds() (first, next uint64) { return l.obs.first, l.obs.first + uint64(l.obs.len()) }

// Read appends to out the observations numbered from `from` on that are
// held, at most limit of them.
func (l *Log) Read(from uint64, limit int, out []Obs) []Obs {
	first, next := l.Bounds()
	from = max(from, first)
	end := min(next, from+uint64(max(limit, 0)))
	for seq := from; seq < end; seq++ {
		out = append(out, l.load(l.obs.ptr(seq)))
	}
	return out
}

// Search returns the number of the first observation after time t (next
// if there is none).
func (l *Log) Search(t int64) uint64 {
	n := l.obs.len()
	return l.obs.first + uint64(sort.Search(n, func(i int) bool { return l.obs.ptr(l.obs.first+uint64(i)).At > t }))
}

// Bytes is about how much memory the log holds.
func (l *Log) Bytes() int { return l.bytes }

// Last returns the time of the newest observation, or -1 if none is held.
func (l *Log) Last() int64 {
	if l.obs.len() == 0 {
		return -1
	}
	return l.obs.ptr(l.obs.first + uint64(l.obs.len()) - 1).At
}

// circle is a ring buffer of T numbered from first: items are added at
// the end and dropped from the front, and the buffer grows (doubling) only
// when it is full. Once a record is at its bounds, adding moves nothing.
type circle[T any] struct {
	buf   []T
	head  int // buf[head] is item first
	n     int
	first uint64
}

func (c *circle[T]) len() int { return c.n }

func (c *circle[T]) add(x T) {
	if c.n == len(c.buf) {
		grown := make([]T, max(2*c.n, 1024)) // a power of two: see ptr
		k := copy(grown, c.buf[c.head:])
		copy(grown[k:], c.buf[:c.head])
		c.buf, c.head = grown, 0
	}
	c.buf[(c.head+c.n)&(len(c.buf)-1)] = x
	c.n++
}

// drop forgets the items numbered below upto.
func (c *circle[T]) drop(upto uint64) {
	if upto <= c.first {
		return
	}
	k := min(int(upto-c.first), c.n)
	c.head = (c.head + k) & (len(c.buf) - 1)
	c.n -= k
	c.first += uint64(k)
}

func (c *circle[T]) ptr(pos uint64) *T { return &c.buf[(c.head+int(pos-c.first))&(len(c.buf)-1)] }

// ring is an append-only arena of T (which holds no pointers) numbered
// from first: items are added at the end and dropped from the front. An
// item, once added, is never written again; when the dropped part is the
// larger half, what is held moves to a new array. So a slice of it a
// reader holds stays valid.
type ring[T any] struct {
	buf   []T
	head  int    // buf[head:] are held
	first uint64 // the number of buf[head]
}

func (r *ring[T]) len() int { return len(r.buf) - r.head }

// add appends xs and returns the number of the first. When the array is
// full and a quarter of it or more was dropped, what is held moves to a
// new array twice its size: each item moves about once, whatever the
// record's length.
func (r *ring[T]) add(xs ...T) uint64 {
	pos := r.first + uint64(r.len())
	if len(r.buf)+len(xs) > cap(r.buf) && r.head > 0 && r.head >= len(r.buf)/4 {
		held := make([]T, r.len(), max(2*(r.len()+len(xs)), 16))
		copy(held, r.buf[r.head:])
		r.buf, r.head = held, 0
	}
	r.buf = append(r.buf, xs...)
	return pos
}

// drop forgets the items numbered below upto.
func (r *ring[T]) drop(upto uint64) {
	if upto <= r.first {
		return
	}
	n := min(int(upto-r.first), r.len())
	r.head += n
	r.first += uint64(n)
}

// slice returns n items from pos on, capped so that appending to it
// cannot write into the arena.
func (r *ring[T]) slice(pos uint64, n int) []T {
	i := r.head + int(pos-r.first)
	return r.buf[i : i+n : i+n]
}

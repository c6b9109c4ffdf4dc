package merge

import (
	"math"
	"strings"
	"sync"
	"time"

	"github.com/raftian/raftian/record"
)

// Holdback is the longest the merge waits, past an observation's time on
// the teacher's clock, before it writes the observation: time for the
// other seats' streams to bring what happened before it, and for the
// clocks' uncertainty. It writes sooner once every connected seat's
// stream has said it holds nothing earlier (Heard).
const Holdback = 300 * time.Millisecond

// maxWait bounds how much longer a delivery waits for its send: a send
// that has not come by then was lost with its sender's stream (a gap).
const maxWait = 2 * time.Second

// unknownSlack is how far past a delivery its sender's stream must have
// come before its send counts as lost: a send may look later than its
// delivery by the clocks' error, most of all on a seat's first estimate.
const unknownSlack = int64(50 * time.Millisecond / time.Microsecond)

// Record is a class's merged record as it is made.
type Record struct {
	mu    sync.Mutex
	log   *record.Log
	start time.Time // time 0, on the teacher's clock
	seats []*seat   // by seat number
	last  int64     // when the last observation written happened
	msgs  ids       // each seat's messages: their merged ids, when sent
	props ids       // each seat's proposals: their merged ids
	stats Stats
	lags  []int64 // µs from observations' times to their writing, the last lagKept
	lagAt int
	now   int64 // the Flush under way: its time
	// through: everything that happened before it is written (Through).
	through int64
	wake    chan struct{} // a stream said it is clear: Run flushes
}

// lagKept bounds the lags kept for Stats.
const lagKept = 1 << 16

// Stats count what the merge had to do.
type Stats struct {
	Written uint64 // observations in the merged record
	Clamped int    // deliveries moved to just after their send (clocks' error)
	Orphans int    // deliveries whose send never came (lost in a gap)
	Lost    uint64 // observations that seats' streams lost (gap markers' sum)
	Held    int    // observations waiting to be written
	// Lag: from an observation's time to its writing in the merged
	// record, p50 and p99 of the last 65536.
	LagP50, LagP99 time.Duration
}

type seat struct {
	started time.Time // its wall clock at its own record's time 0
	clock   Clock
	queue   []record.Obs // on the merged clock, in the seat's order, not yet written
	early   []record.Obs // on its own clock: come before its clock was read
	floor   int64        // when its last observation written happened
	heard   int64        // the latest time its stream has brought
	// streaming: its stream is connected (Begin to End), and until
	// clear it holds nothing that happened before clear (Heard).
	streaming bool
	clear     int64
	// member: the merged record knows its replica (the header's, or
	// added by the teacher's record). A student's replica starts before
	// the teacher adds it: what it did until then waits.
	member bool
	// lost counts what its stream lost since the last gap marker; while
	// it is more than 0 the seat's observations are left out until its
	// next checkpoint, from which the picture of its replica starts again.
	lost uint64
}

// New starts a merged record whose header (time 0, players, timing) is h:
// the teacher's own record's.
func New(h record.Header) *Record {
	r := &Record{log: record.NewLog(h, record.Keep, record.Budget), start: h.Started, msgs: newIDs(), props: newIDs(),
		wake: make(chan struct{}, 1)}
	for n := 1; n <= len(h.Players); n++ {
		r.seat(n).member = true
	}
	return r
}

func (r *Record) seat(n int) *seat {
	for len(r.seats) <= n {
		r.seats = append(r.seats, nil)
	}
	if r.seats[n] == nil {
		r.seats[n] = &seat{floor: -1, heard: -1}
	}
	return r.seats[n]
}

// Begin says that seat n's stream begins: its record's time 0 is started
// on its own clock.
func (r *Record) Begin(n int, started time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.seat(n)
	s.started, s.streaming, s.clear = started, true, -1
}

// End says that seat n's stream ended (it may begin again).
func (r *Record) End(n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seat(n).streaming = false
}

// Heard says that seat n's stream has brought everything its record held
// at now, on its clock.
func (r *Record) Heard(n int, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.seat(n)
	if offset, _, ok := s.clock.Offset(); ok && len(s.early) == 0 {
		s.clear = max(s.clear, now.Add(-offset).Sub(r.start).Microseconds())
	}
	select {
	case r.wake <- struct{}{}:
	default: // Run is told already
	}
}

// clearUntil is the time before which no connected seat's stream will
// bring anything more: what happened before it can be written now.
func (r *Record) clearUntil() (int64, bool) {
	at, any := int64(0), false
	for _, s := range r.seats {
		if s == nil || !s.streaming {
			continue
		}
		if !any || s.clear < at {
			at = s.clear
		}
		any = true
	}
	return at, any
}

// Round counts one round trip to seat n's clock (see Clock).
func (r *Record) Round(n int, t1, t2, t3, t4 time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.seat(n)
	s.clock.Add(t1, t2, t3, t4)
	if _, _, ok := s.clock.Offset(); ok && len(s.early) > 0 {
		early := s.early
		s.early = nil
		r.add(n, s, early)
	}
}

// Offset is the estimate of seat n's clock's offset and its uncertainty.
func (r *Record) Offset(n int) (offset, uncertainty time.Duration, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.seat(n).clock.Offset()
}

// Add takes observations from seat n's stream, in its order. Those not
// about seat n's own replica are left out: each seat tells what it did.
// Until its clock has been read once, the seat's observations wait.
func (r *Record) Add(n int, obs []record.Obs) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.seat(n)
	if _, _, ok := s.clock.Offset(); !ok {
		if len(s.early)+len(obs) > maxEarly {
			r.stats.Lost += uint64(len(obs))
			return
		}
		s.early = append(s.early, obs...)
		return
	}
	r.add(n, s, obs)
}

// maxEarly bounds what waits for a seat's clock to be read.
const maxEarly = 100_000

func (r *Record) add(n int, s *seat, obs []record.Obs) {
	offset, _, _ := s.clock.Offset()
	for _, o := range obs {
		if !about(n, &o) {
			continue
		}
		wall := s.started.Add(time.Duration(o.At) * time.Microsecond)
		o.At = max(wall.Add(-offset).Sub(r.start).Microseconds(), s.heard, 0) // a re-estimate never turns a seat's time back
		s.heard = o.At
		if tooLate := o.At < r.last-late.Microseconds(); tooLate || (s.lost > 0 && o.Kind != record.Checkpoint) {
			// Too late to be put where it happened (the stream was cut
			// for a while), or after such a loss and before the seat's
			// next checkpoint: lost.
			s.lost++
			r.stats.Lost++
			continue
		}
		if s.lost > 0 { // its checkpoint: the gap is marked just before it
			s.queue = append(s.queue, record.Obs{At: o.At, Kind: record.Gap, Node: uint8(n), Index: s.lost})
			s.lost = 0
		}
		s.queue = append(s.queue, o)
		if o.Kind == record.Send {
			r.msgs.expect(key{n, o.ID}, o.At)
		}
	}
}

// late is how far behind what is written already an observation may
// come and still be put in, a little later than it happened.
const late = Holdback

// Gap says that seat n's stream lost lost observations before what it
// brings next. What it brings is left out until the seat's next
// checkpoint, where the gap is marked with all it lost.
func (r *Record) Gap(n int, lost uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seat(n).lost += lost
	r.stats.Lost += lost
}

// Flush writes every observation that happened more than Holdback before
// now (the teacher's clock), in order.
func (r *Record) Flush(now time.Time) { r.flush(now, false) }

// flush is Flush; all: write everything held (the streams have ended).
func (r *Record) flush(now time.Time, all bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	horizon := now.Add(-Holdback).Sub(r.start).Microseconds()
	if all {
		horizon = math.MaxInt64
	}
	if clear, ok := r.clearUntil(); ok {
		horizon = max(horizon, min(clear, now.Sub(r.start).Microseconds()))
	}
	r.now = now.Sub(r.start).Microseconds()
	for guard := 0; guard < 1<<20; guard++ {
		n := r.earliest()
		if n == 0 {
			r.through = max(r.through, horizon)
			return
		}
		s := r.seats[n]
		o := &s.queue[0]
		if s.next() > horizon {
			r.through = max(r.through, horizon)
			return
		}
		r.through = max(r.through, min(horizon, o.At-1)) // all before this one is written
		if o.Kind == record.Deliver || (o.Kind == record.Drop && int(o.Peer) == n) {
			k := key{int(o.Node), o.ID}
			id, sent, state := r.msgs.find(k)
			switch {
			case state == waiting && !r.seats[k.seat].member:
				return // cannot be: a seat sends nothing before it is added
			case state == waiting:
				// Its send is not written yet: after it. Once this
				// delivery is later than its send can be, the sender's
				// stream, earlier, goes first.
				if at := max(sent, r.seats[k.seat].next()); o.At <= at {
					o.At = at + 1
					r.stats.Clamped++
				}
				continue
			case state == unknown && r.heardOf(int(o.Node)) < o.At+unknownSlack && o.At > horizon-r.waitFor(int(o.Node)):
				return // its sender's stream has not come this far (give or take the clocks): wait
			case state == unknown:
				// Its send never came: its sender's stream lost it. A
				// gap marker says so, where the delivery shows it.
				id = r.msgs.orphan()
				r.stats.Orphans++
				r.mark(k.seat, o.At)
			case sent >= o.At:
				o.At = sent + 1
				r.stats.Clamped++
			}
			o.ID = id
		}
		r.write(n, s)
	}
}

// mark writes a gap marker: seat n's stream lost what it sent about
// then, how much unknown.
func (r *Record) mark(n int, at int64) {
	at = max(at, r.last+1)
	r.log.Add(record.Obs{At: at, Kind: record.Gap, Node: uint8(n)})
	r.last = at
	r.stats.Written++
}

// earliest is the seat whose next observation comes first; 0 if none
// waits.
func (r *Record) earliest() int {
	best, at := 0, int64(0)
	for n, s := range r.seats {
		if s == nil || len(s.queue) == 0 || !s.member {
			continue
		}
		if t := s.next(); best == 0 || t < at {
			best, at = n, t
		}
	}
	return best
}

// next is the earliest its next observation can be written: what
// follows it in its queue comes after it.
func (s *seat) next() int64 {
	if len(s.queue) == 0 {
		return s.floor + 1
	}
	return max(s.queue[0].At, s.floor+1)
}

// waitFor is how long (µs) a delivery waits for a send of seat n that
// has not come: maxWait while n's stream goes on; not at all once it has
// said nothing for Holdback (a laptop asleep or gone: its last sends are
// lost with it, and the record must not stall for every seat).
func (r *Record) waitFor(n int) int64 {
	if n < len(r.seats) && r.seats[n] != nil && r.seats[n].streaming && r.seats[n].clear >= r.now-Holdback.Microseconds() {
		return maxWait.Microseconds()
	}
	return 0
}

func (r *Record) heardOf(n int) int64 {
	if n < len(r.seats) && r.seats[n] != nil {
		return r.seats[n].heard
	}
	return -1
}

// write writes seat n's next observation, its ids made the class's.
func (r *Record) write(n int, s *seat) {
	o := s.queue[0]
	s.queue = s.queue[1:]
	o.At = max(o.At, s.floor+1, r.last+1) // times strictly rising; a seat's order kept
	switch {
	case o.Kind == record.Send:
		o.ID = r.msgs.sent(key{n, o.ID}, o.At)
	case o.Kind == record.Drop && int(o.Node) == n: // lost on its way out
		if id, _, state := r.msgs.find(key{n, o.ID}); state == known {
			o.ID = id
		} else {
			o.ID = r.msgs.orphan()
		}
	case o.Kind == record.Propose:
		o.ID = r.props.sent(key{n, o.ID}, o.At)
	case o.Kind == record.Outcome:
		if id, _, state := r.props.find(key{n, o.ID}); state == known {
			o.ID = id
		} else {
			o.ID = r.props.orphan()
		}
	}
	if o.Kind == record.Member && strings.HasPrefix(string(o.Data), record.MemberNonVoting) {
		r.seat(int(o.Node)).member = true
	}
	s.floor, r.last = o.At, o.At
	if len(r.lags) < lagKept {
		r.lags = append(r.lags, r.now-o.At)
	} else {
		r.lags[r.lagAt] = r.now - o.At
		r.lagAt = (r.lagAt + 1) % lagKept
	}
	r.msgs.age(o.At)
	r.props.age(o.At)
	r.log.Add(o)
	r.stats.Written++
}

// about reports whether seat n's record is the one to tell o: what its
// own replica did, sent, received and proposed; the network's faults and
// the membership as the teacher's laptop (seat 1) knows them.
func about(n int, o *record.Obs) bool {
	me := int(o.Node) == n
	switch o.Kind {
	case record.Deliver:
		return int(o.Peer) == n
	case record.Drop:
		return me || int(o.Peer) == n
	case record.Propose:
		return int(o.Via) == n
	case record.Checkpoint:
		return me || (o.Node == 0 && n == 1)
	case record.Partition, record.Isolate, record.Rejoin, record.Heal, record.Slow, record.Timing, record.Member:
		return n == 1 // every seat records the teacher's network faults: the teacher's are kept
	case record.Transfer:
		return int(o.Peer) == n // the leader that hands over
	case record.Gap:
		return false // only the merge marks gaps
	}
	return me
}

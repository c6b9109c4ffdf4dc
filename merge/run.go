package merge

import (
	"slices"
	"time"

	"github.com/raftian/raftian/record"
)

// The merged record is a rewind.Source: the window reads it as it is
// made.

// Header is the merged record's header: the teacher's.
func (r *Record) Header() record.Header {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.log.Header()
}

// Bounds returns the numbers of the first observation held and of the next.
func (r *Record) Bounds() (first, next uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.log.Bounds()
}

// Read appends up to limit observations from number from on to out.
func (r *Record) Read(from uint64, limit int, out []record.Obs) []record.Obs {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.log.Read(from, limit, out)
}

// Search returns the number of the first observation at or after t (µs).
func (r *Record) Search(t int64) uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.log.Search(t)
}

// flushEvery is how often Run writes what the holdback let through, and
// how often Local feeds the teacher's own record in; a stream that says
// it is clear (Heard) has Run write at once.
const flushEvery = 25 * time.Millisecond

// Local feeds rec, the record of seat n run by this very process (the
// teacher's own), into the merged record until stop closes: the same
// clock, no stream.
func (r *Record) Local(n int, rec record.Reader, stop <-chan struct{}) {
	now := record.WallClock()
	r.Begin(n, rec.Header().Started)
	r.Round(n, now, now, now, now)
	next, _ := rec.Bounds()
	var buf []record.Obs
	tick := time.NewTicker(flushEvery)
	defer tick.Stop()
	defer r.End(n)
	for {
		now := record.WallClock() // before the bounds: all before it is in them
		first, end := rec.Bounds()
		if next < first {
			r.Gap(n, first-next)
			next = first
		}
		for next < end {
			buf = rec.Read(next, 1024, buf[:0])
			if len(buf) == 0 {
				break
			}
			r.Add(n, buf)
			next += uint64(len(buf))
		}
		if next >= end {
			r.Heard(n, now)
		}
		select {
		case <-stop:
			return
		case <-tick.C:
		}
	}
}

// Run writes what the holdback lets through every flushEvery until stop
// closes, then everything still held.
func (r *Record) Run(stop <-chan struct{}) {
	tick := time.NewTicker(flushEvery)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			r.flush(record.WallClock(), true) // the streams have ended: nothing more will come
			return
		case <-tick.C:
			r.Flush(record.WallClock())
		case <-r.wake:
			r.Flush(record.WallClock())
		}
	}
}

// Stats returns what the merge has done so far.
func (r *Record) Stats() Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.stats
	if len(r.lags) > 0 {
		lags := slices.Clone(r.lags)
		slices.Sort(lags)
		st.LagP50 = time.Duration(lags[len(lags)/2]) * time.Microsecond
		st.LagP99 = time.Duration(lags[len(lags)*99/100]) * time.Microsecond
	}
	for _, s := range r.seats {
		if s != nil {
			st.Held += len(s.queue) + len(s.early)
		}
	}
	return st
}

// Through is the time (µs, the teacher's clock) before which the merged
// record holds everything the class's laptops observed: what a reader
// that looks for a moment up to now waits for.
func (r *Record) Through() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.through
}

// Package merge makes one record of a whole class out of its seats'
// records. Each seat's laptop records what its own replica does, on its
// own clock, and streams it to the teacher's laptop; there every stream
// is put on the teacher's clock (each seat's offset estimated from round
// trips, as NTP does), held back a moment so that the record is causal
// (every delivery after its send, a seat's own observations in their
// order), each message given one id across the class, and written as one
// ordinary record (docs/record.md), which the window and `raftian view`
// read as they read one laptop's.
package merge

import "time"

// Clock estimates how far a seat's clock is ahead of the teacher's from
// round trips: the teacher asks at t1 (its clock), the seat reads its
// clock on receipt (t2) and on answering (t3), the teacher gets the
// answer at t4. Each round trip gives an offset, ((t2−t1)+(t3−t4))/2,
// wrong by at most half its delay, (t4−t1)−(t3−t2); of the last few, the
// one with the least delay wins (NTP's clock filter). Clocks drift, so
// old round trips are forgotten.
type Clock struct {
	trips [clockTrips]trip
	n     int // round trips so far
}

type trip struct{ offset, delay time.Duration }

// clockTrips is how many of the latest round trips the estimate is the
// best of: at one every half second, the last four seconds.
const clockTrips = 8

// Add counts one round trip.
func (c *Clock) Add(t1, t2, t3, t4 time.Time) {
	delay := t4.Sub(t1) - t3.Sub(t2)
	if delay < 0 || t3.Before(t2) { // a seat that answers before it is asked: not a reading
		return
	}
	offset := (t2.Sub(t1) + t3.Sub(t4)) / 2
	c.trips[c.n%clockTrips] = trip{offset: offset, delay: delay}
	c.n++
}

// Offset returns how far the seat's clock is ahead of the teacher's, and
// how wrong that may be (half the best round trip's delay); ok is false
// before the first round trip.
func (c *Clock) Offset() (offset, uncertainty time.Duration, ok bool) {
	if c.n == 0 {
		return 0, 0, false
	}
	best := c.trips[0]
	for _, t := range c.trips[1:min(c.n, clockTrips)] {
		if t.delay < best.delay {
			best = t
		}
	}
	return best.offset, best.delay / 2, true
}

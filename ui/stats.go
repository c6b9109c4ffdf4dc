package ui

import (
	"slices"
	"time"
)

// frameStats keeps the last frames' times: the whole frame (start to
// start) and the CPU time spent building it (before raylib presents it).
type frameStats struct {
	frame, build [240]time.Duration
	n            int
}

func (s *frameStats) add(frame, build time.Duration) {
	s.frame[s.n%len(s.frame)] = frame
	s.build[s.n%len(s.build)] = build
	s.n++
}

// summary returns the mean frame time and the mean and p99 build time.
func (s *frameStats) summary() (frame, build, buildP99 time.Duration) {
	k := min(s.n, len(s.frame))
	if k == 0 {
		return 0, 0, 0
	}
	var fsum, bsum time.Duration
	b := make([]time.Duration, k)
	for i := 0; i < k; i++ {
		fsum += s.frame[i]
		bsum += s.build[i]
		b[i] = s.build[i]
	}
	slices.Sort(b)
	return fsum / time.Duration(k), bsum / time.Duration(k), b[(k*99)/100]
}

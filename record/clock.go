package record

import (
	"os"
	"sync"
	"time"
)

// ClockOffsetVar names the environment variable that moves this
// program's wall clock, for tests that give a class's seat a skewed clock
// (e.g. "3s", "-2s"); docs/record.md. It is read here only: the records'
// time 0 and the clock a seat answers the teacher's clock readings with.
const ClockOffsetVar = "RAFTIAN_CLOCK_OFFSET"

var clockOffset = sync.OnceValue(func() time.Duration {
	d, err := time.ParseDuration(os.Getenv(ClockOffsetVar))
	if err != nil {
		return 0 // unset, or not a duration: the system's clock
	}
	return d
})

// WallClock is the wall clock this program's records are made by: the
// system's, moved by RAFTIAN_CLOCK_OFFSET if it is set.
func WallClock() time.Time { return time.Now().Add(clockOffset()) }

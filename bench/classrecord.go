package bench

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/raftian/raftian/record"
)

// One record of a whole class: five seat processes on loopback, seat 3's
// clock 3 s ahead and seat 4's 2 s behind, the teacher merging every
// seat's stream (--observe). Every seat plays as auto-play does, an
// attack a second each. How wrong the teacher's estimates of the two
// clocks are, how many bytes a second each seat's stream takes, and how
// long after an observation happened it is written in the merged record.

// skews are the seats' clock offsets the bench sets.
var skews = map[int]time.Duration{3: 3 * time.Second, 4: -2 * time.Second}

func (b *bench) classRecord() error {
	if b.opts.Exe == "" {
		return errors.New("class record: the program's path is unknown")
	}
	play := time.Duration(b.n(20, 120)) * time.Second
	b.logf("class record: five seat processes merged on the teacher's clock, %v of auto-play", play)
	dir, err := os.MkdirTemp("", "raftian-bench-record-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	env := map[int][]string{1: {}}
	for n, d := range skews {
		env[n] = []string{record.ClockOffsetVar + "=" + d.String()}
	}
	teacher, students, _, err := b.startClassWith(dir, 5, []string{"--observe", b.classRecordFile(5)}, env)
	seats := append([]*proc{teacher}, students...)
	defer stopAll(seats)
	if err != nil {
		return fmt.Errorf("class record: %v", err)
	}
	autoplayClass(seats, play)
	teacher.stop()
	log := teacher.stderr.String()
	var offsetErr []string
	var worst time.Duration
	var rates []float64
	var lag string
	for _, l := range strings.Split(log, "\n") {
		var n int
		var off, within float64
		var bytes int64
		var secs, rate float64
		if _, err := fmt.Sscanf(l, "raftian class: seat %d: clock %fs +/- %fms; stream %d bytes in %fs, %f B/s", &n, &off, &within, &bytes, &secs, &rate); err == nil {
			rates = append(rates, rate)
			if d, ok := skews[n]; ok {
				e := (time.Duration(off*float64(time.Second)) - d).Abs()
				worst = max(worst, e)
				offsetErr = append(offsetErr, fmt.Sprintf("seat %d %+v: %v off (+/- %.2f ms)", n, d, e.Round(time.Microsecond), within))
			}
		}
		if i := strings.Index(l, "written "); i >= 0 && strings.Contains(l, "the class's record is in") {
			lag = l[i:]
		}
	}
	if len(offsetErr) != len(skews) || lag == "" {
		return fmt.Errorf("class record: the teacher did not report its merge:\n%s", tail(log, 2000))
	}
	p50, p99 := lagsOf(lag)
	b.add(Row{Figure: "class record: clock offset error", P50: f(ms(worst)), Unit: "ms", Target: "≤ 5", Met: t(worst <= 5*time.Millisecond),
		Note: strings.Join(offsetErr, "; ") + "; NTP-style, the least-delayed of 8 round trips"})
	worstRate := 0.0
	for _, r := range rates {
		worstRate = max(worstRate, r)
	}
	b.add(Row{Figure: "class record: stream per seat", P50: f(median(rates) / 1000), P99: f(worstRate / 1000), Unit: "kB/s",
		Target: "≤ 20", Met: t(worstRate <= 20_000), Note: fmt.Sprintf("%d students' streams over %v of auto-play (an attack a second each); p99 column: the busiest", len(rates), play)})
	b.add(Row{Figure: "class record: lag to the merged record", P50: f(ms(p50)), P99: f(ms(p99)), Unit: "ms", Target: "≤ 100", Met: t(p99 <= 100*time.Millisecond),
		Note: "from an observation's time (the teacher's clock) to its writing in the merged record"})
	return nil
}

// autoplayClass plays as the window's auto-play does, for d: each seat
// attacks a rival once a second without waiting for its answer; the
// teacher rebuilds the cities now and then. The answers are not read.
func autoplayClass(seats []*proc, d time.Duration) {
	var wg sync.WaitGroup
	end := time.Now().Add(d)
	for k, p := range seats {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; time.Now().Before(end); i++ {
				cmd := fmt.Sprintf("attack %d %d nowait", k+1, (k+1+i%4)%len(seats)+1)
				if k == 0 && i%5 == 4 {
					cmd = "newgame"
				}
				io.WriteString(p.in, cmd+"\n")
				time.Sleep(time.Second)
			}
		}()
		go func() { // keep the pipe flowing
			for range p.lines {
			}
		}()
	}
	wg.Wait()
}

// lagsOf reads "written 40ms after they happened, p99 90ms;".
func lagsOf(s string) (p50, p99 time.Duration) {
	s = strings.TrimPrefix(s, "written ")
	a, rest, _ := strings.Cut(s, " after they happened, p99 ")
	c, _, _ := strings.Cut(rest, ";")
	p50, _ = time.ParseDuration(a)
	p99, _ = time.ParseDuration(c)
	return p50, p99
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	return slices.Sorted(slices.Values(v))[len(v)/2]
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// lockedBuffer is a process's stderr, read while it runs.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

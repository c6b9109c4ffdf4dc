package bench

import (
	"fmt"
	"runtime"
	"time"

	"github.com/raftian/raftian/record"
)

// projector: the teacher's projector draws a class's merged record. How
// long a frame takes to build with 32 seats (five voters' panes and the
// seats' table) against five (five panes), each record played in the
// window at 1/100 from its middle: the classes the class-record and
// class-of-32 steps recorded.
func (b *bench) projector() error {
	const target = "32 seats ≤ 1.5 × 5 seats"
	if b.opts.Replay == nil {
		b.add(Row{Figure: "projector frame build, 32 seats vs 5", Target: target, Note: "not measured: no display"})
		return nil
	}
	d := time.Duration(b.n(3, 8)) * time.Second
	b.logf("projector: the merged records of 5 and 32 seats played for %v each", d)
	var p99 [2]float64
	for k, n := range []int{5, 32} {
		log, err := record.ReadLogFile(b.classRecordFile(n))
		if err != nil {
			return fmt.Errorf("projector: the class of %d's record: %v", n, err)
		}
		runtime.GC() // the record just read leaves garbage: collect it now, not during the frames measured
		var builds []time.Duration
		done := make(chan struct{})
		timer := time.AfterFunc(d, func() { close(done) })
		warm := time.Now().Add(d / 4)
		b.opts.Replay(log, log.Last()/2, done, func(_, build time.Duration) {
			if time.Now().After(warm) {
				builds = append(builds, build)
			}
		})
		timer.Stop()
		p99[k] = percentile(builds, 99)
		row := Row{Figure: fmt.Sprintf("projector frame build, %d seats", n), P50: f(percentile(builds, 50)), P99: f(p99[k]), Unit: "ms",
			Note: fmt.Sprintf("%d frames of the class's merged record at 1/100", len(builds))}
		if n == 32 {
			row.Reference, row.Ratio, row.Target, row.Met = f(p99[0]), f(p99[1]/p99[0]), target+" (p99)", t(p99[1] <= 1.5*p99[0])
			row.Note += "; five voters' panes, 27 seats as rows; reference: 5 seats' p99"
		}
		b.add(row)
	}
	return nil
}

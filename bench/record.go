package bench

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"runtime"
	"runtime/debug"
	"sync"
	"time"

	"github.com/raftian/raftian/cluster"
	"github.com/raftian/raftian/config"
	"github.com/raftian/raftian/node"
	"github.com/raftian/raftian/record"
	"github.com/raftian/raftian/rewind"
)

// recording: the throughput load with the record kept and without, runs
// alternating so that the machine's drift falls on both alike.
func (b *bench) recording() error {
	d := time.Duration(b.n(2, 5)) * time.Second
	pairs := b.n(2, 3)
	rates := map[bool]float64{}
	for i := range 2 * pairs {
		on := i%2 == 1
		b.logf("throughput, record kept: %v, %v", on, d)
		c, stop, err := b.start(config.StorageMemory, node.Options{Record: on}, "")
		if err != nil {
			return err
		}
		rates[on] += playersAttack(c, d) / float64(pairs)
		stop()
	}
	ratio := rates[true] / rates[false]
	b.add(Row{Figure: "throughput, record kept", Rate: f(rates[true]), Unit: "attacks/s", Reference: f(rates[false]),
		Ratio: f(ratio), Target: "≥ 0.95×", Met: t(ratio >= 0.95),
		Note: fmt.Sprintf("memory; reference: the same load with no record; %d runs of each, alternating", pairs)})
	return nil
}

// record: a record of auto-play under a fault storm, ten minutes long
// (20 s with --quick); the memory it holds (read back from its file into
// a fresh log, so that only it is counted) and that of its model; the
// time to seek to any moment of it; and the window's frames while it
// plays at 1/100.
func (b *bench) record() error {
	d := b.n(20, 600)
	b.logf("record: %d s of auto-play and a fault storm", d)
	c, stop, err := b.start(config.StorageMemory, node.Options{Record: true}, "")
	if err != nil {
		return err
	}
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); storm(c, quit) }()
	go func() { defer wg.Done(); autoplay(c, quit) }()
	time.Sleep(time.Duration(d) * time.Second)
	close(quit)
	wg.Wait()
	rec := c.Recorder()
	first, next := rec.Bounds()
	var file bytes.Buffer
	if err := rec.Save(&file); err != nil {
		stop()
		return err
	}
	stop()

	heap := func() float64 {
		runtime.GC()
		debug.FreeOSMemory()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return float64(ms.HeapAlloc) / (1 << 20)
	}
	before := heap()
	log, err := record.ReadLog(bytes.NewReader(file.Bytes()))
	if err != nil {
		return err
	}
	held := heap() - before
	start := time.Now()
	m := rewind.New(log)
	m.Update()
	built := time.Since(start)
	model := heap() - before - held
	from, to := m.Range()
	note := fmt.Sprintf("%d s, %d observations, file %.1f MB", d, next-first, float64(file.Len())/(1<<20))
	if b.opts.Quick {
		note += "; quick: not ten minutes"
	}
	b.add(Row{Figure: "record of auto-play and a fault storm", Rate: f(held), Unit: "MB", Target: "≤ 64 MB",
		Met: t(held <= 64), Note: note})
	b.add(Row{Figure: "  its model (keyframes, flights, lanes)", Rate: f(model), Unit: "MB",
		Note: fmt.Sprintf("built in %.2f s", built.Seconds())})

	// Seek: moments in random order, so that none follows the last.
	rng := rand.New(rand.NewPCG(3, 4))
	var seeks []time.Duration
	for range b.n(100, 500) {
		at := from + rng.Int64N(max(to-from, 1))
		t0 := time.Now()
		m.At(at)
		seeks = append(seeks, time.Since(t0))
	}
	p99 := percentile(seeks, 99)
	b.add(Row{Figure: "seek to any moment of the record", P50: f(percentile(seeks, 50)), P99: f(p99), Unit: "ms",
		Target: "≤ one frame (16.7 ms)", Met: t(p99 <= 16.7), Note: fmt.Sprintf("%d random moments of %d s", len(seeks), (to-from)/1_000_000)})
	runtime.KeepAlive(log)

	if b.opts.Replay == nil {
		b.add(Row{Figure: "frame build, playing at 1/100", Target: "p99 ≤ 2 ms", Note: "not measured: no display"})
		return nil
	}
	// Play at 1/100 from the middle of the storm.
	play := time.Duration(b.n(4, 12)) * time.Second
	var builds []time.Duration
	done := make(chan struct{})
	timer := time.AfterFunc(play, func() { close(done) })
	defer timer.Stop()
	// The record and the model just built leave garbage: collect it now,
	// not during the frames measured.
	m = nil
	runtime.GC()
	warm := time.Now().Add(2 * time.Second)
	b.opts.Replay(log, (from+to)/2, done, func(_, build time.Duration) {
		if time.Now().After(warm) {
			builds = append(builds, build)
		}
	})
	bp99 := percentile(builds, 99)
	b.add(Row{Figure: "frame build, playing at 1/100", P50: f(percentile(builds, 50)), P99: f(bp99), Unit: "ms",
		Target: "p99 ≤ 2 ms", Met: t(bp99 <= 2), Note: fmt.Sprintf("%d frames, from the middle of the storm", len(builds))})
	return nil
}

// autoplay does what the window's auto-play does: every player attacks a
// rival still standing about once a second, through its own replica,
// without waiting; a new game when one city stands.
func autoplay(c *node.Cluster, quit <-chan struct{}) {
	rng := rand.New(rand.NewPCG(5, 6))
	n := c.Size()
	clients := make([]cluster.Proposer, n)
	for i := range clients {
		clients[i] = c.NewClient()
	}
	for {
		select {
		case <-quit:
			return
		case <-time.After(time.Second / time.Duration(n)):
		}
		st := c.Status()
		p := rng.IntN(n) + 1
		w := st[p-1].World
		if w == nil || !st[p-1].Up {
			continue
		}
		var rivals []int
		for q := 1; q <= n; q++ {
			if q != p && w.Alive(q) {
				rivals = append(rivals, q)
			}
		}
		switch {
		case !w.Alive(p):
		case len(rivals) == 0:
			clients[p-1].NewGame(p)
		default:
			clients[p-1].Attack(p, p, rivals[rng.IntN(len(rivals))])
		}
	}
}

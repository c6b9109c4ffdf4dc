package bench

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/raftian/raftian/command"
	"github.com/raftian/raftian/config"
	"github.com/raftian/raftian/node"
)

// frames: the window's frame build time (CPU, before raylib presents the
// frame) and whole frame time, idle and during a fault storm with
// auto-play and the message view on.
func (b *bench) frames() error {
	if b.opts.Window == nil {
		b.add(Row{Figure: "frame build", Target: "p99 ≤ 2 ms; storm ≤ 1.2 × idle", Note: "not measured: no display"})
		b.add(Row{Figure: "frame time under Xvfb", Target: "storm ≤ 1.2 × idle", Note: "not measured: no display"})
		return nil
	}
	d := time.Duration(b.n(3, 10)) * time.Second
	b.logf("frames: %v idle, %v storm", d, d)
	c, stop, err := b.start(config.StorageMemory, node.Options{Record: true}, "")
	if err != nil {
		return err
	}
	defer stop()
	idleBuild, idleFrame := b.measure(c, d, false)
	quit := make(chan struct{})
	done := make(chan struct{})
	go func() { storm(c, quit); close(done) }()
	stormBuild, stormFrame := b.measure(c, d, true)
	close(quit)
	<-done

	ib, sb := percentile(idleBuild, 99), percentile(stormBuild, 99)
	b.add(Row{Figure: "frame build, idle", P50: f(percentile(idleBuild, 50)), P99: f(ib), Unit: "ms",
		Target: "p99 ≤ 2 ms", Met: t(ib <= 2), Note: fmt.Sprintf("%d frames", len(idleBuild))})
	b.add(Row{Figure: "frame build, storm", P50: f(percentile(stormBuild, 50)), P99: f(sb), Unit: "ms",
		Reference: f(ib), Ratio: f(sb / ib), Target: "p99 ≤ 2 ms; ≤ 1.2 × idle", Met: t(sb <= 2 && sb <= 1.2*ib),
		Note: fmt.Sprintf("%d frames; reference: idle p99", len(stormBuild))})
	iframe, sframe := percentile(idleFrame, 50), percentile(stormFrame, 50)
	b.add(Row{Figure: "frame time, idle", P50: f(iframe), P99: f(percentile(idleFrame, 99)), Unit: "ms",
		Target: "–", Note: "whole frame, 60 FPS cap"})
	b.add(Row{Figure: "frame time, storm", P50: f(sframe), P99: f(percentile(stormFrame, 99)), Unit: "ms",
		Reference: f(iframe), Ratio: f(sframe / iframe), Target: "≤ 1.2 × idle", Met: t(sframe <= 1.2*iframe)})
	return nil
}

// measure runs the window on c for a quarter of d to warm up and then
// for d, and returns every frame's build time and whole time after the
// warm-up.
func (b *bench) measure(c *node.Cluster, d time.Duration, busy bool) (build, frame []time.Duration) {
	stop := make(chan struct{})
	timer := time.AfterFunc(d+d/4, func() { close(stop) })
	defer timer.Stop()
	warm := time.Now().Add(d / 4)
	first := true
	b.opts.Window(c, stop, busy, func(f, bt time.Duration) {
		if time.Now().Before(warm) {
			return
		}
		if first { // its frame time spans the warm-up's last frame
			first = false
			return
		}
		frame, build = append(frame, f), append(build, bt)
	})
	return build, frame
}

// storm injects a fault every 300 ms until quit: crashes (the leader
// too), restarts, isolations, partitions and heals.
func storm(c *node.Cluster, quit <-chan struct{}) {
	rng := rand.New(rand.NewPCG(1, 2))
	n := c.Size()
	presets := command.Presets(n)
	for {
		select {
		case <-quit:
			c.Mend(10*time.Second, nil)
			return
		case <-time.After(300 * time.Millisecond):
		}
		r := rng.IntN(n) + 1
		switch rng.IntN(6) {
		case 0:
			if l := c.Leader(); l != 0 {
				c.Crash(l)
			}
		case 1:
			for i := 1; i <= n; i++ {
				c.Restart(i)
			}
		case 2:
			c.Isolate(r)
		case 3:
			c.Partition(presets[rng.IntN(len(presets))])
		case 4:
			c.Rejoin(r)
		default:
			c.Heal()
		}
	}
}

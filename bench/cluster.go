package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/raftian/raftian/config"
	"github.com/raftian/raftian/node"
	"github.com/raftian/raftian/world"
)

// start starts a game cluster (or, with engine set, a bare one) on fresh
// storage of the given kind.
func (b *bench) start(storage string, opts node.Options, engine string) (*node.Cluster, func(), error) {
	cfg := b.cfg
	cfg.Storage = storage
	cleanup := func() {}
	if storage == config.StorageDisk {
		dir, err := os.MkdirTemp("", "raftian-bench-")
		if err != nil {
			return nil, nil, err
		}
		cfg.DataDir = dir
		cleanup = func() { os.RemoveAll(dir) }
	}
	var c *node.Cluster
	var err error
	if engine != "" {
		c, err = node.StartEngine(cfg, engine)
	} else {
		c, err = node.Start(cfg, opts)
	}
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	if _, err := waitLeader(c, 20*time.Second); err != nil {
		c.Close()
		cleanup()
		return nil, nil, err
	}
	return c, func() { c.Close(); cleanup() }, nil
}

func waitLeader(c *node.Cluster, timeout time.Duration) (int, error) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if l, ok := c.LeaderAgreed(); ok {
			return l, nil
		}
		time.Sleep(2 * time.Millisecond)
	}
	return 0, errors.New("no leader")
}

// applyWaiter tells when every replica has applied a command.
type applyWaiter struct {
	mu      sync.Mutex
	n       int
	waiting map[world.ID]*applied
}

type applied struct {
	count int
	done  chan struct{}
}

func newApplyWaiter(n int) *applyWaiter {
	return &applyWaiter{n: n, waiting: map[world.ID]*applied{}}
}

func (a *applyWaiter) expect(id world.ID) <-chan struct{} {
	a.mu.Lock()
	defer a.mu.Unlock()
	w := &applied{done: make(chan struct{})}
	a.waiting[id] = w
	return w.done
}

func (a *applyWaiter) onApply(_ int, r world.Result) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if w, ok := a.waiting[r.ID]; ok {
		w.count++
		if w.count == a.n {
			close(w.done)
			delete(a.waiting, r.ID)
		}
	}
}

// latency: an attack proposed through a follower until every replica has
// applied it, against a bare SyncPropose on the leader of a no-op shard.
func (b *bench) latency() error {
	samples := b.n(200, 1000)
	targets := map[string]string{config.StorageDisk: "p50 ≤ 4 ms, p99 ≤ 15 ms", config.StorageMemory: "p50 ≤ 1 ms, p99 ≤ 3 ms"}
	limits := map[string][2]float64{config.StorageDisk: {4, 15}, config.StorageMemory: {1, 3}}
	for _, storage := range []string{config.StorageMemory, config.StorageDisk} {
		b.logf("latency, %s: %d samples", storage, samples)
		aw := newApplyWaiter(len(b.cfg.Players))
		c, stop, err := b.start(storage, node.Options{OnApply: aw.onApply}, "")
		if err != nil {
			return err
		}
		leader, _ := c.LeaderAgreed()
		via := leader%c.Size() + 1
		cl := c.NewClient()
		var lat []time.Duration
		for i := 0; i < samples; i++ {
			// A new game every so often keeps the cities alive.
			id := cl.NextID()
			cmd := world.Attack(id, via, via%c.Size()+1)
			if i%4 == 3 {
				cmd = world.NewGame(id)
			}
			done := aw.expect(id)
			t0 := time.Now()
			if o := cl.Propose(via, cmd).Wait(); !o.OK {
				stop()
				return fmt.Errorf("latency: attack failed: %s", o.Err)
			}
			<-done
			lat = append(lat, time.Since(t0))
		}
		// The same through the leader, until it is applied there: the part
		// of the path that is ours (world, encoding, ticket) and no hops.
		var own []time.Duration
		for i := 0; i < samples/2; i++ {
			o := cl.NewGame(leader).Wait()
			if !o.OK {
				stop()
				return fmt.Errorf("latency: new game failed: %s", o.Err)
			}
			own = append(own, o.Took)
		}
		stop()

		ref, err := b.engineLatency(storage, samples)
		if err != nil {
			return err
		}
		p50, p99 := percentile(lat, 50), percentile(lat, 99)
		lim := limits[storage]
		b.add(Row{Figure: "attack commit latency, " + storage, P50: f(p50), P99: f(p99), Unit: "ms",
			Reference: f(ref), Ratio: f(p50 / ref), Target: targets[storage], Met: t(p50 <= lim[0] && p99 <= lim[1]),
			Note: "via a follower, applied on all 5; reference: bare SyncPropose on the leader"})
		b.add(Row{Figure: "overhead over the engine, " + storage, P50: f(p50), Unit: "ms", Reference: f(ref),
			Ratio: f(p50 / ref), Target: "≤ 1.3×", Met: t(p50/ref <= 1.3)})
		o50 := percentile(own, 50)
		b.add(Row{Figure: "  same path as the engine, " + storage, P50: f(o50), P99: f(percentile(own, 99)), Unit: "ms",
			Reference: f(ref), Ratio: f(o50 / ref), Target: "≤ 1.3×", Met: t(o50/ref <= 1.3),
			Note: "via the leader, applied there: the game's own overhead"})
	}
	return nil
}

// engineLatency is the p50 of sequential SyncPropose on the leader of a
// no-op shard over our transport.
func (b *bench) engineLatency(storage string, samples int) (float64, error) {
	c, stop, err := b.start(storage, node.Options{}, "tcp")
	if err != nil {
		return 0, err
	}
	defer stop()
	leader, _ := c.LeaderAgreed()
	var lat []time.Duration
	for i := 0; i < samples; i++ {
		t0 := time.Now()
		if err := c.ProposeRaw(leader, []byte("x")); err != nil {
			return 0, fmt.Errorf("engine latency: %w", err)
		}
		lat = append(lat, time.Since(t0))
	}
	return percentile(lat, 50), nil
}

// load runs workers proposing through propose until d has passed and
// returns how many committed per second.
func load(workers int, d time.Duration, propose func(worker int) bool) float64 {
	var ok atomic.Int64
	var wg sync.WaitGroup
	end := time.Now().Add(d)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(end) {
				if propose(w) {
					ok.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	return float64(ok.Load()) / d.Seconds()
}

// perPlayer is how many concurrent proposers each player runs.
const perPlayer = 16

// throughput: all five players attack concurrently through their own
// replicas.
func (b *bench) throughput() error {
	d := time.Duration(b.n(2, 5)) * time.Second
	targets := map[string]float64{config.StorageDisk: 10_000, config.StorageMemory: 30_000}
	for _, storage := range []string{config.StorageMemory, config.StorageDisk} {
		b.logf("throughput, %s: %v", storage, d)
		c, stop, err := b.start(storage, node.Options{}, "")
		if err != nil {
			return err
		}
		n := c.Size()
		clients := make([]*node.Client, n*perPlayer)
		for i := range clients {
			clients[i] = c.NewClient()
		}
		rate := load(len(clients), d, func(w int) bool {
			p := w%n + 1
			return clients[w].Attack(p, p, p%n+1).Wait().OK
		})
		stop()
		b.add(Row{Figure: "throughput, " + storage, Rate: f(rate), Unit: "attacks/s",
			Target: fmt.Sprintf("≥ %.0fk/s", targets[storage]/1000), Met: t(rate >= targets[storage]),
			Note: fmt.Sprintf("%d proposers per player", perPlayer)})
	}
	return nil
}

// transport: the same load on a bare shard over our TCP transport and
// over dragonboat's in-memory plugin/chan.
func (b *bench) transport() error {
	d := time.Duration(b.n(2, 5)) * time.Second
	rates := map[string]float64{}
	for _, tr := range []string{"tcp", "chan"} {
		b.logf("transport %s: %v", tr, d)
		c, stop, err := b.start(config.StorageMemory, node.Options{}, tr)
		if err != nil {
			return err
		}
		n := c.Size()
		rates[tr] = load(n*perPlayer, d, func(w int) bool { return c.ProposeRaw(w%n+1, []byte("x")) == nil })
		stop()
	}
	ratio := rates["tcp"] / rates["chan"]
	b.add(Row{Figure: "transport efficiency", Rate: f(rates["tcp"]), Unit: "proposals/s", Reference: f(rates["chan"]),
		Ratio: f(ratio), Target: "≥ 0.8×", Met: t(ratio >= 0.8), Note: "our TCP vs plugin/chan, no-op state machine, memory"})
	return nil
}

// failover: crash the leader, until a new one is agreed and the next
// attack has committed.
func (b *bench) failover() error {
	trials := b.n(5, 20)
	b.logf("failover: %d trials", trials)
	c, stop, err := b.start(config.StorageMemory, node.Options{}, "")
	if err != nil {
		return err
	}
	defer stop()
	cl := c.NewClient()
	var times []time.Duration
	for i := 0; i < trials; i++ {
		leader, err := waitLeader(c, 20*time.Second)
		if err != nil {
			return err
		}
		t0 := time.Now()
		c.Crash(leader)
		via := leader%c.Size() + 1
		for !cl.Attack(via, via, leader).Wait().OK {
		}
		times = append(times, time.Since(t0))
		c.Restart(leader)
		if !waitConverged(c, 20*time.Second) {
			return errors.New("failover: no convergence after restart")
		}
	}
	timeout := float64(b.cfg.Raft.ElectionRTT * b.cfg.Raft.RTTMillisecond)
	p50 := percentile(times, 50)
	b.add(Row{Figure: "failover", P50: f(p50), P99: f(percentile(times, 99)), Unit: "ms", Reference: f(timeout),
		Ratio: f(p50 / timeout), Target: fmt.Sprintf("p50 ≤ 1.5 × election timeout (%.0f ms)", 1.5*timeout),
		Met: t(p50 <= 1.5*timeout), Note: fmt.Sprintf("%d trials; reference: election timeout", trials)})
	return nil
}

func waitConverged(c *node.Cluster, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if _, ok := c.LeaderAgreed(); ok && c.Converged() {
			return true
		}
		time.Sleep(2 * time.Millisecond)
	}
	return false
}

// heal: a follower isolated for a while under load catches up after the
// heal: its applied index reaches the leader's at the moment of healing.
func (b *bench) heal() error {
	trials, cut := b.n(2, 5), time.Duration(b.n(2, 5))*time.Second
	b.logf("heal: %d trials, %v isolated each", trials, cut)
	c, stop, err := b.start(config.StorageMemory, node.Options{}, "")
	if err != nil {
		return err
	}
	defer stop()
	var times []time.Duration
	for i := 0; i < trials; i++ {
		leader, err := waitLeader(c, 20*time.Second)
		if err != nil {
			return err
		}
		lone := leader%c.Size() + 1
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for w := 0; w < 8; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				cl := c.NewClient()
				for ctx.Err() == nil {
					cl.Attack(leader, leader, lone).Wait()
					cl.NewGame(leader).Wait()
				}
			}()
		}
		c.Isolate(lone)
		time.Sleep(cut)
		target := c.Status()[leader-1].Applied
		t0 := time.Now()
		c.Heal()
		for c.Status()[lone-1].Applied < target {
			time.Sleep(200 * time.Microsecond)
		}
		times = append(times, time.Since(t0))
		cancel()
		wg.Wait()
	}
	p50 := percentile(times, 50)
	b.add(Row{Figure: "heal", P50: f(p50), P99: f(percentile(times, 99)), Unit: "ms", Target: "p50 ≤ 100 ms",
		Met: t(p50 <= 100), Note: fmt.Sprintf("follower isolated %v under load, %d trials", cut, trials)})
	return nil
}

// catchUp: a follower down while many attacks commit is restarted; it
// must catch up (by snapshot) quickly.
func (b *bench) catchUp() error {
	missed := b.n(3000, 10000)
	b.logf("catch-up: %d missed attacks", missed)
	c, stop, err := b.start(config.StorageMemory, node.Options{}, "")
	if err != nil {
		return err
	}
	defer stop()
	leader, _ := c.LeaderAgreed()
	down := leader%c.Size() + 1
	c.Crash(down)
	var sent atomic.Int64
	clients := make([]*node.Client, 32)
	for i := range clients {
		clients[i] = c.NewClient()
	}
	var wg sync.WaitGroup
	for w := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for sent.Add(1) <= int64(missed) {
				if w%2 == 0 {
					clients[w].NewGame(leader).Wait()
				} else {
					clients[w].Attack(leader, leader, down).Wait()
				}
			}
		}()
	}
	wg.Wait()
	_, seq, _ := c.Events().Since(0, nil)
	t0 := time.Now()
	if err := c.Restart(down); err != nil {
		return err
	}
	if !waitConverged(c, 30*time.Second) {
		return errors.New("catch-up: no convergence")
	}
	took := time.Since(t0)
	evs, _, _ := c.Events().Since(seq, nil)
	bySnapshot := false
	for _, e := range evs {
		bySnapshot = bySnapshot || (e.Type == node.EvSnapshot && e.Dir == "received" && e.To == down)
	}
	note := fmt.Sprintf("%d attacks missed", missed)
	if bySnapshot {
		note += ", caught up by snapshot"
	}
	b.add(Row{Figure: "catch-up", P50: f(ms(took)), Unit: "ms", Target: "≤ 1 s", Met: t(took <= time.Second), Note: note})
	return nil
}

// memory: the RSS of a fresh raftian process with five idle replicas, then
// of this process (before any other figure) after 100k attacks and after
// 100k more: snapshots and compaction must keep it flat. RSS is read after
// a GC has returned free memory to the OS.
func (b *bench) memory() error {
	idle, err := b.idleRSS()
	if err != nil {
		return err
	}
	batch := b.n(20_000, 100_000)
	b.logf("memory: %d + %d attacks", batch, batch)
	c, stop, err := b.start(config.StorageDisk, node.Options{}, "")
	if err != nil {
		return err
	}
	defer stop()
	n := c.Size()
	clients := make([]*node.Client, n*perPlayer)
	for i := range clients {
		clients[i] = c.NewClient()
	}
	run := func() float64 {
		var sent atomic.Int64
		var wg sync.WaitGroup
		for w := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				p := w%n + 1
				for sent.Add(1) <= int64(batch) {
					clients[w].Attack(p, p, p%n+1).Wait()
				}
			}()
		}
		wg.Wait()
		debug.FreeOSMemory()
		return rss(os.Getpid())
	}
	first := run()
	second := run()
	b.add(Row{Figure: "memory, idle", Rate: f(idle), Unit: "MB", Target: "≤ 100 MB", Met: t(idle <= 100),
		Note: "RSS of a fresh headless raftian, five replicas, disk"})
	b.add(Row{Figure: fmt.Sprintf("memory, after %dk attacks", batch/1000), Rate: f(first), Unit: "MB",
		Target: "≤ 200 MB", Met: t(first <= 200), Note: "disk"})
	b.add(Row{Figure: fmt.Sprintf("memory, after %dk more", batch/1000), Rate: f(second), Unit: "MB",
		Reference: f(first), Ratio: f(second / first), Target: "flat (≤ 1.1×)", Met: t(second <= 1.1*first)})
	return nil
}

// rss returns a process's resident set size in MB.
func rss(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			kb, _ := strconv.ParseFloat(strings.Fields(line)[1], 64)
			return kb / 1024
		}
	}
	return 0
}

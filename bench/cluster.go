package bench

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/raftian/raftian/cluster"
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
	if _, ok := c.WaitLeader(20 * time.Second); !ok {
		c.Close()
		cleanup()
		return nil, nil, errors.New("no leader")
	}
	return c, func() { c.Close(); cleanup() }, nil
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

// expect returns a channel closed once every replica has applied id,
// which may have happened already.
func (a *applyWaiter) expect(id world.ID) <-chan struct{} {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.entry(id).done
}

func (a *applyWaiter) entry(id world.ID) *applied {
	w, ok := a.waiting[id]
	if !ok {
		w = &applied{done: make(chan struct{})}
		a.waiting[id] = w
	}
	return w
}

func (a *applyWaiter) onApply(_ int, r world.Result) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if w := a.entry(r.ID); w.count < a.n {
		w.count++
		if w.count == a.n {
			close(w.done)
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
			cmd := world.Command{Kind: world.KindAttack, From: via, To: via%c.Size() + 1}
			if i%4 == 3 {
				cmd = world.Command{Kind: world.KindNewGame}
			}
			t0 := time.Now()
			o := cl.Propose(via, cmd).Wait()
			if !o.OK {
				stop()
				return fmt.Errorf("latency: attack failed: %s", o.Err)
			}
			<-aw.expect(o.Command.ID)
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
		rate := playersAttack(c, d)
		stop()
		b.add(Row{Figure: "throughput, " + storage, Rate: f(rate), Unit: "attacks/s",
			Target: fmt.Sprintf("≥ %.0fk/s", targets[storage]/1000), Met: t(rate >= targets[storage]),
			Note: fmt.Sprintf("%d proposers per player", perPlayer)})
	}
	return nil
}

// playersAttack is the throughput load for d: every player attacks the
// next through its own replica, perPlayer proposers each pipelined in one
// client's session. It returns the attacks committed a second.
func playersAttack(c *node.Cluster, d time.Duration) float64 {
	n := c.Size()
	clients := make([]cluster.Proposer, n)
	for i := range clients {
		clients[i] = c.NewClient()
	}
	return load(n*perPlayer, d, func(w int) bool {
		p := w%n + 1
		return clients[w%n].Attack(p, p, p%n+1).Wait().OK
	})
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

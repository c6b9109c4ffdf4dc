// Package chaos tests the real cluster the way the field does: clients
// propose attacks and read the world through random replicas while a
// nemesis crashes, restarts, isolates and partitions replicas and makes
// links lossy and slow. Afterwards everything is healed and the history is
// checked: convergence, exactly-once application, linearizability (with
// Porcupine) and the Raft paper's safety properties.
package chaos

import (
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/raftian/raftian/cluster"
	"github.com/raftian/raftian/config"
	"github.com/raftian/raftian/internal/every"
	"github.com/raftian/raftian/node"
	"github.com/raftian/raftian/world"
)

// Options say how long and how hard to shake the cluster.
type Options struct {
	Seed     uint64        // the nemesis' and clients' random seed
	Duration time.Duration // how long clients and nemesis run
	Clients  int           // concurrent clients; 0 means 4
	// Pipeline is how many proposals each client keeps in flight at once,
	// through different replicas, as users do (clicks, nowait, auto-play);
	// 0 means 4. (Porcupine's search grows steeply with concurrency: at 4
	// clients × 8 it gave up after a minute on some 2,000-operation runs.)
	Pipeline int
	Out      io.Writer // where the report goes
	// Progress, when not nil, gets a line every few seconds while the
	// faults run: how far, how many faults and attacks so far.
	Progress io.Writer
	// Observe, if not "", is where the run's record (package record) is
	// written. A run that fails a check writes it anyway, to a temporary
	// file if Observe is "", and says where.
	Observe string
}

// Result sums up a run.
type Result struct {
	Faults, Attacks, Acked int
	Failed                 []string // the checks that failed, with why
	// Worlds are the replicas' worlds at the end, [i-1] for replica i: the
	// index last applied and the world's hash.
	Worlds []Final
}

// Final is where a replica's world ended.
type Final struct {
	Applied uint64
	Hash    string
}

// Run runs one chaos test on a fresh cluster made from cfg and writes one
// line per check and a summary line to opts.Out.
func Run(cfg config.Config, opts Options) (Result, error) {
	if opts.Clients == 0 {
		opts.Clients = 4
	}
	if opts.Pipeline == 0 {
		opts.Pipeline = 4
	}
	if cfg.Storage == config.StorageDisk {
		dir, err := os.MkdirTemp("", "raftian-chaos-")
		if err != nil {
			return Result{}, err
		}
		defer os.RemoveAll(dir)
		cfg.DataDir = dir
	}
	rec := newRecorder(len(cfg.Players))
	c, err := node.Start(cfg, node.Options{OnApply: rec.applied, Record: true})
	if err != nil {
		return Result{}, err
	}
	defer c.Close()
	fmt.Fprintf(opts.Out, "chaos: seed=%d duration=%v storage=%s clients=%d pipeline=%d replicas=%d\n",
		opts.Seed, opts.Duration, cfg.Storage, opts.Clients, opts.Pipeline, c.Size())

	watch := startWatcher(c)
	stop := make(chan struct{})
	gate := startGate(stop)
	var wg sync.WaitGroup
	for i := 0; i < opts.Clients; i++ {
		// One session per client, shared by its pipeline: its proposals
		// are in flight together and may commit in any order.
		cl := c.NewClient()
		for j := 0; j < opts.Pipeline; j++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				lane := i*opts.Pipeline + j
				rng := rand.New(rand.NewPCG(opts.Seed, uint64(lane+1)))
				client(c, cl, rec, lane, opts.Pipeline, rng, gate, stop)
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			burster(c, cl, rec, i, rand.New(rand.NewPCG(opts.Seed, uint64(1000+i))), gate, stop)
		}()
	}
	var injected atomic.Int64
	progress := reportProgress(opts, rec, &injected)
	members := &memberCheck{}
	faults := nemesis(c, rec, members, rand.New(rand.NewPCG(opts.Seed, 0)), opts.Duration, &injected)
	progress.Stop()
	close(stop)
	wg.Wait()
	gate.wait()

	// Make everything whole again and let the replicas catch up.
	c.Mend(60*time.Second, nil)
	converged := c.WaitConverged(60 * time.Second)
	watch.stop()

	res := Result{Faults: len(faults)}
	res.Attacks, res.Acked = rec.counts()
	for _, st := range c.Status() {
		if st.World != nil {
			res.Worlds = append(res.Worlds, Final{Applied: st.Applied, Hash: st.World.Hash()})
		}
	}
	checks := []check{
		{"convergence", func() (string, error) { return convergence(c, converged) }},
		{"state-machine-safety", rec.stateMachineSafety},
		{"exactly-once", rec.exactlyOnce},
		{"leader-completeness", func() (string, error) { return rec.leaderCompleteness(c) }},
		{"linearizability", func() (string, error) { return rec.linearizable(opts.Seed) }},
		{"election-safety", watch.electionSafety},
		{"terms-monotonic", watch.termsMonotonic},
		{"membership", func() (string, error) { return members.check(c) }},
	}
	for _, ch := range checks {
		detail, err := ch.run()
		if err != nil {
			fmt.Fprintf(opts.Out, "check %s: FAILED: %v\n", ch.name, err)
			res.Failed = append(res.Failed, ch.name+": "+err.Error())
			continue
		}
		fmt.Fprintf(opts.Out, "check %s: passed (%s)\n", ch.name, detail)
	}
	verdict := "passed"
	if len(res.Failed) > 0 {
		verdict = fmt.Sprintf("FAILED: %v", res.Failed)
		fmt.Fprintln(opts.Out, "the faults injected:")
		for _, f := range faults {
			fmt.Fprintln(opts.Out, "  "+f)
		}
	}
	if opts.Observe != "" || len(res.Failed) > 0 {
		path, err := saveRecord(c, opts.Observe)
		if err != nil {
			fmt.Fprintf(opts.Out, "the run's record could not be written: %v\n", err)
		} else {
			fmt.Fprintf(opts.Out, "the run's record: %s (watch it step by step: raftian view %s)\n", path, path)
		}
	}
	fmt.Fprintf(opts.Out, "faults by kind: %s\n", byKind(faults))
	fmt.Fprintf(opts.Out, "chaos: seed=%d faults=%d attacks=%d acked=%d checks=%s\n",
		opts.Seed, res.Faults, res.Attacks, res.Acked, verdict)
	return res, nil
}

// saveRecord writes the cluster's record to path, or to a new temporary
// file if path is "", and returns where.
func saveRecord(c *node.Cluster, path string) (string, error) {
	var f *os.File
	var err error
	if path == "" {
		f, err = os.CreateTemp("", "raftian-chaos-*.jsonl.gz")
	} else {
		f, err = os.Create(path)
	}
	if err != nil {
		return "", err
	}
	if err := c.Recorder().Save(f); err != nil {
		f.Close()
		return "", err
	}
	return f.Name(), f.Close()
}

const progressEvery = 5 * time.Second

// reportProgress writes a line every progressEvery, if opts ask for it:
// how far the run is, and how many faults and attacks so far.
func reportProgress(opts Options, rec *recorder, faults *atomic.Int64) *every.Loop {
	if opts.Progress == nil {
		return nil
	}
	start := time.Now()
	return every.Start(progressEvery, func() {
		attacks, acked := rec.counts()
		fmt.Fprintf(opts.Progress, "chaos: %v of %v: %d faults, %d attacks, %d acknowledged\n",
			time.Since(start).Round(time.Second), opts.Duration, faults.Load(), attacks, acked)
	})
}

type check struct {
	name string
	run  func() (string, error)
}

func convergence(c *node.Cluster, ok bool) (string, error) {
	var st []cluster.Status
	for _, s := range c.Status() {
		if s.Removed {
			continue // stopped for good
		}
		if !s.Up {
			return "", fmt.Errorf("replica %d is down after the heal", s.ID)
		}
		st = append(st, s)
	}
	if !ok {
		desc := ""
		for _, s := range st {
			desc += fmt.Sprintf(" [%d: applied %d hash %s]", s.ID, s.Applied, s.World.Hash())
		}
		return "", fmt.Errorf("replicas did not converge within 60 s:%s", desc)
	}
	return fmt.Sprintf("%d replicas at applied index %d, world %s", len(st), st[0].Applied, st[0].World.Hash()), nil
}

// client is one lane of a client's pipeline: it proposes attacks and new
// games under the client's session and reads the world through random
// replicas until stop, one operation at a time; the other lanes of the
// same session run at the same time. Lanes pause longer the more there
// are, so that the history stays small enough to check.
func client(c *node.Cluster, cl cluster.Proposer, rec *recorder, id, lanes int, rng *rand.Rand, gate *gate, stop <-chan struct{}) {
	n := c.Size()
	for {
		select {
		case <-stop:
			return
		case <-time.After(time.Duration(rng.IntN(15*lanes)) * time.Millisecond):
		}
		via := rng.IntN(n) + 1
		gate.enter()
		switch k := rng.IntN(100); {
		case k < 25:
			start := time.Now()
			w, err := c.Read(via)
			if err == nil {
				rec.read(id, start, time.Now(), hpOf(w))
			}
		case k < 30:
			start := time.Now()
			rec.proposed(id, start, cl.NewGame(via).Wait())
		default:
			from := rng.IntN(n) + 1
			to := rng.IntN(n-1) + 1
			if to >= from {
				to++
			}
			start := time.Now()
			rec.proposed(id, start, cl.Attack(via, from, to).Wait())
		}
		gate.leave()
	}
}

// burster fires bursts of proposals into a client's session, as a script
// of "attack ... nowait" lines or a player clicking fast does: dozens in
// flight at once through random replicas, committing in any order, mixed
// with the session's other lanes. They are self-attacks, which the rules
// refuse, so that they leave the cities alone and the linearizability
// check can leave them out; exactly-once checks them like any command.
func burster(c *node.Cluster, cl cluster.Proposer, rec *recorder, id int, rng *rand.Rand, gate *gate, stop <-chan struct{}) {
	n := c.Size()
	for {
		select {
		case <-stop:
			return
		case <-time.After(time.Duration(1000+rng.IntN(2000)) * time.Millisecond):
		}
		size := 30 + rng.IntN(120)
		gate.enter()
		start := time.Now()
		tickets := make([]*cluster.Ticket, size)
		for k := range tickets {
			p := rng.IntN(n) + 1
			tickets[k] = cl.Attack(rng.IntN(n)+1, p, p)
		}
		for _, t := range tickets {
			rec.proposed(-1-id, start, t.Wait())
		}
		gate.leave()
	}
}

// gate makes the clients drain now and then: every drainEvery it lets
// every operation under way end and starts none for a moment, so that the
// history has quiet points where the linearizability check may cut it.
type gate struct {
	mu   sync.RWMutex
	done chan struct{}
}

const drainEvery = 3 * time.Second

func startGate(stop <-chan struct{}) *gate {
	g := &gate{done: make(chan struct{})}
	go func() {
		defer close(g.done)
		for {
			select {
			case <-stop:
				return
			case <-time.After(drainEvery):
			}
			g.mu.Lock() // waits for every operation under way
			time.Sleep(time.Millisecond)
			g.mu.Unlock()
		}
	}()
	return g
}

func (g *gate) enter() { g.mu.RLock() }
func (g *gate) leave() { g.mu.RUnlock() }
func (g *gate) wait()  { <-g.done }

func hpOf(w *world.World) state {
	s := state{n: w.Players()}
	for p := 1; p <= w.Players(); p++ {
		s.hp[p-1] = w.HP(p)
		if w.Left(p) {
			s.left |= 1 << (p - 1)
		}
	}
	return s
}

// byKind counts the faults by their command's name: "crash 6, heal 2".
func byKind(faults []string) string {
	count := map[string]int{}
	for _, f := range faults {
		if words := strings.Fields(f); len(words) > 1 {
			count[words[1]]++
		}
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(count)) {
		parts = append(parts, fmt.Sprintf("%s %d", k, count[k]))
	}
	return strings.Join(parts, ", ")
}

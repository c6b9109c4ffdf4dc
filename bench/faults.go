package bench

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/raftian/raftian/cluster"
	"github.com/raftian/raftian/config"
	"github.com/raftian/raftian/node"
	"github.com/raftian/raftian/record"
)

// failover: crash the leader, until a new one is agreed and the next
// attack has committed; and in the same run, leadership handed over on
// purpose (transfer), until the next attack has committed.
func (b *bench) failover() error {
	trials := b.n(5, 20)
	b.logf("failover: %d trials", trials)
	c, stop, err := b.start(config.StorageMemory, node.Options{}, "")
	if err != nil {
		return err
	}
	defer stop()
	cl := c.NewClient()
	var times, transfers []time.Duration
	for i := 0; i < trials; i++ {
		leader, ok := c.WaitLeader(20 * time.Second)
		if !ok {
			return errors.New("no leader")
		}
		t0 := time.Now()
		c.Crash(leader)
		via := leader%c.Size() + 1
		for !cl.Attack(via, via, leader).Wait().OK {
		}
		times = append(times, time.Since(t0))
		c.Restart(leader)
		if !c.WaitConverged(20 * time.Second) {
			return errors.New("failover: no convergence after restart")
		}
		from, _ := c.WaitLeader(20 * time.Second)
		target := from%c.Size() + 1
		t0 = time.Now()
		if _, _, err := c.Transfer(target, 20*time.Second); err != nil {
			return fmt.Errorf("failover: %w", err)
		}
		for !cl.Attack(target, target, from).Wait().OK {
		}
		transfers = append(transfers, time.Since(t0))
	}
	timeout := float64(b.cfg.Raft.ElectionRTT * b.cfg.Raft.RTTMillisecond)
	p50 := percentile(times, 50)
	b.add(Row{Figure: "failover", P50: f(p50), P99: f(percentile(times, 99)), Unit: "ms", Reference: f(timeout),
		Ratio: f(p50 / timeout), Target: fmt.Sprintf("p50 ≤ 1.5 × election timeout (%.0f ms)", 1.5*timeout),
		Met: t(p50 <= 1.5*timeout), Note: fmt.Sprintf("%d trials; reference: election timeout", trials)})
	tp50 := percentile(transfers, 50)
	b.add(Row{Figure: "leader transfer", P50: f(tp50), P99: f(percentile(transfers, 99)), Unit: "ms", Reference: f(p50),
		Ratio: f(tp50 / p50), Target: "p50 < failover p50 (no election timeout to wait out)",
		Met: t(tp50 < p50), Note: fmt.Sprintf("%d trials, same cluster; reference: failover p50", trials)})
	return nil
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
		leader, ok := c.WaitLeader(20 * time.Second)
		if !ok {
			return errors.New("no leader")
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
	// Recorded, as the program always runs: the record says whether the
	// replica caught up by snapshot.
	c, stop, err := b.start(config.StorageMemory, node.Options{Record: true}, "")
	if err != nil {
		return err
	}
	defer stop()
	leader, _ := c.LeaderAgreed()
	down := leader%c.Size() + 1
	c.Crash(down)
	var sent atomic.Int64
	clients := make([]cluster.Proposer, 32)
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
	_, seq := c.Recorder().Bounds()
	t0 := time.Now()
	if err := c.Restart(down); err != nil {
		return err
	}
	if !c.WaitConverged(30 * time.Second) {
		return errors.New("catch-up: no convergence")
	}
	took := time.Since(t0)
	_, next := c.Recorder().Bounds()
	bySnapshot := false
	for _, o := range c.Recorder().Read(seq, int(next-seq), nil) {
		bySnapshot = bySnapshot || (o.Kind == record.Restore && int(o.Node) == down)
	}
	note := fmt.Sprintf("%d attacks missed", missed)
	if bySnapshot {
		note += ", caught up by snapshot"
	}
	b.add(Row{Figure: "catch-up", P50: f(ms(took)), Unit: "ms", Target: "≤ 1 s", Met: t(took <= time.Second), Note: note})
	return nil
}

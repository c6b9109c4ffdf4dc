package bench

import (
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/raftian/raftian/cluster"
	"github.com/raftian/raftian/config"
	"github.com/raftian/raftian/node"
)

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
	// One client per player, its proposers pipelined in one session.
	clients := make([]cluster.Proposer, n)
	for i := range clients {
		clients[i] = c.NewClient()
	}
	run := func() float64 {
		var sent atomic.Int64
		var wg sync.WaitGroup
		for w := 0; w < n*perPlayer; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				p := w%n + 1
				for sent.Add(1) <= int64(batch) {
					clients[w%n].Attack(p, p, p%n+1).Wait()
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

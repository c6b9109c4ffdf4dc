package node

import (
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/raftian/raftian/config"
	"github.com/raftian/raftian/internal/testenv"
)

// testConfig is testenv.Config: fast timing, free ports, a temporary dir.
func testConfig(t *testing.T, storage string) config.Config { return testenv.Config(t, storage) }

// startCluster starts a cluster that keeps a record, closes it when the
// test ends, then checks that no goroutine it started is left behind.
func startCluster(t *testing.T, cfg config.Config, opts Options) *Cluster {
	t.Helper()
	opts.Record = true // as the program runs: tests read what happened there
	before := runtime.NumGoroutine()
	c, err := Start(cfg, opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		c.Close()
		checkNoLeftovers(t, before)
	})
	return c
}

// checkNoLeftovers waits for the goroutine count to fall back to what it
// was before the cluster started and fails with the leftovers if it does not.
func checkNoLeftovers(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			n := runtime.Stack(buf, true)
			t.Errorf("%d goroutines left after Close (had %d before):\n%s",
				runtime.NumGoroutine(), before, leftovers(string(buf[:n])))
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func leftovers(stacks string) string {
	var keep []string
	for _, g := range strings.Split(stacks, "\n\n") {
		if strings.Contains(g, "testing.") || strings.Contains(g, "runtime.goexit()") && strings.Contains(g, "signal") {
			continue
		}
		keep = append(keep, g)
	}
	return strings.Join(keep, "\n\n")
}

func waitLeader(t *testing.T, c *Cluster) int {
	t.Helper()
	leader, ok := c.WaitLeader(20 * time.Second)
	if !ok {
		t.Fatalf("timed out after 20s waiting for an agreed leader:%s", describe(c))
	}
	return leader
}

func describe(c *Cluster) string {
	var b strings.Builder
	for _, s := range c.Status() {
		fmt.Fprintf(&b, "\n  %d up=%v role=%v term=%d leader=%d commit=%d applied=%d last=%d hash=%s",
			s.ID, s.Up, s.Role, s.Term, s.Leader, s.Commit, s.Applied, s.LastIndex, s.World.Hash())
	}
	return b.String()
}

// logBuffer collects log lines for a test.
type logBuffer struct{ testenv.Buffer }

func (b *logBuffer) count(substr string) int { return strings.Count(b.String(), substr) }

// captureLogs routes the package's log lines to a buffer until the test ends.
func captureLogs(t *testing.T) *logBuffer {
	b := &logBuffer{}
	SetLogger(slog.New(slog.NewTextHandler(b, nil)))
	t.Cleanup(func() { SetLogger(nil) })
	return b
}

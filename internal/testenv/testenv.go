// Package testenv gives tests that start real replicas what they need:
// free loopback ports (tests run in parallel and must not share fixed
// ports) and a fast configuration built from the real config.toml.
package testenv

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/raftian/raftian/config"
	"github.com/raftian/raftian/internal/every"
)

// Addrs returns n distinct free loopback addresses. The n listeners are
// held together until Addrs returns, so the kernel cannot hand out one port
// twice, and released then for the replicas to take.
func Addrs(t testing.TB, n int) []string {
	t.Helper()
	var out []string
	for i := 0; i < n; i++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		out = append(out, ln.Addr().String())
	}
	return out
}

// Config returns the built-in configuration with free loopback ports, a
// temporary data directory, the given storage and fast Raft timing (10 ms
// round trips, snapshots every 200 entries).
func Config(t testing.TB, storage string) config.Config {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	base, err := os.ReadFile(filepath.Join(filepath.Dir(file), "..", "..", "config.toml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse(base, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Storage = storage
	cfg.DataDir = t.TempDir()
	cfg.Raft.RTTMillisecond = 10
	cfg.Raft.SnapshotEntries = 200
	cfg.Raft.CompactionOverhead = 50
	for i, addr := range Addrs(t, len(cfg.Players)) {
		cfg.Players[i].Address = addr
	}
	return cfg
}

// Buffer is a bytes.Buffer that a child process's output goroutine (or a
// logger) and the test can use at once.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// RSS returns a process's resident memory in MB, or 0 if it is gone.
func RSS(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}

// A Watchdog keeps a child process under a memory limit: a test that feeds
// a program huge or endless input must fail if the program swallows it,
// not take the machine's memory with it.
type Watchdog struct {
	mu     sync.Mutex
	peak   float64
	killed bool
	loop   *every.Loop
}

// WatchRSS polls p's resident memory every 10 ms and kills p if it goes
// over limitMB. Stop it with Stop.
func WatchRSS(p *os.Process, limitMB float64) *Watchdog {
	w := &Watchdog{}
	w.loop = every.Start(10*time.Millisecond, func() {
		rss := RSS(p.Pid)
		w.mu.Lock()
		defer w.mu.Unlock()
		w.peak = max(w.peak, rss)
		if rss > limitMB && !w.killed {
			w.killed = true
			p.Kill()
		}
	})
	return w
}

// Peak returns the highest RSS seen so far, and whether the limit was hit.
func (w *Watchdog) Peak() (float64, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.peak, w.killed
}

// Stop stops watching.
func (w *Watchdog) Stop() { w.loop.Stop() }

// WaitFor polls cond until it holds, failing the test after timeout.
func WaitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(timeout); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
	}
}

// Within fails the test if f takes longer than d, and logs how long it took.
func Within(t testing.TB, d time.Duration, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	start := time.Now()
	go func() { f(); close(done) }()
	select {
	case <-done:
		t.Logf("%s took %v", what, time.Since(start).Round(time.Millisecond))
	case <-time.After(d):
		buf := make([]byte, 8<<20)
		buf = buf[:runtime.Stack(buf, true)]
		t.Fatalf("%s did not finish within %v; every goroutine:\n%s", what, d, buf)
	}
}

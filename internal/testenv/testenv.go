// Package testenv gives tests that start real replicas what they need:
// free loopback ports (tests run in parallel and must not share fixed
// ports) and a fast configuration built from the real config.toml.
package testenv

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/raftian/raftian/config"
)

// Addrs returns n distinct free loopback addresses. All n listeners are
// held until the end, so the kernel cannot hand out one port twice.
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

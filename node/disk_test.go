package node

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/raftian/raftian/internal/testenv"
	"github.com/raftian/raftian/node/wire"
)

// The whole program stops and starts again on the same data directory:
// every replica's world is exactly as before.
func TestDiskRestartKeepsTheWorld(t *testing.T) {
	cfg := testConfig(t, "disk")
	c := startCluster(t, cfg, Options{})
	leader := waitLeader(t, c)
	cl := c.NewClient()
	for i := 0; i < 7; i++ {
		from := i%c.Size() + 1
		to := from%c.Size() + 1
		cl.Attack((leader+i)%c.Size()+1, from, to).Wait()
	}
	testenv.WaitFor(t, 20*time.Second, "convergence", c.Converged)
	before := c.Status()[0].World
	c.Close()

	again := startCluster(t, cfg, Options{})
	waitLeader(t, again)
	testenv.WaitFor(t, 20*time.Second, "convergence after restart", again.Converged)
	for _, s := range again.Status() {
		if s.World.Hash() != before.Hash() {
			t.Errorf("replica %d: world %s after restart, was %s", s.ID, s.World.Hash(), before.Hash())
		}
		for p := 1; p <= again.Size(); p++ {
			if s.World.HP(p) != before.HP(p) {
				t.Errorf("replica %d: HP(%d) = %d, was %d", s.ID, p, s.World.HP(p), before.HP(p))
			}
		}
	}
}

func TestPortInUseIsReported(t *testing.T) {
	cfg := testConfig(t, "memory")
	ln, err := net.Listen("tcp", cfg.Players[2].Address)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	before := runtime.NumGoroutine()
	c, err := Start(cfg, Options{})
	if err == nil {
		c.Close()
		t.Fatal("started with a port in use")
	}
	var pe *wire.PortInUseError
	if !errors.As(err, &pe) || pe.Replica != 3 || pe.Address != cfg.Players[2].Address {
		t.Fatalf("error %v (%T), want PortInUseError for replica 3 at %s", err, err, cfg.Players[2].Address)
	}
	checkNoLeftovers(t, before)
}

func TestDataDirHeldByAnotherRunIsReported(t *testing.T) {
	cfg := testConfig(t, "disk")
	startCluster(t, cfg, Options{})
	second := cfg
	second.Players = append(second.Players[:0:0], cfg.Players...)
	for i, addr := range testenv.Addrs(t, len(second.Players)) {
		second.Players[i].Address = addr
	}
	c, err := Start(second, Options{})
	if err == nil {
		c.Close()
		t.Fatal("two clusters opened one data directory")
	}
	var le *DataDirLockedError
	if !errors.As(err, &le) {
		t.Fatalf("error %v (%T), want DataDirLockedError", err, err)
	}
}

func TestCorruptDataDirIsReported(t *testing.T) {
	cfg := testConfig(t, "disk")
	c := startCluster(t, cfg, Options{})
	waitLeader(t, c)
	c.Close()
	// Overwrite every file of replica 2 with garbage.
	dir := filepath.Join(cfg.DataDir, "replica-2")
	n := 0
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			os.WriteFile(p, []byte("this is not what dragonboat wrote"), 0o644)
			n++
		}
		return nil
	})
	if n == 0 {
		t.Fatal("no files to corrupt")
	}
	c2, err := Start(cfg, Options{})
	if err == nil {
		c2.Close()
		t.Fatal("started on a corrupt data directory")
	}
	var de *DamagedDataError
	if !errors.As(err, &de) || de.Replica != 2 {
		t.Fatalf("error %v (%T), want DamagedDataError for replica 2", err, err)
	}
	t.Log(err)
}

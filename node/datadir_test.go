package node

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/raftian/raftian/cluster"
	"github.com/raftian/raftian/config"
	"github.com/raftian/raftian/internal/testenv"
)

// Damaged data and data that went back in time are refused with the
// replica and the file named, before dragonboat can panic on them.

// playAndStop starts a cluster on cfg, commits n attacks (pipelined
// through one client), waits for every replica to apply them and closes.
func playAndStop(t *testing.T, cfg config.Config, n int) {
	t.Helper()
	// 500 proposals at once on disk, beside other packages' tests: a
	// generous deadline, so that a slow machine is not a failure.
	c, err := Start(cfg, Options{ProposalTimeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	leader := waitLeader(t, c)
	cl := c.NewClient()
	tickets := make([]*cluster.Ticket, n)
	for i := range tickets {
		if i%4 == 3 {
			tickets[i] = cl.NewGame(leader)
		} else {
			tickets[i] = cl.Attack(leader, i%5+1, (i+1)%5+1)
		}
	}
	for _, tk := range tickets {
		mustCommit(t, tk)
	}
	testenv.WaitFor(t, 20*time.Second, "convergence", c.Converged)
}

// newestSnapshot returns replica id's newest snapshot file.
func newestSnapshot(t *testing.T, cfg config.Config, id int) string {
	t.Helper()
	dirs, err := snapshotDirs(filepath.Join(cfg.DataDir, replicaDirName(id)), id)
	if err != nil || len(dirs) == 0 {
		t.Fatalf("replica %d has no snapshot (%v)", id, err)
	}
	d := dirs[len(dirs)-1]
	return filepath.Join(d, filepath.Base(d)+".gbsnap")
}

func startFails(t *testing.T, cfg config.Config) error {
	t.Helper()
	c, err := Start(cfg, Options{})
	if err == nil {
		c.Close()
		t.Fatal("started on data that should have been refused")
	}
	return err
}

func TestDamagedSnapshotIsRefusedAtStart(t *testing.T) {
	damage := map[string]func(path string) error{
		"truncated": func(p string) error {
			st, _ := os.Stat(p)
			return os.Truncate(p, st.Size()/2)
		},
		"flipped": func(p string) error {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			b[len(b)-40] ^= 0x10 // in the last block, before the tail
			return os.WriteFile(p, b, 0o644)
		},
		"deleted": func(p string) error { return os.RemoveAll(filepath.Dir(p)) },
	}
	for name, spoil := range damage {
		t.Run(name, func(t *testing.T) {
			cfg := testConfig(t, config.StorageDisk)
			playAndStop(t, cfg, 500)
			file := newestSnapshot(t, cfg, 3)
			if err := spoil(file); err != nil {
				t.Fatal(err)
			}
			err := startFails(t, cfg)
			var de *DamagedDataError
			if !errors.As(err, &de) || de.Replica != 3 {
				t.Fatalf("error %v (%T), want DamagedDataError for replica 3", err, err)
			}
			if name != "deleted" && de.File != file {
				t.Errorf("the error names %s, want %s", de.File, file)
			}
			t.Log(err)
		})
	}
}

// A crashed replica whose data is damaged is refused when it restarts,
// and the other four run on.
func TestRestartOfADamagedReplicaLeavesTheOthersRunning(t *testing.T) {
	cfg := testConfig(t, config.StorageDisk)
	c := startCluster(t, cfg, Options{})
	leader := waitLeader(t, c)
	victim := leader%c.Size() + 1
	cl := c.NewClient()
	for i := 0; i < 500; i++ {
		cl.Attack(leader, leader, victim)
		cl.NewGame(leader)
	}
	mustCommit(t, cl.NewGame(leader))
	testenv.WaitFor(t, 20*time.Second, "convergence", c.Converged)
	if err := c.Crash(victim); err != nil {
		t.Fatal(err)
	}
	file := newestSnapshot(t, cfg, victim)
	if err := os.Truncate(file, 100); err != nil {
		t.Fatal(err)
	}
	err := c.Restart(victim)
	var de *DamagedDataError
	if !errors.As(err, &de) || de.Replica != victim || de.File != file {
		t.Fatalf("restart: %v (%T), want DamagedDataError for replica %d naming %s", err, err, victim, file)
	}
	mustCommit(t, c.NewClient().Attack(leader, leader, victim))
}

// Truncating every replica's newest log file makes their data older than
// what they had applied: refused, with both numbers.
func TestRollbackIsRefused(t *testing.T) {
	cfg := testConfig(t, config.StorageDisk)
	cfg.Raft.SnapshotEntries = 0 // every entry stays in the log files
	playAndStop(t, cfg, 1500)
	for i := 1; i <= len(cfg.Players); i++ {
		logs, _ := filepath.Glob(filepath.Join(cfg.DataDir, replicaDirName(i), "*", "*", "logdb-*", "*.log"))
		if len(logs) == 0 {
			t.Fatalf("replica %d has no log files", i)
		}
		slices.Sort(logs)
		newest := logs[len(logs)-1]
		st, _ := os.Stat(newest)
		os.Truncate(newest, st.Size()/3)
	}
	err := startFails(t, cfg)
	var re *RollbackError
	if !errors.As(err, &re) || re.Has >= re.Had || re.Has == 0 {
		t.Fatalf("error %v (%T), want a RollbackError with the log's end below what was applied", err, err)
	}
	t.Log(err)
	// Deleting the record is the way to play on from what is left.
	if err := os.Remove(re.File); err != nil {
		t.Fatal(err)
	}
	c := startCluster(t, cfg, Options{})
	waitLeader(t, c)
}

// A replica directory deleted while the others hold a game is refused: the
// replica would start over empty under its old id.
func TestMissingReplicaDirectoryIsRefused(t *testing.T) {
	cfg := testConfig(t, config.StorageDisk)
	playAndStop(t, cfg, 10)
	dir := filepath.Join(cfg.DataDir, replicaDirName(4))
	os.RemoveAll(dir)
	err := startFails(t, cfg)
	var re *RollbackError
	if !errors.As(err, &re) || re.Replica != 4 || re.Dir != dir || re.Has != 0 {
		t.Fatalf("error %v (%T), want a RollbackError for replica 4 in %s", err, err, dir)
	}
	if _, err := os.Stat(dir); err == nil {
		t.Error("the refused start created the missing directory")
	}
}

// The deployment file, missing, empty or garbage, is written again from
// the replicas' own data: the game goes on.
func TestDeploymentFileIsRecoveredFromTheData(t *testing.T) {
	cfg := testConfig(t, config.StorageDisk)
	playAndStop(t, cfg, 10)
	path := filepath.Join(cfg.DataDir, deploymentName)
	orig, _ := os.ReadFile(path)
	for name, spoil := range map[string]func() error{
		"deleted": func() error { return os.Remove(path) },
		"empty":   func() error { return os.WriteFile(path, nil, 0o644) },
		"garbage": func() error { return os.WriteFile(path, []byte("not an id\n"), 0o644) },
	} {
		if err := spoil(); err != nil {
			t.Fatal(err)
		}
		c, err := Start(cfg, Options{})
		if err != nil {
			t.Fatalf("%s deployment file: %v", name, err)
		}
		waitLeader(t, c)
		c.Close()
		if got, _ := os.ReadFile(path); strings.TrimSpace(string(got)) != strings.TrimSpace(string(orig)) {
			t.Errorf("%s deployment file: written again as %q, was %q", name, got, orig)
		}
	}
}

// A disk low on space: the cluster does not start on it, and while it runs
// it refuses proposals (which fill the disk) until space is freed;
// elections and reads go on.
func TestLowDiskRefusesProposalsNotTheCluster(t *testing.T) {
	var free atomic.Uint64
	fake := func(string) (uint64, error) { return free.Load(), nil }
	cfg := testConfig(t, config.StorageDisk)

	free.Store(MinFreeDisk - 1)
	_, err := Start(cfg, Options{freeBytes: fake})
	var df *DiskFullError
	if !errors.As(err, &df) || df.Dir != cfg.DataDir {
		t.Fatalf("start on a full disk: %v (%T), want DiskFullError for %s", err, err, cfg.DataDir)
	}

	free.Store(1 << 30)
	c := startCluster(t, cfg, Options{freeBytes: fake})
	leader := waitLeader(t, c)
	mustCommit(t, c.NewClient().Attack(leader, leader, leader%c.Size()+1))
	free.Store(MinFreeDisk / 2)
	testenv.WaitFor(t, 10*time.Second, "proposals to be refused", func() bool {
		o := c.NewClient().Attack(leader, leader, leader%c.Size()+1).Wait()
		return !o.OK && errors.Is(o.Err, cluster.ErrDiskFull)
	})
	c.Crash(leader)
	if err := c.Restart(leader); !errors.As(err, &df) {
		t.Errorf("restart on a full disk: %v, want DiskFullError", err)
	}
	waitLeader(t, c) // the others elect a leader: that writes only a little
	free.Store(1 << 30)
	testenv.WaitFor(t, 10*time.Second, "proposals to commit again", func() bool {
		return c.NewClient().Attack(c.Leader(), 1, 2).Wait().OK
	})
}

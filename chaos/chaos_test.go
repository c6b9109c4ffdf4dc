package chaos

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/raftian/raftian/config"
	"github.com/raftian/raftian/internal/testenv"
)

func testConfig(t *testing.T) config.Config {
	cfg := testenv.Config(t, config.StorageMemory)
	cfg.Raft.SnapshotEntries = 300
	cfg.Raft.CompactionOverhead = 100
	return cfg
}

// A short chaos run with a fixed seed, so that a failure reproduces with
// raftian chaos --seed 1: every check must pass.
func TestShortChaosRun(t *testing.T) {
	var out strings.Builder
	const seed = 1
	path := filepath.Join(t.TempDir(), "record.jsonl.gz")
	res, err := Run(testConfig(t), Options{Seed: seed, Duration: 15 * time.Second, Out: &out, Observe: path})
	t.Log("\n" + out.String())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Failed) > 0 {
		t.Fatalf("seed %d: checks failed: %v", seed, res.Failed)
	}
	// A harsh schedule can leave no majority for long stretches; the
	// checks still need something to check.
	if res.Faults < 5 || res.Acked < 10 {
		t.Fatalf("seed %d: too little happened to prove anything: %+v", seed, res)
	}
	for _, check := range []string{"convergence", "exactly-once", "linearizability", "election-safety",
		"terms-monotonic", "state-machine-safety", "leader-completeness", "membership"} {
		if !strings.Contains(out.String(), "check "+check+": passed") {
			t.Errorf("no passing line for %s", check)
		}
	}
	checkRecord(t, path, res.Worlds)
}

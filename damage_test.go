package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// A damaged replica is named with its file, with no stack trace: at
// start (the program exits) and when a crashed replica restarts (the
// others run on).
func TestDamagedDataIsNamed(t *testing.T) {
	cfg := testConfigRaft(t, "snapshot_entries = 200\ncompaction_overhead = 50\n", "")
	data := t.TempDir()
	args := []string{"--headless", "--data", data, "--config", cfg}
	if code, out, stderr := runRaftian(t, "wait leader 20s\nload 600\nwait converged 20s\n", args...); code != 0 {
		t.Fatalf("making a game: exit %d\n%s%s", code, out, stderr)
	}
	h := startHeadless(t, plainBin.build(t), args...)
	h.send("wait leader 30s")
	h.expect(t, "leader ")
	h.send("crash 3")
	h.expect(t, "crashed replica 3")
	snapshot := newestSnapshotFile(t, data, 3) // a running replica replaces its snapshots
	if err := os.Truncate(snapshot, 100); err != nil {
		t.Fatal(err)
	}
	h.send("restart 3")
	if line := h.expect(t, "error: "); !strings.Contains(line, "replica 3's data is damaged: "+snapshot) {
		t.Errorf("restart of the damaged replica: %q, want it named with its file", line)
	}
	h.send("attack 1 2")
	h.expect(t, "committed: ")
	h.quit(t)

	code, _, stderr := runRaftian(t, "", args...)
	if code == 0 || !strings.Contains(stderr, "replica 3's data is damaged: "+snapshot) {
		t.Fatalf("start on the damaged replica: exit %d, stderr %q", code, stderr)
	}
	checkNoStackTrace(t, stderr)
}

func newestSnapshotFile(t *testing.T, data string, replica int) string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(data, "replica-"+string(rune('0'+replica)), "*", "*", "snapshot-part-*", "*", "snapshot-*", "*.gbsnap"))
	if len(files) == 0 {
		t.Fatalf("replica %d has no snapshot in %s", replica, data)
	}
	slices.Sort(files)
	return files[len(files)-1]
}

package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// Issue 20, 1: removing a replica, quitting and starting again on the
// same data: status shows the replica removed (not crashed, no panic), it
// cannot be restarted, and --fresh wipes what raftian wrote, the members
// file included.
func TestStatusAfterARemovalAndARestart(t *testing.T) {
	args := []string{"--headless", "--data", t.TempDir(), "--config", testConfigFile(t, "")}
	code, out, stderr := runRaftian(t, "wait leader 20s\nadd\nadd\nremove leader\nstatus json\nquit\n", args...)
	if code != 0 {
		t.Fatalf("first run: exit %d\n%s\n%s", code, out, stderr)
	}
	removed := 0
	for _, r := range lastStatus(t, out).Replicas {
		if r.Removed {
			removed = r.ID
		}
	}
	if removed == 0 {
		t.Fatalf("no replica removed:\n%s", out)
	}
	code, out, stderr = runRaftian(t, "wait leader 20s\nstatus\nstatus json\nrestart "+strconv.Itoa(removed)+"\n", args...)
	checkNoStackTrace(t, stderr)
	if !regexp.MustCompile(`(?m)^` + strconv.Itoa(removed) + `\s+P\d\s+removed`).MatchString(out) {
		t.Errorf("status does not show replica %d removed:\n%s", removed, out)
	}
	st := lastStatus(t, out)
	if len(st.Replicas) != 7 || !st.Replicas[removed-1].Removed || st.Replicas[removed-1].Up {
		t.Errorf("status json after the restart: %+v", st.Replicas)
	}
	if !strings.Contains(out, "Raft never takes a removed replica back") || code != 1 {
		t.Errorf("restarting the removed replica: exit %d\n%s", code, out)
	}
	code, out, stderr = runRaftian(t, "wait leader 20s\nstatus json\n", append(args, "--fresh")...)
	if code != 0 || len(lastStatus(t, out).Replicas) != 5 {
		t.Fatalf("--fresh after membership changes: exit %d\n%s\n%s", code, out, stderr)
	}
}

// Issue 20, 3: every nowait attack is answered on a line of its own once
// its outcome is known, naming it: committed, rejected or failed (why).
func TestNowaitAttacksAreAnswered(t *testing.T) {
	script := "wait leader 20s\n" +
		"attack 1 2 nowait\nattack 3 4 nowait\n" +
		"attack 1 3\nattack 1 3\nattack 1 3\nattack 1 3\nattack 2 3 nowait\n" +
		"isolate 5\nattack 5 1 via 5 nowait\n" +
		"wait proposals 30s\n"
	code, out, _ := runRaftian(t, script, append([]string{"--headless", "--config", testConfigFile(t, "")}, "--storage", "memory")...)
	for _, want := range []string{
		`(?m)^proposed: P1 \(1\) → P2 \(2\) via 1$`,
		`(?m)^committed: P1 \(1\) → P2 \(2\) via 1: HP 70`,
		`(?m)^committed: P3 \(3\) → P4 \(4\) via 3: HP 70`,
		`(?m)^rejected: P2 \(2\) → P3 \(3\) via 2: target already destroyed$`,
		`(?m)^failed: P5 \(5\) → P1 \(1\) via 5: `,
		`(?m)^every proposal answered`,
	} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("no line matching %s in:\n%s", want, out)
		}
	}
	if code != 1 {
		t.Errorf("exit %d after a failed attack; want 1", code)
	}
}

// --fresh names every file raftian did not write and wipes nothing then;
// it wipes every file raftian wrote.
func TestFreshNamesWhatItWouldNotWipe(t *testing.T) {
	data := t.TempDir()
	for _, name := range []string{"members.json", "progress", "deployment", "raftian-crash-20261206-101010.txt", "thesis.tex", "photos"} {
		os.WriteFile(filepath.Join(data, name), []byte("x"), 0o644)
	}
	os.Mkdir(filepath.Join(data, "replica-1"), 0o755)
	code, _, stderr := runRaftian(t, "", "--headless", "--fresh", "--data", data, "--config", testConfigFile(t, ""))
	if code == 0 || !strings.Contains(stderr, `"thesis.tex"`) || !strings.Contains(stderr, `"photos"`) || strings.Contains(stderr, "members.json") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	os.Remove(filepath.Join(data, "thesis.tex"))
	os.Remove(filepath.Join(data, "photos"))
	code, _, stderr = runRaftian(t, "", "--headless", "--fresh", "--data", data, "--config", testConfigFile(t, ""))
	if code != 0 {
		t.Fatalf("--fresh on raftian's own files: exit %d, %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(data, "raftian-crash-20261206-101010.txt")); err == nil {
		t.Error("--fresh left a crash report")
	}
}

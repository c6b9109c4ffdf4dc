package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// TestMain removes the binary built for process-level tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if builtBin != "" {
		os.RemoveAll(filepath.Dir(builtBin))
	}
	os.Exit(code)
}

// buildRaftian builds the binary once for the tests that run it as a
// process, with the race detector on.
func buildRaftian(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "raftian-test-bin-")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "raftian")
		cmd := exec.Command("go", "build", "-race", "-tags", "x11", "-o", builtBin, ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

// Killing the whole program with SIGKILL while attacks stream in, then
// starting it again on the same data directory, loses no acknowledged
// attack, and the replicas converge.
func TestSigkillLosesNoAcknowledgedAttack(t *testing.T) {
	bin := buildRaftian(t)
	cfg := testConfigFile(t, "")
	data := t.TempDir()
	args := []string{"--headless", "--storage", "disk", "--data", data, "--config", cfg}

	cmd := exec.Command(bin, args...)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// 15 attacks in a ring: every city is hit 3 times, none destroyed,
	// so every attack that commits takes effect.
	sent := map[int]int{}
	var script strings.Builder
	script.WriteString("wait leader 30s\n")
	for i := 0; i < 15; i++ {
		from := i%5 + 1
		to := from%5 + 1
		fmt.Fprintf(&script, "attack %d %d via %d\n", from, to, (i*3)%5+1)
		sent[to]++
	}
	io.WriteString(stdin, script.String())

	acked := map[int]int{}
	killAfter := 4 + int(time.Now().UnixNano()%7) // somewhere in the middle
	sc := bufio.NewScanner(stdout)
	n := 0
	for sc.Scan() && n < killAfter {
		line := sc.Text()
		if !strings.HasPrefix(line, "committed: ") {
			continue
		}
		var from, to int
		var a, b string
		if _, err := fmt.Sscanf(line, "committed: %s (%d) → %s (%d) via", &a, &from, &b, &to); err != nil {
			t.Fatalf("cannot read %q: %v", line, err)
		}
		acked[to]++
		n++
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if n < killAfter {
		t.Fatalf("only %d attacks committed before the output ended", n)
	}
	t.Logf("killed after %d acknowledged attacks: %v", n, acked)

	code, out, stderr := runRaftian(t, "wait leader 30s\nwait converged 30s\nstatus json\n", args...)
	if code != 0 {
		t.Fatalf("restart after SIGKILL: exit %d\n%s", code, stderr)
	}
	if !strings.Contains(out, "converged after") {
		t.Fatalf("replicas did not converge after the restart:\n%s", out)
	}
	st := lastStatus(t, out)
	for _, r := range st.Replicas {
		if r.WorldHash != st.Replicas[0].WorldHash {
			t.Errorf("replica %d world %s, replica 1 %s", r.ID, r.WorldHash, st.Replicas[0].WorldHash)
		}
		for target := 1; target <= 5; target++ {
			hp := r.HP[target-1]
			most := 100 - 30*acked[target] // every acknowledged hit is there
			least := 100 - 30*sent[target] // and nothing that was never sent
			if hp > most || hp < least {
				t.Errorf("replica %d: HP of %d is %d; acknowledged hits give at most %d, sent ones at least %d",
					r.ID, target, hp, most, least)
			}
		}
	}
}

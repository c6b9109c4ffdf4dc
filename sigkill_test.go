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

// A binary built once for the tests that run raftian as a process.
type testBinary struct {
	flags []string
	once  sync.Once
	path  string
	err   error
}

var (
	raceBin  = &testBinary{flags: []string{"-race"}}
	plainBin = &testBinary{} // for memory measurements: the race detector's shadow memory would swamp them
)

// TestMain removes the binaries built for process-level tests.
func TestMain(m *testing.M) {
	code := m.Run()
	for _, b := range []*testBinary{raceBin, plainBin} {
		if b.path != "" {
			os.RemoveAll(filepath.Dir(b.path))
		}
	}
	os.Exit(code)
}

// buildRaftian returns the binary with the race detector on.
func buildRaftian(t *testing.T) string { return raceBin.build(t) }

func (b *testBinary) build(t *testing.T) string {
	t.Helper()
	b.once.Do(func() {
		dir, err := os.MkdirTemp("", "raftian-test-bin-")
		if err != nil {
			b.err = err
			return
		}
		b.path = filepath.Join(dir, "raftian")
		args := append(append([]string{"build"}, b.flags...), "-tags", "x11", "-o", b.path, ".")
		cmd := exec.Command("go", args...)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			b.err = fmt.Errorf("build: %v\n%s", err, out)
		}
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
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

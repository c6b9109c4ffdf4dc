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

	"github.com/raftian/raftian/internal/testenv"
	"github.com/raftian/raftian/node"
	"github.com/raftian/raftian/record"
	"github.com/raftian/raftian/world"
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
		t.Fatalf("restart after SIGKILL: exit %d\n%s\n%s", code, out, stderr)
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

// Issue 20: SIGKILL in the middle of a membership change (slow motion
// makes the change last long enough to be caught: the members file says
// "joining" or "leaving"), then a start on the same data: the change is
// finished or undone, the membership and the game agree, and every
// acknowledged attack is there.
func TestSigkillMidMembershipChange(t *testing.T) {
	for _, tc := range []struct{ name, do, mark string }{
		{"add", "add", `"change": "joining"`},
		{"remove", "remove 2", `"change": "leaving"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bin := buildRaftian(t)
			cfgFile := testConfigFile(t, "")
			data := t.TempDir()
			cmd := exec.Command(bin, "--headless", "--storage", "disk", "--data", data, "--config", cfgFile)
			stdin, _ := cmd.StdinPipe()
			stdout, _ := cmd.StdoutPipe()
			cmd.Stderr = io.Discard
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()
			var script strings.Builder
			script.WriteString("wait leader 30s\n")
			for i := 0; i < 10; i++ { // a ring: every city hit twice, none destroyed
				fmt.Fprintf(&script, "attack %d %d\n", i%5+1, (i+1)%5+1)
			}
			script.WriteString("slow on\n" + tc.do + "\n")
			io.WriteString(stdin, script.String())

			acked := map[int]int{}
			lines := make(chan string)
			go func() {
				defer close(lines)
				sc := bufio.NewScanner(stdout)
				for sc.Scan() {
					lines <- sc.Text()
				}
			}()
			caught := false
			deadline := time.After(60 * time.Second)
			for !caught {
				select {
				case line, ok := <-lines:
					if !ok {
						t.Fatal("raftian ended before the change")
					}
					var a, b string
					var from, to int
					if _, err := fmt.Sscanf(line, "committed: %s (%d) → %s (%d) via", &a, &from, &b, &to); err == nil {
						acked[to]++
					}
					if strings.HasPrefix(line, "replica ") || strings.HasPrefix(line, "removed ") {
						t.Fatalf("the change finished before it was caught under way: %s", line)
					}
				case <-deadline:
					t.Fatal("no change under way within 60 s")
				case <-time.After(time.Millisecond):
					b, _ := os.ReadFile(filepath.Join(data, "members.json"))
					caught = strings.Contains(string(b), tc.mark)
				}
			}
			cmd.Process.Signal(syscall.SIGKILL)
			cmd.Wait()
			if len(acked) == 0 {
				t.Fatal("no attack acknowledged before the kill")
			}

			cfg, err := loadConfig(cfgFile, "disk", data)
			if err != nil {
				t.Fatal(err)
			}
			c, err := node.Start(cfg, node.Options{})
			if err != nil {
				t.Fatalf("start after SIGKILL mid-%s: %v", tc.name, err)
			}
			defer c.Close()
			var last error
			testenv.WaitFor(t, 60*time.Second, "the membership and the game to agree", func() bool {
				last = c.CheckMembers(5 * time.Second)
				return last == nil
			})
			if !c.WaitConverged(30 * time.Second) {
				t.Fatal("no convergence after the restart")
			}
			for _, st := range c.Status() {
				if st.Joining || st.Leaving {
					t.Errorf("replica %d is still changing: %+v", st.ID, st)
				}
				if !st.Up {
					continue
				}
				for p := 1; p <= 5; p++ {
					if p == 2 && st.World.Left(2) {
						continue // removed: ruins
					}
					// Every acknowledged hit is there; a hit committed just
					// before the kill may not have been read as acknowledged.
					most, least := world.StartHP-world.Damage*acked[p], world.StartHP-world.Damage*2
					if hp := st.World.HP(p); hp > most || hp < least {
						t.Errorf("replica %d: HP of %d is %d; %d acknowledged hits of 2 sent", st.ID, p, hp, acked[p])
					}
				}
			}
		})
	}
}

// Issue 20, 4: --observe writes the record as it is made: after a SIGKILL
// the file reads (as any gzip file cut short) up to about a second before
// the kill, and raftian view says where it was cut.
func TestObserveSurvivesSigkill(t *testing.T) {
	bin := buildRaftian(t)
	path := filepath.Join(t.TempDir(), "run.jsonl.gz")
	cmd := exec.Command(bin, "--headless", "--storage", "memory", "--config", testConfigFile(t, ""), "--observe", path)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	io.WriteString(stdin, "wait leader 30s\nattack 1 2\nsleep 5s\nattack 2 3\n") // stdin stays open
	sc := bufio.NewScanner(stdout)
	for sc.Scan() && !strings.HasPrefix(sc.Text(), "committed: P2") {
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	log, err := record.ReadLogFile(path)
	if err != nil {
		t.Fatalf("the record after a SIGKILL: %v", err)
	}
	if !log.Cut() {
		t.Error("the record of a killed program does not say it was cut")
	}
	if last := time.Duration(log.Last()) * time.Microsecond; last < 4*time.Second {
		t.Errorf("the record holds %v of a run killed after more than 5 s", last)
	}
	view := exec.Command(bin, "view", path)
	view.Env = append(os.Environ(), "DISPLAY=") // its message comes before the window
	out, _ := view.CombinedOutput()
	if !strings.Contains(string(out), "was cut at") {
		t.Errorf("raftian view of a cut record says:\n%s", out)
	}
}

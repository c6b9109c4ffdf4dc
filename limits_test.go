package main

import (
	"bufio"
	"encoding/binary"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/raftian/raftian/internal/testenv"
)

// Tests of hostile and huge input to the program as a process. Each one
// runs raftian under a memory watchdog: if a regression makes it swallow
// the input, the test fails and the machine keeps its memory.

// watchLimitMB is where the watchdog kills a raftian under test: far above
// what any of these tests allow, far below what would hurt the machine.
const watchLimitMB = 600

// headless is raftian running headless as a process, driven line by line.
type headless struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan string
	dog   *testenv.Watchdog
}

func startHeadless(t *testing.T, bin string, args ...string) *headless {
	t.Helper()
	h := &headless{cmd: exec.Command(bin, append([]string{"--headless"}, args...)...), lines: make(chan string, 4096)}
	h.stdin, _ = h.cmd.StdinPipe()
	stdout, _ := h.cmd.StdoutPipe()
	if err := h.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	h.dog = testenv.WatchRSS(h.cmd.Process, watchLimitMB)
	go func() {
		defer close(h.lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			h.lines <- sc.Text()
		}
	}()
	t.Cleanup(func() {
		h.stdin.Close()
		done := make(chan struct{})
		go func() { h.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			h.cmd.Process.Kill()
			<-done
		}
		h.dog.Stop()
		if _, killed := h.dog.Peak(); killed {
			t.Errorf("raftian went over %d MB and was killed", watchLimitMB)
		}
	})
	return h
}

// send writes one command line.
func (h *headless) send(line string) { io.WriteString(h.stdin, line+"\n") }

// expect waits for an output line starting with prefix and returns it.
func (h *headless) expect(t *testing.T, prefix string) string {
	t.Helper()
	deadline := time.After(60 * time.Second)
	for {
		select {
		case line, ok := <-h.lines:
			if !ok {
				t.Fatalf("output ended before a line starting %q", prefix)
			}
			if strings.HasPrefix(line, prefix) {
				return line
			}
		case <-deadline:
			t.Fatalf("no line starting %q within 60 s", prefix)
		}
	}
}

// Ten connections each send 64 MiB of a frame that claims 65 MiB: the
// replicas hold at most one such frame at a time (the inbound budget),
// memory stays bounded and comes back when they stop, and the cluster
// commits all along.
func TestHostileFramesStayWithinMemory(t *testing.T) {
	cfg := testConfigFile(t, "")
	h := startHeadless(t, plainBin.build(t), "--storage", "memory", "--config", cfg)
	h.send("wait leader 30s")
	h.expect(t, "leader ")
	idle := testenv.RSS(h.cmd.Process.Pid)

	addr := playerAddress(t, cfg, 2)
	chunk := make([]byte, 1<<20)
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			nc, err := net.DialTimeout("tcp", addr, time.Second)
			if err != nil {
				return
			}
			defer nc.Close()
			var hdr [12]byte
			copy(hdr[:], "RFT")
			hdr[3] = 1
			binary.BigEndian.PutUint32(hdr[4:], 65<<20)
			nc.SetWriteDeadline(time.Now().Add(20 * time.Second))
			if _, err := nc.Write(hdr[:]); err != nil {
				return
			}
			for sent := 0; sent < 64; sent++ {
				if _, err := nc.Write(chunk); err != nil {
					return // refused: closed by the replica
				}
			}
		}()
	}
	h.send("attack 1 3")
	h.expect(t, "committed: ")
	wg.Wait()
	peak, _ := h.dog.Peak()
	t.Logf("RSS idle %.0f MB, peak under attack %.0f MB", idle, peak)
	if peak > 200 {
		t.Errorf("RSS peaked at %.0f MB under ten 64 MiB frames, want below 200 MB", peak)
	}
	settled := time.Now().Add(30 * time.Second)
	for testenv.RSS(h.cmd.Process.Pid) > idle+40 {
		if time.Now().After(settled) {
			t.Fatalf("RSS still %.0f MB 30 s after the attack ended (idle %.0f MB)", testenv.RSS(h.cmd.Process.Pid), idle)
		}
		time.Sleep(100 * time.Millisecond)
	}
	h.send("attack 2 4")
	h.expect(t, "committed: ")
	h.send("quit")
	h.expect(t, "bye")
}

// playerAddress reads player n's address from a test config file.
func playerAddress(t *testing.T, cfg string, n int) string {
	t.Helper()
	src := readFile(t, cfg)
	return strings.Split(strings.Split(src, "address = \"")[n], "\"")[0]
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// runLimited runs raftian to the end under the memory watchdog.
func runLimited(t *testing.T, stdin io.Reader, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(plainBin.build(t), args...)
	var out, errb testenv.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	dog := testenv.WatchRSS(cmd.Process, watchLimitMB)
	cmd.Wait()
	dog.Stop()
	if peak, killed := dog.Peak(); killed {
		t.Fatalf("raftian %v went over %d MB (peak %.0f MB) and was killed", args, watchLimitMB, peak)
	}
	return cmd.ProcessState.ExitCode(), out.String(), errb.String()
}

// Files a user names may be endless: each is read only up to its limit.
func TestEndlessFilesAreRefused(t *testing.T) {
	cfg := testConfigFile(t, "")
	for _, c := range []struct {
		stdin string
		args  []string
		where func(stdout, stderr string) string
	}{
		{"", []string{"--headless", "--config", "/dev/zero"}, func(_, e string) string { return e }},
		{"", []string{"--headless", "--storage", "memory", "--config", cfg, "--lesson", "/dev/zero"}, func(o, _ string) string { return o }},
		{"lesson /dev/zero\n", []string{"--headless", "--storage", "memory", "--config", cfg}, func(o, _ string) string { return o }},
	} {
		code, stdout, stderr := runLimited(t, strings.NewReader(c.stdin), c.args...)
		if msg := c.where(stdout, stderr); !strings.Contains(msg, "/dev/zero is larger than") {
			t.Errorf("raftian %v: exit %d, no refusal in:\n%s%s", c.args, code, stdout, stderr)
		}
		checkNoStackTrace(t, stderr)
	}
}

// A command line longer than the limit is answered with an error without
// being kept in memory, and the session goes on.
func TestOverlongCommandLineIsSkipped(t *testing.T) {
	huge := strings.Repeat("x", 64<<20) // 64 MiB without a newline
	stdin := io.MultiReader(strings.NewReader("status\n"), strings.NewReader(huge), strings.NewReader("\nstatus json\n"))
	code, stdout, stderr := runLimited(t, stdin, "--headless", "--storage", "memory", "--config", testConfigFile(t, ""))
	if !strings.Contains(stdout, "error: line too long") || !strings.Contains(stdout, `{"replicas"`) {
		t.Fatalf("exit %d: want an error for the long line and the status after it:\n%.2000s\n%s", code, stdout, stderr)
	}
}

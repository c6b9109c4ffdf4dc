package main

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
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
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan string
	stderr testenv.Buffer
	dog    *testenv.Watchdog
	exited chan struct{}
}

func startHeadless(t *testing.T, bin string, args ...string) *headless {
	t.Helper()
	h := &headless{cmd: exec.Command(bin, append([]string{"--headless"}, args...)...), lines: make(chan string, 4096),
		exited: make(chan struct{})}
	h.stdin, _ = h.cmd.StdinPipe()
	stdout, _ := h.cmd.StdoutPipe()
	h.cmd.Stderr = &h.stderr
	if err := h.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	h.dog = testenv.WatchRSS(h.cmd.Process, watchLimitMB)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			h.lines <- sc.Text()
		}
		close(h.lines)
		h.cmd.Wait() // after the last read of its output, as Wait wants
		close(h.exited)
	}()
	t.Cleanup(func() {
		h.stdin.Close()
		select {
		case <-h.exited:
		case <-time.After(30 * time.Second):
			h.cmd.Process.Kill()
			<-h.exited
		}
		h.dog.Stop()
		if _, killed := h.dog.Peak(); killed {
			t.Errorf("raftian went over %d MB and was killed", watchLimitMB)
		}
	})
	return h
}

// quit says quit and waits for the process to exit.
func (h *headless) quit(t *testing.T) {
	t.Helper()
	h.send("quit")
	h.expect(t, "bye")
	select {
	case <-h.exited:
	case <-time.After(30 * time.Second):
		t.Fatal("raftian did not exit within 30 s of quit")
	}
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
				<-h.exited
				t.Fatalf("output ended (%v, %s) before a line starting %q; stderr:\n%s", h.cmd.ProcessState, h.cmd.Args, prefix, h.stderr.String())
			}
			if strings.HasPrefix(line, prefix) {
				return line
			}
		case <-deadline:
			t.Fatalf("no line starting %q within 60 s; stderr:\n%s", prefix, h.stderr.String())
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
	h.quit(t)
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
		{"", []string{"--headless", "--storage", "memory", "--config", cfg, "--lesson", "/dev/zero"}, func(_, e string) string { return e }},
		{"lesson /dev/zero\n", []string{"--headless", "--storage", "memory", "--config", cfg}, func(o, _ string) string { return o }},
	} {
		code, stdout, stderr := runLimited(t, strings.NewReader(c.stdin), c.args...)
		if msg := c.where(stdout, stderr); !strings.Contains(msg, "/dev/zero is larger than") {
			t.Errorf("raftian %v: exit %d, no refusal in:\n%s%s", c.args, code, stdout, stderr)
		}
		checkNoStackTrace(t, stderr)
	}
}

// raftian view reads a record file that may be anything: /dev/zero, or a
// small file that decompresses to far more. Both are refused, within the
// memory limit.
func TestViewRefusesEndlessRecords(t *testing.T) {
	bomb := filepath.Join(t.TempDir(), "bomb.jsonl.gz")
	f, err := os.Create(bomb)
	if err != nil {
		t.Fatal(err)
	}
	gz, _ := gzip.NewWriterLevel(f, gzip.BestCompression)
	zeros := make([]byte, 1<<20)
	for range 64 { // 64 MiB of zeros in about 64 KiB
		gz.Write(zeros)
	}
	gz.Close()
	f.Close()
	for file, want := range map[string]string{"/dev/zero": "not a raftian record", bomb: "not a raftian record"} {
		code, _, stderr := runLimited(t, nil, "view", file)
		if code == 0 || !strings.Contains(stderr, want) {
			t.Errorf("raftian view %s: exit %d, stderr %q; want a refusal saying %q", file, code, stderr, want)
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

// smallDisk mounts a tmpfs of size MiB for the test: a disk that can fill.
func smallDisk(t *testing.T, size int) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "disk")
	os.Mkdir(dir, 0o755)
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%dm", size), "tmpfs", dir).CombinedOutput()
	if err != nil {
		t.Fatalf("mounting a %d MiB tmpfs (this test needs root, as CI has): %v\n%s", size, err, out)
	}
	t.Cleanup(func() { exec.Command("umount", dir).Run() })
	return dir
}

// fill writes a file in dir until the disk has at most left bytes free.
func fill(t *testing.T, dir string, left uint64) {
	t.Helper()
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	free := st.Bavail * uint64(st.Bsize)
	if free <= left {
		return
	}
	f, err := os.CreateTemp(dir, "filler-")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 1<<20)
	for n := free - left; n > 0; {
		k := min(n, uint64(len(chunk)))
		if _, err := f.Write(chunk[:k]); err != nil {
			return // full
		}
		n -= k
	}
}

// A full disk: raftian does not start on it; while it runs it refuses
// attacks with a message, or, if the disk filled too fast for that and a
// replica could not write, it stops saying so and where the details are.
// No stack trace either way.
func TestFullDisk(t *testing.T) {
	disk := smallDisk(t, 64)
	cfg := testConfigFile(t, "")
	data := filepath.Join(disk, "data")
	fill(t, disk, 8<<20)
	code, _, stderr := runLimited(t, strings.NewReader("wait leader 10s\n"), "--headless", "--data", data, "--config", cfg)
	if code == 0 || !strings.Contains(stderr, "MB free") || !strings.Contains(stderr, data) {
		t.Fatalf("start on a full disk: exit %d, stderr %q", code, stderr)
	}
	checkNoStackTrace(t, stderr)

	fillers, _ := filepath.Glob(filepath.Join(disk, "filler-*"))
	for _, f := range fillers {
		os.Remove(f)
	}
	h := startHeadless(t, plainBin.build(t), "--data", data, "--config", cfg)
	h.send("wait leader 30s")
	h.expect(t, "leader ")
	h.send("attack 1 2")
	h.expect(t, "committed: ")
	fill(t, disk, 0)
	// Until the cluster notices (it looks ten times a second), an attack may
	// still commit: the log database keeps some room.
	for refused := false; !refused; {
		h.send("attack 2 3")
		line, ok := <-h.lines
		switch {
		case !ok:
			<-h.exited
			stderr := h.stderr.String()
			if h.cmd.ProcessState.ExitCode() != 3 || !strings.Contains(stderr, "the disk is full") ||
				!strings.Contains(stderr, "The details are in "+os.TempDir()) {
				t.Fatalf("raftian ended (%v) without saying the disk is full:\n%s", h.cmd.ProcessState, stderr)
			}
			checkNoStackTrace(t, stderr)
			return
		case strings.HasPrefix(line, "committed: "), strings.HasPrefix(line, "rejected: "):
		case strings.HasPrefix(line, "failed: ") && strings.Contains(line, "disk almost full"):
			refused = true
		default:
			t.Fatalf("attack on a full disk: %q, want it refused as disk almost full", line)
		}
	}
	h.send("status json")
	h.expect(t, `{"replicas"`)
	h.quit(t)
}

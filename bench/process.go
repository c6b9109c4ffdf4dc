package bench

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"
)

// startup: from starting the program (headless, default timing) until
// its replicas agree on a leader.
func (b *bench) startup() error {
	if b.opts.Exe == "" {
		return errors.New("startup: the program's path is unknown")
	}
	trials := b.n(3, 10)
	b.logf("startup: %d trials", trials)
	var times []time.Duration
	for i := 0; i < trials; i++ {
		args := []string{"--headless", "--storage", "memory"}
		if b.opts.Config != "" {
			args = append(args, "--config", b.opts.Config)
		}
		cmd := exec.Command(b.opts.Exe, args...)
		cmd.Stdin = strings.NewReader("wait leader 10s\nquit\n")
		out, err := cmd.StdoutPipe()
		if err != nil {
			return err
		}
		cmd.Stderr = io.Discard
		t0 := time.Now()
		if err := cmd.Start(); err != nil {
			return err
		}
		sc := bufio.NewScanner(out)
		var took time.Duration
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "leader ") {
				took = time.Since(t0)
			}
		}
		if err := cmd.Wait(); err != nil || took == 0 {
			return fmt.Errorf("startup: the program did not report a leader (%v)", err)
		}
		times = append(times, took)
	}
	p50 := percentile(times, 50)
	b.add(Row{Figure: "startup", P50: f(p50), P99: f(percentile(times, 99)), Unit: "ms", Target: "≤ 1 s",
		Met: t(percentile(times, 99) <= 1000), Note: fmt.Sprintf("process start → leader agreed, %d trials", trials)})
	return nil
}

// idleRSS starts raftian headless on disk, waits for its leader and a
// second of quiet, and reads its RSS.
func (b *bench) idleRSS() (float64, error) {
	if b.opts.Exe == "" {
		return 0, errors.New("memory: the program's path is unknown")
	}
	dir, err := os.MkdirTemp("", "raftian-bench-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	args := []string{"--headless", "--storage", "disk", "--data", dir}
	if b.opts.Config != "" {
		args = append(args, "--config", b.opts.Config)
	}
	cmd := exec.Command(b.opts.Exe, args...)
	in, err := cmd.StdinPipe()
	if err != nil {
		return 0, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return 0, err
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	defer cmd.Wait()
	defer in.Close()
	io.WriteString(in, "wait leader 10s\n")
	sc := bufio.NewScanner(out)
	if !sc.Scan() || !strings.HasPrefix(sc.Text(), "leader ") {
		cmd.Process.Kill()
		return 0, errors.New("memory: the program did not report a leader")
	}
	time.Sleep(time.Second)
	return rss(cmd.Process.Pid), nil
}

//go:build unix

package bounded

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestReadFileStopsAtTheLimit(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small")
	os.WriteFile(small, []byte("hello"), 0o644)
	if b, err := ReadFile(small, 5); err != nil || string(b) != "hello" {
		t.Fatalf("a file of exactly the limit: %q, %v", b, err)
	}
	if _, err := ReadFile(small, 4); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("a file over the limit: %v", err)
	}
}

// A pipe that would go on (here it stops at 8 MiB, so that a regression
// costs 8 MiB, not the machine) is read no further than the limit.
func TestReadFileOfAPipe(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatalf("mkfifo: %v", err)
	}
	wrote := make(chan int)
	go func() {
		w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err != nil {
			wrote <- 0
			return
		}
		n := 0
		chunk := make([]byte, 64<<10)
		for n < 8<<20 {
			k, err := w.Write(chunk)
			n += k
			if err != nil {
				break // the reader stopped and closed: what we want
			}
		}
		w.Close()
		wrote <- n
	}()
	_, err := ReadFile(fifo, 1<<20)
	if err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("a pipe over the limit: %v", err)
	}
	if n := <-wrote; n >= 8<<20 {
		t.Fatalf("the reader took all %d bytes the pipe offered; the limit is 1 MiB", n)
	}
}

package every_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/raftian/raftian/internal/every"
	"github.com/raftian/raftian/internal/testenv"
)

func TestLoopRunsUntilStopped(t *testing.T) {
	var n atomic.Int64
	l := every.Start(time.Millisecond, func() { n.Add(1) })
	testenv.WaitFor(t, 10*time.Second, "three calls", func() bool { return n.Load() >= 3 })
	l.Stop()
	after := n.Load()
	time.Sleep(20 * time.Millisecond) // nothing may happen: no condition to wait for
	if n.Load() != after {
		t.Fatalf("called %d times after Stop", n.Load()-after)
	}
	var none *every.Loop
	none.Stop()
}

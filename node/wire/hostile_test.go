package wire

import (
	"net"
	"testing"
	"time"

	dbconfig "github.com/lni/dragonboat/v4/config"
	pb "github.com/lni/dragonboat/v4/raftpb"

	"github.com/raftian/raftian/internal/testenv"
)

// listening starts one replica's transport on a free port, with handlers
// that take whatever arrives, and returns its address.
func listening(t *testing.T) string {
	t.Helper()
	addr := testenv.Addrs(t, 1)[0]
	n := New([]string{addr}, 1, nil)
	tr := n.Factory().Create(dbconfig.NodeHostConfig{RaftAddress: addr},
		func(pb.MessageBatch) {}, func(pb.Chunk) bool { return true })
	if err := tr.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	return addr
}

// Idle connections beyond the per-replica limit are refused at once; the
// rest are closed once they have been silent for the idle time.
func TestIdleConnectionsAreBounded(t *testing.T) {
	// Restored after the transport has closed (cleanups run last first).
	t.Cleanup(func(d time.Duration) func() { return func() { inboundIdle = d } }(inboundIdle))
	inboundIdle = 2 * time.Second
	addr := listening(t)
	const n = 200
	conns := make([]net.Conn, 0, n)
	for i := 0; i < n; i++ {
		nc, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			t.Fatalf("dial %d: %v", i, err)
		}
		conns = append(conns, nc)
	}
	defer func() {
		for _, nc := range conns {
			nc.Close()
		}
	}()
	closedBy := func(d time.Duration) int {
		closed := 0
		for _, nc := range conns {
			nc.SetReadDeadline(time.Now().Add(d))
			if _, err := nc.Read(make([]byte, 1)); err != nil && !isTimeout(err) {
				closed++
			}
		}
		return closed
	}
	if closed := closedBy(10 * time.Millisecond); closed < n-maxInbound {
		t.Fatalf("%d of %d idle connections refused, want at least %d (the limit is %d)", closed, n, n-maxInbound, maxInbound)
	}
	testenv.WaitFor(t, 20*time.Second, "every idle connection to be closed", func() bool { return closedBy(time.Millisecond) == n })
}

// A write to a peer that never reads gives up at its deadline, and closing
// the connection ends a blocked write at once.
func TestWritesToADeafPeerEnd(t *testing.T) {
	addr := testenv.Addrs(t, 1)[0]
	testenv.Deaf(t, addr)
	tr := &transport{net: New([]string{addr}, 1, nil), out: map[*conn]struct{}{}}
	c, err := tr.newConn(addr, false)
	if err != nil {
		t.Fatal(err)
	}
	frame := make([]byte, 1<<20)
	// Fill the peer's socket: the write that cannot go through ends at
	// its deadline.
	for i := 0; ; i++ {
		start := time.Now()
		ok := c.write(frame)
		took := time.Since(start)
		if !ok {
			if took > writeTimeout+time.Second {
				t.Fatalf("a blocked write took %v, want about %v", took, writeTimeout)
			}
			t.Logf("write %d failed after %v", i, took.Round(time.Millisecond))
			break
		}
		if i > 200 {
			t.Fatal("200 MiB written to a peer that reads nothing")
		}
	}
	// Blocked again, then closed: the write ends at once.
	blocked := make(chan bool)
	go func() {
		for c.write(frame) {
		}
		blocked <- true
	}()
	testenv.WaitFor(t, 5*time.Second, "the write to start", func() bool {
		if c.sending.TryLock() { // not writing yet
			c.sending.Unlock()
			return false
		}
		return true
	})
	testenv.Within(t, time.Second, "closing a connection with a blocked write", c.Close)
	select {
	case <-blocked:
	case <-time.After(time.Second):
		t.Fatal("the blocked write did not end when the connection closed")
	}
}

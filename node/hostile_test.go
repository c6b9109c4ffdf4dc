package node

import (
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/raftian/raftian/internal/testenv"
)

// closeBound is how long crashing a replica or closing the cluster may
// take, whatever the peers do.
const closeBound = 5 * time.Second

// deaf listens on addr and accepts connections that it never reads, with
// a tiny receive buffer, as a hung program holding a replica's port would.
func deaf(t *testing.T, addr string) {
	t.Helper()
	lc := net.ListenConfig{Control: func(_, _ string, rc syscall.RawConn) error {
		var err error
		rc.Control(func(fd uintptr) { err = setRecvBuf(fd, 4096) })
		return err
	}}
	ln, err := lc.Listen(t.Context(), "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	var held []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			held = append(held, c) // never read
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		for _, c := range held {
			c.Close()
		}
	})
}

// within fails the test if f takes longer than d.
func within(t *testing.T, d time.Duration, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	start := time.Now()
	go func() { f(); close(done) }()
	select {
	case <-done:
		t.Logf("%s took %v", what, time.Since(start).Round(time.Millisecond))
	case <-time.After(d):
		t.Fatalf("%s did not finish within %v", what, d)
	}
}

// A program that holds a crashed replica's port and never reads what it
// is sent fills the connection's buffers: crashing the leader and closing
// the cluster still finish in bounded time.
func TestADeafPeerHangsNothing(t *testing.T) {
	cfg := testConfig(t, "memory")
	c, err := Start(cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	t.Cleanup(func() {
		if !closed {
			c.Close()
		}
	})
	leader := waitLeader(t, c)
	victim := leader%c.Size() + 1
	if err := c.Crash(victim); err != nil {
		t.Fatal(err)
	}
	deaf(t, cfg.Players[victim-1].Address)
	// Large entries (garbage to the game, but real Raft entries) are
	// replicated to the deaf peer too, until its socket is full.
	big := make([]byte, 1<<20)
	for i := 0; i < 20; i++ {
		if err := c.ProposeRaw(leader, big); err != nil {
			t.Fatalf("proposal %d: %v", i, err)
		}
	}
	within(t, closeBound, "crashing the leader", func() { c.Crash(leader) })
	within(t, closeBound, "closing the cluster", c.Close)
	closed = true
}

func setRecvBuf(fd uintptr, n int) error {
	return syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, n)
}

// Idle connections beyond the per-replica limit are refused at once; the
// rest are closed once they have been silent for the idle time; the
// cluster commits throughout.
func TestIdleConnectionsAreBounded(t *testing.T) {
	// Restored after the cluster has closed (cleanups run last first).
	t.Cleanup(func(d time.Duration) func() { return func() { inboundIdle = d } }(inboundIdle))
	inboundIdle = 2 * time.Second
	c := startCluster(t, testConfig(t, "memory"), Options{})
	leader := waitLeader(t, c)
	victim := leader%c.Size() + 1
	addr := c.Config().Players[victim-1].Address
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
	mustCommit(t, c.NewClient().Attack(victim, victim, leader))
	waitFor(t, 20*time.Second, "every idle connection to be closed", func() bool { return closedBy(time.Millisecond) == n })
	mustCommit(t, c.NewClient().Attack(victim, victim, leader))
}

// A write to a peer that never reads gives up at its deadline, and closing
// the connection ends a blocked write at once.
func TestWritesToADeafPeerEnd(t *testing.T) {
	addr := testenvAddr(t)
	deaf(t, addr)
	tr := &transport{net: newNetwork([]string{addr}, 1), out: map[*conn]struct{}{}}
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
	waitFor(t, 5*time.Second, "the write to start", func() bool {
		if c.sending.TryLock() { // not writing yet
			c.sending.Unlock()
			return false
		}
		return true
	})
	within(t, time.Second, "closing a connection with a blocked write", c.Close)
	select {
	case <-blocked:
	case <-time.After(time.Second):
		t.Fatal("the blocked write did not end when the connection closed")
	}
}

func testenvAddr(t *testing.T) string { return testenv.Addrs(t, 1)[0] }

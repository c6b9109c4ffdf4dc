package node

import (
	"bytes"
	"encoding/binary"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/lni/dragonboat/v4/raftio"
	pb "github.com/lni/dragonboat/v4/raftpb"

	"github.com/raftian/raftian/internal/testenv"
	"github.com/raftian/raftian/node/wire"
)

// closeBound is how long crashing a replica or closing the cluster may
// take, whatever the peers do. A deaf peer once made them hang for ever;
// now they take milliseconds, but for a storage compaction under way,
// which closing waits for: with 20 MB just written, under -race on a
// two-core machine, that took over 5 s (the goroutines showed pebble's
// DB.Close waiting on its compaction).
const closeBound = 30 * time.Second

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
	testenv.Deaf(t, cfg.Players[victim-1].Address)
	// Large entries (garbage to the game, but real Raft entries) are
	// replicated to the deaf peer too, until its socket is full: 10 MiB,
	// more than the 4 MiB a loopback socket buffers at most (tcp_wmem)
	// plus the deaf end's 4 KiB. In entries of 256 KiB: with 1 MiB ones,
	// beside the other packages' tests under -race, writes to a live but
	// slow follower ran past the 2 s write deadline mid-frame ("unexpected
	// EOF" every ~28 s) and nothing committed for 5 minutes. On a loaded
	// machine they still cost elections, and a proposal lost in one times
	// out: propose again, through the leader of the moment.
	big := make([]byte, 256<<10)
	committed := 0
	testenv.WaitFor(t, 5*time.Minute, "40 large entries committed", func() bool {
		if l := c.Leader(); l != 0 && l != victim && c.ProposeRaw(l, big) == nil {
			committed++
		}
		return committed == 40
	})
	leader = waitLeader(t, c)
	testenv.Within(t, closeBound, "crashing the leader", func() { c.Crash(leader) })
	testenv.Within(t, closeBound, "closing the cluster", c.Close)
	closed = true
}

// Hostile bytes on a Raft port: the replica stays up and the cluster keeps
// committing; a well-formed batch from another deployment or for another
// shard changes nothing.
func TestGarbageOnRaftPortIsHarmless(t *testing.T) {
	logs := captureLogs(t)
	c := startCluster(t, testConfig(t, "memory"), Options{})
	leader := waitLeader(t, c)
	victim := leader%c.Size() + 1
	addr := c.Config().Players[victim-1].Address
	peer := c.Config().Players[leader-1].Address

	send := func(data []byte) {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			t.Fatalf("dial %s: %v", addr, err)
		}
		conn.Write(data)
		conn.Close()
	}
	forged := func(deployment, shard uint64) []byte {
		b := pb.MessageBatch{
			DeploymentId:  deployment,
			SourceAddress: peer,
			BinVer:        raftio.TransportBinVersion,
			Requests: []pb.Message{{Type: pb.Heartbeat, ShardID: shard,
				From: uint64(leader), To: uint64(victim), Term: 1000, Commit: 1000}},
		}
		data, err := b.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		return wire.BatchFrame(data)
	}
	huge := wire.BatchFrame(nil) // the header alone
	binary.BigEndian.PutUint32(huge[4:], 0xffffffff)

	send([]byte("GET / HTTP/1.1\r\nHost: raftian\r\n\r\n"))
	send(bytes.Repeat([]byte{0xff}, 4096))
	send(wire.BatchFrame([]byte("not protobuf at all"))[:28])
	send(huge)
	send(wire.BatchFrame([]byte{0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f}))
	send(forged(c.net.Deployment()+1, shardID))
	send(forged(c.net.Deployment(), shardID+76))
	// Each bad connection is refused with exactly one log line.
	testenv.WaitFor(t, 10*time.Second, "7 log lines", func() bool { return logs.count("raft port") >= 7 })

	mustCommit(t, c.Attack(victim, victim, leader))
	testenv.WaitFor(t, 10*time.Second, "convergence", c.Converged)
	if n := logs.count("raft port"); n != 7 {
		t.Errorf("%d log lines for 7 bad connections:\n%s", n, logs.String())
	}
	for _, want := range []string{"bad magic", "too large", "another raftian cluster", "unknown shard", "undecodable"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("no log line says %q:\n%s", want, logs.String())
		}
	}
	for _, s := range c.Status() {
		if !s.Up {
			t.Errorf("replica %d went down", s.ID)
		}
		if s.Term >= 1000 {
			t.Errorf("replica %d took the forged term: %d", s.ID, s.Term)
		}
	}
}

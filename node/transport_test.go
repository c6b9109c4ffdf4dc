package node

import (
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/lni/dragonboat/v4/raftio"
	pb "github.com/lni/dragonboat/v4/raftpb"
)

func TestFrameRoundTrip(t *testing.T) {
	payload := []byte("hello raft")
	var stream []byte
	stream = appendFrame(stream, frameBatch, payload)
	stream = appendFrame(stream, frameChunk, nil)
	r := bytes.NewReader(stream)
	kind, got, err := readFrame(r, nil)
	if err != nil || kind != frameBatch || !bytes.Equal(got, payload) {
		t.Fatalf("first frame: kind %d payload %q err %v", kind, got, err)
	}
	kind, got, err = readFrame(r, nil)
	if err != nil || kind != frameChunk || len(got) != 0 {
		t.Fatalf("second frame: kind %d payload %q err %v", kind, got, err)
	}
	if _, _, err := readFrame(r, nil); err != io.EOF {
		t.Fatalf("after the last frame: %v, want EOF", err)
	}
}

func TestFrameRejectsDamage(t *testing.T) {
	good := appendFrame(nil, frameBatch, []byte("payload"))
	flip := append([]byte{}, good...)
	flip[len(flip)-1] ^= 1
	kind := append([]byte{}, good...)
	kind[3] = 9
	for name, b := range map[string][]byte{
		"magic":     append([]byte("XYZ"), good[3:]...),
		"kind":      kind,
		"crc":       flip,
		"truncated": good[:len(good)-2],
	} {
		if _, _, err := readFrame(bytes.NewReader(b), nil); err == nil {
			t.Errorf("%s: damaged frame accepted", name)
		}
	}
}

// The budget refuses a frame that does not fit before anything of it is
// buffered, and what a frame took is given back.
func TestBudgetRefusesWhatDoesNotFit(t *testing.T) {
	b := &budget{left: inboundBudget}
	if !b.take(maxFrameSize) {
		t.Fatal("one frame of the largest size does not fit in an empty budget")
	}
	if b.take(maxFrameSize) {
		t.Fatal("a second largest frame fits: the budget holds only one")
	}
	if !b.take(1 << 20) {
		t.Fatal("a small frame does not fit beside a large one")
	}
	b.give(maxFrameSize)
	b.give(1 << 20)
	if b.left != inboundBudget {
		t.Fatalf("budget left %d after everything was given back, want %d", b.left, inboundBudget)
	}
	h := appendFrame(nil, frameBatch, nil)[:frameHeaderSize]
	binary.BigEndian.PutUint32(h[4:], maxFrameSize+1)
	if _, err := readHeader(bytes.NewReader(h)); err == nil {
		t.Fatal("over-long frame accepted")
	}
}

func FuzzReadFrame(f *testing.F) {
	f.Add(appendFrame(nil, frameBatch, []byte("x")))
	f.Add(appendFrame(nil, frameChunk, nil))
	f.Add([]byte("RFT"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := bytes.NewReader(data)
		for {
			kind, payload, err := readFrame(r, nil)
			if err != nil {
				return
			}
			if kind != frameBatch && kind != frameChunk {
				t.Fatalf("accepted kind %d", kind)
			}
			// Whatever passes the framing must be safe to decode.
			var b pb.MessageBatch
			unmarshal(b.Unmarshal, payload)
			var ch pb.Chunk
			unmarshal(ch.Unmarshal, payload)
		}
	})
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
		return appendFrame(nil, frameBatch, data)
	}
	huge := appendFrame(nil, frameBatch, nil)[:frameHeaderSize]
	binary.BigEndian.PutUint32(huge[4:], 0xffffffff)

	send([]byte("GET / HTTP/1.1\r\nHost: raftian\r\n\r\n"))
	send(bytes.Repeat([]byte{0xff}, 4096))
	send(appendFrame(nil, frameBatch, []byte("not protobuf at all"))[:20])
	send(huge)
	send(appendFrame(nil, frameBatch, []byte{0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f}))
	send(forged(c.net.deployment+1, shardID))
	send(forged(c.net.deployment, shardID+76))
	// Each bad connection is refused with exactly one log line.
	waitFor(t, 10*time.Second, "7 log lines", func() bool { return logs.count("raft port") >= 7 })

	mustCommit(t, c.Attack(victim, victim, leader))
	waitFor(t, 10*time.Second, "convergence", c.Converged)
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

package wire

import (
	"context"
	"testing"
	"time"

	dbconfig "github.com/lni/dragonboat/v4/config"
	"github.com/lni/dragonboat/v4/raftio"
	pb "github.com/lni/dragonboat/v4/raftpb"

	"github.com/raftian/raftian/internal/testenv"
)

// A peer that restarts gets the very next message sent to it: the
// connection to its previous run is forgotten as soon as that run closed
// it. (The kernel takes one write on such a dead connection before it
// learns of the reset: a follower's first vote for a restarted replica
// used to vanish that way, and a leadership transfer to it waited out an
// election timeout.) The same holds for a connection the peer closed for
// being idle.
func TestARestartedPeerGetsTheNextMessage(t *testing.T) {
	addrs := testenv.Addrs(t, 2)
	n := New(addrs, 1, nil)
	got := make(chan pb.MessageBatch, 16)
	start := func() raftio.ITransport {
		tr := n.Factory().Create(dbconfig.NodeHostConfig{RaftAddress: addrs[1]},
			func(b pb.MessageBatch) { got <- b }, func(pb.Chunk) bool { return true })
		if err := tr.Start(); err != nil {
			t.Fatal(err)
		}
		return tr
	}
	sender := n.Factory().Create(dbconfig.NodeHostConfig{RaftAddress: addrs[0]},
		func(pb.MessageBatch) {}, func(pb.Chunk) bool { return true })
	if err := sender.Start(); err != nil {
		t.Fatal(err)
	}
	defer sender.Close()
	out, err := sender.GetConnection(context.Background(), addrs[1])
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	batch := func(term uint64) pb.MessageBatch {
		return pb.MessageBatch{DeploymentId: 1, SourceAddress: addrs[0], BinVer: raftio.TransportBinVersion,
			Requests: []pb.Message{{Type: pb.RequestVoteResp, ShardID: ShardID, From: 1, To: 2, Term: term}}}
	}
	expect := func(term uint64) {
		t.Helper()
		select {
		case b := <-got:
			if b.Requests[0].Term != term {
				t.Fatalf("got term %d, want %d", b.Requests[0].Term, term)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("the message of term %d never arrived", term)
		}
	}
	receiver := start()
	out.SendMessageBatch(batch(1))
	expect(1)
	for term := uint64(2); term <= 4; term++ {
		receiver.Close() // a crash: its port goes dark, its connections close
		receiver = start()
		testenv.WaitFor(t, 10*time.Second, "the sender to forget the closed connection", func() bool {
			c := out.(*conn)
			c.mu.Lock()
			defer c.mu.Unlock()
			return c.c == nil
		})
		out.SendMessageBatch(batch(term))
		expect(term)
	}
	receiver.Close()
}

// A link with jitter delays each batch by its delay plus a draw within
// the jitter, and, like TCP, never lets a batch overtake the one before.
func TestAJitteryLinkKeepsOrder(t *testing.T) {
	addrs := testenv.Addrs(t, 2)
	n := New(addrs, 1, nil)
	const delay, jitter = 20 * time.Millisecond, 40 * time.Millisecond
	n.SetLink(1, 2, Link{Delay: delay, Jitter: jitter}, false)
	type arrival struct {
		term uint64
		at   time.Time
	}
	got := make(chan arrival, 64)
	receiver := n.Factory().Create(dbconfig.NodeHostConfig{RaftAddress: addrs[1]},
		func(b pb.MessageBatch) { got <- arrival{b.Requests[0].Term, time.Now()} }, func(pb.Chunk) bool { return true })
	sender := n.Factory().Create(dbconfig.NodeHostConfig{RaftAddress: addrs[0]},
		func(pb.MessageBatch) {}, func(pb.Chunk) bool { return true })
	for _, tr := range []raftio.ITransport{receiver, sender} {
		if err := tr.Start(); err != nil {
			t.Fatal(err)
		}
		defer tr.Close()
	}
	out, err := sender.GetConnection(context.Background(), addrs[1])
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	const batches = 40
	sent := make([]time.Time, batches+1)
	for term := uint64(1); term <= batches; term++ {
		sent[term] = time.Now()
		out.SendMessageBatch(pb.MessageBatch{DeploymentId: 1, SourceAddress: addrs[0], BinVer: raftio.TransportBinVersion,
			Requests: []pb.Message{{Type: pb.Heartbeat, ShardID: ShardID, From: 1, To: 2, Term: term}}})
		time.Sleep(2 * time.Millisecond) // a heartbeat's pace, so that draws can cross
	}
	longest := time.Duration(0)
	for term := uint64(1); term <= batches; term++ {
		select {
		case a := <-got:
			if a.term != term {
				t.Fatalf("batch %d arrived where %d was due: a jittery link reordered them", a.term, term)
			}
			took := a.at.Sub(sent[term])
			if took < delay {
				t.Fatalf("batch %d arrived after %v, less than the link's delay %v", term, took, delay)
			}
			longest = max(longest, took)
		case <-time.After(30 * time.Second):
			t.Fatalf("batch %d never arrived", term)
		}
	}
	if longest < delay+jitter/4 {
		t.Fatalf("the slowest of %d batches took %v: the jitter (up to %v) was never drawn", batches, longest, jitter)
	}
}

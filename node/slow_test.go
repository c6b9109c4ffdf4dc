package node

import (
	"testing"
	"time"

	"github.com/raftian/raftian/internal/testenv"
	"github.com/raftian/raftian/record"
)

// Slow motion delays every message for real, at the default timing a
// round trip of 200 ms, without restarting a replica or starting an
// election; under it an election still ends with a leader.
func TestSlowMotionSlowsMessagesNotRaft(t *testing.T) {
	cfg := testConfig(t, "memory")
	cfg.Raft.RTTMillisecond = 50 // the default: slow motion is 100 ms a message
	c := startCluster(t, cfg, Options{Record: true})
	leader := waitLeader(t, c)
	term := c.Status()[leader-1].Term
	rec := c.Recorder()
	_, from := rec.Bounds()

	if d := c.SetSlow(true); d != 100*time.Millisecond {
		t.Fatalf("slow motion delays messages by %v; want 100ms at the default timing", d)
	}
	// Attacks one after another for five election timeouts: each commit
	// waits for a slow round trip.
	for start := time.Now(); time.Since(start) < 5*c.ElectionTimeout(); {
		o := mustCommit(t, c.Attack(leader, leader, leader%5+1))
		if o.Took < 200*time.Millisecond {
			t.Errorf("an attack committed in %v: a round trip in slow motion takes 200 ms", o.Took)
		}
	}
	if l, ok := c.LeaderAgreed(); !ok || l != leader || c.Status()[leader-1].Term != term {
		t.Errorf("slow motion changed the leader or term: leader %d (agreed %v) in term %d; was %d in term %d",
			l, ok, c.Status()[leader-1].Term, leader, term)
	}
	var obs []record.Obs
	_, to := rec.Bounds()
	obs = rec.Read(from, int(to-from), obs)
	sent := map[uint64]int64{}
	slowDeliveries := 0
	slowFrom := int64(-1) // when slow motion was on; a message sent just then may have missed it
	for _, o := range obs {
		switch o.Kind {
		case record.Slow:
			slowFrom = o.At + 5_000
		case record.Up, record.Down:
			t.Errorf("replica %d %v in slow motion: it must not restart anything", o.Node, o.Kind)
		case record.Send:
			if slowFrom >= 0 && o.At > slowFrom {
				sent[o.ID] = o.At
			}
		case record.Deliver:
			if at, ok := sent[o.ID]; ok && o.At-at >= 100_000 {
				slowDeliveries++
			} else if ok {
				t.Errorf("a %v arrived %d µs after it left; slow motion delays it 100 ms", o.Msg, o.At-at)
				break
			}
		}
	}
	if slowDeliveries < 20 {
		t.Errorf("only %d messages were seen delivered slowly", slowDeliveries)
	}

	// An election in slow motion still ends with a leader.
	c.Crash(leader)
	testenv.WaitFor(t, 30*time.Second, "a new leader in slow motion", func() bool {
		l, ok := c.LeaderAgreed()
		return ok && l != leader
	})
	c.SetSlow(false)
	if c.Slow() != 0 {
		t.Errorf("slow motion still on: %v", c.Slow())
	}
}

package node

import (
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/raftian/raftian/internal/testenv"
	"github.com/raftian/raftian/record"
	"github.com/raftian/raftian/world"
)

// Tests of the Cluster's API beyond the Raft properties: log tails, the
// apply hook and reads, the engine baseline, reconfiguration, retries.

// The log tail shows each replica's own entries: after a commit, the same
// attack at the same index everywhere.
func TestLogTailShowsOwnEntries(t *testing.T) {
	c := startCluster(t, testConfig(t, "memory"), Options{})
	leader := waitLeader(t, c)
	// A young log, shorter than the tail asked for, is shown whole.
	testenv.WaitFor(t, 10*time.Second, "the leader's no-op in every log", func() bool {
		for i := 1; i <= c.Size(); i++ {
			tail := c.LogTail(i, 100)
			if len(tail) == 0 || tail[0].Index != 1 || tail[len(tail)-1].What != record.WhatNoop {
				return false
			}
		}
		return true
	})
	o := mustCommit(t, c.Attack(leader, 2, 4))
	testenv.WaitFor(t, 10*time.Second, "convergence", c.Converged)
	for i := 1; i <= c.Size(); i++ {
		tail := c.LogTail(i, 8)
		if len(tail) == 0 || len(tail) > 8 {
			t.Fatalf("replica %d: tail of %d entries", i, len(tail))
		}
		last := tail[len(tail)-1]
		if last.What != record.WhatAttack || last.From != 2 || last.To != 4 {
			t.Fatalf("replica %d: last entry %+v, want the attack 2→4 (%v)", i, last, o.Command)
		}
		noop := false
		for _, e := range tail {
			noop = noop || e.What == record.WhatNoop
		}
		if !noop {
			t.Errorf("replica %d: no leader no-op in %+v", i, tail)
		}
	}
	c.Crash(leader)
	if c.LogTail(leader, 8) != nil {
		t.Error("a crashed replica has a log tail")
	}
}

// A proposal forwarded to a leader that is then cut off is lost on the
// wire; the ticket retries it (same command id) through the new leader,
// and the world applies it exactly once.
func TestProposalLostWithTheLeaderIsRetriedOnce(t *testing.T) {
	c := startCluster(t, testConfig(t, "memory"), Options{ProposalTimeout: 3 * time.Second})
	leader := waitLeader(t, c)
	follower := leader%c.Size() + 1
	target := follower%c.Size() + 1
	if target == leader {
		target = target%c.Size() + 1
	}
	c.Isolate(leader) // the follower still believes in it for a while
	o := c.Attack(follower, follower, target).Wait()
	if !o.OK {
		t.Fatalf("attack through %d failed after the leader was cut off: %s (took %v)", follower, o.Err, o.Took)
	}
	c.Heal()
	testenv.WaitFor(t, 20*time.Second, "convergence", c.Converged)
	hpEverywhere(t, c, target, world.StartHP-world.Damage)
	t.Logf("committed in %v", o.Took)
}

// OnApply sees every replica apply the same entries in the same order, and
// a linearizable read sees a committed attack.
func TestOnApplyAndRead(t *testing.T) {
	var mu sync.Mutex
	applied := map[int][]uint64{}
	c := startCluster(t, testConfig(t, "memory"), Options{OnApply: func(r int, res world.Result) {
		mu.Lock()
		applied[r] = append(applied[r], res.Index)
		mu.Unlock()
	}})
	leader := waitLeader(t, c)
	follower := leader%c.Size() + 1
	mustCommit(t, c.Attack(leader, 1, 2))
	w, err := c.Read(follower)
	if err != nil {
		t.Fatal(err)
	}
	if w.HP(2) != world.StartHP-world.Damage {
		t.Fatalf("read through %d after a commit: HP(2) = %d", follower, w.HP(2))
	}
	// Every replica reports the same entries in the same order (a retried
	// proposal may add a second, rejected, entry: all the same everywhere).
	testenv.WaitFor(t, 10*time.Second, "every replica to report the same applies", func() bool {
		mu.Lock()
		defer mu.Unlock()
		want := fmt.Sprint(applied[leader])
		for i := 1; i <= c.Size(); i++ {
			if len(applied[i]) == 0 || fmt.Sprint(applied[i]) != want {
				return false
			}
		}
		return true
	})
}

// The benchmark baseline runs over both transports.
func TestEngineBaselineCommits(t *testing.T) {
	for _, tr := range []string{"tcp", "chan"} {
		before := runtime.NumGoroutine()
		c, err := StartEngine(testConfig(t, "memory"), tr)
		if err != nil {
			t.Fatal(err)
		}
		l := waitLeader(t, c)
		if err := c.ProposeRaw(l, []byte("x")); err != nil {
			t.Errorf("%s: propose: %v", tr, err)
		}
		c.Close()
		checkNoLeftovers(t, before)
	}
}

// Reconfigure restarts the replicas in place with new settings and keeps
// the world.
func TestReconfigureKeepsTheWorld(t *testing.T) {
	c := startCluster(t, testConfig(t, "disk"), Options{})
	leader := waitLeader(t, c)
	mustCommit(t, c.Attack(leader, 1, 2))
	testenv.WaitFor(t, 10*time.Second, "convergence", c.Converged)
	before := c.Status()[0].World.Hash()
	raft := c.Config().Raft
	raft.PreVote = false
	raft.RTTMillisecond = 20
	if err := c.Reconfigure(raft); err != nil {
		t.Fatal(err)
	}
	if got := c.Config().Raft; got.PreVote || got.RTTMillisecond != 20 {
		t.Fatalf("config after Reconfigure: %+v", got)
	}
	if c.ElectionTimeout() != 200*time.Millisecond {
		t.Fatalf("election timeout %v, want 200ms", c.ElectionTimeout())
	}
	waitLeader(t, c)
	testenv.WaitFor(t, 10*time.Second, "convergence", c.Converged)
	if after := c.Status()[0].World.Hash(); after != before {
		t.Fatalf("world %s after Reconfigure, was %s", after, before)
	}
	mustCommit(t, c.Attack(1, 1, 3))
}

// A retry that finds its command already applied reports what the world
// did the first time, not "duplicate".
func TestRetryReportsTheOriginalOutcome(t *testing.T) {
	c := startCluster(t, testConfig(t, "memory"), Options{})
	leader := waitLeader(t, c)
	cl := c.newClient()
	first := cl.Attack(leader, 1, 2).Wait()
	// The same command again, as a retry sends it; the client has sent
	// nothing since, so the world still keeps the first answer.
	cl.mu.Lock()
	s := cl.s
	s.waiting[first.Command.ID.Seq] = true
	cl.mu.Unlock()
	again := cl.send(leader, s, first.Command).Wait()
	if !first.OK || !again.OK {
		t.Fatalf("outcomes %+v, %+v", first, again)
	}
	if !again.Repeated || again.Reason != world.ReasonNone || again.HP != world.StartHP-world.Damage {
		t.Fatalf("the retry reported %v HP %d, want the original: applied, HP %d", again.Reason, again.HP, world.StartHP-world.Damage)
	}
	testenv.WaitFor(t, 10*time.Second, "convergence", c.Converged)
	if hp := c.Status()[0].World.HP(2); hp != world.StartHP-world.Damage {
		t.Fatalf("HP(2) = %d: the retry was applied twice", hp)
	}
}

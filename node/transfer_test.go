package node

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/raftian/raftian/cluster"
	"github.com/raftian/raftian/internal/testenv"
	"github.com/raftian/raftian/world"
)

// Leadership moves to each live follower in turn while attacks are in
// flight through several replicas: each time the target leads in a higher
// term, and every attack takes effect exactly once.
func TestTransferToEachFollower(t *testing.T) {
	c := startCluster(t, testConfig(t, "memory"), Options{})
	leader := waitLeader(t, c)
	var tickets []*cluster.Ticket
	for target := 1; target <= c.Size(); target++ {
		if target == leader {
			continue
		}
		before := c.Status()[leader-1].Term
		for range 2 { // pipelined, as a class clicks; no city is hit three times
			k := len(tickets)
			tickets = append(tickets, c.Attack((k+2)%5+1, k%5+1, (k+1)%5+1))
		}
		from, term, err := c.Transfer(target, 10*time.Second)
		if err != nil {
			t.Fatalf("transfer %d→%d: %v", leader, target, err)
		}
		if from != leader || term <= before {
			t.Fatalf("transfer to %d: from %d in term %d; want from %d in a term above %d", target, from, term, leader, before)
		}
		if l, ok := c.LeaderAgreed(); !ok || l != target {
			t.Fatalf("after the transfer to %d the agreed leader is %d (%v)", target, l, ok)
		}
		leader = target
	}
	for _, tk := range tickets {
		if o := mustCommit(t, tk); o.Reason != world.ReasonNone {
			t.Errorf("attack %v: %v", o.Command, o.Reason)
		}
	}
	testenv.WaitFor(t, 20*time.Second, "every replica to apply every attack", c.Converged)
	lost := 0
	w := c.Status()[leader-1].World
	for p := 1; p <= w.Players(); p++ {
		lost += world.StartHP - w.HP(p)
	}
	if lost != world.Damage*len(tickets) {
		t.Errorf("the cities lost %d HP in all; %d acknowledged attacks of %d each", lost, len(tickets), world.Damage)
	}
	checkOneLeaderPerTerm(t, c)
}

// A transfer to a crashed or cut-off replica, or to the leader itself,
// fails at once and says why; the leader stays.
func TestTransferRefusedWithReason(t *testing.T) {
	c := startCluster(t, testConfig(t, "memory"), Options{})
	leader := waitLeader(t, c)
	down, cut := leader%5+1, (leader+1)%5+1
	if err := c.Crash(down); err != nil {
		t.Fatal(err)
	}
	if err := c.Isolate(cut); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		target int
		want   string
	}{
		{down, "crashed"},
		{cut, "cannot reach it"},
		{leader, "leads already"},
	} {
		_, _, err := c.Transfer(tc.target, 5*time.Second)
		var te *TransferError
		if !errors.As(err, &te) || te.Target != tc.target || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("transfer to %d: %v; want a TransferError saying %q", tc.target, err, tc.want)
		}
	}
	if l, ok := c.LeaderAgreed(); !ok || l != leader {
		t.Errorf("after refused transfers the leader is %d (%v), was %d", l, ok, leader)
	}
}

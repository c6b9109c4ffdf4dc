package node

import (
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/raftian/raftian/cluster"
	"github.com/raftian/raftian/internal/testenv"
	"github.com/raftian/raftian/world"
)

// judgements records, from one replica's applies, what the game's rules
// did with each command, and how often each was judged.
type judgements struct {
	mu     sync.Mutex
	first  map[world.ID]world.Result
	judged map[world.ID]int
}

func newJudgements() *judgements {
	return &judgements{first: map[world.ID]world.Result{}, judged: map[world.ID]int{}}
}

func (j *judgements) hook(watch int) func(int, world.Result) {
	return func(replica int, r world.Result) {
		if replica != watch || r.Reason == world.ReasonDuplicate || r.Reason.Failed() {
			return
		}
		j.mu.Lock()
		defer j.mu.Unlock()
		if _, ok := j.first[r.ID]; !ok {
			j.first[r.ID] = r
		}
		j.judged[r.ID]++
	}
}

// check fails the test unless every acknowledged outcome was judged
// exactly once, as the client was told.
func (j *judgements) check(t *testing.T, outcomes []cluster.Outcome) (acked, failed int) {
	t.Helper()
	j.mu.Lock()
	defer j.mu.Unlock()
	for id, n := range j.judged {
		if n > 1 {
			t.Errorf("command %v took effect %d times", id, n)
		}
	}
	for _, o := range outcomes {
		if !o.OK {
			failed++
			continue
		}
		acked++
		r, ok := j.first[o.Command.ID]
		switch {
		case !ok:
			t.Errorf("acknowledged command %v (repeated=%v) never took effect", o.Command.ID, o.Repeated)
		case r.Reason != o.Reason || r.HP != o.HP:
			t.Errorf("command %v: client told %v HP %d, world did %v HP %d", o.Command.ID, o.Reason, o.HP, r.Reason, r.HP)
		}
	}
	return acked, failed
}

// The repro: one client (a headless session, a player clicking)
// pipelines 400 attacks through random replicas without waiting. They
// commit in any order, far apart; every one that is acknowledged took
// effect exactly once, as its client was told.
func TestPipelinedAttacksTakeEffectExactlyOnce(t *testing.T) {
	const watch = 1
	j := newJudgements()
	c := startCluster(t, testConfig(t, "memory"), Options{OnApply: j.hook(watch)})
	waitLeader(t, c)
	cl := c.NewClient()
	rng := rand.New(rand.NewPCG(1, 2))
	tickets := make([]*cluster.Ticket, 400)
	for i := range tickets {
		from := rng.IntN(5) + 1
		to := rng.IntN(4) + 1
		if to >= from {
			to++
		}
		tickets[i] = cl.Attack(rng.IntN(5)+1, from, to)
	}
	var outcomes []cluster.Outcome
	for _, tk := range tickets {
		outcomes = append(outcomes, tk.Wait())
	}
	testenv.WaitFor(t, 20*time.Second, "convergence", c.Converged)
	acked, failed := j.check(t, outcomes)
	if acked < len(tickets)*9/10 {
		t.Errorf("only %d of %d attacks acknowledged (%d failed) with no fault at all", acked, len(tickets), failed)
	}
}

// The same through an isolated follower: its attacks cannot commit, and
// must be reported as failures, never as successes; the target keeps its
// HP on every replica.
func TestPipelinedAttacksThroughAnIsolatedFollowerFail(t *testing.T) {
	j := newJudgements()
	c := startCluster(t, testConfig(t, "memory"), Options{OnApply: j.hook(1), ProposalTimeout: time.Second})
	leader := waitLeader(t, c)
	lone := leader%c.Size() + 1
	target := lone%c.Size() + 1
	c.Isolate(lone)
	cl := c.NewClient()
	tickets := make([]*cluster.Ticket, 100)
	for i := range tickets {
		tickets[i] = cl.Attack(lone, lone, target)
	}
	var outcomes []cluster.Outcome
	for _, tk := range tickets {
		o := tk.Wait()
		if o.OK {
			t.Errorf("attack %v through the isolated replica %d reported committed (reason %v, repeated %v)",
				o.Command.ID, lone, o.Reason, o.Repeated)
		}
		outcomes = append(outcomes, o)
	}
	c.Heal()
	testenv.WaitFor(t, 20*time.Second, "convergence", c.Converged)
	j.check(t, outcomes)
	hpEverywhere(t, c, target, world.StartHP)
}

package node

import (
	"fmt"
	"testing"
	"time"

	"github.com/raftian/raftian/cluster"
	"github.com/raftian/raftian/internal/testenv"
	"github.com/raftian/raftian/record"
	"github.com/raftian/raftian/world"
)

// The tests below follow the Raft paper's properties with the real
// replicas on loopback: §5.2 leader election, §5.3 log replication, §5.4
// safety, §7 log compaction.

// leadersByTerm collects, from the record so far, which replicas were
// seen or reported as leader in each term.
func leadersByTerm(c *Cluster) map[uint64]map[int]bool {
	out := map[uint64]map[int]bool{}
	rec := c.Recorder()
	first, next := rec.Bounds()
	for _, o := range rec.Read(first, int(next-first), nil) {
		if o.Kind == record.State && o.Peer != 0 && (o.Role == record.RoleLeader || o.Role == record.RoleFollower) {
			if out[o.Term] == nil {
				out[o.Term] = map[int]bool{}
			}
			out[o.Term][int(o.Peer)] = true
		}
	}
	return out
}

func checkOneLeaderPerTerm(t *testing.T, c *Cluster) {
	t.Helper()
	for term, leaders := range leadersByTerm(c) {
		if len(leaders) > 1 {
			t.Errorf("term %d had %d leaders: %v", term, len(leaders), leaders)
		}
	}
}

// mustCommit waits for a ticket and fails the test if its command did not
// commit.
func mustCommit(t *testing.T, tk *cluster.Ticket) cluster.Outcome {
	t.Helper()
	o := tk.Wait()
	if !o.OK {
		t.Fatalf("attack %d→%d via %d failed: %s", o.Command.From, o.Command.To, o.Via, o.Err)
	}
	return o
}

func hpEverywhere(t *testing.T, c *Cluster, player, want int) {
	t.Helper()
	testenv.WaitFor(t, 20*time.Second, "every live replica to show the attack", func() bool {
		for _, s := range c.Status() {
			if s.Up && s.World.HP(player) != want {
				return false
			}
		}
		return true
	})
}

// §5.2: at most one leader per term, and all replicas agree on it.
func TestElectionOneLeaderAllAgree(t *testing.T) {
	c := startCluster(t, testConfig(t, "memory"), Options{})
	leader := waitLeader(t, c)
	// A losing candidate's role is known from its messages: it shows as
	// a follower once it answers the leader.
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		st := c.Status()
		wrong := ""
		for _, s := range st {
			want := record.RoleFollower
			if s.ID == leader {
				want = record.RoleLeader
			}
			if s.Leader != leader || s.Term != st[leader-1].Term || s.Role != want {
				wrong = fmt.Sprintf("replica %d is %v believing leader %d in term %d; the leader is %d in term %d",
					s.ID, s.Role, s.Leader, s.Term, leader, st[leader-1].Term)
			}
		}
		if wrong == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("20 s after a leader was agreed on, %s", wrong)
		}
	}
	checkOneLeaderPerTerm(t, c)
}

// §5.2, §5.3: a crashed leader is replaced in a higher term, and attacks
// through every live replica commit and reach every live replica.
func TestLeaderCrashElectsNewLeaderAndCommits(t *testing.T) {
	c := startCluster(t, testConfig(t, "memory"), Options{})
	old := waitLeader(t, c)
	oldTerm := c.Status()[old-1].Term
	if err := c.Crash(old); err != nil {
		t.Fatal(err)
	}
	leader := waitLeader(t, c)
	if leader == old {
		t.Fatalf("crashed replica %d still leads", old)
	}
	if term := c.Status()[leader-1].Term; term <= oldTerm {
		t.Fatalf("new leader's term %d is not above the old term %d", term, oldTerm)
	}
	target := old // the crashed player's city can still be attacked
	hp := world.StartHP
	for via := 1; via <= c.Size(); via++ {
		if via == old || hp <= 0 {
			continue
		}
		o := mustCommit(t, c.Attack(via, via, target))
		hp = max(hp-world.Damage, 0)
		if o.Reason != world.ReasonNone || o.HP != hp {
			t.Fatalf("attack via %d: reason %v hp %d, want applied with hp %d", via, o.Reason, o.HP, hp)
		}
	}
	hpEverywhere(t, c, target, hp)
	checkOneLeaderPerTerm(t, c)
}

// §5.3: an isolated replica cannot commit; the others can; after healing
// it converges.
func TestIsolatedReplicaCannotCommitAndCatchesUp(t *testing.T) {
	cfg := testConfig(t, "memory")
	c := startCluster(t, cfg, Options{ProposalTimeout: time.Second})
	leader := waitLeader(t, c)
	lone := leader%c.Size() + 1 // a follower
	if err := c.Isolate(lone); err != nil {
		t.Fatal(err)
	}
	// The isolated player attacks a city nobody else touches.
	untouched := lone%c.Size() + 1
	if untouched == leader {
		untouched = untouched%c.Size() + 1
	}
	failed := c.Attack(lone, lone, untouched)
	hp := world.StartHP
	for via := 1; via <= c.Size(); via++ {
		if via == lone || via == untouched || hp <= 0 {
			continue
		}
		mustCommit(t, c.Attack(via, via, lone))
		hp = max(hp-world.Damage, 0)
	}
	if o := failed.Wait(); o.OK {
		t.Fatalf("attack through the isolated replica committed: %+v", o)
	} else {
		t.Logf("isolated attack failed as it should: %s", o.Err)
	}
	if got := c.Status()[lone-1].World.HP(lone); got != world.StartHP {
		t.Fatalf("isolated replica learned of attacks while cut off: HP %d", got)
	}
	c.Heal()
	testenv.WaitFor(t, 20*time.Second, "convergence after heal", c.Converged)
	hpEverywhere(t, c, lone, hp)
	hpEverywhere(t, c, untouched, world.StartHP)
	checkOneLeaderPerTerm(t, c)
}

// §5.4: with the leader in a minority, only the majority commits; the
// minority's unreplicated entry is dropped on heal; all converge.
func TestPartitionOnlyMajorityCommits(t *testing.T) {
	c := startCluster(t, testConfig(t, "memory"), Options{ProposalTimeout: time.Second})
	leader := waitLeader(t, c)
	oldTerm := c.Status()[leader-1].Term
	other := leader%c.Size() + 1
	minority := []int{leader, other}
	var majority []int
	for i := 1; i <= c.Size(); i++ {
		if i != leader && i != other {
			majority = append(majority, i)
		}
	}
	if err := c.Partition([][]int{minority, majority}); err != nil {
		t.Fatal(err)
	}
	lost := c.Attack(leader, leader, other) // to the old leader: never commits
	newLeader := 0
	testenv.WaitFor(t, 20*time.Second, "a leader in the majority", func() bool {
		l, ok := c.LeaderAgreed()
		newLeader = l
		return ok && contains(majority, l)
	})
	o := mustCommit(t, c.Attack(majority[0], majority[0], majority[1]))
	if o.HP != world.StartHP-world.Damage {
		t.Fatalf("majority attack: hp %d", o.HP)
	}
	if o := c.Attack(other, other, majority[1]).Wait(); o.OK {
		t.Fatalf("minority attack through %d committed", other)
	}
	if o := lost.Wait(); o.OK {
		t.Fatalf("old leader's attack committed in the minority")
	}
	c.Heal()
	testenv.WaitFor(t, 20*time.Second, "convergence after heal", c.Converged)
	for _, s := range c.Status() {
		if s.World.HP(other) != world.StartHP {
			t.Errorf("replica %d applied the minority's attack: HP(%d) = %d", s.ID, other, s.World.HP(other))
		}
		if s.World.HP(majority[1]) != world.StartHP-world.Damage {
			t.Errorf("replica %d: HP(%d) = %d, want one hit", s.ID, majority[1], s.World.HP(majority[1]))
		}
	}
	// The majority elected a leader in a higher term; after the heal the
	// old leader follows, whoever leads now.
	now := waitLeader(t, c)
	st := c.Status()
	if st[newLeader-1].Term <= oldTerm || st[now-1].Term <= oldTerm {
		t.Errorf("the majority's leader %d led in term %d, now %d leads in term %d; the old leader's term was %d",
			newLeader, st[newLeader-1].Term, now, st[now-1].Term, oldTerm)
	}
	if now != leader && st[leader-1].Role != record.RoleFollower {
		t.Errorf("after the heal the old leader %d is %v, want a follower of %d", leader, st[leader-1].Role, now)
	}
	checkOneLeaderPerTerm(t, c)
}

// §7: a follower that missed more than the compacted log catches up by
// snapshot.
func TestRestartedFollowerCatchesUpBySnapshot(t *testing.T) {
	cfg := testConfig(t, "memory")
	c := startCluster(t, cfg, Options{})
	leader := waitLeader(t, c)
	down := leader%c.Size() + 1
	if err := c.Crash(down); err != nil {
		t.Fatal(err)
	}
	// New games keep the cities alive, so every entry changes the world.
	cl := c.NewClient()
	n := cfg.Raft.SnapshotEntries*2 + cfg.Raft.CompactionOverhead
	for i := 0; i < n; i++ {
		mustCommit(t, cl.NewGame(leader))
	}
	_, seq := c.Recorder().Bounds()
	if err := c.Restart(down); err != nil {
		t.Fatal(err)
	}
	testenv.WaitFor(t, 30*time.Second, "convergence after restart", c.Converged)
	testenv.WaitFor(t, 10*time.Second, "a snapshot restored by the restarted replica", func() bool {
		_, next := c.Recorder().Bounds()
		for _, o := range c.Recorder().Read(seq, int(next-seq), nil) {
			if o.Kind == record.Restore && int(o.Node) == down {
				return true
			}
		}
		return false
	})
}

// Garbage in a log entry is recorded as rejected on every replica and
// changes nothing else.
func TestUndecodableEntryChangesNothing(t *testing.T) {
	c := startCluster(t, testConfig(t, "memory"), Options{})
	leader := waitLeader(t, c)
	for _, data := range [][]byte{{0xff, 0, 1}, []byte("not an attack")} {
		if err := c.ProposeRaw(leader, data); err != nil {
			t.Fatalf("propose garbage: %v", err)
		}
	}
	testenv.WaitFor(t, 10*time.Second, "convergence", c.Converged)
	for _, s := range c.Status() {
		for p := 1; p <= c.Size(); p++ {
			if s.World.HP(p) != world.StartHP {
				t.Fatalf("replica %d: HP(%d) = %d after garbage", s.ID, p, s.World.HP(p))
			}
		}
		rec := s.World.Recent()
		if len(rec) < 2 || rec[len(rec)-1].Applied() || rec[len(rec)-2].Applied() {
			t.Fatalf("replica %d did not record the garbage as rejected: %+v", s.ID, rec)
		}
	}
	mustCommit(t, c.Attack(leader%c.Size()+1, 1, 2))
}

// A slow link delays commits: with every link out of the leader delayed,
// no attack through it can commit faster than the delay.
func TestSlowLinksDelayCommits(t *testing.T) {
	c := startCluster(t, testConfig(t, "memory"), Options{})
	leader := waitLeader(t, c)
	const delay = 80 * time.Millisecond
	for i := 1; i <= c.Size(); i++ {
		if i != leader {
			if err := c.SetLink(leader, i, cluster.Link{Delay: delay}); err != nil {
				t.Fatal(err)
			}
		}
	}
	o := mustCommit(t, c.Attack(leader, leader, leader%c.Size()+1))
	if o.Took < delay {
		t.Fatalf("attack committed in %v through links delayed by %v", o.Took, delay)
	}
	c.Heal()
	if o = mustCommit(t, c.Attack(leader, leader, leader%c.Size()+1)); o.Took >= delay {
		t.Fatalf("after the heal an attack took %v, as long as the delay %v", o.Took, delay)
	}
}

// Heal releases what slow links held: with every link delayed by far more
// than the test waits, the cluster still elects a leader and commits soon
// after the heal, and a later short delay does not queue behind the old
// long one.
func TestHealReleasesDelayedMessages(t *testing.T) {
	c := startCluster(t, testConfig(t, "memory"), Options{})
	waitLeader(t, c)
	setAll := func(d time.Duration) {
		for a := 1; a <= c.Size(); a++ {
			for b := 1; b <= c.Size(); b++ {
				if a != b {
					c.SetLink(a, b, cluster.Link{Delay: d})
				}
			}
		}
	}
	setAll(50 * time.Second)
	// Heartbeats queue behind 50 s delays; the election timers run out.
	testenv.WaitFor(t, 20*time.Second, "the replicas to lose their leader", func() bool {
		_, ok := c.LeaderAgreed()
		return !ok
	})
	c.Heal()
	leader := waitLeader(t, c) // 20 s at most: far less than the 50 s delay
	setAll(20 * time.Millisecond)
	mustCommit(t, c.NewClient().Attack(leader, leader, leader%c.Size()+1))
}

// A link that drops everything in both directions is as good as a cut:
// the two replicas never talk, but the cluster goes on.
func TestLossyLinksDropMessages(t *testing.T) {
	c := startCluster(t, testConfig(t, "memory"), Options{Record: true})
	leader := waitLeader(t, c)
	follower := leader%c.Size() + 1
	c.SetLink(leader, follower, cluster.Link{Drop: 1})
	c.SetLink(follower, leader, cluster.Link{Drop: 1})
	rec := c.Recorder()
	_, seq := rec.Bounds()
	mustCommit(t, c.Attack(leader, leader, follower))
	// A batch judged just before the link was set may be recorded just
	// after: the link's sends are in order, so from its first loss on,
	// every one must be lost.
	testenv.WaitFor(t, 10*time.Second, "three lost messages in the record", func() bool {
		var obs []record.Obs
		obs = rec.Read(seq, 1<<20, obs)
		lost := 0
		for _, o := range obs {
			if o.Kind != record.Send || int(o.Node) != leader || int(o.Peer) != follower {
				continue
			}
			if o.Lost {
				lost++
			} else if lost > 0 {
				t.Fatalf("a %v crossed a link that drops everything, after %d were lost", o.Msg, lost)
			}
		}
		return lost >= 3
	})
}

package node

import (
	"errors"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/raftian/raftian/cluster"
	"github.com/raftian/raftian/internal/testenv"
	"github.com/raftian/raftian/rewind"
	"github.com/raftian/raftian/world"
)

// Two replicas added while attacks are in flight join as voters, catch up
// to the same world, and their players join the game. With seven voters
// the quorum is four: three crashed and the cluster still commits, four
// crashed and it cannot.
func TestAddTwoReplicasUnderLoad(t *testing.T) {
	c := startCluster(t, testConfig(t, "memory"), Options{})
	waitLeader(t, c)
	var tickets []*cluster.Ticket
	load := func() {
		for via := 1; via <= 5; via++ {
			tickets = append(tickets, c.Attack(via, via, via%5+1))
		}
	}
	for want := 6; want <= 7; want++ {
		load()
		id, err := c.AddReplica(cluster.AddStall)
		if err != nil || id != want {
			t.Fatalf("add: replica %d, %v; want replica %d", id, err, want)
		}
		load()
	}
	for _, tk := range tickets {
		mustCommit(t, tk)
	}
	testenv.WaitFor(t, 30*time.Second, "all seven replicas to hold the same world", func() bool {
		st := c.Status()
		for _, s := range st {
			if !s.Up || s.World.Players() != 7 || s.World.Hash() != st[0].World.Hash() {
				return false
			}
		}
		return true
	})
	for _, s := range c.Status() {
		if v := c.Believes(s.ID); !slices.Equal(v, []int{1, 2, 3, 4, 5, 6, 7}) || s.NonVoting {
			t.Errorf("replica %d believes in voters %v (non-voting %v)", s.ID, v, s.NonVoting)
		}
	}
	if v := c.Voters(); v != 7 {
		t.Fatalf("%d voters; want 7", v)
	}
	// The new players play: 6 attacks 7 through replica 7.
	if o := mustCommit(t, c.Attack(7, 6, 7)); o.Reason != world.ReasonNone || o.HP != world.StartHP-world.Damage {
		t.Errorf("6 attacks 7: %v, HP %d", o.Reason, o.HP)
	}

	leader := waitLeader(t, c)
	var down []int
	for i := 1; len(down) < 3; i++ {
		if i != leader {
			down = append(down, i)
		}
	}
	for _, i := range down {
		if err := c.Crash(i); err != nil {
			t.Fatal(err)
		}
	}
	if o := c.Attack(leader, leader, 6).Wait(); !o.OK {
		t.Fatalf("with three of seven down (%v) an attack failed: %s", down, o.Err)
	}
	fourth := 7
	if fourth == leader {
		fourth = 6
	}
	if err := c.Crash(fourth); err != nil {
		t.Fatal(err)
	}
	if o := c.Attack(leader, leader, 6).Wait(); o.OK {
		t.Fatalf("with four of seven down (%v and %d) an attack committed", down, fourth)
	}
}

// Removing the leader: the change commits, the old leader stops, the
// others elect a new leader among themselves, its player's city is ruins,
// and it can never be restarted.
func TestRemoveTheLeader(t *testing.T) {
	c := startCluster(t, testConfig(t, "memory"), Options{})
	leader := waitLeader(t, c)
	if err := c.RemoveReplica(leader, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	next := waitLeader(t, c)
	if next == leader {
		t.Fatalf("replica %d still leads after it was removed", leader)
	}
	if c.Voters() != 4 {
		t.Errorf("%d voters after a removal from five", c.Voters())
	}
	testenv.WaitFor(t, 20*time.Second, "every live replica to see the ruins and the new membership", func() bool {
		for _, s := range c.Status() {
			if v := c.Believes(s.ID); s.Up && (!s.World.Left(leader) || slices.Contains(v, leader) || len(v) != 4) {
				return false
			}
		}
		return true
	})
	if st := c.Status()[leader-1]; !st.Removed || st.Up {
		t.Errorf("the removed leader: removed %v, up %v", st.Removed, st.Up)
	}
	if err := c.Restart(leader); err == nil {
		t.Error("a removed replica restarted")
	}
	mustCommit(t, c.Attack(next, next, leader%5+1))
}

// On disk, a program restarted on the same data comes back with the same
// members: the added replica on its port with its player, the removed
// one left out.
func TestMembershipSurvivesARestart(t *testing.T) {
	cfg := testConfig(t, "disk")
	c := startCluster(t, cfg, Options{})
	waitLeader(t, c)
	id, err := c.AddReplica(cluster.AddStall)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.RemoveReplica(2, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	added := c.Config().Players[id-1]
	mustCommit(t, c.Attack(waitLeader(t, c), id, 1))
	c.Close()

	c = startCluster(t, cfg, Options{})
	waitLeader(t, c)
	if c.Size() != 6 || c.Config().Players[id-1] != added {
		t.Fatalf("after the restart: %d replicas, replica %d is %+v; want 6, %+v", c.Size(), id, c.Config().Players[id-1], added)
	}
	st := c.Status()
	if !st[1].Removed || st[1].Up || !st[id-1].Up || st[id-1].NonVoting {
		t.Errorf("after the restart: 2 removed %v up %v; %d up %v non-voting %v", st[1].Removed, st[1].Up, id, st[id-1].Up, st[id-1].NonVoting)
	}
	testenv.WaitFor(t, 20*time.Second, "the added player's attack on every replica", func() bool {
		for _, s := range c.Status() {
			if s.Up && (s.World.Players() != 6 || s.World.HP(1) != world.StartHP-world.Damage || !s.World.Left(2)) {
				return false
			}
		}
		return true
	})
	mustCommit(t, c.Attack(id, id, 3))
}

// addInBackground starts an addition with a short stall time and returns
// a channel that gets its outcome.
func addInBackground(c *Cluster, stall time.Duration) <-chan error {
	out := make(chan error, 1)
	go func() {
		_, err := c.AddReplica(stall)
		out <- err
	}()
	return out
}

// undoneEverywhere checks that replica id's addition left nothing
// half-done: it is removed and stopped, its port is free, the shard and
// the game agree (its number is ruins), and the next addition works.
func undoneEverywhere(t *testing.T, c *Cluster, id int) {
	t.Helper()
	st := c.Status()[id-1]
	if !st.Removed || st.Up || st.Joining || st.Leaving {
		t.Fatalf("replica %d after its addition was undone: removed %v up %v joining %v leaving %v", id, st.Removed, st.Up, st.Joining, st.Leaving)
	}
	if l, err := net.Listen("tcp", c.Config().Players[id-1].Address); err != nil {
		t.Errorf("replica %d's port is still taken: %v", id, err)
	} else {
		l.Close()
	}
	if err := c.CheckMembers(20 * time.Second); err != nil {
		t.Fatal(err)
	}
	testenv.WaitFor(t, 20*time.Second, "ruins for the undone replica on every live replica", func() bool {
		for _, s := range c.Status() {
			if s.Up && (s.World.Players() < id || !s.World.Left(id)) {
				return false
			}
		}
		return true
	})
	next, err := c.AddReplica(cluster.AddStall)
	if err != nil || next != id+1 {
		t.Fatalf("the next addition: replica %d, %v; want replica %d", next, err, id+1)
	}
	if err := c.CheckMembers(20 * time.Second); err != nil {
		t.Fatal(err)
	}
	mustCommit(t, c.Attack(next, next, 1))
}

// An addition whose new replica is cut off catches up on nothing: after its stall time it is undone, with the reason, and
// leaves nothing half-done.
func TestAnAddCutOffIsUndone(t *testing.T) {
	c := startCluster(t, testConfig(t, "memory"), Options{})
	waitLeader(t, c)
	c.net.SetIsolated(6, true) // not there yet: the new replica is born cut off
	start := time.Now()
	done := addInBackground(c, 2*time.Second)
	err := <-done
	if err == nil || !strings.Contains(err.Error(), "no progress") || !strings.Contains(err.Error(), "Undone") {
		t.Fatalf("an addition cut off: %v; want it undone for want of progress", err)
	}
	if took := time.Since(start); took > 20*time.Second {
		t.Errorf("the addition took %v to give up", took)
	}
	c.Heal()
	undoneEverywhere(t, c, 6)
}

// Removing a replica whose addition is under way cancels the addition,
// which undoes itself.
func TestRemovingAJoiningReplicaCancelsItsAddition(t *testing.T) {
	c := startCluster(t, testConfig(t, "memory"), Options{})
	waitLeader(t, c)
	c.net.SetIsolated(6, true) // not there yet: the new replica is born cut off, and stays joining
	done := addInBackground(c, time.Minute)
	testenv.WaitFor(t, 20*time.Second, "replica 6 to be joining", func() bool {
		st := c.Status()
		return len(st) == 6 && st[5].Joining
	})
	if err := c.RemoveReplica(6, 20*time.Second); err != nil {
		t.Fatalf("removing the joining replica: %v", err)
	}
	if err := <-done; !errors.Is(err, errCancelled) && (err == nil || !strings.Contains(err.Error(), "cancelled")) {
		t.Fatalf("the cancelled addition ended with %v", err)
	}
	c.Heal()
	undoneEverywhere(t, c, 6)
}

// With no leader an addition takes no number: it ends after its stall
// time saying why, and the cluster is as it was.
func TestAnAddWithoutALeaderTakesNothing(t *testing.T) {
	c := startCluster(t, testConfig(t, "memory"), Options{})
	waitLeader(t, c)
	c.Partition([][]int{{1, 2}, {3, 4}, {5}})
	if _, err := c.AddReplica(2 * time.Second); err == nil || !strings.Contains(err.Error(), "no leader") {
		t.Fatalf("an addition with no majority anywhere: %v", err)
	}
	if c.Size() != 5 {
		t.Fatalf("%d replicas after a failed addition", c.Size())
	}
	c.Heal()
	if id, err := c.AddReplica(cluster.AddStall); err != nil || id != 6 {
		t.Fatalf("after the heal: replica %d, %v", id, err)
	}
}

// An addition during a partition joins the leader's side and completes.
func TestAnAddDuringAPartitionJoinsTheLeadersSide(t *testing.T) {
	c := startCluster(t, testConfig(t, "memory"), Options{})
	waitLeader(t, c)
	c.Partition([][]int{{1, 2}, {3, 4, 5}})
	testenv.WaitFor(t, 20*time.Second, "a leader in 3, 4, 5", func() bool {
		l, ok := c.LeaderAgreed()
		return ok && l >= 3
	})
	id, err := c.AddReplica(cluster.AddStall)
	if err != nil || id != 6 {
		t.Fatalf("an addition during a partition: replica %d, %v", id, err)
	}
	if err := c.CheckMembers(20 * time.Second); err != nil {
		t.Fatal(err)
	}
	c.Heal()
	mustCommit(t, c.Attack(6, 6, 1))
}

// A program restarted after a removal knows the replica is removed: its
// status says so (it never ran in this program: no world), it cannot be
// restarted, the record starts with its removal, and the membership
// agrees.
func TestARemovalSurvivesARestart(t *testing.T) {
	cfg := testConfig(t, "disk")
	c := startCluster(t, cfg, Options{})
	waitLeader(t, c)
	for range 2 {
		if _, err := c.AddReplica(cluster.AddStall); err != nil {
			t.Fatal(err)
		}
	}
	leader := waitLeader(t, c)
	if err := c.RemoveReplica(leader, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	c.Close()

	c = startCluster(t, cfg, Options{Record: true})
	waitLeader(t, c)
	st := c.Status()
	if len(st) != 7 || !st[leader-1].Removed || st[leader-1].Up || st[leader-1].World != nil {
		t.Fatalf("after the restart: %d replicas; the removed %d: %+v", len(st), leader, st[leader-1])
	}
	if err := c.Restart(leader); err == nil {
		t.Error("the removed replica restarted")
	}
	if v := c.Voters(); v != 6 {
		t.Errorf("%d voters; want 6", v)
	}
	if err := c.CheckMembers(20 * time.Second); err != nil {
		t.Fatal(err)
	}
	m := rewind.New(c.Recorder())
	m.Update()
	if s := m.Head(); !s.Replicas[leader-1].Removed || s.Voters() != 6 || s.Majority() != 4 {
		t.Errorf("the record after the restart: removed %v, %d voters, majority %d", s.Replicas[leader-1].Removed, s.Voters(), s.Majority())
	}
}

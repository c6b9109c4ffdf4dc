package node

import (
	"slices"
	"testing"
	"time"

	"github.com/raftian/raftian/internal/testenv"
	"github.com/raftian/raftian/world"
)

// Two replicas added while attacks are in flight join as voters, catch up
// to the same world, and their players join the game. With seven voters
// the quorum is four: three crashed and the cluster still commits, four
// crashed and it cannot.
func TestAddTwoReplicasUnderLoad(t *testing.T) {
	c := startCluster(t, testConfig(t, "memory"), Options{})
	waitLeader(t, c)
	var tickets []*Ticket
	load := func() {
		for via := 1; via <= 5; via++ {
			tickets = append(tickets, c.Attack(via, via, via%5+1))
		}
	}
	for want := 6; want <= 7; want++ {
		load()
		id, err := c.AddReplica(30 * time.Second)
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
	id, err := c.AddReplica(30 * time.Second)
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

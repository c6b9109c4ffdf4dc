package chaos

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/raftian/raftian/cluster"
	"github.com/raftian/raftian/command"
	"github.com/raftian/raftian/node"
	"github.com/raftian/raftian/world"
)

// nemesis injects faults (and leadership transfers) for d on a schedule
// drawn from rng, so that a seed replays the same faults (Raft's own
// timing still varies). It keeps
// a majority able to run most of the time: at most two replicas down.
// It returns the faults it injected, with when.
func nemesis(c *node.Cluster, rec *recorder, members *memberCheck, rng *rand.Rand, d time.Duration, count *atomic.Int64) []string {
	down := map[int]bool{}
	var faults []string
	start := time.Now()
	end := start.Add(d)
	for {
		wait := time.Duration(200+rng.IntN(1000)) * time.Millisecond
		if time.Now().Add(wait).After(end) {
			time.Sleep(time.Until(end))
			return faults
		}
		time.Sleep(wait)
		n := c.Size() // it grows as replicas are added
		r := rng.IntN(n) + 1
		var what []command.Command // the fault, as the commands that make it
		switch k := rng.IntN(100); {
		case k < 15 && len(down) < 2:
			if c.Crash(r) == nil {
				down[r] = true
				what = crash(r)
			}
		case k < 25 && len(down) < 2:
			if l := c.Leader(); l != 0 && c.Crash(l) == nil {
				down[l] = true
				what = crash(l)
			}
		case k < 40:
			for i := range down {
				if c.Restart(i) == nil {
					delete(down, i)
					what = []command.Command{command.Restart{Replica: i}}
					break
				}
			}
		case k < 48:
			// Leadership handed over on purpose: proposals in flight
			// must survive the leader stepping down.
			if _, _, err := c.Transfer(r, 2*c.ElectionTimeout()); err == nil {
				what = []command.Command{command.Transfer{Replica: command.Replica(r)}}
			}
		case k < 52 && c.Size() < 9:
			// A replica added: non-voting, caught up, a voter; its player
			// joins the game. Now and then during a partition: it joins
			// the leader's side, or is undone if it cannot catch up.
			if rng.IntN(3) == 0 {
				groups := randomGroups(rng, n)
				c.Partition(groups)
				what = append(what, command.Partition{Groups: groups})
			}
			rec.changing(world.KindJoin, n+1)
			_, err := c.AddReplica(5 * time.Second)
			members.note(err)
			what = append(what, command.Add{})
		case k < 55 && c.Voters() > 3:
			// A replica removed for good (the leader, now and then, while
			// a follower is cut off); its player leaves the game.
			if l := c.Leader(); l != 0 && rng.IntN(3) == 0 {
				if f := l%n + 1; f != l {
					c.Isolate(f)
					what = append(what, command.Isolate{Replica: command.Replica(f)})
				}
				r = l
			}
			rec.changing(world.KindLeave, r)
			err := c.RemoveReplica(r, 5*time.Second)
			members.note(err)
			if err == nil {
				delete(down, r)
			}
			what = append(what, command.Remove{Replica: command.Replica(r)})
		case k < 57:
			// The whole cluster restarts: every replica down, then up
			// again from its own data.
			for i := 1; i <= n; i++ {
				c.Crash(i) // an error: down already, or removed
			}
			for i := 1; i <= n; i++ {
				c.Restart(i)
			}
			clear(down)
			what = append(what, command.Crash{Replica: command.Ref{Role: command.All}}, command.Restart{})
		case k < 60:
			if l := c.Leader(); l != 0 && rng.IntN(2) == 0 {
				r = l // the leader is the interesting one to cut off
			}
			c.Isolate(r)
			what = []command.Command{command.Isolate{Replica: command.Replica(r)}}
		case k < 73:
			groups := randomGroups(rng, n)
			c.Partition(groups)
			what = []command.Command{command.Partition{Groups: groups}}
		case k < 82:
			a, b := pair(rng, n)
			drop := 0.2 + 0.6*rng.Float64()
			c.SetLink(a, b, cluster.Link{Drop: drop})
			c.SetLink(b, a, cluster.Link{Drop: drop})
			what = []command.Command{command.Link{From: a, To: b, Drop: drop}, command.Link{From: b, To: a, Drop: drop}}
		case k < 91:
			a, b := pair(rng, n)
			delay := time.Duration(5+rng.IntN(60)) * time.Millisecond
			c.SetLink(a, b, cluster.Link{Delay: delay})
			what = []command.Command{command.Link{From: a, To: b, Delay: delay}}
		default:
			c.Heal()
			what = []command.Command{command.Heal{}}
		}
		for _, cmd := range what {
			count.Add(1)
			faults = append(faults, fmt.Sprintf("%6.2fs %s", time.Since(start).Seconds(), cmd))
		}
	}
}

// memberCheck collects what membership changes said of the membership
// invariant (each change checks it when it is done).
type memberCheck struct {
	mu       sync.Mutex
	changes  int
	failed   int
	problems []string
}

func (m *memberCheck) note(err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.changes++
	if err != nil {
		m.failed++
	}
	if errors.Is(err, node.ErrMembersDisagree) {
		m.problems = append(m.problems, err.Error())
	}
}

// check is the chaos check of the membership: every change left it
// agreeing with the game, and so does the end.
func (m *memberCheck) check(c *node.Cluster) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.problems) > 0 {
		return "", fmt.Errorf("%d changes broke the invariant, first: %s", len(m.problems), m.problems[0])
	}
	if err := c.CheckMembers(60 * time.Second); err != nil {
		return "", err
	}
	return fmt.Sprintf("%d membership changes (%d failed and were undone or not begun); %d voters; every member has a player and every live player is a member",
		m.changes, m.failed, c.Voters()), nil
}

func crash(r int) []command.Command {
	return []command.Command{command.Crash{Replica: command.Replica(r)}}
}

// randomGroups splits 1..n into two or three non-empty groups.
func randomGroups(rng *rand.Rand, n int) [][]int {
	perm := rng.Perm(n)
	k := 2 + rng.IntN(2)
	groups := make([][]int, k)
	for i, p := range perm {
		g := i % k
		if i >= k {
			g = rng.IntN(k)
		}
		groups[g] = append(groups[g], p+1)
	}
	return groups
}

func pair(rng *rand.Rand, n int) (int, int) {
	a := rng.IntN(n) + 1
	b := rng.IntN(n-1) + 1
	if b >= a {
		b++
	}
	return a, b
}

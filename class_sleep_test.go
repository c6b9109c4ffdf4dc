package main

import (
	"syscall"
	"testing"
	"time"
)

// Issue 25, what must be shown 2: a laptop that sleeps is a process
// stopped (SIGSTOP). The leader's sleeps 10 s: the others elect a new
// leader meanwhile and play on; it wakes (SIGCONT), steps down and
// catches up. Then a follower's sleeps 10 s and catches up. Every world
// ends equal, holding every acknowledged attack.
func TestClassSurvivesSleepingLaptops(t *testing.T) {
	seats := startClass(t, 5)
	hits := newTally()
	play := func(skip int) { hits.ring(seats, skip) }
	play(0)
	me, _ := seats[2].status(2)
	sleeping := []int{me.Leader, 0}
	sleeping[1] = sleeping[0]%5 + 1 // a follower, next
	for round, n := range sleeping {
		asleep := time.Now()
		seats[n].cmd.Process.Signal(syscall.SIGSTOP)
		watcher := n%5 + 1
		if round == 0 {
			leader, term := seats[watcher].leaderOther(watcher, n, time.Minute)
			t.Logf("seat %d's laptop sleeps; seat %d follows seat %d in term %d, %v later", n, watcher, leader, term, time.Since(asleep).Round(time.Millisecond))
		}
		play(n)
		if d := 10*time.Second - time.Since(asleep); d > 0 {
			time.Sleep(d) // the laptop sleeps ten seconds: the scenario, not a wait for a condition
		}
		seats[n].cmd.Process.Signal(syscall.SIGCONT)
		woke := time.Now()
		from := seats[n].next()
		seats[n].send("wait converged 60s")
		seats[n].waitLine(from, "converged after", 70*time.Second)
		mine, _ := seats[n].status(n)
		if mine.Role == "leader" && round == 0 && mine.Leader == n {
			// It may win a later election fairly; it must not still lead
			// in the term it slept in.
			if mine.Term <= me.Term {
				t.Fatalf("seat %d woke and still leads in term %d", n, mine.Term)
			}
		}
		t.Logf("seat %d woke: %s in term %d, caught up %v after waking", n, mine.Role, mine.Term, time.Since(woke).Round(time.Millisecond))
	}
	play(0)
	own, _ := converged(t, seats)
	for n := 1; n <= 5; n++ {
		hits.check(t, n, own[n])
	}
	t.Logf("every world is %s; acknowledged hits %v of %v sent", own[1].WorldHash, hits.acked, hits.sent)
}

package main

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"
)

// startClass starts a teacher and students 2..n as processes on their own
// loopback addresses, every seat a voter once joined.
func startClass(t *testing.T, n int) []*seatProcess {
	t.Helper()
	bin := buildRaftian(t)
	cfg := testConfigFile(t, "")
	port := freePortPair(t)
	classAddr := fmt.Sprintf("127.0.0.1:%d", port)
	seats := make([]*seatProcess, n+1)
	seats[1] = startSeatProcess(t, bin, "class", "--headless", "--listen", classAddr, "--data", t.TempDir(), "--config", cfg)
	line, _ := seats[1].waitLine(0, "join code: ", 60*time.Second)
	code := strings.TrimPrefix(line, "join code: ")
	for i := 2; i <= n; i++ {
		seats[i] = startSeatProcess(t, bin, "join", code+"@"+classAddr, "--headless", "--name", fmt.Sprintf("S%d", i),
			"--listen", fmt.Sprintf("127.0.0.%d:%d", i, port+2), "--data", t.TempDir(), "--config", cfg)
		seats[i].waitLine(0, fmt.Sprintf("seat %d (S%d): a voter", i, i), 60*time.Second)
	}
	return seats
}

// attack has seat n attack seat to and reports whether it was
// acknowledged.
func (p *seatProcess) attack(n, to int) bool {
	p.t.Helper()
	from := p.next()
	p.send(fmt.Sprintf("attack %d %d", n, to))
	for i := from; ; i++ {
		line, _ := p.waitLine(i, "", 60*time.Second)
		switch {
		case strings.HasPrefix(line, "committed: "):
			return true
		case strings.HasPrefix(line, "failed: "), strings.HasPrefix(line, "rejected: "):
			return false
		case strings.HasPrefix(line, "error: "):
			p.t.Fatalf("seat %d: attack %d %d: %s", n, n, to, line)
		}
	}
}

// leaderOf waits until seat n believes in a leader other than not, and
// returns it with its term.
func (p *seatProcess) leaderOther(n, not int, within time.Duration) (int, uint64) {
	p.t.Helper()
	for deadline := time.Now().Add(within); ; {
		me, _ := p.status(n)
		if me.Leader != 0 && me.Leader != not {
			return me.Leader, me.Term
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("seat %d still believes in leader %d after %v", n, me.Leader, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Issue 25, what must be shown 2: a laptop that sleeps is a process
// stopped (SIGSTOP). The leader's sleeps 10 s: the others elect a new
// leader meanwhile and play on; it wakes (SIGCONT), steps down and
// catches up. Then a follower's sleeps 10 s and catches up. Every world
// ends equal, holding every acknowledged attack.
func TestClassSurvivesSleepingLaptops(t *testing.T) {
	seats := startClass(t, 5)
	sent, acked := map[int]int{}, map[int]int{}
	play := func(skip int) {
		for n := 1; n <= 5; n++ {
			if n == skip {
				continue
			}
			to := n%5 + 1
			sent[to]++
			if seats[n].attack(n, to) {
				acked[to]++
			}
		}
	}
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
	var hash string
	for n := 1; n <= 5; n++ {
		from := seats[n].next()
		seats[n].send("wait converged 60s")
		seats[n].waitLine(from, "converged after", 70*time.Second)
		mine, _ := seats[n].status(n)
		if hash == "" {
			hash = mine.WorldHash
		} else if mine.WorldHash != hash {
			t.Errorf("seat %d's world %s, seat 1's %s", n, mine.WorldHash, hash)
		}
		for target := 1; target <= 5; target++ {
			// A city falls at 0: hits past that are refused, not acknowledged.
			most, least := max(0, 100-30*acked[target]), max(0, 100-30*sent[target])
			if hp := mine.HP[target-1]; hp > most || hp < least {
				t.Errorf("seat %d: city %d has %d HP; acknowledged hits give at most %d, sent ones at least %d", n, target, hp, most, least)
			}
		}
	}
	t.Logf("every world is %s; acknowledged hits %v of %v sent", hash, acked, sent)
}

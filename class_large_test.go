package main

import (
	"testing"
	"time"
)

// Issue 25, what must be shown 4: a class of 32 seats, each its own
// process on its own loopback address: five voters and 27 non-voting
// seats, every one with a city. All join; an attack through a non-voting
// seat and one on the 32nd city commit; the leader's process is
// SIGKILLed and the four other voters elect a new leader, through whom
// the class plays on; every living seat's own world ends equal.
func TestAClassOfThirtyTwoSeats(t *testing.T) {
	const size, voters = 32, 5
	// Without the race detector: 32 instrumented processes on the two
	// cores CI has would starve every other test; the five-seat class
	// tests run the race-built program.
	bin := plainBin.build(t)
	cfg := testConfigFile(t, "")
	var seats []*seatProcess
	teacher, classAddr, code, port := startTeacher(t, bin, cfg)
	begun := time.Now()
	seats = joinSeats(t, bin, cfg, code+"@"+classAddr, port, size, voters)
	seats[1] = teacher
	t.Logf("%d seats joined in %v", size, time.Since(begun).Round(time.Millisecond))
	// Its city's entry commits as it joins: its own replica applies it
	// soon after.
	me, all := seats[size].status(size)
	for deadline := time.Now().Add(time.Minute); len(me.HP) != size || len(all) != size; me, all = seats[size].status(size) {
		if time.Now().After(deadline) {
			t.Fatalf("seat %d sees %d seats and %d cities, want %d", size, len(all), len(me.HP), size)
		}
		time.Sleep(100 * time.Millisecond)
	}
	hits := newTally()
	hits.hit(seats[size], size, 1) // through a non-voting seat: forwarded to the leader
	hits.hit(seats[2], 2, size)
	if hits.acked[1]+hits.acked[size] != 2 {
		t.Fatalf("attacks in a class of %d: %v acknowledged of %v", size, hits.acked, hits.sent)
	}
	leader := me.Leader
	if leader < 1 || leader > voters {
		t.Fatalf("seat %d believes in leader %d, not a voter", size, leader)
	}
	// Seats learn where the newest seats listen from the teacher's roster
	// (read every 2 s): a voter that leads next must know it before the
	// teacher's laptop (here the leader's) goes.
	for n := 1; n <= voters; n++ {
		for deadline := time.Now().Add(time.Minute); ; time.Sleep(200 * time.Millisecond) {
			_, all := seats[n].status(n)
			if len(all) == size && all[size-1].Address != "" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("voter %d does not know where seat %d listens", n, size)
			}
		}
	}
	crashed := time.Now()
	seats[leader].cmd.Process.Kill()
	seats[leader].cmd.Wait()
	watcher := 20 // a non-voting seat learns of the new leader too
	next, term := seats[watcher].leaderOther(watcher, leader, time.Minute)
	if next < 1 || next > voters {
		t.Fatalf("seat %d follows seat %d after the crash, not a voter", watcher, next)
	}
	t.Logf("seat %d's process killed; seat %d follows seat %d in term %d, %v later", leader, watcher, next, term, time.Since(crashed).Round(time.Millisecond))
	via := leader%voters + 1
	// Seat 32 may not know the new leader yet: its attack may fail. The
	// class plays on through a voter.
	hits.hit(seats[size], size, via)
	for try := 0; ; try++ {
		before := hits.acked[size]
		if hits.hit(seats[via], via, size); hits.acked[size] > before {
			break
		}
		if try == 5 {
			t.Fatalf("seat %d's attacks after the crash: none acknowledged in %d tries", via, try+1)
		}
	}
	living := []*seatProcess{nil}
	for n := 1; n <= size; n++ {
		if n != leader {
			living = append(living, seats[n])
		}
	}
	var first string
	for k := 1; k < len(living); k++ {
		p := living[k]
		from := p.next()
		p.send("wait converged 60s")
		p.waitLine(from, "converged after", 70*time.Second)
		n := seatOf(p, seats)
		own, _ := p.status(n)
		hits.check(t, n, own)
		if first == "" {
			first = own.WorldHash
		} else if own.WorldHash != first {
			t.Errorf("seat %d's world %s differs from %s", n, own.WorldHash, first)
		}
	}
	t.Logf("%d living seats share world %s; hits %v of %v", size-1, first, hits.acked, hits.sent)
}

func seatOf(p *seatProcess, seats []*seatProcess) int {
	for n, s := range seats {
		if s == p {
			return n
		}
	}
	return 0
}

package main

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/raftian/raftian/class"
)

// rtt asks seat process p for its status and returns the Raft round trip
// its replica runs with.
func (p *seatProcess) rtt() int {
	p.t.Helper()
	from := p.next()
	p.send("status")
	line, _ := p.waitLine(from, "this laptop runs seat", 30*time.Second)
	var seat, ms int
	if _, err := fmt.Sscanf(line, "this laptop runs seat %d · Raft round trip %d ms", &seat, &ms); err != nil {
		p.t.Fatalf("cannot read %q: %v", line, err)
	}
	return ms
}

// awaitRTT waits until seat n runs with the round trip ms.
func awaitRTT(t *testing.T, p *seatProcess, n, ms int) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(100 * time.Millisecond) {
		got := p.rtt()
		if got == ms {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("seat %d runs with a round trip of %d ms, a minute after the teacher set %d", n, got, ms)
		}
	}
}

// Issue 25, timing: a class runs with its own round trip, suited to Wi-Fi,
// whatever the laptops' one-window setting; only the teacher changes it,
// and every seat follows, one asleep at the time too once it wakes. The
// class plays on after.
func TestTheClassFollowsTheTeachersRoundTrip(t *testing.T) {
	seats := startClass(t, 3)
	for n := 1; n <= 3; n++ {
		if got := seats[n].rtt(); got != class.DefaultRTT {
			t.Fatalf("seat %d runs with %d ms, not the class's %d", n, got, class.DefaultRTT)
		}
	}
	from := seats[2].next()
	seats[2].send("set rtt 150")
	if line, _ := seats[2].waitLine(from, "error: ", 30*time.Second); !strings.Contains(line, "only the teacher") {
		t.Fatalf("a student's set rtt: %q", line)
	}
	seats[3].cmd.Process.Signal(syscall.SIGSTOP) // asleep while it changes
	from = seats[1].next()
	seats[1].send("set rtt 150")
	seats[1].waitLine(from, "the class's Raft round trip is 150 ms", 30*time.Second)
	awaitRTT(t, seats[1], 1, 150)
	awaitRTT(t, seats[2], 2, 150)
	// Both restarted: an election; seats 1 and 2 are a quorum of three.
	seats[2].leaderOther(2, 0, time.Minute)
	hits := newTally()
	if hits.hit(seats[2], 2, 3); hits.acked[3] == 0 {
		t.Fatalf("an attack failed after the round trip changed: %s", tail(strings.Join(seats[2].snapshot(), "\n"), 600))
	}
	seats[3].cmd.Process.Signal(syscall.SIGCONT)
	awaitRTT(t, seats[3], 3, 150)
	// Seat 3 restarted its replica on waking: the class plays on, each
	// seat's attacks committing (one may fail during an election).
	for n := 1; n <= 3; n++ {
		for try, acked := 1, hits.acked[n%3+1]; hits.acked[n%3+1] == acked; try++ {
			if try > 5 {
				t.Fatalf("seat %d's attacks: none acknowledged in 5 tries after every seat took the new round trip", n)
			}
			seats[n].leaderOther(n, 0, time.Minute) // its replica may have just restarted
			hits.hit(seats[n], n, n%3+1)
		}
	}
	own, _ := converged(t, seats)
	for n := 1; n <= 3; n++ {
		hits.check(t, n, own[n])
	}
	t.Logf("every seat at 150 ms; world %s; hits %v of %v", own[1].WorldHash, hits.acked, hits.sent)
}

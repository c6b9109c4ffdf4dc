package main

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/raftian/raftian/internal/recordcheck"
	"github.com/raftian/raftian/record"
)

// Issue 26, what must be shown 1: five processes on loopback, seat 3's
// clock 3 s ahead and seat 4's 2 s behind, the teacher keeping the
// class's merged record (--observe). Attacks; the teacher's replica, the
// leader, crashes and restarts. The merged record passes the record check
// (every delivery after its send, terms never falling, one leader per
// term, no commit past a log's end); the skews are found (no message
// takes anything like seconds on loopback); and the model's end state is
// every seat's own world.
func TestTheClassRecordIsMergedOnOneClock(t *testing.T) {
	bin := buildRaftian(t)
	cfg := testConfigFile(t, "")
	path := filepath.Join(t.TempDir(), "class.jsonl.gz")
	port := freePortPair(t)
	classAddr := fmt.Sprintf("127.0.0.1:%d", port)
	seats := make([]*seatProcess, 6)
	seats[1] = startSeatProcess(t, bin, "class", "--headless", "--listen", classAddr, "--data", t.TempDir(),
		"--config", cfg, "--observe", path)
	code := seats[1].joinCode()
	skew := map[int]string{3: "3s", 4: "-2s"}
	for n := 2; n <= 5; n++ {
		var env []string
		if s, ok := skew[n]; ok {
			env = []string{record.ClockOffsetVar + "=" + s}
		}
		seats[n] = startSeatProcessEnv(t, env, bin, "join", code+"@"+classAddr, "--headless", "--name", fmt.Sprintf("S%d", n),
			"--listen", fmt.Sprintf("127.0.0.%d:%d", n, port+2), "--data", t.TempDir(), "--config", cfg)
		seats[n].waitLine(0, fmt.Sprintf("seat %d (S%d): a voter", n, n), 60*time.Second)
	}
	hits := newTally()
	play := func(skip int) { hits.ring(seats, skip) }
	// teach has the teacher type line and waits for the line of its
	// console that starts with want.
	teach := func(line, want string) string {
		t.Helper()
		from := seats[1].next()
		seats[1].send(line)
		got, _ := seats[1].waitLine(from, want, 60*time.Second)
		return got
	}
	play(0)
	// Leadership to a student's laptop, by the teacher: the leader's
	// laptop hands it over.
	leader, _ := seats[2].leaderOther(2, 0, time.Minute)
	target := 2
	if leader == 2 {
		target = 3
	}
	handed := fmt.Sprintf("seat %d: replica %d leads term", leader, target)
	if leader == 1 {
		handed = fmt.Sprintf("replica %d leads term", target) // the teacher led: it handed leadership over itself
	}
	teach(fmt.Sprintf("transfer %d", target), handed)
	// The teacher crashes the leader: seat target's process carries it
	// out and stays up.
	teach("crash leader", fmt.Sprintf("seat %d: crashed replica %d", target, target))
	watcher := target%5 + 1
	next, term := seats[watcher].leaderOther(watcher, target, time.Minute)
	t.Logf("the teacher crashed seat %d's replica; seat %d follows seat %d in term %d", target, watcher, next, term)
	if me, _ := seats[target].status(target); me.Up {
		t.Errorf("seat %d's own status says its replica is up after the teacher crashed it", target)
	}
	play(target)
	teach("restart all", fmt.Sprintf("seat %d: restarted replica %d", target, target))
	// A network fault, carried out by every seat's transport.
	teach("isolate 4", "isolate 4: done on this laptop")
	seats[5].leaderOther(5, 4, time.Minute)
	teach("heal", "heal: done on this laptop")
	// Seat 3's laptop is off the network for 5 s: its replica's links and
	// its stream are cut; when it comes back, what it saw meanwhile comes
	// too late and is a marked gap.
	teach("offline 3 5s", "seat 3: this laptop is off the network for 5s")
	play(3)
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(100 * time.Millisecond) { // until it is back
		if me, _ := seats[3].status(3); !me.Isolated {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("seat 3 is still off the network a minute after it went off for 5 s")
		}
	}
	play(0)
	own, _ := converged(t, seats)
	for n := 1; n <= 5; n++ {
		hits.check(t, n, own[n])
	}

	seats[1].stdin.Close() // the teacher's program ends: the record is written out
	seats[1].cmd.Wait()
	log, err := record.ReadLogFile(path)
	if err != nil {
		t.Fatalf("the merged record: %v\n%s", err, tail(seats[1].err.String(), 2000))
	}
	head, err := recordcheck.Check(log)
	if err != nil {
		t.Fatalf("the merged record: %v\n%s", err, tail(seats[1].err.String(), 800))
	}
	if len(head.Replicas) != 5 {
		t.Fatalf("the merged record tells of %d replicas, want 5", len(head.Replicas))
	}
	for n := 1; n <= 5; n++ {
		if got := head.Replicas[n-1].World.Hash(); got != own[n].WorldHash {
			t.Errorf("seat %d: the merged record ends with world %s, the seat holds %s", n, got, own[n].WorldHash)
		}
	}
	// Between seats on loopback a message takes milliseconds: a clock
	// read seconds wrong would show as seconds.
	first, end := log.Bounds()
	sent := map[uint64]int64{}
	var took []int64
	var crashed, gap, after, lost int
	for _, o := range log.Read(first, int(end-first), nil) {
		switch {
		case o.Kind == record.Down && int(o.Node) == target:
			crashed++
		case o.Kind == record.Gap && o.Node == 3 && o.Index > 0:
			gap++
			lost += int(o.Index)
		case o.Node == 3 && gap > 0:
			after++
		}
		switch o.Kind {
		case record.Send:
			sent[o.ID] = o.At
		case record.Deliver:
			if at, ok := sent[o.ID]; ok {
				took = append(took, o.At-at)
			}
		}
	}
	slices.Sort(took)
	if len(took) == 0 || took[len(took)-1] > 500_000 {
		t.Fatalf("%d deliveries; the slowest took %v µs after its send: a clock's skew was not found", len(took), took[len(took)-1:])
	}
	if crashed == 0 {
		t.Errorf("the merged record has no crash of seat %d's replica", target)
	}
	if gap == 0 || after == 0 {
		t.Errorf("seat 3 was off the network 5 s: %d gap markers of it in the merged record, %d of its observations after them", gap, after)
	}
	t.Logf("seat 3 off the network 5 s: %d gap markers, %d observations lost, %d of its observations after", gap, lost, after)
	stats := ""
	for _, l := range strings.Split(seats[1].err.String(), "\n") {
		if strings.Contains(l, "the class's record is in") {
			stats = l
		}
	}
	t.Logf("merged: %d observations, %d deliveries: p50 %d µs, p99 %d µs, slowest %d µs after their send; %s",
		end-first, len(took), took[len(took)/2], took[len(took)*99/100], took[len(took)-1], stats)
}


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
	play(0)
	leader, _ := seats[2].leaderOther(2, 0, time.Minute)
	from := seats[leader].next()
	seats[leader].send(fmt.Sprintf("crash %d", leader))
	seats[leader].waitLine(from, "crashed", 30*time.Second)
	watcher := leader%5 + 1
	next, term := seats[watcher].leaderOther(watcher, leader, time.Minute)
	t.Logf("seat %d's replica crashed; seat %d follows seat %d in term %d", leader, watcher, next, term)
	play(leader)
	from = seats[leader].next()
	seats[leader].send(fmt.Sprintf("restart %d", leader))
	seats[leader].waitLine(from, "restarted", 30*time.Second)
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
	{
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
	for _, o := range log.Read(first, int(end-first), nil) {
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
	stats := ""
	for _, l := range strings.Split(seats[1].err.String(), "\n") {
		if strings.Contains(l, "the class's record is in") {
			stats = l
		}
	}
	t.Logf("merged: %d observations, %d deliveries: p50 %d µs, p99 %d µs, slowest %d µs after their send; %s",
		end-first, len(took), took[len(took)/2], took[len(took)*99/100], took[len(took)-1], stats)
}

//go:build lessontest

package main

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/raftian/raftian/rewind"
	"github.com/raftian/raftian/ui"
)

// Issue 27, shown 1: the teacher's projector at 1280×720 with 32 seat
// processes. The five voters are panes; the 27 non-voting seats are rows
// of the seats' table, and what each row says at the moment a screenshot
// shows is checked against the merged record at that moment: each seat
// fresh, a follower, applied and caught up with the leader. A click on
// seat 20's row opens its pane. Seat 20's laptop then sleeps (SIGSTOP):
// 2 s later its row says when it was last heard, greyed; the others are
// fresh. RAFTIAN_SHOTS keeps the screenshots in that directory. Run by
// just lesson-test, alone: 32 processes beside the other packages' tests
// in just test starved the teacher's replies to joins.
func TestTheProjectorShowsAClassOf32(t *testing.T) {
	const size, voters, watched = 32, 5, 20
	bin := plainBin.build(t) // 32 race-built processes would starve the other tests
	cfg := testConfigFile(t, "")
	w, classAddr, code, port := startProjector(t, bin, cfg)
	seats := joinSeats(t, bin, cfg, code+"@"+classAddr, port, size, voters)
	press(t, w.display, "g") // the teacher starts the game: every seat gets its city
	waitUntil(t, "the game to start", func() bool { return strings.Contains(w.stdout.String(), "the game has started") })
	hits := newTally()
	hits.hit(seats[watched], watched, 2)
	hits.hit(seats[3], 3, 1)
	// The projector shows the moment it screenshots; its saved record has
	// that moment. Shot until every seat's row says it is caught up (the
	// last seats' streams and entries arrive over a few seconds).
	var st *rewind.State
	var at int64
	var rows [][ui.SeatColumns]string
	var path string
	tries := 0
	waitUntil(t, "every seat's row fresh and caught up on the projector", func() bool {
		if tries++; tries%5 == 0 {
			// The class plays on: a follower that learnt of the last
			// commit from a heartbeat only is caught up by the next entry.
			hits.hit(seats[2], 2, 3)
		}
		path, at, _ = w.shot(t)
		m, _ := w.saveAndLoad(t)
		st, rows = m.At(at), nil
		if len(st.Replicas) != size {
			return false
		}
		for i := voters; i < size; i++ {
			row, stale := ui.SeatRow(rewind.SeenOf(st, i, at), i, st.Players[i].Name)
			if stale || row[1] == "–" || row[2] != "follower" || row[4] != "0" {
				t.Logf("at %d µs seat %d's row: %q stale %v", at, i+1, row, stale)
				return false
			}
			rows = append(rows, row)
		}
		return true
	})
	t.Logf("the projector at %d µs (%s): seat %d's row %q, seat %d's %q", at, path, voters+1, rows[0], size, rows[len(rows)-1])
	keepShot(t, path, "projector-32.png")
	for i := range voters {
		if r := st.Replicas[i]; r.NonVoting || r.Removed {
			t.Errorf("seat %d is not a voter in the record", i+1)
		}
	}

	// A click on seat 20's row opens its pane.
	var names []string
	seatRows := make([]bool, size)
	for i, p := range st.Players {
		names = append(names, p.Name)
		seatRows[i] = i >= voters
	}
	layout := ui.LayoutScreen(1280, 720, size, ui.View{Presenter: true, Names: names, Rows: seatRows})
	row := layout.Seats.Rows[watched-1]
	if row.Empty() {
		t.Fatalf("seat %d has no row in the projector's layout", watched)
	}
	before := strings.Count(w.stdout.String(), "its pane opened")
	w.click(t, row.X+row.W/2, row.Y+row.H/2)
	waitUntil(t, fmt.Sprintf("seat %d's pane opened", watched), func() bool {
		return strings.Count(w.stdout.String(), fmt.Sprintf("seat %d: its pane opened", watched)) > before
	})
	path = w.screenshot(t)
	keepShot(t, path, "projector-32-seat20-open.png")

	// Seat 20's laptop sleeps: within 2 s its row says when it was last
	// heard; the others' stay fresh.
	seats[watched].cmd.Process.Signal(syscall.SIGSTOP)
	stopped := time.Now()
	waitUntil(t, "2 s since seat 20 stopped", func() bool { return time.Since(stopped) >= 2*time.Second })
	path, at, _ = w.shot(t)
	m, _ := w.saveAndLoad(t)
	st = m.At(at)
	for i := voters; i < size; i++ {
		row, stale := ui.SeatRow(rewind.SeenOf(st, i, at), i, st.Players[i].Name)
		if stale != (i+1 == watched) {
			t.Errorf("2 s after seat %d slept, the projector at %d µs shows seat %d's row %q, stale %v", watched, at, i+1, row, stale)
		}
		if i+1 == watched {
			t.Logf("2 s after seat %d slept (%s): its row %q", watched, path, row)
			if !strings.HasSuffix(row[5], "s ago") {
				t.Errorf("seat %d's row says last heard %q", watched, row[5])
			}
		}
	}
	keepShot(t, path, "projector-32-seat20-asleep.png")
	seats[watched].cmd.Process.Signal(syscall.SIGCONT)
	w.nextLine(t, "Escape", fmt.Sprintf("seat %d: its pane closed", watched))
	w.quit(t)
}

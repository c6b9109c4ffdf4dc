//go:build linux

package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/raftian/raftian/ui"
)

// Issue 24: a student's window shows its own seat's pane large, and a
// click on a rival's city in it attacks through the student's own
// replica: the teacher's laptop, another process, sees the city lose 30.
func TestClassWindowAttacksThroughItsOwnSeat(t *testing.T) {
	bin := buildRaftian(t)
	cfg := testConfigFile(t, "")
	teacher, classAddr, code, port := startTeacher(t, bin, cfg)

	w := &window{dir: t.TempDir()}
	w.launch(t, "1280x720", []string{"join", code + "@" + classAddr, "--name", "Ada", "--listen",
		fmt.Sprintf("127.0.0.2:%d", port+2), "--data", w.dir, "--config", cfg})
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("the window's output:\n%s\n%s", w.stdout.String(), tail(w.stderr.String(), 30000))
		}
	})
	waitUntil(t, "the window's seat to be a voter", func() bool { return strings.Contains(w.stdout.String(), "seat 2 (Ada): a voter") })
	bo := startSeatProcess(t, bin, "join", code+"@"+classAddr, "--headless", "--name", "Bo",
		"--listen", fmt.Sprintf("127.0.0.3:%d", port+2), "--data", t.TempDir(), "--config", cfg)
	bo.waitLine(0, "seat 3 (Bo): a voter", 60*time.Second)

	ww, wh := w.size(t)
	screen := ui.LayoutScreen(float32(ww), float32(wh), 3, ui.View{Presenter: ui.Presents(float32(ww), float32(wh)),
		Names: []string{"Teacher", "Ada", "Bo"}, Focus: 2})
	if big, other := screen.Panes[1], screen.Panes[0]; big.W*big.H < 3*other.W*other.H {
		t.Fatalf("the seat's own pane %v is not the large one (another: %v)", big, other)
	}
	teacherHP := func() int {
		me, _ := teacher.status(1)
		if len(me.HP) == 0 {
			return 0
		}
		return me.HP[0]
	}
	city := ui.LayoutCities(ui.LayoutPane(screen.Panes[1], screen.Scale).Cities, 3, screen.Scale, screen.CityLabel)[0].Cell
	for try := 1; ; try++ {
		w.click(t, city.X+city.W/2, city.Y+city.H/2)
		deadline := time.Now().Add(10 * time.Second)
		for teacherHP() == 100 && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if hp := teacherHP(); hp != 100 {
			if hp != 70 {
				t.Fatalf("after a click, the teacher's city has %d HP, want 70", hp)
			}
			break
		}
		if try == 3 {
			t.Fatalf("three clicks on the teacher's city in seat 2's pane: its HP is still 100\n%s", w.stderr.String())
		}
	}
	w.quit(t)
}

// F4 in the one-window cluster: "Join a class", the code and a name typed
// as the projector shows them; the window's replicas close and the same
// window becomes the seat, which joins as a voter. A mistyped code is
// refused in the form first, saying why.
func TestTheWindowJoinsAClass(t *testing.T) {
	bin := buildRaftian(t)
	cfg := testConfigFile(t, "")
	teacher, classAddr, code, _ := startTeacher(t, bin, cfg)

	w := startWindow(t, "1280x720", "--config", cfg, "--data", t.TempDir())
	press(t, w.display, "F4")
	xdo(t, w.display, "type", "--delay", "120", "2")
	xdo(t, w.display, "type", "--delay", "120", "NOT-A-CODE@"+classAddr)
	press(t, w.display, "Tab")
	xdo(t, w.display, "type", "--delay", "120", "Zoe")
	press(t, w.display, "Return") // refused in the form: it stays open
	press(t, w.display, "Tab")
	for range len("NOT-A-CODE@" + classAddr) {
		xdo(t, w.display, "key", "--delay", "60", "BackSpace")
	}
	xdo(t, w.display, "type", "--delay", "120", code+"@"+classAddr)
	press(t, w.display, "Tab")
	press(t, w.display, "Return")
	waitUntil(t, "the window's seat to join as a voter", func() bool { return strings.Contains(w.stdout.String(), "seat 2 (Zoe): a voter") })
	me, all := teacher.status(1)
	if len(all) != 2 || len(me.HP) != 2 {
		t.Fatalf("the teacher's status after the join: %+v", all)
	}
}

//go:build lessontest

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/raftian/raftian/lesson"
	"github.com/raftian/raftian/ui"
)

// Issue 27, shown 3: lessons played on the projector of a class of five
// processes: two built-in ones (a crash, a partition: carried out on the
// seats' laptops) and the two written for a class (a student's laptop
// sleeps; the back row loses its Wi-Fi). At each question every student
// that can hear the teacher's laptop answers from its own process (seats
// 2 and 3 the first choice, 4 and 5 the second); the projector's poll
// counts exactly those answers when the teacher's key closes it. Every
// caption shown paused is checked against the class's merged record at
// its moment.
func TestLessonsOnAClass(t *testing.T) {
	for _, name := range []string{"3-minority", "2-leader-crash", "12-close-your-lid", "13-back-row-wifi"} {
		t.Run(name, func(t *testing.T) { playOnAClass(t, name) })
	}
}

func playOnAClass(t *testing.T, name string) {
	l, err := lesson.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	bin := buildRaftian(t)
	cfg := testConfigFile(t, "")
	observe := filepath.Join(t.TempDir(), "class.jsonl.gz")
	if dir := os.Getenv("RAFTIAN_SHOTS"); dir != "" { // keep the class's record there, to look at after
		observe = filepath.Join(dir, name+".jsonl.gz")
	}
	w, classAddr, code, port := startProjector(t, bin, cfg, "--observe", observe)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("the projector's stderr:\n%s", tail(w.stderr.String(), 20000))
		}
	})
	seats := joinSeats(t, bin, cfg, code+"@"+classAddr, port, 5, 5)
	w.nextLine(t, "g", "the game has started")
	w.pickLesson(t, name)

	polls := 0
	asleep := map[int]bool{}
	leads := 0 // the seat a caption last said leads
	answer := func(step int, prefix, choices string) string {
		polls++
		question := askedIn(t, w.stdout.String(), prefix)
		if strings.Contains(question, "close your laptop's lid") && leads >= 2 {
			seats[leads].cmd.Process.Signal(syscall.SIGSTOP) // the leader's student closes the lid
			asleep[leads] = true
			t.Logf("seat %d's lid closed (SIGSTOP)", leads)
		}
		sent := map[int]int{}
		answered := 0
		for n := 2; n <= 5; n++ {
			if asleep[n] || !seats[n].heardWithin(0, "the teacher asks: "+question, 5*time.Second) {
				lines := seats[n].snapshot()
				t.Logf("step %d: seat %d did not hear the question (asleep %v); its last lines: %q", step, n, asleep[n], lines[max(0, len(lines)-4):])
				continue // asleep or off the network: the question never reached it
			}
			k := 1 + (n-2)/2 // seats 2, 3: 1; seats 4, 5: 2
			from := seats[n].next()
			seats[n].send(fmt.Sprintf("answer %d", k))
			seats[n].waitLine(from, fmt.Sprintf("answered %d", k), 30*time.Second)
			sent[k]++
			answered++
		}
		choice := strings.Split(choices, " | ")
		want := pollWant(choice, sent, answered)
		waitUntil(t, "the projector's poll: "+want, func() bool { return strings.Contains(w.stdout.String(), "poll: "+want) })
		w.answer(t, prefix, "2", choice[1])
		closed := regexp.MustCompile(`poll closed: (.*)`).FindAllStringSubmatch(w.stdout.String(), -1)
		if len(closed) != polls || closed[polls-1][1] != want {
			t.Errorf("step %d: the poll closed as %q; the students answered %q", step, closed, want)
		}
		t.Logf("step %d: %q: the students answered %s", step, question, want)
		return choice[1]
	}
	leader := regexp.MustCompile(`^Replica (\d+) \(.*\) leads term`)
	caption := func(text string) {
		if m := leader.FindStringSubmatch(text); m != nil {
			leads, _ = strconv.Atoi(m[1])
		}
		if strings.Contains(text, "open your lid") {
			for n := range asleep {
				seats[n].cmd.Process.Signal(syscall.SIGCONT)
				delete(asleep, n)
				t.Logf("seat %d's lid opened (SIGCONT)", n)
			}
		}
	}
	out, _ := w.playLesson(t, l, name, answer, caption)
	for n := range asleep {
		seats[n].cmd.Process.Signal(syscall.SIGCONT)
	}
	if polls == 0 {
		t.Fatalf("the lesson asked no question:\n%s", out)
	}
	w.nextLine(t, "Escape", "lesson stopped")
	w.quit(t)
	checkMoments(t, l, out, observe)
}

// pickLesson opens the lesson menu (F2) and clicks the lesson's row.
func (w *window) pickLesson(t *testing.T, name string) {
	names := lesson.Names()
	i := 0
	for i < len(names) && names[i] != name {
		i++
	}
	press(t, w.display, "F2")
	s := ui.LayoutScreen(1280, 720, 5, ui.View{Presenter: true})
	_, _, rows := ui.MenuLayout(s, 1280, 720, len(names))
	time.Sleep(300 * time.Millisecond) // the menu is drawn
	w.click(t, rows[i].X+rows[i].W/2, rows[i].Y+rows[i].H/2)
	w.waitLine(t, "lesson: step 1 of ")
}

// askedIn is the question the window's line with prefix asks.
func askedIn(t *testing.T, out, prefix string) string {
	m := regexp.MustCompile(regexp.QuoteMeta(prefix)+`question: (.*) \[choices: `).FindAllStringSubmatch(out, -1)
	if len(m) == 0 {
		t.Fatalf("no question after %q", prefix)
	}
	return m[len(m)-1][1]
}

// pollWant is the poll the projector shows for the answers sent.
func pollWant(choices []string, sent map[int]int, answered int) string {
	var parts []string
	for i, c := range choices {
		label := strconv.Itoa(i + 1)
		if c != label {
			label += " " + c
		}
		parts = append(parts, fmt.Sprintf("%s: %d", label, sent[i+1]))
	}
	return strings.Join(parts, " · ") + fmt.Sprintf(" · %d answered", answered)
}

// heardWithin reports whether a line starting with prefix comes from the
// process, from line from on, within d.
func (p *seatProcess) heardWithin(from int, prefix string, d time.Duration) bool {
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		lines := p.snapshot()
		for _, l := range lines[min(from, len(lines)):] {
			if strings.HasPrefix(l, prefix) {
				return true
			}
		}
	}
	return false
}

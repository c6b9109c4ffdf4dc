//go:build lessontest

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/raftian/raftian/lesson"
)

// Issue 27, shown 3: a built-in lesson played on the projector of a class
// of five processes; its crash, partition and attacks act on the seats'
// laptops. At its question every student answers on their own process
// (seats 2 and 3 the first choice, 4 and 5 the second); the projector's
// poll counts exactly those answers before the teacher's key reveals.
// Every caption shown paused is checked against the class's merged record
// at its moment.
func TestALessonOnAClassPollsTheStudents(t *testing.T) {
	const name = "3-minority"
	l, err := lesson.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	bin := buildRaftian(t)
	cfg := testConfigFile(t, "")
	observe := filepath.Join(t.TempDir(), "class.jsonl.gz")
	if dir := os.Getenv("RAFTIAN_SHOTS"); dir != "" { // keep the class's record there, to look at after
		observe = filepath.Join(dir, "class-lesson.jsonl.gz")
	}
	w, classAddr, code, port := startProjector(t, bin, cfg, "--observe", observe)
	seats := joinSeats(t, bin, cfg, code+"@"+classAddr, port, 5, 5)
	w.nextLine(t, "g", "the game has started")
	press(t, w.display, "F2")
	press(t, w.display, "3") // the lessons in the menu: 3-minority is the third
	polls := 0
	out, _ := w.playLesson(t, l, name, func(step int, prefix, choices string) string {
		polls++
		sent := map[int]int{}
		for n := 2; n <= 5; n++ {
			k := 1 + (n-2)/2 // seats 2, 3: 1; seats 4, 5: 2
			seats[n].waitLine(0, "the teacher asks: ", 30*time.Second)
			from := seats[n].next()
			seats[n].send(fmt.Sprintf("answer %d", k))
			seats[n].waitLine(from, fmt.Sprintf("answered %d", k), 30*time.Second)
			sent[k]++
		}
		want := fmt.Sprintf("1 yes: %d · 2 no: %d · 4 answered", sent[1], sent[2])
		waitUntil(t, "the projector's poll: "+want, func() bool { return strings.Contains(w.stdout.String(), "poll: "+want) })
		w.answer(t, prefix, "2", "no")
		closed := regexp.MustCompile(`poll closed: (.*)`).FindAllStringSubmatch(w.stdout.String(), -1)
		if len(closed) != polls || closed[polls-1][1] != want {
			t.Errorf("step %d: the poll closed as %q; the students answered %q", step, closed, want)
		}
		return "no"
	})
	if polls == 0 {
		t.Fatalf("the lesson asked no question:\n%s", out)
	}
	w.nextLine(t, "Escape", "lesson stopped")
	w.quit(t)
	checkMoments(t, l, out, observe)
}

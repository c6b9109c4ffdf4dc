//go:build linux

package main

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A lesson in the window, driven as a class would: N after the first
// caption, an answer to the question with a key, then the reveal (naming
// the leader the events say won) and the instant replay of the election;
// B replays the step; N goes on and the lesson's attacks commit; Esc
// stops the lesson, and only then do two more quit. The
// screenshots at each moment are kept in the test's directory.
func TestWindowPlaysALesson(t *testing.T) {
	cfg := testConfigFile(t, "")
	w := startWindow(t, "1600x900", "--lesson", "first-election", "--config", cfg)
	w.waitLine(t, "lesson: step 1 of 4: caption: ")
	w.shot(t)
	press(t, w.display, "n")
	w.waitLine(t, "lesson: step 2 of 4: question: ")
	w.shot(t)
	w.answer(t, "lesson: step 2 of 4: ", "3", "P3") // the test config names players P1–P5
	reveal := w.waitLine(t, "lesson: step 2 of 4: reveal: ")
	var leader, term int
	if m := regexp.MustCompile(`[Rr]eplica (\d+) \(P\d\) won term (\d+)`).FindStringSubmatch(reveal); m != nil {
		leader, _ = strconv.Atoi(m[1])
		term, _ = strconv.Atoi(m[2])
	}
	// The events, written by another path from the record, agree: a
	// majority followed that replica in that term (another election may
	// have followed since).
	waitUntil(t, fmt.Sprintf("the events to say a majority followed replica %d in term %d (the reveal: %q)", leader, term, reveal), func() bool {
		return slices.Contains(agreedLeaders(events(t, w.events), 5), [2]int{leader, term})
	})
	if right := strings.HasPrefix(reveal, "Right!"); right != (leader == 3) {
		t.Errorf("the class answered 3, replica %d won; the reveal says %q", leader, reveal)
	}
	w.waitLine(t, "lesson: step 2 of 4: N: next step")
	w.shot(t)
	press(t, w.display, "b")
	w.waitLine(t, "lesson: step 2 of 4: step 2 again")
	w.shot(t)
	press(t, w.display, "n")
	waitUntil(t, "the lesson's attacks to commit", func() bool {
		got := map[string]bool{}
		for _, ev := range events(t, w.events) {
			if ev["type"] == "commit" {
				got[fmt.Sprintf("%d→%d", num(ev, "from"), num(ev, "to"))] = true
			}
		}
		return got["1→2"] && got["3→4"]
	})
	press(t, w.display, "Escape") // the first Esc ends the lesson, not the class
	w.waitLine(t, "lesson stopped")
	if strings.Contains(w.stdout.String(), "Esc again to quit") {
		t.Errorf("Esc during a lesson asked to quit instead of stopping the lesson")
	}
	w.quit(t)
	w.checkReplay(t, cfg)
}

// answer presses key until the window says the lesson took it as the
// answer want: a key read in the very frame the question appeared in is
// refused (it was pressed before the class could see the question).
func (w *window) answer(t *testing.T, step, key, want string) {
	t.Helper()
	line := step + "your answer: " + want
	for try := 0; try < 5; try++ {
		press(t, w.display, key)
		deadline := time.Now().Add(3 * time.Second)
		for time.Now().Before(deadline) {
			if strings.Contains(w.stdout.String(), line) {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	t.Fatalf("no line %q after pressing %s five times:\n%s", line, key, w.stdout.String())
}

// waitLine waits for a line on stdout starting with prefix (its first
// occurrence) and returns the rest of it.
func (w *window) waitLine(t *testing.T, prefix string) string {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		for _, line := range strings.Split(w.stdout.String(), "\n") {
			if rest, ok := strings.CutPrefix(line, prefix); ok {
				return rest
			}
		}
	}
	lines := strings.Split(w.stdout.String(), "\n")
	t.Fatalf("no line %s… on stdout in 60 s; the window's last lines:\n%s", prefix,
		strings.Join(lines[max(0, len(lines)-40):], "\n"))
	return ""
}

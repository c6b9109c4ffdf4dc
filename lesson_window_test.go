//go:build lessontest

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/raftian/raftian/internal/testenv"
	"github.com/raftian/raftian/lesson"
	"github.com/raftian/raftian/record"
	"github.com/raftian/raftian/rewind"
)

// Every built-in lesson played in the window at 1280×720, driven as a
// class drives it: a digit pressed before a question shows, N pressed
// while it waits, the answer pressed late; N pressed at every caption,
// twice at a pause. Then, through the model of the run's record: every
// caption shown paused was shown at a moment where its claim holds, and
// every answer the lesson took is the one pressed late. Run by
// just lesson-test (go test -tags lessontest): they take minutes.
func TestWindowLessons(t *testing.T) {
	for _, name := range lesson.Names() {
		if l, err := lesson.Load(name); err == nil && l.Class {
			continue // a class's lessons play on a class's projector (class_lesson_test.go)
		}
		t.Run(name, func(t *testing.T) { driveLesson(t, name) })
	}
}

var (
	pausedRE = regexp.MustCompile(`^lesson: step (\d+) of \d+: picture: paused at (\d+) µs \(moment ([a-z-]+) found at (\d+) µs, replica (\d+), step from (-?\d+) µs\)$`)
	stepRE   = regexp.MustCompile(`^lesson: step (\d+) of (\d+): (.*)$`)
)

func driveLesson(t *testing.T, name string) {
	l, err := lesson.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	// The lessons are made for the default timing (their delays are).
	cfg := testConfigRaftDefault(t)
	observe := filepath.Join(t.TempDir(), "run.jsonl.gz")
	w := startWindow(t, "1280x720", "--lesson", name, "--config", cfg, "--observe", observe)
	out, answered := w.playLesson(t, l, name, func(step int, prefix, choices string) string {
		press(t, w.display, "n") // moves nothing on, answers nothing
		if strings.Contains(w.stdout.String(), prefix+"your answer") {
			t.Fatalf("step %d: N answered the question:\n%s", step, w.stdout.String())
		}
		w.answer(t, prefix, "1", "")
		return strings.Split(choices, " | ")[0]
	}, nil)
	for step, first := range answered {
		got := regexp.MustCompile(fmt.Sprintf(`step %d of \d+: your answer: (.*)`, step)).FindAllStringSubmatch(out, -1)
		if len(got) != 1 || got[0][1] != first {
			t.Errorf("step %d: the answers taken %v; want only %q, the first choice (the digit 1, pressed late)", step, got, first)
		}
	}
	w.nextLine(t, "Escape", "lesson stopped") // its band stays until Esc
	w.quit(t)
	checkMoments(t, l, out, observe)
}

// checkMoments checks, through the model of the record in the file
// observe, that every caption the lesson l showed paused (out, the
// window's output) was shown at a moment where its claim holds, and that
// every moment of the lesson was shown.
func checkMoments(t *testing.T, l lesson.Lesson, out, observe string) {
	t.Helper()
	log, err := record.ReadLogFile(observe)
	if err != nil {
		t.Fatal(err)
	}
	model := rewind.New(log)
	model.Update()
	checked := 0
	for _, line := range strings.Split(out, "\n") {
		m := pausedRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		found, _ := strconv.ParseInt(m[4], 10, 64)
		replica, _ := strconv.Atoi(m[5])
		from, _ := strconv.ParseInt(m[6], 10, 64)
		f := rewind.Found{Name: m[3], At: found, Replica: replica, Before: model.At(from).Clone()}
		if !model.Holds(f) {
			t.Errorf("step %s: the caption was shown at the %s moment (%d µs), where it does not hold", m[1], m[3], found)
		}
		checked++
	}
	want := 0
	for _, s := range l.Steps {
		if s.Moment != "" {
			want++
		}
	}
	if checked < want {
		t.Errorf("%d captions shown paused at their moment; the lesson has %d moments:\n%s", checked, want, out)
	}
}

// playLesson drives the lesson l playing in w to its end as a class
// drives it: N pressed at every caption (the reading time skipped), twice
// at a pause; at a question, answer (given the step, its lines' prefix and
// its choices) answers it and returns the choice taken; caption, if not
// nil, is told each caption shown. It returns the window's output and
// each step's answer.
func (w *window) playLesson(t *testing.T, l lesson.Lesson, name string, answer func(step int, prefix, choices string) string, caption func(text string)) (string, map[int]string) {
	shots := os.Getenv("RAFTIAN_LESSON_SHOTS") // keep a screenshot of each paused caption there
	seen := 0
	answered := map[int]string{}
	shotsOf := map[int]int{}
	deadline := time.Now().Add(8 * time.Minute)
	for !strings.Contains(w.stdout.String(), "the lesson is over") {
		if time.Now().After(deadline) {
			t.Fatalf("the lesson did not end within 8 minutes:\n%s", w.stdout.String())
		}
		select {
		case err := <-w.exited:
			t.Fatalf("the window exited (%v) before the lesson ended:\n%s\n%s", err, w.stdout.String(), tail(w.stderr.String(), 20000))
		default:
		}
		lines := strings.Split(w.stdout.String(), "\n")
		if seen >= len(lines)-1 {
			time.Sleep(50 * time.Millisecond)
			continue
		}
		line := lines[seen]
		seen++
		m := stepRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		step, _ := strconv.Atoi(m[1])
		prefix := fmt.Sprintf("lesson: step %d of %s: ", step, m[2])
		switch what := m[3]; {
		case strings.HasPrefix(what, "question: "):
			choices := strings.TrimSuffix(what[strings.LastIndex(what, " [choices: ")+len(" [choices: "):], "]")
			answered[step] = answer(step, prefix, choices)
		case strings.HasPrefix(what, "picture: paused"):
			if shots != "" {
				path, _, _ := w.shot(t)
				if !filepath.IsAbs(path) {
					path = filepath.Join(w.dir, path)
				}
				// Each picture the step pauses at, in order: a question's, its
				// moment's, where its play ended.
				shotsOf[step]++
				file := fmt.Sprintf("%s-step%d-%d.png", name, step, shotsOf[step])
				if err := os.Rename(path, filepath.Join(shots, file)); err != nil {
					t.Log(err)
				}
			}
		case strings.HasPrefix(what, "N: next step"):
			w.moveOn(t, l, step)
			press(t, w.display, "n") // twice: the second must not skip a question
		case strings.HasPrefix(what, "caption: ") && !l.Steps[step-1].Pause:
			if caption != nil {
				caption(strings.TrimPrefix(what, "caption: "))
			}
			w.moveOn(t, l, step) // an impatient teacher: the reading time is skipped
		case strings.HasPrefix(what, "caption: ") && caption != nil:
			caption(strings.TrimPrefix(what, "caption: "))
		}
	}
	return w.stdout.String(), answered
}

// testConfigRaftDefault is testConfigFile with the built-in Raft timing
// (RTT 50 ms): free ports, players P1–P5.
func testConfigRaftDefault(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	for i, addr := range testenv.Addrs(t, 5) {
		c := testColours[i]
		fmt.Fprintf(&b, "[[player]]\nname = \"P%d\"\ncolor = \"#%02x%02x%02x\"\naddress = %q\n", i+1, c[0], c[1], c[2], addr)
	}
	path := filepath.Join(t.TempDir(), "raftian.toml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// moveOn presses N to go on from step; when the next step asks a
// question, it first presses 2, which answers nothing: the question has
// not shown yet.
func (w *window) moveOn(t *testing.T, l lesson.Lesson, step int) {
	if strings.Contains(w.stdout.String(), fmt.Sprintf("lesson: step %d of", step+1)) {
		return // an N pressed before has moved the lesson on already
	}
	if step < len(l.Steps) && l.Steps[step].Ask != nil {
		press(t, w.display, "2")
	}
	// The window takes a second N within 0.7 s as a clicker's bounce: a
	// teacher moving two captions on presses further apart than that.
	if d := 800*time.Millisecond - time.Since(w.lastN); d > 0 {
		time.Sleep(d)
	}
	press(t, w.display, "n")
	w.lastN = time.Now()
}

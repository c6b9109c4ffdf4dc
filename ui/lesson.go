package ui

import (
	"strconv"
	"strings"
	"time"

	rl "github.com/gen2brain/raylib-go/raylib"

	"github.com/raftian/raftian/command"
	"github.com/raftian/raftian/lesson"
)

// A lesson plays on its own goroutine, running its steps' commands on the
// cluster like the headless console would; its captions come back to the
// frame loop through a channel and are drawn large until the next one.

// lessonState is the lesson playing and its caption.
type lessonState struct {
	lesson   *lessonRun
	caption  caption
	captions chan captionMsg
}

type lessonRun struct {
	l    lesson.Lesson
	next chan struct{}
	stop chan struct{}
	done chan struct{}
}

// caption is a lesson's current caption, as the frame loop keeps it.
type caption struct {
	title      string
	step, of   int
	text       string
	paused     bool
	finishedAt time.Time
}

type captionMsg struct {
	run  *lessonRun
	step int
	text string
	done bool
}

// startLesson loads and starts a lesson, stopping any that is playing.
func (w *Window) startLesson(name string) {
	l, err := lesson.Load(name)
	if err != nil {
		w.banner = note{text: err.Error(), at: time.Now(), alarm: true}
		return
	}
	old := w.lesson
	run := &lessonRun{l: l, next: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	w.lesson = run
	w.caption = caption{title: l.Title, of: len(l.Steps)}
	c, msgs, results, s := w.c, w.captions, w.results, w.session
	go func() {
		defer close(run.done)
		if old != nil {
			close(old.stop)
			<-old.done
			// From scratch: whole network, every replica up, a new game.
			if c.Mend(10*time.Second, run.stop) != 0 {
				s.Do(command.NewGame{})
			}
		}
		do := func(cmd command.Command) {
			// The panes show what happened; only failures need words.
			if r := s.Do(cmd); r.Err != nil {
				select {
				case results <- r:
				default:
				}
			}
		}
		say := func(step int, text string) {
			select {
			case msgs <- captionMsg{run: run, step: step, text: text}:
			case <-run.stop:
			}
		}
		if lesson.Run(l, do, say, run.next, run.stop) == nil {
			select {
			case msgs <- captionMsg{run: run, done: true}:
			case <-run.stop:
			}
		}
	}()
}

// stopLesson stops the lesson playing, if any, and waits for it.
func (w *Window) stopLesson() {
	if w.lesson != nil {
		close(w.lesson.stop)
		<-w.lesson.done
		w.lesson = nil
	}
}

// takeCaptions moves new captions from the lesson into the window.
func (w *Window) takeCaptions(now time.Time) {
	for {
		select {
		case m := <-w.captions:
			if m.run != w.lesson {
				continue // from a lesson since replaced
			}
			if m.done {
				w.caption.finishedAt = now
				continue
			}
			w.caption.step, w.caption.text = m.step, m.text
			w.caption.paused = m.step <= len(m.run.l.Steps) && m.run.l.Steps[m.step-1].Pause
		default:
			return
		}
	}
}

// drawCaption draws the lesson's caption over the timeline strip, where it
// hides none of the panes a lesson asks the class to watch. The text
// shrinks until it fits.
func (w *Window) drawCaption(s Screen, now time.Time) {
	if w.lesson == nil || w.caption.text == "" {
		return
	}
	if !w.caption.finishedAt.IsZero() && now.Sub(w.caption.finishedAt) > 8*time.Second {
		return
	}
	box := rl.Rectangle{X: s.Timeline.X + 6, Y: s.Timeline.Y + 2, Width: s.Timeline.W - 12, Height: s.Timeline.H - 4}
	size := float32(30)
	var lines []string
	for ; size > 12; size-- {
		lines = wrap(w.caption.text, box.Width-40, func(t string) float32 { return w.fonts.measure(t, size) })
		if float32(len(lines))*size*1.25+34 <= box.Height {
			break
		}
	}
	head := "Lesson: " + w.caption.title
	if w.caption.step > 0 {
		head += "   step " + strconv.Itoa(w.caption.step) + " of " + strconv.Itoa(w.caption.of)
	}
	hint := "Backspace: start again"
	if w.caption.paused {
		hint = "N: next step   " + hint
	}
	rl.DrawRectangleRounded(box, 0.08, 8, rl.NewColor(8, 10, 16, 240))
	rl.DrawRectangleRoundedLinesEx(box, 0.08, 8, 2, rl.NewColor(245, 190, 40, 255))
	w.fonts.text(head, box.X+20, box.Y+8, 15, rl.NewColor(245, 190, 40, 255))
	w.fonts.text(hint, box.X+box.Width-20-w.fonts.measure(hint, 14), box.Y+9, 14, dimText)
	for i, line := range lines {
		w.fonts.text(line, box.X+20, box.Y+30+float32(i)*size*1.25, size, textColor)
	}
}

// wrap breaks text into lines no wider than width.
func wrap(text string, width float32, measure func(string) float32) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(text) {
		try := word
		if line != "" {
			try = line + " " + word
		}
		if line != "" && measure(try) > width {
			lines = append(lines, line)
			line = word
			continue
		}
		line = try
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

// openMenu opens the lesson menu, reading every lesson's title once.
func (w *Window) openMenu() {
	w.menu = w.menu[:0]
	for _, n := range lesson.Names() {
		title := n
		if l, err := lesson.Load(n); err == nil {
			title = l.Title
		}
		w.menu = append(w.menu, title)
	}
}

// drawMenu draws the lesson menu: press a number to start one.
func (w *Window) drawMenu() {
	width, height := float32(rl.GetScreenWidth()), float32(rl.GetScreenHeight())
	names := w.menu
	box := rl.Rectangle{X: width/2 - 300, Y: height/2 - 40 - float32(len(names))*18, Width: 600, Height: 90 + float32(len(names))*36}
	rl.DrawRectangleRec(rl.Rectangle{Width: width, Height: height}, rl.NewColor(0, 0, 0, 150))
	rl.DrawRectangleRounded(box, 0.05, 8, rl.NewColor(34, 38, 50, 250))
	w.fonts.text("Lessons: press a number (Esc closes)", box.X+24, box.Y+18, 20, textColor)
	for i, title := range names {
		w.fonts.text(strconv.Itoa(i+1)+"   "+title, box.X+24, box.Y+60+float32(i)*36, 20, rl.NewColor(245, 190, 40, 255))
	}
}

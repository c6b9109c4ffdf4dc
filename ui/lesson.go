package ui

import (
	"strconv"
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

// drawCaption draws the lesson's caption in its own band above the
// timeline: it hides no pane and no lane. The text shrinks to fit, but not
// below the smallest size a class can read.
func (w *Window) drawCaption(s Screen, now time.Time) {
	if s.Caption.Empty() {
		return
	}
	sc := s.Scale
	box := s.Caption.Inset(sc.Px(6))
	rl.DrawRectangleRounded(rect(box), 0.08, 8, rl.NewColor(8, 10, 16, 255))
	rl.DrawRectangleRoundedLinesEx(rect(box), 0.08, 8, max(sc.Px(2), 2), accent)
	in := box.Inset(sc.Px(12))
	headSize := sc.Text(TextMarker)
	head := "Lesson: " + w.caption.title
	if w.caption.step > 0 {
		head += "   step " + strconv.Itoa(w.caption.step) + " of " + strconv.Itoa(w.caption.of)
	}
	hint := "Backspace: start again"
	if w.caption.paused {
		hint = "N: next step   " + hint
	}
	if !w.caption.finishedAt.IsZero() {
		hint = "the lesson is over   " + hint
	}
	headRow := Rect{in.X, in.Y, in.W, headSize * 1.3}
	w.fonts.inBox(head, headRow, headSize, 0, accent)
	hw := min(textWidth(hint, headSize), in.W*0.45)
	w.fonts.inBox(hint, Rect{in.X + in.W - hw, in.Y, hw, headRow.H}, headSize, 1, dimText)
	body := Rect{in.X, in.Y + headRow.H, in.W, in.H - headRow.H}
	size := sc.Text(TextCaption)
	lines := wrap(w.caption.text, size, body.W)
	for size > MinText && float32(len(lines))*size*1.25 > body.H {
		size--
		lines = wrap(w.caption.text, size, body.W)
	}
	for i, line := range lines {
		y := body.Y + float32(i)*size*1.25
		if y+size > body.Y+body.H+size*0.3 {
			break // more than fits: the window is too small
		}
		w.fonts.text(line, body.X, y, size, textColor)
	}
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
func (w *Window) drawMenu(s Screen) {
	sc := s.Scale
	width, height := float32(rl.GetScreenWidth()), float32(rl.GetScreenHeight())
	size := sc.Text(TextBar)
	row := size * 1.8
	bw := min(width*0.9, sc.Px(760))
	bh := row*float32(len(w.menu)+1) + sc.Px(40)
	box := Rect{(width - bw) / 2, (height - bh) / 2, bw, bh}
	rl.DrawRectangleRec(rect(Rect{0, 0, width, height}), rl.NewColor(0, 0, 0, 170))
	rl.DrawRectangleRounded(rect(box), 0.05, 8, rl.NewColor(34, 38, 50, 250))
	in := box.Inset(sc.Px(20))
	w.fonts.inBox("Lessons: press a number (Esc closes)", Rect{in.X, in.Y, in.W, row}, size, 0, textColor)
	for i, title := range w.menu {
		w.fonts.inBox(strconv.Itoa(i+1)+"   "+title, Rect{in.X, in.Y + row*float32(i+1), in.W, row}, size, 0, accent)
	}
}

package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/raftian/raftian/command"
	"github.com/raftian/raftian/lesson"
	"github.com/raftian/raftian/record"
	"github.com/raftian/raftian/rewind"
	"github.com/raftian/raftian/session"
)

// A lesson plays on its own goroutine (lesson.Run), through a lessonEnv:
// its commands go to the session, its captions and replays come to the
// frame loop over channels, and the class's keys (N, B, answers) go back.
// The frame loop never waits for it.

// lessonState is the lesson playing, its band, and a replay it asked for.
type lessonState struct {
	lesson   *lessonRun
	caption  lesson.Caption
	captions chan captionMsg
	replays  chan replayMsg
	replay   *replayMsg // the lesson's replay now playing
}

type lessonRun struct {
	l      lesson.Lesson
	inputs chan lesson.Input
	stop   chan struct{}
	done   chan struct{}
}

type captionMsg struct {
	run *lessonRun
	c   lesson.Caption
}

// replayMsg asks the frame loop to play the record from..to at 1/speed
// and to close done when it has (or was interrupted).
type replayMsg struct {
	from, to int64
	speed    int
	done     chan struct{}
}

// startLesson loads and starts a lesson, stopping any that is playing.
func (w *Window) startLesson(name string) {
	l, err := lesson.Load(name)
	if err != nil {
		w.banner = note{text: err.Error(), at: time.Now(), alarm: true}
		return
	}
	old := w.lesson
	run := &lessonRun{l: l, inputs: make(chan lesson.Input, 4), stop: make(chan struct{}), done: make(chan struct{})}
	w.lesson, w.caption = run, lesson.Caption{Title: l.Title, Of: len(l.Steps)}
	w.endReplay()
	env := &lessonEnv{run: run, rec: w.rec, session: w.session, captions: w.captions,
		replays: w.replays, results: w.results}
	go func() {
		defer close(run.done)
		if old != nil {
			close(old.stop)
			<-old.done
			// From scratch: whole network, every replica up, a new game.
			if env.session.Mend(10*time.Second, run.stop) != 0 {
				env.session.Do(command.NewGame{})
			}
		}
		lesson.Run(l, env)
	}()
}

// stopLesson stops the lesson playing, if any, and waits for it.
func (w *Window) stopLesson() {
	if w.lesson != nil {
		close(w.lesson.stop)
		<-w.lesson.done
		w.lesson = nil
	}
	w.endReplay()
}

// lessonInput hands a key to the lesson; it reports whether the lesson
// took it. While a question waits, digits (and Y or N for yes or no)
// answer it.
func (w *Window) lessonInput(in Intent) bool {
	if w.lesson == nil || w.caption.Done {
		return false
	}
	asking := w.caption.Question != ""
	yesNo := asking && len(w.caption.Choices) == 2
	var li lesson.Input
	switch {
	case asking && in.Kind == Select && in.N <= len(w.caption.Choices):
		li = lesson.Input{Kind: lesson.Answer, Answer: in.N}
	case asking && in.Kind == Answer:
		li = lesson.Input{Kind: lesson.Answer, Answer: in.N}
	case asking && in.Kind == Attack: // a click anywhere in pane From
		li = lesson.Input{Kind: lesson.Answer, Answer: in.From}
	case yesNo && in.Kind == NextStep: // N is "no" while a yes/no question waits
		li = lesson.Input{Kind: lesson.Answer, Answer: 2}
	case in.Kind == NextStep:
		li = lesson.Input{Kind: lesson.Next}
	case in.Kind == StepAgain:
		li = lesson.Input{Kind: lesson.Back}
	default:
		return false
	}
	select {
	case w.lesson.inputs <- li:
	default: // a key storm: the lesson has plenty to do already
	}
	return true
}

// takeCaptions moves the lesson's new bands and replays into the window.
func (w *Window) takeCaptions() {
	for {
		select {
		case m := <-w.captions:
			if m.run == w.lesson {
				logCaption(w.caption, m.c)
				w.caption = m.c
			}
		case r := <-w.replays:
			w.endReplay()
			w.replay = &r
			w.player.Speed = nearestSpeed(r.speed)
			w.player.Seek(w.model, r.from, w.live())
			w.player.Play(w.live())
		default:
			w.watchReplay()
			return
		}
	}
}

// logCaption prints what changed in the lesson's band on standard output:
// a teacher's log of the lesson (and what tests watch).
func logCaption(old, c lesson.Caption) {
	at := fmt.Sprintf("lesson: step %d of %d: ", c.Step, c.Of)
	switch {
	case c.Question != "" && c.Question != old.Question:
		fmt.Printf("%squestion: %s (%s)\n", at, c.Question, strings.Join(c.Choices, ", "))
	case c.Reveal != "" && c.Reveal != old.Reveal:
		fmt.Printf("%sreveal: %s\n", at, c.Reveal)
	}
	if c.Text != "" && (c.Text != old.Text || c.Step != old.Step) {
		fmt.Printf("%scaption: %s\n", at, c.Text)
	}
	if c.Waiting != old.Waiting && c.Waiting != "" {
		fmt.Printf("%s%s\n", at, c.Waiting)
	}
	if c.Score != "" && c.Score != old.Score {
		fmt.Printf("%sscore: %s\n", at, c.Score)
	}
}

// watchReplay ends the lesson's replay once it has reached its end, or
// when the class took the player elsewhere.
func (w *Window) watchReplay() {
	if w.replay == nil {
		return
	}
	if w.player.Mode == Playing && w.player.T < w.replay.to {
		return
	}
	if w.player.Mode != Live {
		w.player.GoLive()
	}
	w.endReplay()
}

func (w *Window) endReplay() {
	if w.replay != nil {
		close(w.replay.done)
		w.replay = nil
	}
}

// nearestSpeed is the index of the playback speed closest to 1/den.
func nearestSpeed(den int) int {
	best := 0
	for i, s := range Speeds {
		if abs(s.Den-int64(den)) < abs(Speeds[best].Den-int64(den)) {
			best = i
		}
	}
	return best
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

// lessonEnv is the window as a lesson plays in it (lesson.Env). It runs on
// the lesson's goroutine: it touches nothing of the window's but channels.
type lessonEnv struct {
	run      *lessonRun
	rec      *record.Recorder
	session  *session.Session
	captions chan captionMsg
	replays  chan replayMsg
	results  chan session.Result
}

func (e *lessonEnv) Do(cmd command.Command) {
	// The panes show what happened; only failures need words.
	if r := e.session.Do(cmd); r.Err != nil {
		select {
		case e.results <- r:
		default:
		}
	}
}

func (e *lessonEnv) Show(c lesson.Caption) {
	select {
	case e.captions <- captionMsg{run: e.run, c: c}:
	case <-e.run.stop:
	}
}

func (e *lessonEnv) Record() rewind.Source { return e.rec }
func (e *lessonEnv) Now() int64            { return e.rec.Now() }

func (e *lessonEnv) Replay(from, to int64, speed int) {
	r := replayMsg{from: from, to: to, speed: speed, done: make(chan struct{})}
	select {
	case e.replays <- r:
	case <-e.run.stop:
		return
	}
	select {
	case <-r.done:
	case <-e.run.stop:
	}
}

func (e *lessonEnv) Wait(d time.Duration) lesson.Input {
	start := time.Now()
	if d == lesson.Forever {
		d = 24 * time.Hour
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case in := <-e.run.inputs:
		in.Waited = time.Since(start)
		return in
	case <-timer.C:
		return lesson.Input{Kind: lesson.Timeout, Waited: time.Since(start)}
	case <-e.run.stop:
		return lesson.Input{Kind: lesson.Stop, Waited: time.Since(start)}
	}
}

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

// lessonState is the lesson playing, its band, and a play it asked for.
type lessonState struct {
	lesson   *lessonRun
	ended    []*lessonRun // lessons stopped, still finishing their last command
	caption  lesson.Caption
	captions chan captionMsg
	replays  chan replayMsg
	replay   *replayMsg // the lesson's play now playing
	// drewCandidate: the intro has logged the first candidate it drew.
	drewCandidate bool
	lastNext      time.Time // when N last moved the lesson on
	// askedAt is the frame a question first showed in: a key read in that
	// frame was pressed before the class could see it, and answers nothing.
	askedAt int
}

type lessonRun struct {
	l      lesson.Lesson
	intro  bool // the window's intro: over, its band goes
	inputs chan lesson.Input
	stop   chan struct{}
	done   chan struct{}
}

// what the run is, for the log: "lesson" or "intro".
func (r *lessonRun) what() string {
	if r.intro {
		return "intro"
	}
	return "lesson"
}

type captionMsg struct {
	run *lessonRun
	c   lesson.Caption
}

// replayMsg asks the frame loop to play the record from..to at 1/speed,
// to stay paused at to, and to close done when it is there (or was
// interrupted).
type replayMsg struct {
	run      *lessonRun
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
	w.playLesson(l, false)
}

// playLesson starts l, stopping any lesson playing; the window's intro
// is a lesson too, whose band goes once it is over.
func (w *Window) playLesson(l lesson.Lesson, intro bool) {
	old, ended := w.lesson, append([]*lessonRun(nil), w.ended...)
	run := &lessonRun{l: l, intro: intro, inputs: make(chan lesson.Input, 4), stop: make(chan struct{}), done: make(chan struct{})}
	w.lesson, w.caption = run, lesson.Caption{Title: l.Title, Of: len(l.Steps)}
	w.endReplay()
	env := &lessonEnv{run: run, src: w.src, rec: w.rec, session: w.session, captions: w.captions,
		replays: w.replays, results: w.results, class: w.class}
	go func() {
		defer close(run.done)
		for _, e := range ended { // stopped with Esc: let its last command end
			<-e.done
		}
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

// endLesson stops the lesson playing, without waiting for it (it may be
// in the middle of a command): its band goes at once, and the sandbox is
// the class's again, as the lesson left it.
func (w *Window) endLesson() {
	if w.lesson != nil {
		close(w.lesson.stop)
		w.ended = append(w.ended, w.lesson)
		w.lesson, w.caption = nil, lesson.Caption{}
	}
	w.endReplay()
	w.player.GoLive()
}

// stopLesson stops the lesson playing, if any, and waits for it and for
// those stopped before: none outlives the window.
func (w *Window) stopLesson() {
	w.endLesson()
	for _, run := range w.ended {
		<-run.done
	}
	w.ended = nil
}

// doublePress is how soon after one N another is taken for the same
// press: a clicker that bounces, a teacher who presses twice, must not
// skip a caption nobody saw.
const doublePress = 700 * time.Millisecond

// lessonInput hands a key to the lesson; it reports whether the lesson
// took it. While a question waits only the keys shown beside it answer
// (digits; for who leads, a click on a pane too), never one that moves
// on, and none read in the frame the question appeared in; N and B wait
// until it is answered.
func (w *Window) lessonInput(in Intent) bool {
	if w.lesson == nil || w.caption.Done {
		return false
	}
	asking := w.caption.Question != ""
	seen := w.frames > w.askedAt+1 // drawn at the end of its frame: keys of the next were pressed before it showed
	var li lesson.Input
	switch {
	case asking && (in.Kind == Select || in.Kind == Attack):
		n := in.N
		if in.Kind == Attack { // a click anywhere in pane From
			n = in.From
		}
		if !seen || n < 1 || n > len(w.caption.Choices) || (in.Kind == Attack && !strings.Contains(w.caption.Waiting, "pane")) {
			return true // not an answer: it selects nothing either while the class answers
		}
		li = lesson.Input{Kind: lesson.Answer, Answer: n}
		if strings.HasPrefix(w.banner.text, "answer first") {
			w.banner = note{} // answered: the reminder is stale
		}
	case asking && (in.Kind == NextStep || in.Kind == StepAgain):
		w.banner = note{text: "answer first: " + strings.TrimPrefix(w.caption.Waiting, "answer: "), at: time.Now()}
		return true
	case in.Kind == NextStep && time.Since(w.lastNext) < doublePress:
		return true // a double press (or a clicker's bounce) moves on once
	case in.Kind == NextStep:
		w.lastNext = time.Now()
		li = lesson.Input{Kind: lesson.Next, Step: w.caption.Step}
	case in.Kind == StepAgain:
		li = lesson.Input{Kind: lesson.Back, Step: w.caption.Step}
	default:
		return false
	}
	select {
	case w.lesson.inputs <- li:
	default: // a key storm: the lesson has plenty to do already
	}
	return true
}

// takeCaptions moves the lesson's new bands and plays into the window. A
// band about a moment pauses the picture there (the cluster runs on); a
// band shown live takes it back to live.
func (w *Window) takeCaptions() {
	for {
		select {
		case m := <-w.captions:
			if m.run != w.lesson {
				continue
			}
			if m.run.intro && m.c.Done {
				w.endLesson()
				fmt.Println("intro: over")
				continue
			}
			logCaption(m.run.what(), w.caption, m.c)
			if m.c.Question != "" && w.caption.Question != m.c.Question {
				w.askedAt = w.frames
			}
			if m.c.At != w.caption.At || m.c.Moment != w.caption.Moment {
				w.showMoment(m.c)
			}
			w.caption = m.c
		case r := <-w.replays:
			if r.run != w.lesson {
				close(r.done)
				continue
			}
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

// logIntro logs the first frame of the intro that draws a candidate: what
// a test checks against the record (it must come before the first leader).
func (w *Window) logIntro() {
	if w.lesson == nil || !w.lesson.intro || w.drewCandidate {
		return
	}
	for _, r := range w.st.Replicas {
		if r.Up && r.Role == record.RoleCandidate {
			w.drewCandidate = true
			fmt.Printf("intro: drew replica %d as a candidate at %d µs\n", r.ID, w.t)
			return
		}
	}
}

// showMoment puts the picture where a band is about: paused at its
// moment, or live.
func (w *Window) showMoment(c lesson.Caption) {
	if w.replay != nil {
		return // a play runs: it ends where the lesson wants the picture
	}
	if c.At == lesson.Live {
		w.player.GoLive()
		return
	}
	w.player.Pause(w.live())
	w.player.Seek(w.model, c.At, w.live())
}

// logCaption prints what changed in the lesson's band on standard output:
// a teacher's log of the lesson (and what tests watch).
func logCaption(what string, old, c lesson.Caption) {
	at := fmt.Sprintf("%s: step %d of %d: ", what, c.Step, c.Of)
	if c.At != old.At || c.Moment != old.Moment {
		if c.At == lesson.Live {
			fmt.Printf("%spicture: live\n", at)
		} else {
			from := int64(-1)
			if c.Found.Before != nil {
				from = c.Found.Before.At
			}
			fmt.Printf("%spicture: paused at %d µs (moment %s found at %d µs, replica %d, step from %d µs)\n",
				at, c.At, c.Moment, c.Found.At, c.Found.Replica, from)
		}
	}
	switch {
	case c.Question != "" && c.Question != old.Question:
		fmt.Printf("%squestion: %s [choices: %s]\n", at, c.Question, strings.Join(c.Choices, " | "))
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

// watchReplay ends the lesson's play once it has reached its end, and
// stays there, paused; or when the class took the player elsewhere.
func (w *Window) watchReplay() {
	if w.replay == nil {
		return
	}
	if w.player.Mode == Playing && w.player.T < w.replay.to {
		return
	}
	if w.player.Mode == Playing {
		w.player.Pause(w.live())
		w.player.Seek(w.model, w.replay.to, w.live())
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
	src      rewind.Source    // the record the window draws
	rec      *record.Recorder // this laptop's: its clock
	session  *session.Session
	captions chan captionMsg
	replays  chan replayMsg
	results  chan session.Result
	class    session.Class // on the teacher's projector: its questions go to every seat
	asked    []string      // the choices of the question the class was asked, if open
	askedAt  askedKey      // the question last asked: shown again, it is not asked again
}

// askedKey is a question as the lesson asks it: at a step.
type askedKey struct {
	step     int
	question string
}

func (e *lessonEnv) Do(cmd command.Command) {
	// The panes show what happened; only failures need words, and an
	// attack's failure is in its pane already (a lesson may mean it).
	if r := e.session.Do(cmd); r.Err != nil && r.Outcome == nil {
		select {
		case e.results <- r:
		default:
		}
	}
}

func (e *lessonEnv) Show(c lesson.Caption) {
	if key := (askedKey{c.Step, c.Question}); e.class != nil && c.Question != "" && key != e.askedAt {
		e.class.Ask(c.Question, c.Choices)
		e.asked, e.askedAt = c.Choices, key
	}
	if c.Step != e.askedAt.step {
		e.askedAt = askedKey{} // another step: its question, asked again (B), goes to the class again
	}
	select {
	case e.captions <- captionMsg{run: e.run, c: c}:
	case <-e.run.stop:
	}
}

func (e *lessonEnv) Record() rewind.Source { return e.src }

// Now is the record's time now. On the teacher's projector it returns once
// the class's merged record holds all that happened before it (the seats'
// streams bring it within some tens of milliseconds; at most 2 s), so that
// a moment that has happened is found in it.
func (e *lessonEnv) Now() int64 {
	now := e.rec.Now()
	if m, ok := e.src.(interface{ Through() int64 }); ok {
		for deadline := time.Now().Add(2 * time.Second); m.Through() < now && time.Now().Before(deadline); {
			time.Sleep(10 * time.Millisecond)
		}
	}
	return now
}

func (e *lessonEnv) Play(from, to int64, speed int) {
	r := replayMsg{run: e.run, from: from, to: to, speed: speed, done: make(chan struct{})}
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

// Answer waits for an answer to the question on screen; what was keyed
// before it showed (N, B) is dropped, and N or B meanwhile do nothing.
func (e *lessonEnv) Answer(n int) lesson.Input {
	start := time.Now()
	defer e.closePoll()
	for {
		select {
		case in := <-e.run.inputs:
			if in.Kind == lesson.Answer && in.Answer >= 1 && in.Answer <= n {
				in.Waited = time.Since(start)
				return in
			}
		case <-e.run.stop:
			return lesson.Input{Kind: lesson.Stop, Waited: time.Since(start)}
		}
	}
}

// InClass reports whether the lesson plays on a class's projector.
func (e *lessonEnv) InClass() bool { return e.class != nil }

// closePoll closes the class's poll on the question answered, saying how
// the class answered.
func (e *lessonEnv) closePoll() {
	if e.class == nil || e.asked == nil {
		return
	}
	counts, answered := e.class.Poll()
	fmt.Println("poll closed: " + pollText(e.asked, counts, answered))
	e.class.Ask("", nil)
	e.asked = nil
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

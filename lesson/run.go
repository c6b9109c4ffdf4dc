package lesson

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/raftian/raftian/command"
	"github.com/raftian/raftian/rewind"
)

// Env is where a lesson plays: the window, the headless console, a test.
// The lesson runs on its own goroutine; Env's methods may block.
type Env interface {
	// Do carries out a command on the cluster.
	Do(cmd command.Command)
	// Show shows the caption band as it is now.
	Show(c Caption)
	// Record is the cluster's record, which the lesson reads to find its
	// moments and to reveal answers; Now is its time now (µs).
	Record() rewind.Source
	Now() int64
	// Replay plays the record from one moment to another at 1/speed and
	// returns when it is over (at once where nothing is drawn), or when
	// the lesson is stopped.
	Replay(from, to int64, speed int)
	// Wait waits at most d for the class: it returns the first input (N,
	// B, an answer, stop), or a Timeout once d has passed, and how long it
	// waited; d is Forever at a pause, which only N (or B, or stop) ends.
	// A headless console returns at once (Waited 0), a Timeout or at a
	// pause Next: nothing there needs time to read.
	Wait(d time.Duration) Input
}

// Forever is how long a pause waits: until N.
const Forever time.Duration = -1

// Input is what ended a Wait.
type Input struct {
	Kind   InputKind
	Answer int           // an Answer's choice, from 1
	Waited time.Duration // how long the Wait took
}

// InputKind is what the class did.
type InputKind int

const (
	Timeout InputKind = iota
	Next              // N: the next step
	Back              // B: the step again
	Answer            // a choice
	Stop              // the lesson ends
)

// Caption is the lesson's band on screen.
type Caption struct {
	Title    string
	Step, Of int
	Text     string   // the step's caption
	Question string   // a question waiting for its answer
	Choices  []string // its choices, the first answered by 1 (or Y)
	Reveal   string   // what happened, and whether the guess was right
	Right    int      // 1 right, -1 wrong, 0 not answered
	Waiting  string   // what the lesson waits for, as a key hint
	Score    string   // at the end, if it asked
	Done     bool
}

// ErrStopped is returned by Run when the lesson is stopped.
var ErrStopped = errors.New("lesson stopped")

// ReadingTime is how long a text stays on screen at least: a quarter of
// a second a word, and never less than three seconds (two lines of a
// caption, about 25 words, stay six).
func ReadingTime(text string) time.Duration {
	return max(3*time.Second, time.Duration(len(strings.Fields(text)))*240*time.Millisecond)
}

// runner plays one lesson.
type runner struct {
	l     Lesson
	env   Env
	model *rewind.Model
	cap   Caption
	shown time.Duration // the reading time of what is on screen now
	since time.Duration // how long it has been on screen
	// Where each step began and where its After state was reached, for B.
	starts, ends []int64
	right, asked int
	guess        int   // the class's answer to the question asked, 0 if none
	begin        int64 // when the lesson began
	// OnCaption, when not nil, is told each caption's step and the moment
	// of the record it was shown at (tests check its claims there).
	onCaption func(step int, at int64)
}

// Run plays l in env, step by step, until its end or until stopped.
func Run(l Lesson, env Env) error { return run(l, env, nil) }

func run(l Lesson, env Env, onCaption func(int, int64)) error {
	r := &runner{l: l, env: env, model: rewind.New(env.Record()), onCaption: onCaption,
		cap: Caption{Title: l.Title, Of: len(l.Steps)}, begin: env.Now()}
	for i := range l.Steps {
		if err := r.step(i); err != nil {
			return err
		}
	}
	// The last caption stays its reading time, B still replaying a step;
	// then the lesson is over and its band stays.
	if err := r.hold(r.shown-r.since, false); err != nil {
		return err
	}
	r.cap.Done, r.cap.Waiting = true, "the lesson is over · Backspace: start it again"
	if r.asked > 0 {
		r.cap.Score = fmt.Sprintf("You predicted %d of %d right.", r.right, r.asked)
	}
	r.env.Show(r.cap)
	return nil
}

// step plays step i.
func (r *runner) step(i int) error {
	s := &r.l.Steps[i]
	// The caption on screen stays until it has been read.
	if err := r.hold(r.shown-r.since, false); err != nil {
		return err
	}
	if err := r.sleep(s.Wait.Duration); err != nil {
		return err
	}
	if err := r.reach(s.After, leader{}); err != nil {
		return err
	}
	r.cap.Step, r.cap.Reveal, r.cap.Right = i+1, "", 0
	r.model.Update()
	start := r.env.Now()
	before := leaderOf(r.model.Head())
	q := question{}
	if s.Ask != nil {
		q = r.prepare(s.Ask, before)
		if err := r.ask(s.Ask, q); err != nil {
			return err
		}
	}
	for _, cmd := range s.Commands {
		r.env.Do(cmd)
	}
	if err := r.reach(s.Until, before); err != nil {
		return err
	}
	r.model.Update()
	end := r.env.Now()
	r.starts, r.ends = append(r.starts, start), append(r.ends, end)
	if s.Ask != nil {
		r.reveal(s.Ask, q, start)
	}
	r.cap.Text = r.fill(s.Caption, before, start)
	r.cap.Question, r.cap.Choices = "", nil
	r.cap.Waiting = ""
	if s.Replay != nil {
		if err := r.replay(i, s.Replay); err != nil {
			return err
		}
	}
	r.show()
	if r.onCaption != nil {
		r.onCaption(i+1, r.env.Now())
	}
	if s.Pause {
		r.cap.Waiting = "N: next step · B: this step again"
		r.env.Show(r.cap)
		return r.hold(0, true)
	}
	return nil
}

// show shows the band and notes how long it must stay.
func (r *runner) show() {
	r.shown, r.since = ReadingTime(r.cap.Text+" "+r.cap.Reveal), 0
	r.env.Show(r.cap)
}

// input waits for the class (env.Wait), counting the time the band has
// been on screen.
func (r *runner) input(d time.Duration) Input {
	in := r.env.Wait(d)
	r.since += in.Waited
	return in
}

// hold keeps what is on screen for d (or, with untilNext, until N),
// replaying a step for each B.
func (r *runner) hold(d time.Duration, untilNext bool) error {
	left, back := d, 0
	for {
		if !untilNext && left <= 0 {
			return nil
		}
		wait := left
		if untilNext {
			wait = Forever
		}
		in := r.input(wait)
		left -= in.Waited
		switch in.Kind {
		case Stop:
			return ErrStopped
		case Next:
			r.since = r.shown // the class has read it: N goes on at once
			return nil
		case Back:
			back++
			if err := r.again(len(r.starts) - back); err != nil {
				return err
			}
		case Timeout:
			if !untilNext {
				return nil
			}
		}
	}
}

// sleep lets the cluster run for d of real time (a step's Wait: time for
// something to happen, not to read), still answering B and stop.
func (r *runner) sleep(d time.Duration) error {
	for left := d; left > 0; {
		chunk := min(left, 50*time.Millisecond)
		in := r.input(chunk)
		switch in.Kind {
		case Stop:
			return ErrStopped
		case Back:
			if err := r.again(len(r.starts) - 1); err != nil {
				return err
			}
		}
		if in.Waited < chunk { // a console's Wait returns at once: the time must pass all the same
			time.Sleep(chunk - in.Waited)
		}
		left -= chunk
	}
	return nil
}

// again replays step k (0-based) as it happened, with its caption, and
// then shows again what was on screen.
func (r *runner) again(k int) error {
	if k < 0 || k >= len(r.starts) {
		return nil
	}
	saved := r.cap
	r.cap.Step, r.cap.Text, r.cap.Question, r.cap.Choices = k+1, r.l.Steps[k].Caption, "", nil
	r.cap.Waiting = "replaying this step"
	r.env.Show(r.cap)
	r.env.Replay(r.starts[k]-100_000, r.ends[k]+300_000, 1)
	r.cap = saved
	r.env.Show(r.cap)
	return nil
}

// reach waits for a state: a leader, a new leader (in a term above
// before's), convergence, logs caught up, or every proposal answered.
func (r *runner) reach(state string, before leader) error {
	switch state {
	case "":
		return nil
	case "new-leader":
		// A leader agreed on in a term above the one before the step.
		return r.poll(func(s *rewind.State) bool {
			l := leaderOf(s)
			return l.id != 0 && l.term > before.term
		})
	case "caught-up":
		// Every up replica's log ends where the leader's does, committed:
		// what "converged" (the same entries applied) does not say, since
		// entries the game does not apply, and uncommitted ones, may differ.
		return r.poll(caughtUp)
	}
	r.env.Do(command.Wait{Until: command.Until(state), Timeout: afterWait})
	return nil
}

// replay finds the step's key moment in the record and plays it slowly.
func (r *runner) replay(i int, rp *Replay) error {
	r.model.Update()
	from, ok1 := r.anchor(rp.From, i)
	to, ok2 := r.anchor(rp.To, i)
	if !ok1 || !ok2 || to <= from {
		return nil // it did not happen this time: nothing to replay
	}
	margin := int64(20_000) * 20 / int64(rp.Speed) // a second of screen time at most
	r.cap.Waiting = fmt.Sprintf("instant replay at 1/%d", rp.Speed)
	r.env.Show(r.cap)
	r.env.Replay(from-margin, to+margin, rp.Speed)
	return nil
}

// poll waits until done says so of the record's latest state, at most
// afterWait.
func (r *runner) poll(done func(*rewind.State) bool) error {
	for deadline := time.Now().Add(afterWait); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		r.model.Update()
		if done(r.model.Head()) {
			return nil
		}
		if r.input(0).Kind == Stop {
			return ErrStopped
		}
	}
	return nil
}

// caughtUp reports whether every up replica holds the leader's log to its
// last entry, committed, and has applied as far as the leader.
func caughtUp(s *rewind.State) bool {
	l := leaderOf(s)
	if l.id == 0 {
		return false
	}
	lead := &s.Replicas[l.id-1]
	last, term := lead.Log.Last(), lead.Log.LastTerm()
	for _, r := range s.Replicas {
		if r.Up && (r.Log.Last() != last || r.Log.LastTerm() != term || r.Commit < last || r.Applied != lead.Applied) {
			return false
		}
	}
	return true
}

// leader is a replica that a majority of the up replicas follows.
type leader struct {
	id   int
	term uint64
}

// leaderOf returns the leader a majority of replicas agree on, if any.
func leaderOf(s *rewind.State) leader {
	votes := map[leader]int{}
	for _, r := range s.Replicas {
		if r.Up && r.Leader != 0 {
			votes[leader{r.Leader, r.Term}]++
		}
	}
	for l, n := range votes {
		if n >= s.Majority() && s.Replicas[l.id-1].Up {
			return l
		}
	}
	return leader{}
}

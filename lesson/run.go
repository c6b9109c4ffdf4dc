package lesson

import (
	"fmt"
	"time"

	"github.com/raftian/raftian/command"
	"github.com/raftian/raftian/rewind"
)

// runner plays one lesson.
type runner struct {
	l     Lesson
	env   Env
	model *rewind.Model
	cap   Caption
	shown time.Duration // the reading time of what is on screen now
	since time.Duration // how long it has been on screen
	shots []Shot        // every step's caption so far
	right int
	asked int
	guess int   // the class's answer to the question asked, 0 if none
	begin int64 // when the lesson began
}

// Run plays l in env, step by step, until its end or until stopped, and
// returns how each step's caption went.
func Run(l Lesson, env Env) ([]Shot, error) {
	r := &runner{l: l, env: env, model: rewind.New(env.Record()),
		cap: Caption{Title: l.Title, Of: len(l.Steps), At: Live}, begin: env.Now()}
	r.model.Update()
	var err error
	switch v := r.model.Head().Voters(); {
	case l.Replicas != 0 && v != l.Replicas:
		// Its captions count replicas: on another cluster they would lie.
		err = fmt.Errorf("%q is written for %d replicas and this cluster has %d voters: play it with a configuration of %d players",
			l.Title, l.Replicas, v, l.Replicas)
	case l.Class && !InClass(env):
		err = fmt.Errorf("%q is written for a class of laptops: play it on the teacher's projector (raftian class)", l.Title)
	case InClass(env):
		err = classRefuses(l)
	}
	if err != nil {
		r.cap.Done, r.cap.Text, r.cap.Waiting = true, err.Error(), "Esc: close"
		r.env.Show(r.cap)
		return nil, err
	}
	for i := range l.Steps {
		if err := r.step(i); err != nil {
			return r.shots, err
		}
	}
	// The last caption stays its reading time, B still replaying a step;
	// then the lesson is over, the picture live again, and its band stays.
	if err := r.hold(r.shown-r.since, false); err != nil {
		return r.shots, err
	}
	r.cap.Done, r.cap.Waiting, r.cap.At, r.cap.Moment = true, "the lesson is over · Backspace: start it again", Live, ""
	if r.asked > 0 {
		r.cap.Score = fmt.Sprintf("You predicted %d of %d right.", r.right, r.asked)
	}
	r.env.Show(r.cap)
	return r.shots, nil
}

// InClass reports whether env plays on a class's projector, each replica
// on its own laptop (an Env that has InClass says so).
func InClass(env Env) bool {
	c, ok := env.(interface{ InClass() bool })
	return ok && c.InClass()
}

// classRefuses says why a lesson cannot play on a class, if it cannot: a
// class keeps PreVote and CheckQuorum on (a laptop that wakes must not
// disrupt the others), a link's delays belong to its own laptop, and a
// seat joins from its laptop, not by a command.
func classRefuses(l Lesson) error {
	for _, s := range l.Steps {
		for _, c := range s.Commands {
			switch c.(type) {
			case command.SetPreVote, command.SetCheckQuorum, command.Link, command.Add:
				return fmt.Errorf("%q cannot play on a class: it runs %q, which a class does not do (PreVote and CheckQuorum stay on, a link belongs to its laptop, a seat joins from its own): play it on one laptop", l.Title, c)
			}
		}
	}
	return nil
}

// step plays step i.
func (r *runner) step(i int) error {
	s := &r.l.Steps[i]
	// The caption on screen stays until it has been read.
	if err := r.hold(r.shown-r.since, false); err != nil {
		return err
	}
	// The step's moment is looked for from here on: what its wait lets
	// happen is part of it.
	start := r.env.Now()
	if i == 0 && r.l.fromStart {
		start = 0
	}
	if err := r.sleep(s.Wait.Duration); err != nil {
		return err
	}
	if err := r.reach(s.After, leader{}, start); err != nil {
		return err
	}
	r.cap.Step, r.cap.Reveal, r.cap.Right = i+1, "", 0
	r.model.Update()
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
	if err := r.reach(s.Until, before, start); err != nil {
		return err
	}
	end := r.env.Now() // first: a class's merged record may take a moment to hold all before it
	r.model.Update()
	shot := r.shoot(s, i+1, start, end)
	r.shots = append(r.shots, shot)
	r.cap.Text, r.cap.At, r.cap.Moment, r.cap.Found = shot.Text, shot.At, shot.Moment, shot.Found
	r.cap.Question, r.cap.Choices, r.cap.Waiting = "", nil, ""
	if shot.To != shot.At {
		// The class reads the caption with the picture paused at its
		// moment (N: at once); then the picture plays on, and what
		// followed is said in place of the caption.
		r.show()
		if err := r.hold(r.shown, false); err != nil {
			return err
		}
		r.cap.Waiting = fmt.Sprintf("playing at 1/%d", shot.speed)
		r.env.Show(r.cap)
		r.env.Play(shot.At, shot.To, shot.speed)
		r.cap.At, r.cap.Waiting = shot.To, ""
		if shot.Then != "" {
			r.cap.Text = shot.Then
		}
	}
	if s.Ask != nil {
		r.reveal(s.Ask, q, start)
	}
	r.show()
	if s.Pause {
		r.cap.Waiting = "N: next step · B: back a step"
		r.env.Show(r.cap)
		return r.hold(0, true)
	}
	return nil
}

// shoot finds the step's moment between its start and its end and makes
// its caption from the model there; a step about no moment is shown live,
// at its end. A moment that never came, or a caption that cannot be
// filled, is said honestly.
func (r *runner) shoot(s *Step, step int, start, end int64) Shot {
	sh := Shot{Step: step, Moment: s.Moment, At: Live, To: Live, start: start, end: end}
	f := rewind.Found{At: end, Before: r.model.At(start).Clone()}
	found := true
	if s.Moment != "" {
		f, found = r.model.Find(s.Moment, start, end)
		sh.At, sh.To = f.At, f.At
	}
	sh.Found = f
	if !found {
		sh.Why = fmt.Sprintf("the %s moment did not come between the step's start and its end", s.Moment)
		sh.Text = r.instead(s, end)
		sh.At, sh.To = Live, Live
		return sh
	}
	text, err := r.model.Fill(s.Caption, f)
	if err != nil {
		sh.Why, sh.Text, sh.At, sh.To = err.Error(), r.instead(s, end), Live, Live
		return sh
	}
	sh.Text = text
	sh.Held = s.Moment == "" || r.model.Holds(f)
	if !sh.Held {
		sh.Why = fmt.Sprintf("the %s moment does not hold where it was found", s.Moment)
	}
	if p := s.Play; p != nil {
		g := rewind.Found{At: end, Before: f.Before}
		if p.To != "end" {
			var ok bool
			if g, ok = r.model.Find(p.To, f.At, end); !ok {
				g = rewind.Found{At: end, Before: f.Before}
			}
		}
		if g.At > f.At {
			sh.To, sh.speed = g.At, p.Speed
			if s.Then != "" {
				// The caption was about the moment; the picture has moved
				// on: what followed is said after it.
				if then, err := r.model.Fill(s.Then, g); err == nil {
					sh.Then = then
				}
			}
		}
	}
	return sh
}

// instead is what a step says when its moment never came: its own words,
// or the lesson's.
func (r *runner) instead(s *Step, end int64) string {
	if s.Instead != "" {
		if text, err := r.model.Fill(s.Instead, rewind.Found{At: end, Before: r.model.At(end).Clone()}); err == nil {
			return text
		}
	}
	says := "it"
	if mo, ok := rewind.Moments[s.Moment]; ok {
		says = "what this step is about (" + mo.Says + ")"
	}
	return "This time the cluster went another way: " + says + " did not happen. The panes show what did."
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
// going back a step for each B.
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
			if in.Step != 0 && in.Step != r.cap.Step {
				continue // pressed for a caption before this one
			}
			r.since = r.shown // the class has read it: N goes on at once
			return nil
		case Back:
			if in.Step != 0 && in.Step != r.cap.Step {
				continue
			}
			back++
			r.again(len(r.shots) - back)
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
			r.again(len(r.shots) - 1)
		}
		if in.Waited < chunk { // a console's Wait returns at once: the time must pass all the same
			time.Sleep(chunk - in.Waited)
		}
		left -= chunk
	}
	return nil
}

// again shows step k's caption (0-based) again at its moment, playing
// it as it played (a caption shown live plays its step from start to
// end), then shows again what was on screen. The first B shows the step
// on screen again, the next the one before, and so on.
func (r *runner) again(k int) {
	if k < 0 || k >= len(r.shots) {
		return
	}
	sh := r.shots[k]
	saved := r.cap
	r.cap = Caption{Title: saved.Title, Of: saved.Of, Step: sh.Step, Text: sh.Text, At: sh.At, Moment: sh.Moment,
		Found: sh.Found, Waiting: fmt.Sprintf("step %d again", sh.Step)}
	from, to, speed := sh.At, sh.To, max(sh.speed, 1)
	if sh.At == Live {
		from, to = sh.start, sh.end
	}
	r.cap.At = from
	r.env.Show(r.cap)
	if to > from {
		r.env.Play(from, to, speed)
	}
	r.cap = saved
	r.env.Show(r.cap)
}

// reach waits for a state: a leader, a new leader (in a term above
// before's), convergence, logs caught up, or every proposal answered, as
// the newest state shows it; or for a moment, since start (a state's name
// is the state).
func (r *runner) reach(state string, before leader, start int64) error {
	if _, ok := rewind.Moments[state]; ok && !contains(afters, state) { // a state's name is the state
		return r.poll(func(s *rewind.State) bool {
			_, found := r.model.Find(state, start, s.At)
			return found
		})
	}
	switch state {
	case "":
		return nil
	case "leader":
		if !InClass(r.env) {
			break // the cluster's own word, which its commands (transfer) go by
		}
		// A leader a majority follows, as the record has it: the teacher's
		// own replica may be the one cut off.
		return r.poll(func(s *rewind.State) bool {
			l := leaderOf(s)
			return l.id != 0 && rewind.Settled(s, l.id)
		})
	case "new-leader":
		// A leader agreed on in a term above the one before the step.
		return r.poll(func(s *rewind.State) bool {
			l := leaderOf(s)
			return l.id != 0 && l.term > before.term && rewind.Settled(s, l.id)
		})
	case "caught-up":
		// Every up replica's log ends where the leader's does, committed:
		// what "converged" (the same entries applied) does not say, since
		// entries the game does not apply, and uncommitted ones, may differ.
		return r.poll(rewind.CaughtUp)
	}
	r.env.Do(command.Wait{Until: command.Until(state), Timeout: afterWait})
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

// leader is a replica that a majority of the up replicas follows.
type leader struct {
	id   int
	term uint64
}

// leaderOf returns the leader a majority of replicas agree on, if any.
func leaderOf(s *rewind.State) leader {
	id := rewind.MajorityLeader(s)
	if id == 0 {
		return leader{}
	}
	return leader{id, s.Replicas[id-1].Term}
}

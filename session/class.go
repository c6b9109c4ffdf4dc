package session

import (
	"errors"

	"github.com/raftian/raftian/command"
)

// Class is what a teacher's session asks of the class (package class).
type Class interface {
	SetEnrolment(open bool)
	End() error          // every seat is told, then the class stops
	StartGame() error    // seats waiting for the game get their cities
	SetRTT(ms int) error // every seat's replica runs with Raft's round trip ms
}

// errNotTeacher answers a class's commands where there is no class to
// command: a student's laptop, or one window.
var errNotTeacher = errors.New("only the teacher's laptop, in a class, has that command")

// classTiming sets the class's Raft round trip: the teacher's alone, every
// seat following it. PreVote and CheckQuorum stay on in a class: a seat
// that wakes from sleep must not disrupt the others.
func (s *Session) classTiming(cmd command.Command) Result {
	rtt, ok := cmd.(command.SetRTT)
	switch {
	case !ok:
		return Result{Err: errors.New("a class keeps PreVote and CheckQuorum on: a laptop that wakes up must not disrupt the others")}
	case s.opts.Class == nil:
		return Result{Err: errors.New("only the teacher sets the class's round trip: every seat follows it")}
	}
	if err := s.opts.Class.SetRTT(rtt.Ms); err != nil {
		return Result{Err: err}
	}
	return s.done(cmd, s.c.SetRTT(rtt.Ms), "the class's Raft round trip is %d ms: every seat restarts its replica with it within a few seconds", rtt.Ms)
}

// classCommand carries out a class's commands: promote (the cluster
// refuses it outside a class, or on a student's laptop), and the ones only
// the teacher's session has.
func (s *Session) classCommand(cmd command.Command) Result {
	if p, ok := cmd.(command.Promote); ok {
		return s.done(cmd, s.c.Promote(p.Replica), "seat %d is a voter", p.Replica)
	}
	if s.opts.Class == nil {
		return Result{Err: errNotTeacher}
	}
	switch cmd := cmd.(type) {
	case command.Enrolment:
		s.opts.Class.SetEnrolment(cmd.On)
		if cmd.On {
			return s.done(cmd, nil, "enrolment open: students may join with the code")
		}
		return s.done(cmd, nil, "enrolment closed: no one joins until it opens")
	case command.EndClass:
		return s.done(cmd, s.opts.Class.End(), "the class has ended: every seat was told")
	}
	return s.done(cmd, s.opts.Class.StartGame(), "the game has started: every seat has its city")
}

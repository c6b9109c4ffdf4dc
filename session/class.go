package session

import (
	"errors"
	"fmt"

	"github.com/raftian/raftian/command"
)

// Class is what a teacher's session asks of the class (package class).
type Class interface {
	SetEnrolment(open bool)
	End() error          // every seat is told, then the class stops
	StartGame() error    // seats waiting for the game get their cities
	SetRTT(ms int) error // every seat's replica runs with Raft's round trip ms
	// Order has seat n's laptop carry cmd out (n 0: every seat's but the
	// teacher's) and says what each did.
	Order(n int, cmd command.Command) (string, error)
	// Ask asks every seat a lesson's question, answered on the students'
	// laptops ("" closes it); Poll counts their answers to it.
	Ask(text string, choices []string)
	Poll() (counts []int, answered int)
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

// classFault carries out a fault in a class, where each replica runs on
// its own laptop. The teacher's session has each seat's laptop carry it
// out: a crash, restart or offline on that seat's, a network fault on
// every seat's (each cuts what its replica sends and takes in), a
// transfer on the leader's. The session carrying out the teacher's
// orders on a seat, and a student's own, do what they are asked here
// (node refuses what is not this laptop's); a student may not cut the
// class's network. ok is false when the command is no fault.
func (s *Session) classFault(cmd command.Command) (r Result, ok bool) {
	switch cmd.(type) {
	case command.Crash, command.Restart, command.Offline, command.Isolate, command.Rejoin,
		command.Partition, command.PartitionLeader, command.Transfer:
	case command.Heal, command.Slow:
		if s.opts.Class == nil {
			return Result{}, false // a seat's own links: its own to heal or slow
		}
	default:
		return Result{}, false
	}
	switch {
	case s.opts.FromTeacher:
		me := s.c.Seat()
		switch cmd := cmd.(type) {
		case command.Offline:
			return s.done(cmd, s.c.GoOffline(cmd.Replica, cmd.For), "this laptop is off the network for %v", cmd.For), true
		case command.Crash:
			n := cmd.Replica.N
			if cmd.Replica.Role == command.All { // every laptop crashes its own
				n = me
			}
			return s.done(cmd, s.c.CrashOrdered(n), "crashed replica %d", n), true
		case command.Restart:
			if cmd.Replica == 0 {
				if isUp(s.c, me) {
					return Result{Command: cmd, Text: fmt.Sprintf("replica %d is up", me)}, true
				}
				return s.done(cmd, s.c.Restart(me), "restarted replica %d", me), true
			}
		}
		return Result{}, false
	case s.opts.Class == nil:
		switch cmd := cmd.(type) {
		case command.Crash, command.Restart: // its own replica; node refuses another's
			return Result{}, false
		case command.Offline:
			return s.done(cmd, s.c.GoOffline(cmd.Replica, cmd.For), "this laptop is off the network for %v", cmd.For), true
		}
		return Result{Err: fmt.Errorf("%s: the teacher's laptop cuts the class's network and hands leadership over; here, link sets what this seat sends", cmd)}, true
	}
	return s.teacherFault(cmd), true
}

// classAttack has the attacker's own laptop make an attack that the
// teacher's session is asked for on another player's behalf (a lesson's
// "attack 3 4", auto-play on the projector): in a class only a seat's
// replica proposes as its player.
func (s *Session) classAttack(cmd command.Attack) Result {
	cmd.Via = command.Replica(cmd.From)
	said, err := s.opts.Class.Order(cmd.From, cmd)
	return Result{Command: cmd, Err: err, Text: said}
}

// teacherFault orders the seats' laptops to carry out a fault, carrying
// out the teacher's own part here.
func (s *Session) teacherFault(cmd command.Command) Result {
	me, class := s.c.Seat(), s.opts.Class
	one := func(n int, cmd command.Command) Result {
		if n == me {
			return s.do(cmd)
		}
		said, err := class.Order(n, cmd)
		return s.done(cmd, err, "%s", said)
	}
	every := func(cmd command.Command, local func() error) Result {
		if err := local(); err != nil {
			return Result{Command: cmd, Err: err}
		}
		said, err := class.Order(0, cmd)
		text := fmt.Sprintf("%s: done on this laptop", cmd)
		if said != "" {
			text += "\n" + said
		}
		if err == nil {
			s.opts.Journal.Note(cmd)
		}
		return Result{Command: cmd, Err: err, Text: text}
	}
	switch cmd := cmd.(type) {
	case command.Crash:
		if cmd.Replica.Role == command.All {
			return every(cmd, func() error { return s.c.Crash(me) })
		}
		n, err := s.resolve(cmd.Replica)
		if err != nil {
			return Result{Err: err}
		}
		return one(n, command.Crash{Replica: command.Replica(n)})
	case command.Restart:
		if cmd.Replica == 0 {
			return every(cmd, func() error {
				if err := s.c.Restart(me); err != nil && !isUp(s.c, me) {
					return err
				}
				return nil
			})
		}
		return one(cmd.Replica, cmd)
	case command.Offline:
		if cmd.Replica == me {
			return Result{Err: errors.New("the teacher's laptop stays on the network: it keeps the class's record")}
		}
		return one(cmd.Replica, cmd)
	case command.Isolate:
		n, err := s.resolve(cmd.Replica)
		if err != nil {
			return Result{Err: err}
		}
		cmd.Replica = command.Replica(n)
		return every(cmd, func() error { return s.c.Isolate(n) })
	case command.Rejoin:
		n, err := s.resolve(cmd.Replica)
		if err != nil {
			return Result{Err: err}
		}
		cmd.Replica = command.Replica(n)
		return every(cmd, func() error { return s.c.Rejoin(n) })
	case command.PartitionLeader:
		groups, err := s.leaderCut()
		if err != nil {
			return Result{Err: err}
		}
		return s.teacherFault(command.Partition{Groups: groups})
	case command.Partition:
		return every(cmd, func() error { return s.c.Partition(cmd.Groups) })
	case command.Heal:
		return every(cmd, func() error { s.c.Heal(); return nil })
	case command.Slow:
		return every(cmd, func() error { s.c.SetSlow(cmd.On); return nil })
	case command.Transfer:
		n, err := s.resolve(cmd.Replica)
		if err != nil {
			return Result{Err: err}
		}
		l := s.c.Leader()
		if l == 0 {
			return Result{Err: errors.New("no leader to hand leadership over")}
		}
		t := command.Transfer{Replica: command.Replica(n)}
		if l == me {
			return s.do(t)
		}
		return one(l, t)
	}
	return Result{Err: fmt.Errorf("%q: unknown command", cmd)}
}

func isUp(c Cluster, n int) bool {
	for _, st := range c.Status() {
		if st.ID == n {
			return st.Up
		}
	}
	return false
}

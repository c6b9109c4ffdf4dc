// Package session carries commands out on a cluster: the one executor that
// the headless console, the window, lessons and replays all call. A
// Session is one proposer (its own client ids), remembers what a later
// command may refer to (the leader "partition leader" cut off, attacks
// made with nowait), and writes every command it carried out to its
// journal, with roles resolved to replica numbers, so that a replay does
// the same. It asks the cluster for what it needs through Cluster, an
// interface of its own: package node has the real one, tests a fake.
package session

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/raftian/raftian/cluster"
	"github.com/raftian/raftian/command"
	"github.com/raftian/raftian/record"
)

// Options say who the session is.
type Options struct {
	// Journal, when not nil, receives every command carried out.
	Journal *Journal
	// PerPlayer gives each player a client of its own, as in the window:
	// an attack is proposed under its attacker's id. Otherwise the whole
	// session is one client, as a headless session is.
	PerPlayer bool
	// Window, when not nil, takes the commands only a window has
	// (autoplay, messages).
	Window func(command.Command)
	// Class, when not nil, is the class the session's teacher runs
	// (enrolment, end class, faults on the seats' laptops).
	Class Class
	// FromTeacher: the session carries out the teacher's orders on a
	// seat's laptop (class.go).
	FromTeacher bool
	// Student, on a student's laptop, answers the teacher's questions.
	Student interface{ Answer(choice int) error }
}

// Session runs commands on one cluster. It is safe for concurrent use:
// the window's frame loop, its worker and a lesson may share one.
type Session struct {
	c       Cluster
	opts    Options
	clients []cluster.Proposer // one per player, or one for all

	mu        sync.Mutex
	oldLeader int        // the leader that "partition leader" cut off
	nowait    []proposed // attacks made with nowait, until "wait proposals"
}

// New returns a session on c.
func New(c Cluster, opts Options) *Session {
	s := &Session{c: c, opts: opts}
	n := 1
	if opts.PerPlayer {
		n = c.Size()
	}
	for i := 0; i < n; i++ {
		s.clients = append(s.clients, c.NewClient())
	}
	return s
}

// client is the client that proposes player p's commands.
func (s *Session) client(p int) cluster.Proposer {
	if len(s.clients) == 1 || p < 1 || p > len(s.clients) {
		return s.clients[0]
	}
	return s.clients[p-1]
}

// Result is what carrying out one command did.
type Result struct {
	// Command is the command as carried out, roles resolved to replica
	// numbers ("crash leader" is "crash 3"); nil if it was not.
	Command command.Command
	Err     error  // why it could not be done
	Text    string // what happened, for a person; may be several lines

	// Typed parts, for the commands that have them.
	Outcome  *cluster.Outcome // a waited attack, a new game
	Ticket   *cluster.Ticket  // an attack with nowait
	Replicas []cluster.Status // status
	Entries  []record.Ent     // log: the tail of the replica's log
	Commit   uint64           // log: the replica's commit index
	Leader   int              // wait leader: the agreed leader
	Term     uint64           // wait leader: its term
	Took     time.Duration    // wait, load: how long it took
	Count    int              // load: how many of its commands committed
}

// Failed reports whether the command could not be done.
func (r Result) Failed() bool { return r.Err != nil }

// ErrNotHere is the error for commands a session does not carry out
// itself: quitting and lessons belong to whoever reads the commands.
var ErrNotHere = errors.New("cannot run here")

// Record is the cluster's record (nil if it keeps none).
func (s *Session) Record() *record.Recorder { return s.c.Recorder() }

// Do carries out cmd and says what happened.
func (s *Session) Do(cmd command.Command) Result {
	if s.c.Seat() != 0 {
		if r, ok := s.classFault(cmd); ok {
			return r
		}
		if a, ok := cmd.(command.Attack); ok && s.opts.Class != nil && a.From != s.c.Seat() {
			return s.classAttack(a)
		}
	}
	return s.do(cmd)
}

// do carries out cmd on this process's replicas.
func (s *Session) do(cmd command.Command) Result {
	c := s.c
	switch cmd := cmd.(type) {
	case command.Help:
		return Result{Text: command.HelpText}
	case command.Quit, command.Lesson:
		return Result{Err: fmt.Errorf("%q %w", cmd, ErrNotHere)}
	case command.Status:
		return s.status(cmd.JSON)
	case command.Attack:
		return s.attack(cmd)
	case command.NewGame:
		return s.newGame()
	case command.Crash:
		if cmd.Replica.Role == command.All {
			return s.crashAll()
		}
		return s.onReplica(cmd.Replica, func(n int) (command.Command, error) {
			return command.Crash{Replica: command.Replica(n)}, c.Crash(n)
		}, "crashed replica %d")
	case command.Transfer:
		return s.transfer(cmd)
	case command.Add:
		return s.add()
	case command.Remove:
		if n, err := s.resolve(cmd.Replica); err == nil && s.CancelAdd(n) {
			return s.done(command.Remove{Replica: command.Replica(n)}, nil,
				"cancelled the addition of replica %d: it is being undone", n)
		}
		return s.onReplica(cmd.Replica, func(n int) (command.Command, error) {
			return command.Remove{Replica: command.Replica(n)}, c.RemoveReplica(n, 30*time.Second)
		}, "removed replica %d: its player left the game")
	case command.Isolate:
		return s.onReplica(cmd.Replica, func(n int) (command.Command, error) {
			return command.Isolate{Replica: command.Replica(n)}, c.Isolate(n)
		}, "isolated replica %d")
	case command.Rejoin:
		return s.onReplica(cmd.Replica, func(n int) (command.Command, error) {
			return command.Rejoin{Replica: command.Replica(n)}, c.Rejoin(n)
		}, "replica %d rejoined")
	case command.Restart:
		if cmd.Replica == 0 {
			return s.restartAll()
		}
		return s.done(cmd, c.Restart(cmd.Replica), "restarted replica %d", cmd.Replica)
	case command.Log:
		n, err := s.resolve(cmd.Replica)
		if err != nil {
			return Result{Err: err}
		}
		return s.log(n)
	case command.Partition:
		return s.done(cmd, c.Partition(cmd.Groups), "partitioned %s", spaced(cmd.Groups))
	case command.PartitionLeader:
		return s.partitionLeader()
	case command.Link:
		return s.link(cmd)
	case command.Heal:
		c.Heal()
		return s.done(cmd, nil, "healed")
	case command.Slow:
		if d := c.SetSlow(cmd.On); d > 0 {
			return s.done(cmd, nil, "slow motion: every message delayed %v, a round trip %v", d, 2*d)
		}
		return s.done(cmd, nil, "slow motion off")
	case command.Load:
		return s.load(cmd.N)
	case command.SetPreVote, command.SetCheckQuorum, command.SetRTT:
		return s.set(cmd)
	case command.Wait:
		return s.wait(cmd)
	case command.Sleep:
		time.Sleep(cmd.For)
		return Result{Text: fmt.Sprintf("slept %v", cmd.For)}
	case command.Promote, command.Enrolment, command.EndClass, command.StartGame:
		return s.classCommand(cmd)
	case command.Answer:
		if s.opts.Student == nil {
			return Result{Err: errors.New("only a student's laptop, in a class, answers the teacher's questions")}
		}
		return s.done(cmd, s.opts.Student.Answer(cmd.Choice), "answered %d: the teacher's projector counts it", cmd.Choice)
	case command.Offline:
		return Result{Err: fmt.Errorf("offline is for a class, where each replica runs on its own laptop: here, isolate %d", cmd.Replica)}
	case command.Autoplay, command.Messages:
		if s.opts.Window == nil {
			return Result{Text: cmd.String() + ": only the window has it"}
		}
		s.opts.Window(cmd)
		return s.done(cmd, nil, "%s", cmd)
	}
	return Result{Err: fmt.Errorf("%q: unknown command", cmd)}
}

// done records cmd if it was carried out and makes its result.
func (s *Session) done(cmd command.Command, err error, format string, args ...any) Result {
	if err != nil {
		return Result{Command: cmd, Err: err}
	}
	s.opts.Journal.Note(cmd)
	return Result{Command: cmd, Text: fmt.Sprintf(format, args...)}
}

// onReplica resolves a replica and carries out f on it; f returns the
// command as carried out.
func (s *Session) onReplica(r command.Ref, f func(n int) (command.Command, error), format string) Result {
	n, err := s.resolve(r)
	if err != nil {
		return Result{Err: err}
	}
	cmd, err := f(n)
	return s.done(cmd, err, format, n)
}

// resolve returns the replica r names now.
func (s *Session) resolve(r command.Ref) (int, error) {
	n := r.N
	switch r.Role {
	case "":
		return n, nil
	case command.Leader:
		n = s.leader()
	case command.OldLeader:
		s.mu.Lock()
		n = s.oldLeader
		s.mu.Unlock()
	case command.Follower:
		// Without a leader known, any replica might be the leader.
		leader := s.leader()
		if leader == 0 {
			return 0, errors.New("no leader right now, so no follower of one")
		}
		for _, st := range s.c.Status() {
			if st.Up && st.ID != leader {
				n = st.ID
				break
			}
		}
	}
	if n == 0 {
		return 0, fmt.Errorf("no replica is %s right now", r.Role)
	}
	return n, nil
}

// leader is the replica that leads; while none is known (a moment after
// a crash or a change), it waits up to two election timeouts for one.
func (s *Session) leader() int {
	for end := time.Now().Add(2 * s.c.ElectionTimeout()); ; {
		if l := s.c.Leader(); l != 0 || time.Now().After(end) {
			return l
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// crashAll crashes every replica that is up.
func (s *Session) crashAll() Result {
	return s.everyReplica(true, command.Crash{Replica: command.Ref{Role: command.All}}, "crashed", "every replica is down already",
		s.c.Crash, func(n int) command.Command { return command.Crash{Replica: command.Replica(n)} })
}

// restartAll restarts every replica that is down.
func (s *Session) restartAll() Result {
	return s.everyReplica(false, command.Restart{}, "restarted", "no replica is down",
		s.c.Restart, func(n int) command.Command { return command.Restart{Replica: n} })
}

// everyReplica carries out op on every replica that is up (or, with up
// false, down), recording each as the command one makes.
func (s *Session) everyReplica(up bool, all command.Command, verb, none string, op func(int) error, one func(int) command.Command) Result {
	var done []int
	var errs []error
	for _, st := range s.c.Status() {
		if st.Up != up {
			continue
		}
		if err := op(st.ID); err != nil {
			errs = append(errs, err)
			continue
		}
		s.opts.Journal.Note(one(st.ID))
		done = append(done, st.ID)
	}
	r := Result{Command: all, Err: errors.Join(errs...)}
	switch {
	case len(done) > 0:
		r.Text = fmt.Sprintf("%s replica %s", verb, joinInts(done, ", "))
	case r.Err == nil:
		r.Text = none
	}
	return r
}

func (s *Session) partitionLeader() Result {
	groups, err := s.leaderCut()
	if err != nil {
		return Result{Err: err}
	}
	return s.done(command.Partition{Groups: groups}, s.c.Partition(groups), "partitioned %s", spaced(groups))
}

// leaderCut is "partition leader" resolved: the groups that cut the
// leader and the next replica off, the leader kept as the old leader.
func (s *Session) leaderCut() ([][]int, error) {
	l, err := s.resolve(command.Ref{Role: command.Leader})
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.oldLeader = l
	s.mu.Unlock()
	return leaderGroups(l, s.c.Size()), nil
}

// leaderGroups cuts leader l and the next replica off from the other n-2.
func leaderGroups(l, n int) [][]int {
	var rest []int
	for i := 1; i <= n; i++ {
		if i != l && i != l%n+1 {
			rest = append(rest, i)
		}
	}
	return [][]int{{l, l%n + 1}, rest}
}

func (s *Session) link(cmd command.Link) Result {
	pairs := [][2]int{{cmd.From, cmd.To}}
	if cmd.All {
		pairs = nil
		for a := 1; a <= s.c.Size(); a++ {
			for b := 1; b <= s.c.Size(); b++ {
				// In a class, every link that leaves this laptop.
				if a != b && (s.c.Seat() == 0 || a == s.c.Seat()) {
					pairs = append(pairs, [2]int{a, b})
				}
			}
		}
	}
	for _, p := range pairs {
		l := cluster.Link{Drop: cmd.Drop, Delay: cmd.Delay, Jitter: cmd.Jitter, VotesOnly: cmd.Votes}
		if err := s.c.SetLink(p[0], p[1], l); err != nil {
			return Result{Command: cmd, Err: err}
		}
	}
	which := fmt.Sprintf("%d→%d", cmd.From, cmd.To)
	if cmd.All {
		which = "all"
	}
	votes := ""
	if cmd.Votes {
		votes = " (votes only)"
	}
	jitter := ""
	if cmd.Jitter > 0 {
		jitter = fmt.Sprintf(" + up to %v", cmd.Jitter)
	}
	return s.done(cmd, nil, "link %s: drop %.2f, delay %v%s%s", which, cmd.Drop, cmd.Delay, jitter, votes)
}

func (s *Session) set(cmd command.Command) Result {
	if s.c.Seat() != 0 {
		return s.classTiming(cmd)
	}
	raft := s.c.Config().Raft
	switch cmd := cmd.(type) {
	case command.SetPreVote:
		raft.PreVote = cmd.On
	case command.SetCheckQuorum:
		raft.CheckQuorum = cmd.On
	case command.SetRTT:
		raft.RTTMillisecond = cmd.Ms
	}
	return s.done(cmd, s.c.Reconfigure(raft), "restarted every replica in place with %s",
		cmd.String()[len("set "):])
}

func joinInts(xs []int, sep string) string {
	out := ""
	for i, x := range xs {
		if i > 0 {
			out += sep
		}
		out += fmt.Sprint(x)
	}
	return out
}

// spaced writes groups for reading: "1,2 | 3,4,5".
func spaced(groups [][]int) string {
	parts := ""
	for i, g := range groups {
		if i > 0 {
			parts += " | "
		}
		parts += joinInts(g, ",")
	}
	return parts
}

// transfer hands leadership to the replica cmd names; it answers once the
// replica leads, or says why it could not.
func (s *Session) transfer(cmd command.Transfer) Result {
	n, err := s.resolve(cmd.Replica)
	if err != nil {
		return Result{Err: err}
	}
	start := time.Now()
	from, term, err := s.c.Transfer(n, 4*s.c.ElectionTimeout())
	return s.done(command.Transfer{Replica: command.Replica(n)}, err,
		"replica %d leads term %d: handed over by replica %d in %v", n, term, from, time.Since(start).Round(time.Millisecond))
}

// Mend heals every fault and restarts every replica that is down, then
// waits for an agreed leader (at most timeout, or until stop closes) and
// returns it; 0 if there is none. Lessons start from a mended cluster.
func (s *Session) Mend(timeout time.Duration, stop <-chan struct{}) int {
	return s.c.Mend(timeout, stop)
}

// CancelAdd cancels the addition of replica n, if one is under way, and
// reports whether one was: the addition undoes itself. It never waits, so
// the window may call it while its worker is busy adding.
func (s *Session) CancelAdd(n int) bool { return s.c.CancelAdd(n) != nil }

// Size is how many replicas the cluster has (removed ones too): replica
// numbers run from 1 to Size.
func (s *Session) Size() int { return s.c.Size() }

// add grows the cluster by one replica and says where it runs and what
// the quorum is now.
func (s *Session) add() Result {
	n, err := s.c.AddReplica(cluster.AddStall)
	if err != nil {
		return Result{Err: err}
	}
	v := s.c.Voters()
	return s.done(command.Add{}, nil, "replica %d (%s) joined on %s: non-voting until it caught up, now a voter; %d voters, quorum %d of %d",
		n, s.name(n), s.c.Config().Players[n-1].Address, v, record.Majority(v), v)
}

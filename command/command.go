// Package command is the one language that drives the cluster: a line
// typed headless, a key in the window, a lesson's step, a recording and
// its replay are all Commands. Each kind of command is its own type;
// Parse reads a line into one and String writes it back the one canonical
// way, so that Parse(c.String()) == c.
//
// Like world/, this package is a pure leaf: it knows no cluster and no
// screen. The session package carries commands out.
package command

import (
	"strconv"
	"strings"
	"time"
)

// A Command is one thing to do to the cluster or the game.
type Command interface {
	// String writes the command as a line Parse reads back.
	String() string
	isCommand()
}

// Role names a replica by what it is when the command runs.
type Role string

const (
	Leader    Role = "leader"     // the replica that leads in the highest term
	OldLeader Role = "old-leader" // the leader that "partition leader" cut off
	Follower  Role = "follower"   // the lowest-numbered live follower
	All       Role = "all"        // every replica (crash only)
)

// Ref is a replica: by number (N, from 1), or by Role when N is 0.
type Ref struct {
	N    int
	Role Role
}

// Replica refers to replica n.
func Replica(n int) Ref { return Ref{N: n} }

func (r Ref) String() string {
	if r.N == 0 {
		return string(r.Role)
	}
	return strconv.Itoa(r.N)
}

// Until is what "wait" waits for.
type Until string

const (
	UntilLeader    Until = "leader"    // the replicas that can reach a majority agree on a leader
	UntilConverged Until = "converged" // every up replica applied the same entries, all that is committed
	UntilProposals Until = "proposals" // every nowait attack has its answer
)

// DefaultWait is how long "wait" waits when no timeout is given.
const DefaultWait = 10 * time.Second

// The commands.
type (
	// Help prints the language.
	Help struct{}
	// Quit ends a headless session or the window.
	Quit struct{}
	// Status shows every replica's own view; JSON as one line of JSON.
	Status struct{ JSON bool }
	// Attack: player From attacks player To, proposed through Via (by
	// default replica From). NoWait answers at once, not when it commits.
	Attack struct {
		From, To int
		Via      Ref
		NoWait   bool
	}
	// NewGame rebuilds every city.
	NewGame struct{}
	// Crash stops a replica abruptly; its data stays.
	Crash struct{ Replica Ref }
	// Transfer hands leadership from the leader to a replica.
	Transfer struct{ Replica Ref }
	// Add grows the cluster by a replica (non-voting, then a voter).
	Add struct{}
	// Remove deletes a replica from the cluster for good.
	Remove struct{ Replica Ref }
	// Restart starts a crashed replica (Replica 0: every one) from its data.
	Restart struct{ Replica int }
	// Isolate cuts every link of a replica.
	Isolate struct{ Replica Ref }
	// Rejoin undoes Isolate.
	Rejoin struct{ Replica Ref }
	// Partition splits the replicas into groups that cannot talk.
	Partition struct{ Groups [][]int }
	// PartitionLeader cuts the leader and the next replica off from the rest.
	PartitionLeader struct{}
	// Link makes the one-way link From→To (or, with All, every link) lose
	// a fraction Drop of its messages and delay them by Delay; Votes: only
	// vote and pre-vote messages. Zero values make it perfect again.
	Link struct {
		From, To int
		All      bool
		Drop     float64
		Delay    time.Duration
		Jitter   time.Duration // up to this much more delay, drawn per message batch
		Votes    bool
	}
	// Heal ends every isolation, partition and link fault.
	Heal struct{}
	// Log shows the tail of a replica's own Raft log.
	Log struct{ Replica Ref }
	// Load proposes N commands at once through the leader.
	Load struct{ N int }
	// SetPreVote restarts every replica in place with PreVote on or off.
	SetPreVote struct{ On bool }
	// SetCheckQuorum restarts every replica in place with CheckQuorum on or off.
	SetCheckQuorum struct{ On bool }
	// SetRTT restarts every replica in place with a round trip of Ms.
	SetRTT struct{ Ms int }
	// Slow delays every message so that a round trip takes about 200 ms
	// (slow motion), or no longer; the replicas run on undisturbed.
	Slow struct{ On bool }
	// Wait waits for a state of the cluster, at most Timeout.
	Wait struct {
		Until   Until
		Timeout time.Duration
	}
	// Sleep waits For a while.
	Sleep struct{ For time.Duration }
	// Lesson plays a lesson: a built-in name or a file.
	Lesson struct{ Name string }
	// Autoplay turns the window's auto-play on or off.
	Autoplay struct{ On bool }
	// Messages shows or hides the window's message dots.
	Messages struct{ On bool }
	// Promote makes a class's non-voting seat a voter (the teacher's).
	Promote struct{ Replica int }
	// Enrolment opens or closes a class to students joining (the
	// teacher's).
	Enrolment struct{ On bool }
	// EndClass ends a class: every seat is told, and stops (the
	// teacher's).
	EndClass struct{}
	// StartGame gives every seat waiting for it a city: the teacher's
	// window holds the game until the class has joined.
	StartGame struct{}
	// Answer answers the question a lesson on the teacher's projector
	// asks the class, with choice Choice (from 1): a student's.
	Answer struct{ Choice int }
	// Offline: in a class, seat Replica's laptop loses its network For a
	// while, as when its Wi-Fi drops: its replica's links and its stream
	// to the teacher's merged record.
	Offline struct {
		Replica int
		For     time.Duration
	}
)

func (Help) isCommand()            {}
func (Quit) isCommand()            {}
func (Status) isCommand()          {}
func (Attack) isCommand()          {}
func (NewGame) isCommand()         {}
func (Crash) isCommand()           {}
func (Transfer) isCommand()        {}
func (Add) isCommand()             {}
func (Remove) isCommand()          {}
func (Restart) isCommand()         {}
func (Isolate) isCommand()         {}
func (Rejoin) isCommand()          {}
func (Partition) isCommand()       {}
func (PartitionLeader) isCommand() {}
func (Link) isCommand()            {}
func (Heal) isCommand()            {}
func (Log) isCommand()             {}
func (Load) isCommand()            {}
func (SetPreVote) isCommand()      {}
func (SetCheckQuorum) isCommand()  {}
func (SetRTT) isCommand()          {}
func (Slow) isCommand()            {}
func (Wait) isCommand()            {}
func (Sleep) isCommand()           {}
func (Lesson) isCommand()          {}
func (Autoplay) isCommand()        {}
func (Messages) isCommand()        {}
func (Promote) isCommand()         {}
func (Enrolment) isCommand()       {}
func (EndClass) isCommand()        {}
func (StartGame) isCommand()       {}
func (Answer) isCommand()          {}
func (Offline) isCommand()         {}

func (Help) String() string { return "help" }
func (Quit) String() string { return "quit" }

func (c Status) String() string {
	if c.JSON {
		return "status json"
	}
	return "status"
}

func (c Attack) String() string {
	s := "attack " + strconv.Itoa(c.From) + " " + strconv.Itoa(c.To)
	if c.Via != Replica(c.From) {
		s += " via " + c.Via.String()
	}
	if c.NoWait {
		s += " nowait"
	}
	return s
}

func (NewGame) String() string    { return "newgame" }
func (c Crash) String() string    { return "crash " + c.Replica.String() }
func (c Transfer) String() string { return "transfer " + c.Replica.String() }
func (Add) String() string        { return "add" }
func (c Remove) String() string   { return "remove " + c.Replica.String() }
func (c Isolate) String() string  { return "isolate " + c.Replica.String() }
func (c Rejoin) String() string   { return "rejoin " + c.Replica.String() }
func (c Log) String() string      { return "log " + c.Replica.String() }

func (c Restart) String() string {
	if c.Replica == 0 {
		return "restart all"
	}
	return "restart " + strconv.Itoa(c.Replica)
}

func (c Partition) String() string { return "partition " + GroupsText(c.Groups) }

// GroupsText writes partition groups as "partition" reads them: "1,2|3,4,5".
func GroupsText(groups [][]int) string {
	parts := make([]string, len(groups))
	for i, g := range groups {
		ids := make([]string, len(g))
		for j, r := range g {
			ids[j] = strconv.Itoa(r)
		}
		parts[i] = strings.Join(ids, ",")
	}
	return strings.Join(parts, "|")
}

func (PartitionLeader) String() string { return "partition leader" }

func (c Link) String() string {
	s := "link " + strconv.Itoa(c.From) + " " + strconv.Itoa(c.To)
	if c.All {
		s = "link all"
	}
	if c.Drop != 0 {
		s += " drop " + strconv.FormatFloat(c.Drop, 'g', -1, 64)
	}
	if c.Delay != 0 {
		s += " delay " + c.Delay.String()
	}
	if c.Jitter != 0 {
		s += " jitter " + c.Jitter.String()
	}
	if c.Votes {
		s += " votes"
	}
	return s
}

func (Heal) String() string             { return "heal" }
func (c Load) String() string           { return "load " + strconv.Itoa(c.N) }
func (c SetPreVote) String() string     { return "set prevote " + onOff(c.On) }
func (c SetCheckQuorum) String() string { return "set checkquorum " + onOff(c.On) }
func (c SetRTT) String() string         { return "set rtt " + strconv.Itoa(c.Ms) }
func (c Slow) String() string           { return "slow " + onOff(c.On) }
func (c Wait) String() string           { return "wait " + string(c.Until) + " " + c.Timeout.String() }
func (c Sleep) String() string          { return "sleep " + c.For.String() }
func (c Lesson) String() string         { return "lesson " + c.Name }
func (c Autoplay) String() string       { return "autoplay " + onOff(c.On) }
func (c Messages) String() string       { return "messages " + onOff(c.On) }
func (c Promote) String() string        { return "promote " + strconv.Itoa(c.Replica) }
func (c Answer) String() string         { return "answer " + strconv.Itoa(c.Choice) }
func (c Enrolment) String() string      { return "enrolment " + onOff(c.On) }
func (EndClass) String() string         { return "end class" }
func (StartGame) String() string        { return "start game" }
func (c Offline) String() string        { return "offline " + strconv.Itoa(c.Replica) + " " + c.For.String() }

func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}

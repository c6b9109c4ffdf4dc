// Package cluster holds the words a cluster of replicas and whoever
// drives it share: what one replica reports of itself (Status), a
// proposal on its way (Ticket) and how it ended (Outcome), and why one
// failed, as errors to test with errors.Is. Package node implements them;
// the session asks for them through an interface of its own, so that it
// never needs node, and a fake can stand in for a cluster in its tests.
package cluster

import (
	"errors"
	"fmt"
	"time"

	"github.com/raftian/raftian/record"
	"github.com/raftian/raftian/world"
)

// Status is one replica's own view of things, as the replica reports it
// now. Two replicas may disagree: that is the point.
type Status struct {
	ID        int
	Up        bool
	Removed   bool // deleted from the shard for good
	NonVoting bool // added, catching up, not voting yet
	// Joining: being added, not a finished member yet; Leaving: being
	// deleted from the shard.
	Joining, Leaving bool
	Isolated         bool
	// Remote: in a class, a seat whose replica runs on another laptop;
	// this process knows only its address and, if it leads, that.
	Remote  bool
	Address string // where its replica listens
	Group   int    // partition group; all equal when there is no partition
	// Role is what the record has seen of it (record.Known: its own
	// messages and dragonboat's reports), the leader's as dragonboat
	// says it.
	Role      record.Role
	Term      uint64
	Leader    int    // the leader this replica believes in; 0 if none
	Commit    uint64 // the highest commit index it can know
	Applied   uint64 // last entry applied to its world
	LastIndex uint64 // last entry in its log
	// World is the replica's own copy of the game (the last one it had, if
	// it is down); nil if it never ran in this program (one removed in an
	// earlier run). It is a clone: the reader may keep it.
	World *world.World
}

// AddStall is how long an addition may make no progress before it is
// undone: no leader to commit it, a new replica that catches up on
// nothing (cut off by a partition), a promotion that does not commit.
const AddStall = 10 * time.Second

// Link is what a fault does to a one-way link: it loses a share of the
// message batches, and delays each by Delay plus up to Jitter (uniformly,
// drawn per batch; a link delivers in order, as TCP does, so a batch
// never overtakes the one before it). VotesOnly: the fault applies to
// vote and pre-vote messages only.
type Link struct {
	Drop          float64 // 0..1
	Delay, Jitter time.Duration
	VotesOnly     bool
}

// Proposer proposes commands under one client session of the world (see
// world/session.go). Each returns at once; the ticket says later how the
// proposal ended.
type Proposer interface {
	Attack(via, from, to int) *Ticket
	NewGame(via int) *Ticket
	Propose(via int, cmd world.Command) *Ticket
}

// Outcome is how a proposal ended.
type Outcome struct {
	Command world.Command
	Via     int  // replica it was proposed through
	OK      bool // committed and judged by the game's rules; see Reason
	// Reason is what the world did with a committed command: ReasonNone
	// when it took effect, otherwise why the rules refused it.
	Reason world.Reason
	HP     int // the target's HP after a committed attack
	// Repeated: more than one attempt committed; Reason and HP are what
	// the world did with the first, and the others changed nothing.
	Repeated bool
	Err      error // why the proposal failed, when !OK
	Took     time.Duration
}

// Why a proposal failed, beside the world's own (NotJudged). A failure is
// not a no: a proposal that timed out may still commit later, once.
var (
	ErrTimeout  = errors.New("timeout")
	ErrNoLeader = errors.New("no leader")
	ErrDown     = errors.New("replica down")
	ErrClosing  = errors.New("shutting down")
	ErrDiskFull = errors.New("disk almost full: free some space")
)

// NotJudged is a command the world committed but could not judge (too
// old, from a forgotten client, too many in flight): a failure to report,
// never a verdict of the game's rules.
type NotJudged struct{ Reason world.Reason }

func (e NotJudged) Error() string { return e.Reason.String() }

// Ticket is a proposal on its way. Done is closed when its outcome is
// known.
type Ticket struct {
	done    chan struct{}
	outcome Outcome
	// ID is the proposal's number in the record (its Propose and
	// Outcome observations).
	ID uint64
}

// NewTicket returns the ticket of a proposal of cmd through replica via,
// numbered id in the record.
func NewTicket(cmd world.Command, via int, id uint64) *Ticket {
	return &Ticket{done: make(chan struct{}), outcome: Outcome{Command: cmd, Via: via}, ID: id}
}

// Done returns a channel closed when the outcome is known.
func (t *Ticket) Done() <-chan struct{} { return t.done }

// Wait blocks until the outcome is known, and returns it.
func (t *Ticket) Wait() Outcome {
	<-t.done
	return t.outcome
}

// Finish ends the ticket with o; the proposer calls it once.
func (t *Ticket) Finish(o Outcome) {
	t.outcome = o
	close(t.done)
}

// Failure says why a proposal failed, for a person.
func Failure(err error) string {
	if err == nil {
		return ""
	}
	var nj NotJudged
	switch {
	case errors.Is(err, ErrTimeout):
		return "no quorum (timed out)"
	case errors.As(err, &nj):
		return fmt.Sprintf("not judged: %v", nj.Reason)
	}
	return err.Error()
}

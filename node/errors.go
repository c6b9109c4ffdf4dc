package node

import (
	"context"
	"errors"
	"fmt"

	"github.com/lni/dragonboat/v4"
)

// explainRaft says in the user's words what an error of dragonboat's
// means: its own words ("invalid deadline", "request rejected") tell a
// user nothing they can act on. Nil stays nil.
func explainRaft(err error) error {
	var why string
	switch {
	case err == nil:
		return nil
	case errors.Is(err, dragonboat.ErrShardNotReady), errors.Is(err, dragonboat.ErrSystemBusy):
		why = "there was no leader to take it (an election was under way)"
	case errors.Is(err, dragonboat.ErrTimeout), errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, dragonboat.ErrTimeoutTooSmall), errors.Is(err, dragonboat.ErrInvalidDeadline):
		why = "it did not commit in time (no majority reachable?): it may still commit later"
	case errors.Is(err, dragonboat.ErrClosed), errors.Is(err, dragonboat.ErrShardClosed),
		errors.Is(err, dragonboat.ErrShardNotFound), errors.Is(err, dragonboat.ErrReplicaRemoved):
		why = "the replica went down meanwhile"
	case errors.Is(err, dragonboat.ErrCanceled), errors.Is(err, context.Canceled):
		why = "cancelled"
	case errors.Is(err, dragonboat.ErrRejected):
		why = "Raft refused it: another membership change is under way, or the replica was removed before"
	case errors.Is(err, dragonboat.ErrPayloadTooBig):
		why = "it is too large for one log entry"
	case errors.Is(err, dragonboat.ErrAborted):
		why = "it was aborted: the leader changed or stopped"
	default:
		return fmt.Errorf("the Raft library failed (%v)", err)
	}
	return &raftError{why: why, err: err}
}

// raftError is a dragonboat error in the user's words; errors.Is still
// finds the original.
type raftError struct {
	why string
	err error
}

func (e *raftError) Error() string { return e.why }
func (e *raftError) Unwrap() error { return e.err }

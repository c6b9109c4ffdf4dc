package node

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/lni/dragonboat/v4"

	"github.com/raftian/raftian/cluster"
)

// dragonboat's errors reach the user in words they can act on, never as
// the library's own ("invalid deadline" on the old leader's pane in the
// split-brain lesson was one), and errors.Is still finds them.
func TestDragonboatErrorsAreSaidInWords(t *testing.T) {
	for _, err := range []error{dragonboat.ErrInvalidDeadline, dragonboat.ErrTimeoutTooSmall, dragonboat.ErrTimeout,
		dragonboat.ErrShardNotReady, dragonboat.ErrSystemBusy, dragonboat.ErrClosed, dragonboat.ErrShardClosed,
		dragonboat.ErrRejected, dragonboat.ErrAborted, dragonboat.ErrPayloadTooBig, dragonboat.ErrReplicaRemoved} {
		wrapped := fmt.Errorf("while proposing: %w", err)
		said := explainRaft(wrapped)
		if strings.Contains(said.Error(), err.Error()) || !errors.Is(said, err) {
			t.Errorf("%q is said as %q", err, said)
		}
		ours := []error{cluster.ErrTimeout, cluster.ErrNoLeader, cluster.ErrDown, cluster.ErrClosing}
		r := failure(wrapped)
		if !slices.ContainsFunc(ours, func(e error) bool { return errors.Is(r, e) }) && (r.Error() == err.Error() || !errors.Is(r, err)) {
			t.Errorf("a proposal that failed with %q says %q", err, r)
		}
	}
	if r := failure(dragonboat.ErrInvalidDeadline); !errors.Is(r, cluster.ErrTimeout) {
		t.Errorf("a proposal whose deadline passed says %q, want %q", r, cluster.ErrTimeout)
	}
}

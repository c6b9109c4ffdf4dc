package node

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/lni/dragonboat/v4"
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
		ours := map[string]bool{"": true, FailTimeout: true, FailNoLeader: true, FailDown: true, FailClosing: true}
		if r := failReason(wrapped); !ours[r] && (r == err.Error() || strings.Contains(r, "dragonboat")) {
			t.Errorf("a proposal that failed with %q says %q", err, r)
		}
	}
	if r := failReason(dragonboat.ErrInvalidDeadline); r != FailTimeout {
		t.Errorf("a proposal whose deadline passed says %q, want %q", r, FailTimeout)
	}
}

package rewind

import (
	"testing"

	"github.com/raftian/raftian/record"
)

// Applied counts log entries as commit does: the committed entries the
// game never sees (the founding membership, a new leader's no-op) count
// as carried out, an attack only once its world applied it.
func TestRaftAppliedCountsWhatRaftCarriedOut(t *testing.T) {
	ents := []record.Ent{
		{Index: 1, Term: 1, What: record.WhatMembers, From: 1, To: 1},
		{Index: 2, Term: 1, What: record.WhatMembers, From: 1, To: 2},
		{Index: 3, Term: 2, What: record.WhatNoop},
		{Index: 4, Term: 2, What: record.WhatAttack, From: 1, To: 2},
		{Index: 5, Term: 3, What: record.WhatNoop},
	}
	for _, c := range []struct {
		applied, commit, want uint64
	}{
		{0, 0, 0},
		{0, 2, 2}, // the founding entries, committed
		{0, 3, 3}, // and the no-op
		{0, 4, 3}, // the attack is committed, not yet applied to the world
		{4, 4, 4},
		{4, 5, 5},
		{0, 1, 1},
	} {
		r := Replica{Applied: c.applied, Commit: c.commit, Log: tailLog(5, ents)}
		if got := r.RaftApplied(); got != c.want {
			t.Errorf("applied %d, commit %d: RaftApplied %d, want %d", c.applied, c.commit, got, c.want)
		}
	}
}

package lesson

import (
	"testing"

	"github.com/raftian/raftian/record"
)

// The "campaign" moment is where the winner's winning campaign began: a
// round another replica lost, and the winner's own failed round, are left
// out of the replay.
func TestCampaignAnchorIsTheWinningCampaign(t *testing.T) {
	env := newFakeEnv()
	state := func(at int64, node uint8, role record.Role, term uint64) {
		env.log.Add(record.Obs{At: at, Kind: record.State, Node: node, Role: role, Term: term})
	}
	state(10, 1, record.RoleLeader, 1) // before the step: not this step's win
	state(100, 2, record.RolePreCandidate, 1)
	state(200, 2, record.RoleCandidate, 2) // stands, and loses
	state(300, 3, record.RolePreCandidate, 1)
	state(400, 3, record.RoleCandidate, 2) // splits the vote
	state(500, 3, record.RoleFollower, 3)
	state(600, 2, record.RolePreCandidate, 2) // again: this round wins
	state(700, 2, record.RoleCandidate, 3)
	state(800, 2, record.RoleLeader, 3)
	state(900, 4, record.RolePreCandidate, 3) // after the win
	r := &runner{env: env, starts: []int64{50}, ends: []int64{1000}}
	if at, ok := r.anchor("campaign", 0); !ok || at != 600 {
		t.Errorf(`anchor "campaign" = %d, %v; want 600 (replica 2's last pre-vote before its win)`, at, ok)
	}

	// A step in which nobody won has no campaign to replay.
	r.starts[0] = 850
	if at, ok := r.anchor("campaign", 0); ok {
		t.Errorf(`anchor "campaign" after the win = %d; want none`, at)
	}
}

package node

import (
	"slices"
	"time"

	"github.com/lni/dragonboat/v4"

	"github.com/raftian/raftian/cluster"
	"github.com/raftian/raftian/record"
	"github.com/raftian/raftian/world"
)

// Status returns every replica's status, index 0 for replica 1. It never
// waits on Raft: it reads dragonboat's cached values and the replicas'
// worlds under their own short locks.
func (c *Cluster) Status() []cluster.Status {
	isolated, group := c.net.Cuts()
	out := make([]cluster.Status, 0, c.Size())
	believed, believedTerm, _ := c.localLeader()
	players := c.Config().Players
	for _, r := range c.all() {
		addr := r.addr
		if r.id <= len(players) {
			addr = players[r.id-1].Address
		}
		if r.remote {
			st := cluster.Status{ID: r.id, Remote: true, Address: c.net.Where(r.id), Removed: r.removed.Load(),
				NonVoting: r.nonVoting.Load(), Role: record.RoleDown, Isolated: isolated[r.id], Group: group[r.id]}
			if believed == r.id {
				st.Role, st.Term, st.Leader = record.RoleLeader, believedTerm, r.id
			}
			out = append(out, st)
			continue
		}
		r.mu.RLock()
		nh, s := r.nh, r.sm
		r.mu.RUnlock()
		ch := change(r.change.Load())
		st := cluster.Status{ID: r.id, Up: nh != nil, Isolated: isolated[r.id], Group: group[r.id],
			Removed: r.removed.Load(), NonVoting: r.nonVoting.Load(), Joining: ch == changeJoining, Leaving: ch == changeLeaving,
			Address: addr}
		if c.opts.seat != 0 {
			st.Address = c.opts.listen
		}
		if s != nil {
			st.World = s.view()
			st.Applied = st.World.AppliedIndex()
		}
		commit := c.net.Clues(r.id).Commit
		if nh != nil {
			leader, term, valid, err := nh.GetLeaderID(shardID)
			if err != nil {
				st.Up = false // closed under our feet
			}
			st.Leader, st.Term = int(leader), term
			if lr, err := nh.GetLogReader(shardID); err == nil {
				state, _ := lr.NodeState() // as loaded at start: not kept current
				_, st.LastIndex = lr.GetRange()
				st.Term = max(st.Term, state.Term)
				commit = max(commit, state.Commit)
			}
			// What was applied was committed; nothing past the log is.
			st.Commit = min(max(commit, st.Applied), max(st.LastIndex, st.Applied))
			st.Role = c.role(r.id, st.Up, valid && st.Leader == r.id, st.Term)
		}
		out = append(out, st)
	}
	return out
}

// role is a replica's role: the leader's as dragonboat reports it, the
// others' as the record has seen them (record.Known: a campaign shows in
// the vote requests the replica sends). Without a record, a replica that
// does not lead is a follower.
func (c *Cluster) role(id int, up, leads bool, term uint64) record.Role {
	switch {
	case !up:
		return record.RoleDown
	case leads:
		return record.RoleLeader
	}
	if rec := c.Recorder(); rec != nil {
		if k := rec.Known(id); k.Role.Campaigning() && k.Term+1 >= term {
			return k.Role
		}
	}
	return record.RoleFollower
}

// Leader returns the replica that leads in the highest term, or 0.
func (c *Cluster) Leader() int { return LeaderOf(c.Status()) }

// LeaderOf returns the replica that leads in the highest term in status,
// or 0.
func LeaderOf(status []cluster.Status) int {
	best, term := 0, uint64(0)
	for _, s := range status {
		if s.Role == record.RoleLeader && s.Term >= term {
			best, term = s.ID, s.Term
		}
	}
	return best
}

// LeaderAgreed returns the leader that every up replica able to reach a
// majority agrees on, if there is one: it is up, they can all reach it, and
// it says it leads. Replicas cut off from a majority may believe what they
// like.
func (c *Cluster) LeaderAgreed() (int, bool) {
	if c.opts.seat != 0 { // in a class, this process knows its own replica's belief
		l, _, ok := c.localLeader()
		return l, ok
	}
	st := c.Status()
	majority := record.Majority(c.Voters())
	agreed := 0
	for _, s := range st {
		if !s.Up {
			continue
		}
		reach := c.net.Reachable(s.ID)
		live := 0
		for _, r := range reach {
			if r <= len(st) && st[r-1].Up && !st[r-1].NonVoting {
				live++
			}
		}
		if live < majority {
			continue
		}
		if s.Leader == 0 || (agreed != 0 && s.Leader != agreed) {
			return 0, false
		}
		if !contains(reach, s.Leader) {
			return 0, false
		}
		agreed = s.Leader
	}
	if agreed == 0 || st[agreed-1].Role != record.RoleLeader {
		return 0, false
	}
	return agreed, true
}

// Converged reports whether every up replica has applied the same entries
// and holds the same world.
func (c *Cluster) Converged() bool { return converged(c.Status()) != nil }

// converged returns the world every up replica in st has, or nil if they
// differ or none is up.
func converged(st []cluster.Status) *world.World {
	var ref *cluster.Status
	for i := range st {
		s := &st[i]
		if !s.Up {
			continue
		}
		if ref == nil {
			ref = s
			continue
		}
		if s.Applied != ref.Applied || s.World.Hash() != ref.World.Hash() {
			return nil
		}
	}
	if ref == nil {
		return nil
	}
	return ref.World
}

func contains(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// WaitLeader waits until the replicas agree on a leader, at most timeout,
// and returns it.
func (c *Cluster) WaitLeader(timeout time.Duration) (int, bool) {
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		if l, ok := c.LeaderAgreed(); ok {
			return l, true
		}
	}
	return 0, false
}

// WaitConverged waits until the replicas have converged on everything
// committed (SettledOnCommitted), at most timeout, and reports whether
// they did.
func (c *Cluster) WaitConverged(timeout time.Duration) bool {
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if c.SettledOnCommitted() {
			return true
		}
	}
	return false
}

// SettledOnCommitted reports whether there is an agreed leader and every
// up replica's world equals a linearizable read through it, which holds
// every attack committed so far. Converged alone can hold while a
// committed attack is applied nowhere yet: a leader that crashed right
// after committing it had told no follower its commit index, and the new
// leader commits it only with an entry of its own term.
func (c *Cluster) SettledOnCommitted() bool {
	l, ok := c.LeaderAgreed()
	if !ok {
		return false
	}
	// The worlds taken before the read: equal to it, they held all it did.
	same := converged(c.Status())
	if same == nil {
		return false
	}
	if c.opts.seat != 0 {
		l = c.opts.seat // read through this process's own replica
	}
	w, err := c.Read(l)
	return err == nil && same.Hash() == w.Hash()
}

// Believes returns the voting members replica i believes in, as of the
// last membership change it applied; nil when it is down. It is not part
// of Status, which waiting loops call often: it takes the NodeHost's lock.
func (c *Cluster) Believes(i int) []int {
	if nh := c.nodeHost(i); nh != nil {
		return voters(nh)
	}
	return nil
}

// voters returns the voting members a NodeHost's replica believes in, as
// of the last membership change it applied.
func voters(nh *dragonboat.NodeHost) []int {
	info := nh.GetNodeHostInfo(dragonboat.NodeHostInfoOption{SkipLogInfo: true})
	if info == nil {
		return nil
	}
	var out []int
	for _, sh := range info.ShardInfoList {
		for id := range sh.Replicas {
			out = append(out, int(id))
		}
	}
	slices.Sort(out)
	return out
}

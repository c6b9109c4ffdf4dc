package lesson

import (
	"testing"

	"github.com/raftian/raftian/command"
	"github.com/raftian/raftian/config"
	"github.com/raftian/raftian/internal/testenv"
	"github.com/raftian/raftian/node"
	"github.com/raftian/raftian/record"
	"github.com/raftian/raftian/session"
	"github.com/raftian/raftian/world"
)

// played is what a lesson did: every command's result and each caption.
type played struct {
	results  []session.Result
	captions map[int]string
}

// crashed returns the replica the lesson crashed first, or 0.
func (p played) crashed() int {
	for _, r := range p.results {
		if c, ok := r.Command.(command.Crash); ok && r.Err == nil {
			return c.Replica.N
		}
	}
	return 0
}

// failedAttacks returns the attacks that did not commit.
func (p played) failedAttacks() []session.Result {
	var out []session.Result
	for _, r := range p.results {
		if r.Outcome != nil && !r.Outcome.OK {
			out = append(out, r)
		}
	}
	return out
}

// logs returns the results of the lesson's log commands.
func (p played) logs() []session.Result {
	var out []session.Result
	for _, r := range p.results {
		if _, ok := r.Command.(command.Log); ok {
			out = append(out, r)
		}
	}
	return out
}

// playLesson plays a built-in lesson headless on a fresh cluster and
// returns the cluster (still running) and what the lesson did. Every
// caption must have been shown, and no command may have failed but the
// attacks the lesson means to fail.
func playLesson(t *testing.T, name string) (*node.Cluster, played) {
	t.Helper()
	c, err := node.Start(testenv.Config(t, config.StorageMemory), node.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	l, err := Load(name)
	if err != nil {
		t.Fatal(err)
	}
	s := session.New(c, session.Options{})
	p := played{captions: map[int]string{}}
	do := func(cmd command.Command) { p.results = append(p.results, s.Do(cmd)) }
	caption := func(step int, text string) { p.captions[step] = text }
	if err := Run(l, do, caption, nil, nil); err != nil {
		t.Fatal(err)
	}
	for i, step := range l.Steps {
		if step.Caption != "" && p.captions[i+1] != step.Caption {
			t.Errorf("caption %d not shown", i+1)
		}
	}
	for _, r := range p.results {
		if r.Err != nil && r.Outcome == nil {
			t.Errorf("%s: %v", r.Command, r.Err)
		}
	}
	return c, p
}

func TestEveryBuiltinLessonParses(t *testing.T) {
	if len(Names()) < 3 {
		t.Fatalf("lessons: %v", Names())
	}
	for _, n := range Names() {
		if _, err := Load(n); err != nil {
			t.Error(err)
		}
	}
}

// Lesson 1: an election makes one leader that everyone agrees on, in a
// term above the first, and attacks then commit.
func TestLessonFirstElection(t *testing.T) {
	c, p := playLesson(t, "first-election")
	if failed := p.failedAttacks(); len(failed) > 0 {
		t.Errorf("attacks failed during the lesson: %v", failed)
	}
	l, ok := c.LeaderAgreed()
	if !ok {
		t.Fatal("no agreed leader after the lesson")
	}
	if term := c.Status()[l-1].Term; term < 2 {
		t.Errorf("leader %d in term %d: an election should have raised the term", l, term)
	}
	if c.Status()[l-1].World.HP(2) != world.StartHP-world.Damage {
		t.Error("the lesson's attacks did not commit")
	}
}

// Lesson 2: the crashed leader is replaced in a higher term, and comes
// back as a follower.
func TestLessonLeaderCrash(t *testing.T) {
	c, p := playLesson(t, "leader-crash")
	crashed := p.crashed()
	if crashed == 0 {
		t.Fatal("no leader was crashed")
	}
	evs, _ := c.Events().Since(0, nil)
	var oldTerm uint64
	for _, e := range evs {
		if e.Type == node.EvLeader && e.Leader != nil && *e.Leader == crashed && oldTerm == 0 {
			oldTerm = e.Term
		}
	}
	st := c.Status()
	l, ok := c.LeaderAgreed()
	if !ok || l == crashed || st[l-1].Term <= oldTerm {
		t.Fatalf("leader %d (ok %v) in term %d; the crashed leader %d led term %d", l, ok, st[l-1].Term, crashed, oldTerm)
	}
	if failed := p.failedAttacks(); len(failed) > 0 {
		t.Errorf("attacks failed during the lesson: %v", failed)
	}
	if s := st[crashed-1]; !s.Up || s.Role != node.RoleFollower || s.Leader != l {
		t.Errorf("the old leader is %v following %d, want an up follower of %d", s.Role, s.Leader, l)
	}
}

// Lesson 3: the isolated minority's attack fails and is applied nowhere;
// the majority's commits.
func TestLessonMinorityCannotCommit(t *testing.T) {
	c, p := playLesson(t, "minority")
	if failed := p.failedAttacks(); len(failed) != 1 || failed[0].Outcome.Command.From != 1 {
		t.Errorf("attacks that failed: %v; want the isolated player 1's", failed)
	}
	for _, s := range c.Status() {
		if s.World.HP(3) != world.StartHP {
			t.Errorf("replica %d applied the minority's attack: HP(3) = %d", s.ID, s.World.HP(3))
		}
		if s.World.HP(4) != world.StartHP-world.Damage {
			t.Errorf("replica %d: HP(4) = %d, want the majority's attack", s.ID, s.World.HP(4))
		}
	}
}

// Lesson 4: the old leader's uncommitted entry is in its log during the
// split and overwritten after the heal; it is applied nowhere.
func TestLessonSplitBrain(t *testing.T) {
	c, p := playLesson(t, "split-brain")
	logs := p.logs()
	if len(logs) != 2 {
		t.Fatalf("want the old leader's log shown twice, got %d", len(logs))
	}
	holds := func(r session.Result, committed bool) bool {
		for _, e := range r.Entries {
			if e.What == record.WhatAttack && e.From == 1 && e.To == 4 && (e.Index <= r.Commit) == committed {
				return true
			}
		}
		return false
	}
	if !holds(logs[0], false) {
		t.Errorf("during the split the old leader's log lacks the uncommitted attack 1→4: %+v", logs[0].Entries)
	}
	if holds(logs[1], false) || holds(logs[1], true) {
		t.Errorf("after the heal the attack 1→4 is still in the old leader's log: %+v", logs[1].Entries)
	}
	for _, s := range c.Status() {
		if s.World.HP(4) != world.StartHP {
			t.Errorf("replica %d applied the minority's attack: HP(4) = %d", s.ID, s.World.HP(4))
		}
	}
}

// Lesson 5: the restarted follower catches up by a snapshot.
func TestLessonSnapshot(t *testing.T) {
	c, p := playLesson(t, "snapshot")
	crashed := p.crashed()
	evs, _ := c.Events().Since(0, nil)
	got := false
	for _, e := range evs {
		got = got || (e.Type == node.EvSnapshot && e.Dir == "received" && e.To == crashed)
	}
	if crashed == 0 || !got {
		t.Fatalf("replica %d received no snapshot", crashed)
	}
	for _, r := range p.results {
		if l, ok := r.Command.(command.Load); ok && r.Count != l.N {
			t.Errorf("%d of %d commands of the load committed", r.Count, l.N)
		}
	}
}

// Lesson 6: without PreVote the isolated follower's term climbs and its
// return forces a new election; with PreVote neither happens.
func TestLessonPreVote(t *testing.T) {
	c, _ := playLesson(t, "prevote")
	evs, _ := c.Events().Since(0, nil)
	type phase struct {
		lone             int
		leaderTerm       uint64 // the leader's term when the follower was cut off
		loneMax          uint64 // the highest term the lone replica reached while cut off
		afterHeal        uint64 // the highest term anyone reached after the heal
		isolated, healed bool
	}
	var phases []*phase
	var cur *phase
	var term uint64
	for _, e := range evs {
		switch {
		case e.Type == node.EvReconfigure:
			cur = &phase{}
			phases = append(phases, cur)
		case cur == nil:
		case e.Type == node.EvIsolate:
			cur.lone, cur.leaderTerm, cur.isolated = e.Node, term, true
		case e.Type == node.EvHeal:
			cur.healed = true
		case e.Type == node.EvLeader:
			if e.Leader != nil && *e.Leader != 0 && !cur.isolated {
				term = max(term, e.Term)
			}
			if cur.isolated && !cur.healed && e.Node == cur.lone {
				cur.loneMax = max(cur.loneMax, e.Term)
			}
			if cur.healed {
				cur.afterHeal = max(cur.afterHeal, e.Term)
			}
		}
	}
	if len(phases) != 2 || !phases[0].healed || !phases[1].healed {
		t.Fatal("want two phases (PreVote off, on), each isolating and healing")
	}
	off, on := phases[0], phases[1]
	if off.loneMax < off.leaderTerm+2 || off.afterHeal <= off.leaderTerm {
		t.Errorf("without PreVote: leader term %d, the lone replica reached %d, after the heal %d; want its term to climb and a new election",
			off.leaderTerm, off.loneMax, off.afterHeal)
	}
	if on.loneMax > on.leaderTerm || on.afterHeal > on.leaderTerm {
		t.Errorf("with PreVote: leader term %d, the lone replica reached %d, after the heal %d; want no change",
			on.leaderTerm, on.loneMax, on.afterHeal)
	}
}

// Lesson 7: after the crash, a term in which several replicas stood for
// election and none became leader; then a leader in a higher term.
func TestLessonSplitVote(t *testing.T) {
	c, _ := playLesson(t, "split-vote")
	evs, _ := c.Events().Since(0, nil)
	crashed := false
	var crashTerm uint64
	first := map[uint64]map[int]int{} // term → replica → first leader it reported in that term
	led := map[uint64]bool{}
	for _, e := range evs {
		if e.Type == node.EvCrash {
			crashed = true
			continue
		}
		if e.Type != node.EvLeader || e.Leader == nil {
			continue
		}
		if !crashed {
			crashTerm = max(crashTerm, e.Term)
			continue
		}
		if first[e.Term] == nil {
			first[e.Term] = map[int]int{}
		}
		if _, ok := first[e.Term][e.Node]; !ok {
			first[e.Term][e.Node] = *e.Leader
		}
		if *e.Leader != 0 {
			led[e.Term] = true
		}
	}
	split := uint64(0)
	for term, reps := range first {
		candidates := 0
		for _, l := range reps {
			if l == 0 {
				candidates++
			}
		}
		if term > crashTerm && candidates >= 2 && !led[term] {
			split = term
		}
	}
	if split == 0 {
		t.Fatalf("no split vote after the crash (leader's term %d): %v", crashTerm, first)
	}
	l, ok := c.LeaderAgreed()
	if !ok || c.Status()[l-1].Term <= split {
		t.Fatalf("no leader above the split term %d after the heal", split)
	}
	t.Logf("split vote in term %d, then leader %d in term %d", split, l, c.Status()[l-1].Term)
}

package console

import (
	"strings"
	"testing"

	"github.com/raftian/raftian/config"
	"github.com/raftian/raftian/internal/testenv"
	"github.com/raftian/raftian/lesson"
	"github.com/raftian/raftian/node"
	"github.com/raftian/raftian/world"
)

// runLesson runs a built-in lesson headless on a fresh cluster and returns
// the cluster (still running) and everything the session printed.
func runLesson(t *testing.T, name string) (*node.Cluster, string) {
	t.Helper()
	c, err := node.Start(testenv.Config(t, config.StorageMemory), node.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	var out strings.Builder
	if err := Run(c, strings.NewReader("lesson "+name+"\n"), &out, nil); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	l, _ := lesson.Load(name)
	for i := range l.Steps {
		if l.Steps[i].Caption != "" && !strings.Contains(text, "caption "+string(rune('1'+i))+": ") {
			t.Errorf("caption %d not shown:\n%s", i+1, text)
		}
	}
	if strings.Contains(text, "error:") || strings.Contains(text, "timeout:") {
		t.Errorf("the lesson hit an error:\n%s", text)
	}
	return c, text
}

func TestEveryBuiltinLessonParses(t *testing.T) {
	if len(lesson.Names()) < 3 {
		t.Fatalf("lessons: %v", lesson.Names())
	}
	for _, n := range lesson.Names() {
		if _, err := lesson.Load(n); err != nil {
			t.Error(err)
		}
	}
}

// Lesson 1: an election makes one leader that everyone agrees on, in a
// term above the first, and attacks then commit.
func TestLessonFirstElection(t *testing.T) {
	c, out := runLesson(t, "first-election")
	if strings.Contains(out, "failed: ") {
		t.Errorf("an attack failed during the lesson:\n%s", out)
	}
	l, ok := c.LeaderAgreed()
	if !ok {
		t.Fatalf("no agreed leader after the lesson:\n%s", out)
	}
	if term := c.Status()[l-1].Term; term < 2 {
		t.Errorf("leader %d in term %d: an election should have raised the term", l, term)
	}
	if c.Status()[l-1].World.HP(2) != world.StartHP-world.Damage {
		t.Errorf("the lesson's attacks did not commit:\n%s", out)
	}
}

// Lesson 2: the crashed leader is replaced in a higher term, and comes
// back as a follower.
func TestLessonLeaderCrash(t *testing.T) {
	c, out := runLesson(t, "leader-crash")
	crashed := crashedReplica(out)
	if crashed == 0 {
		t.Fatalf("no leader was crashed:\n%s", out)
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
		t.Fatalf("leader %d (ok %v) in term %d; the crashed leader %d led term %d:\n%s", l, ok, st[l-1].Term, crashed, oldTerm, out)
	}
	if strings.Contains(out, "failed: ") {
		t.Errorf("an attack failed during the lesson:\n%s", out)
	}
	if s := st[crashed-1]; !s.Up || s.Role != node.RoleFollower || s.Leader != l {
		t.Errorf("the old leader is %v following %d, want an up follower of %d", s.Role, s.Leader, l)
	}
}

// Lesson 3: the isolated minority's attack fails and is applied nowhere;
// the majority's commits.
func TestLessonMinorityCannotCommit(t *testing.T) {
	c, out := runLesson(t, "minority")
	if !strings.Contains(out, "failed: ") {
		t.Errorf("the minority's attack did not fail:\n%s", out)
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
	c, out := runLesson(t, "split-brain")
	parts := strings.Split(out, "replica ")
	var logs []string
	for _, p := range parts {
		if strings.Contains(p, "'s log (") {
			logs = append(logs, p)
		}
	}
	if len(logs) != 2 {
		t.Fatalf("want the old leader's log shown twice, got %d:\n%s", len(logs), out)
	}
	if !strings.Contains(logs[0], "attack 1→4     NOT committed") {
		t.Errorf("during the split the old leader's log lacks the uncommitted attack:\n%s", logs[0])
	}
	if strings.Contains(logs[1], "attack 1→4") {
		t.Errorf("after the heal the uncommitted attack is still in the old leader's log:\n%s", logs[1])
	}
	for _, s := range c.Status() {
		if s.World.HP(4) != world.StartHP {
			t.Errorf("replica %d applied the minority's attack: HP(4) = %d", s.ID, s.World.HP(4))
		}
	}
}

// Lesson 5: the restarted follower catches up by a snapshot.
func TestLessonSnapshot(t *testing.T) {
	c, out := runLesson(t, "snapshot")
	crashed := crashedReplica(out)
	evs, _ := c.Events().Since(0, nil)
	got := false
	for _, e := range evs {
		got = got || (e.Type == node.EvSnapshot && e.Dir == "received" && e.To == crashed)
	}
	if crashed == 0 || !got {
		t.Fatalf("replica %d received no snapshot:\n%s", crashed, out)
	}
	if !strings.Contains(out, "load: 3000 of 3000 commands committed") {
		t.Errorf("the load did not all commit:\n%s", out)
	}
}

// Lesson 6: without PreVote the isolated follower's term climbs and its
// return forces a new election; with PreVote neither happens.
func TestLessonPreVote(t *testing.T) {
	c, out := runLesson(t, "prevote")
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
		t.Fatalf("want two phases (PreVote off, on), each isolating and healing:\n%s", out)
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
	c, out := runLesson(t, "split-vote")
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
		t.Fatalf("no split vote after the crash (leader's term %d): %v\n%s", crashTerm, first, out)
	}
	l, ok := c.LeaderAgreed()
	if !ok || c.Status()[l-1].Term <= split {
		t.Fatalf("no leader above the split term %d after the heal:\n%s", split, out)
	}
	t.Logf("split vote in term %d, then leader %d in term %d", split, l, c.Status()[l-1].Term)
}

// crashedReplica returns the replica a lesson crashed, from its output.
func crashedReplica(out string) int {
	for _, line := range strings.Split(out, "\n") {
		if r, ok := strings.CutPrefix(line, "crashed replica "); ok && r != "" {
			return int(r[0] - '0')
		}
	}
	return 0
}

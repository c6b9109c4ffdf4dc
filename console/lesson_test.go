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
	if err := Run(c, strings.NewReader("lesson "+name+"\n"), &out); err != nil {
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
	var crashed int
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "crashed replica ") {
			crashed = int(line[len("crashed replica ")] - '0')
		}
	}
	if crashed == 0 {
		t.Fatalf("no leader was crashed:\n%s", out)
	}
	evs, _, _ := c.Events().Since(0, nil)
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

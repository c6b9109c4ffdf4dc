package lesson

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/raftian/raftian/cluster"
	"github.com/raftian/raftian/command"
	"github.com/raftian/raftian/config"
	"github.com/raftian/raftian/record"
	"github.com/raftian/raftian/rewind"
)

// Every built-in lesson is played on a real cluster, headless (nothing
// waits to be read): every step's moment must come, hold where its
// caption is shown and fill its caption; and the claims no moment can
// make (a reveal, an attack that must fail) are checked against the
// record at that moment.

func TestEveryBuiltinLessonParses(t *testing.T) {
	if len(Names()) < 11 {
		t.Fatalf("lessons: %v", Names())
	}
	for _, n := range Names() {
		if _, err := Load(n); err != nil {
			t.Error(err)
		}
	}
}

// Lesson 1: every replica down, then the campaign that wins, played on to
// the win; the reveal names the winner from the record.
func TestLessonFirstElection(t *testing.T) {
	p := playLesson(t, "first-election", map[int]int{2: 3})
	p.held(t)
	l := leaderOf(p.model.At(p.shots[1].end))
	rv := p.reveal(2)
	if l.id == 0 || !strings.Contains(strings.ToLower(rv.Reveal), fmt.Sprintf("replica %d ", l.id)) || (rv.Right == 1) != (l.id == 3) {
		t.Errorf("caption 2: leader %d, but the reveal says %q (right %d for the answer 3)", l.id, rv.Reveal, rv.Right)
	}
	if !p.played(2) || !p.played(3) {
		t.Error("the election or the attack was not played on from its moment")
	}
}

// The window's intro: the first campaign of a cluster started in slow
// motion, played on to its win; then slow motion is off.
func TestIntroShowsTheFirstElection(t *testing.T) {
	p := playLesson(t, "intro", nil)
	p.held(t)
	if !p.played(1) {
		t.Error("the first election was not played on from its campaign")
	}
	if st := p.at(t, 1); st.Net.Slow == 0 {
		t.Error("the first campaign was not in slow motion")
	}
	if st := p.at(t, 2); st.Net.Slow != 0 {
		t.Error("slow motion still on at the intro's end")
	}
}

func TestLessonLeaderCrash(t *testing.T) { playLesson(t, "leader-crash", nil).held(t) }
func TestLessonSplitBrain(t *testing.T)  { playLesson(t, "split-brain", map[int]int{5: 2}).held(t) }
func TestLessonSnapshot(t *testing.T)    { playLesson(t, "snapshot", nil).held(t) }
func TestLessonSplitVote(t *testing.T)   { playLesson(t, "split-vote", nil).held(t) }

// The commit rule's delays (300 ms) are made for the default timing.
func TestLessonCommitRule(t *testing.T) {
	playLesson(t, "commit-rule", nil, func(c *config.Config) { c.Raft.RTTMillisecond = 50 }).held(t)
}
func TestLessonCatchUp(t *testing.T)        { playLesson(t, "catch-up", nil).held(t) }
func TestLessonLeaderTransfer(t *testing.T) { playLesson(t, "leader-transfer", nil).held(t) }

// Lesson 3: the minority's attack fails, pane 1 says so, and the reveal
// says the class was wrong to say yes.
func TestLessonMinorityCannotCommit(t *testing.T) {
	p := playLesson(t, "minority", map[int]int{3: 1})
	p.held(t)
	if rv := p.reveal(3); rv.Right != -1 || !strings.Contains(rv.Reveal, "did not commit") {
		t.Errorf("reveal 3, answered yes: %+v", rv)
	}
	if f := p.at(t, 3).Replicas[0].Failed; f.At < 0 {
		t.Error("caption 3: pane 1 shows no failure")
	}
}

// Lesson 6: without PreVote the isolated replica's term climbs and its
// return forces an election; with PreVote nothing happens. How far the
// term jumps depends on how often it stood: the reveal says what did.
func TestLessonPreVote(t *testing.T) {
	p := playLesson(t, "prevote", map[int]int{4: 3, 8: 1})
	p.held(t)
	before, after := leaderOf(p.model.At(p.shots[2].end)), leaderOf(p.model.At(p.shots[3].end))
	jumped := after.term >= before.term+2
	if rv := p.reveal(4); (rv.Right == 1) != jumped || !strings.Contains(rv.Reveal, fmt.Sprintf("leads term %d", after.term)) {
		t.Errorf("caption 4 reveal: %+v; the leader went from term %d to %d, answered \"2 or more\"", rv, before.term, after.term)
	}
	// The jump came from the isolated replica's climbing term, not from
	// elections: the reveal names that term, read from the record.
	climbed := p.model.At(p.shots[2].end).Replicas[p.shots[1].Found.Replica-1].Term
	if rv := p.reveal(4); climbed > before.term {
		var back uint64 // it may climb on while the question is asked
		_, tail, _ := strings.Cut(rv.Reveal, "came back in term ")
		if fmt.Sscan(tail, &back); back < climbed {
			t.Errorf("caption 4 reveal: %q; the returning replica was in term %d", rv.Reveal, climbed)
		}
	}
	if rv := p.reveal(8); rv.Right != 1 {
		t.Errorf("caption 8 reveal, answered \"the same\": %+v", rv)
	}
}

// Lesson 11: two replicas join (shown as the first is JOINING, played on
// until both vote: quorum 4 of 7), the cluster commits with
// three of seven down and not with four, and the two leave again.
func TestLessonMembership(t *testing.T) {
	p := playLesson(t, "membership", map[int]int{2: 4, 6: 3})
	p.held(t)
	// The caption at the first replica joining, non-voting; what follows
	// the play at its end, with both voting.
	if st := p.at(t, 2); len(st.Replicas) != 6 || !st.Replicas[5].NonVoting || st.Voters() != 5 {
		t.Errorf("caption 2: %d replicas, %d voters; want replica 6 joining among 5 voters", len(st.Replicas), st.Voters())
	}
	if !p.played(2) {
		t.Fatal("step 2 did not play on from the joining")
	}
	if st := p.model.At(p.shots[1].To); len(st.Replicas) != 7 || st.Voters() != 7 || st.Majority() != 4 {
		t.Errorf("after step 2's play: %d replicas, %d voters, quorum %d; want 7, 7, 4", len(st.Replicas), st.Voters(), st.Majority())
	}
	for _, c := range []struct {
		step int
		want string
	}{{2, "Right! 7 replicas vote now, so 4 must agree"}, {6, "Right! 5 replicas vote now, so 3 must agree"}} {
		if rv := p.reveal(c.step); !strings.HasPrefix(rv.Reveal, c.want) {
			t.Errorf("reveal %d: %q, want %q", c.step, rv.Reveal, c.want)
		}
	}
	outcome := func(from, to int) *cluster.Outcome {
		for _, r := range p.results {
			if a, ok := r.Command.(command.Attack); ok && a.From == from && a.To == to {
				return r.Outcome
			}
		}
		return nil
	}
	if o := outcome(1, 2); o == nil || !o.OK {
		t.Errorf("with four of seven up, the attack: %+v", o)
	}
	if o := outcome(2, 1); o == nil || o.OK {
		t.Errorf("with three of seven up, the attack: %+v", o)
	}
	if _, ok := p.first(func(o *record.Obs) bool { return o.Kind == record.Member && string(o.Data) == record.MemberRemoved }); !ok {
		t.Error("no removal in the record")
	}
}

// docs/lessons.md describes every moment in the words the code has for it,
// and every placeholder: a moment added or reworded shows up there.
func TestTheDocsDescribeEveryMomentAndPlaceholder(t *testing.T) {
	doc, err := os.ReadFile("../docs/lessons.md")
	if err != nil {
		t.Fatal(err)
	}
	for name, mo := range rewind.Moments {
		if row := "| `" + name + "` | " + mo.Says + " |"; !strings.Contains(string(doc), row) {
			t.Errorf("docs/lessons.md has no row %q", row)
		}
	}
	for _, p := range rewind.Placeholders() {
		if !strings.Contains(string(doc), "`{"+p+"}`") {
			t.Errorf("docs/lessons.md does not describe {%s}", p)
		}
	}
}

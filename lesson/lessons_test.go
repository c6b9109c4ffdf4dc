package lesson

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/raftian/raftian/config"
	"github.com/raftian/raftian/internal/testenv"
	"github.com/raftian/raftian/node"
	"github.com/raftian/raftian/record"
	"github.com/raftian/raftian/session"
)

// Every built-in lesson is played on a real cluster, headless (nothing
// waits to be read), and each caption's claim is checked through the
// record's model at the very moment the caption was shown: what the
// class reads is what the panes show then.

func TestEveryBuiltinLessonParses(t *testing.T) {
	if len(Names()) < 9 {
		t.Fatalf("lessons: %v", Names())
	}
	for _, n := range Names() {
		if _, err := Load(n); err != nil {
			t.Error(err)
		}
	}
}

// Lesson 1: the class sees the very first election: every replica down,
// then an election whose winner the reveal names from the record.
func TestLessonFirstElection(t *testing.T) {
	p := playLesson(t, "first-election", map[int]int{2: 3})
	for _, r := range p.at(t, 1).Replicas {
		if r.Up {
			t.Errorf("caption 1: replica %d is up; the lesson starts with every replica stopped", r.ID)
		}
	}
	st := p.at(t, 2)
	l := leaderOf(st)
	if l.id == 0 {
		t.Fatal("caption 2: no leader agreed on")
	}
	rv := p.reveal(2)
	if !strings.Contains(rv.Reveal, fmt.Sprintf("replica %d ", l.id)) || (rv.Right == 1) != (l.id == 3) {
		t.Errorf("caption 2: leader %d, but the reveal says %q (right %d for the answer 3)", l.id, rv.Reveal, rv.Right)
	}
	if !p.replayed(2) {
		t.Error("the election was not replayed")
	}
	if err := sameWorlds(p.at(t, 3)); err != nil {
		t.Errorf("caption 3 says every pane shows the same cities: %v", err)
	}
}

// Lesson 2: the crashed leader is replaced in a higher term, and comes
// back a follower that caught up.
func TestLessonLeaderCrash(t *testing.T) {
	p := playLesson(t, "leader-crash", nil)
	crash, ok := p.first(func(o *record.Obs) bool { return o.Kind == record.Down })
	if !ok {
		t.Fatal("no crash in the record")
	}
	old := p.model.At(crash.At - 1).Replicas[crash.Node-1].Term
	st := p.at(t, 2)
	if l := leaderOf(st); l.id == 0 || l.id == int(crash.Node) || l.term <= old || st.Replicas[crash.Node-1].Up {
		t.Errorf("caption 2: leader %+v, crashed replica %d up %v; want a new leader above term %d", l, crash.Node, st.Replicas[crash.Node-1].Up, old)
	}
	st = p.at(t, 4)
	back, l := st.Replicas[crash.Node-1], leaderOf(st)
	if !back.Up || back.Role != record.RoleFollower || back.Leader != l.id || back.Applied != st.Replicas[l.id-1].Applied {
		t.Errorf("caption 4: the old leader is %v following %d at %d; the leader %d is at %d",
			back.Role, back.Leader, back.Applied, l.id, st.Replicas[l.id-1].Applied)
	}
}

// Lesson 3: the minority's attack fails, and pane 1 says so.
func TestLessonMinorityCannotCommit(t *testing.T) {
	p := playLesson(t, "minority", map[int]int{3: 1})
	st := p.at(t, 3)
	if r := st.Replicas[0]; r.Failed.At < 0 {
		t.Error("caption 3: pane 1 shows no failed attack")
	}
	if rv := p.reveal(3); rv.Right != -1 || !strings.Contains(rv.Reveal, "did not commit") {
		t.Errorf("caption 3 reveal: %+v; want \"did not commit\", the answer yes wrong", rv)
	}
	if l := leaderOf(p.at(t, 4)); l.id < 3 {
		t.Errorf("caption 4: leader %+v; want one of 3, 4, 5", l)
	}
	if err := sameWorlds(p.at(t, 5)); err != nil {
		t.Errorf("caption 5: %v", err)
	}
}

// Lesson 4: two replicas say LEADER in different terms while the caption
// says so; after the heal the old leader's attack was overwritten.
func TestLessonSplitBrain(t *testing.T) {
	p := playLesson(t, "split-brain", map[int]int{5: 1})
	st := p.at(t, 3)
	terms := map[uint64]int{}
	for _, r := range st.Replicas {
		if r.Up && r.Role == record.RoleLeader {
			terms[r.Term] = r.ID
		}
	}
	if len(terms) < 2 {
		t.Errorf("caption 3: leaders by term %v; want two replicas leading in different terms", terms)
	}
	rv := p.reveal(5)
	if rv.Right != -1 || !strings.Contains(rv.Reveal, "overwritten") {
		t.Errorf("caption 5 reveal: %+v; want the attack overwritten, the answer yes wrong", rv)
	}
	gone := false
	for _, r := range p.at(t, 5).Replicas {
		for _, g := range r.Log.Gone {
			gone = gone || (g.Ent.What == record.WhatAttack && g.Ent.From == 1 && g.Ent.To == 4)
		}
	}
	if !gone {
		t.Error("caption 5: no log shows the attack 1→4 overwritten")
	}
}

// Lesson 5: the restarted follower installs a snapshot, and its world is
// the leader's.
func TestLessonSnapshot(t *testing.T) {
	p := playLesson(t, "snapshot", nil)
	crash, _ := p.first(func(o *record.Obs) bool { return o.Kind == record.Down })
	st := p.at(t, 2)
	l := leaderOf(st)
	if r := st.Replicas[crash.Node-1]; r.Up || l.id == 0 || st.Replicas[l.id-1].Snapshot <= r.Log.Last() {
		t.Errorf("caption 2: replica %d up %v with log to %d; leader %d snapshot at %d: its missed entries should be compacted",
			crash.Node, r.Up, r.Log.Last(), l.id, st.Replicas[max(l.id, 1)-1].Snapshot)
	}
	st = p.at(t, 3)
	r := st.Replicas[crash.Node-1]
	if !r.Up || r.Snapshot == 0 || r.World.Hash() != st.Replicas[leaderOf(st).id-1].World.Hash() {
		t.Errorf("caption 3: replica %d up %v, snapshot %d; want it restored from a snapshot to the leader's world", crash.Node, r.Up, r.Snapshot)
	}
	if !p.replayed(3) {
		t.Error("the snapshot install was not replayed")
	}
}

// Lesson 6: without PreVote the isolated replica is a candidate whose term
// climbs and its return forces an election; with PreVote it stays a
// pre-candidate in its term and nothing happens.
func TestLessonPreVote(t *testing.T) {
	p := playLesson(t, "prevote", map[int]int{4: 3, 8: 1})
	iso, _ := p.first(func(o *record.Obs) bool { return o.Kind == record.Isolate })
	st := p.at(t, 3)
	l := leaderOf(st)
	if r := st.Replicas[iso.Node-1]; r.Role != record.RoleCandidate || r.Term <= st.Replicas[l.id-1].Term {
		t.Errorf("caption 3 (no PreVote): isolated replica %d is %v in term %d; the leader's term is %d",
			iso.Node, r.Role, r.Term, st.Replicas[l.id-1].Term)
	}
	// How far the term jumps depends on how often the lone replica stood
	// (a loaded machine ticks less): the reveal must say what happened.
	after := leaderOf(p.at(t, 4))
	jumped := after.term >= l.term+2
	if rv := p.reveal(4); (rv.Right == 1) != jumped || !strings.Contains(rv.Reveal, fmt.Sprintf("leads term %d", after.term)) {
		t.Errorf("caption 4 reveal: %+v; the leader went from term %d to %d, answered \"2 or more\"", rv, l.term, after.term)
	}
	var second record.Obs
	p.first(func(o *record.Obs) bool {
		if o.Kind == record.Isolate && o.At > p.captions[5] {
			second = *o
			return true
		}
		return false
	})
	st = p.at(t, 7)
	l = leaderOf(st)
	if r := st.Replicas[second.Node-1]; second.Node == 0 || r.Role != record.RolePreCandidate || r.Term != st.Replicas[l.id-1].Term {
		t.Errorf("caption 7 (PreVote): isolated replica %d is %v in term %d; the leader's term is %d",
			second.Node, r.Role, r.Term, st.Replicas[l.id-1].Term)
	}
	if rv := p.reveal(8); rv.Right != 1 {
		t.Errorf("caption 8 reveal: %+v; want the same term (answer 1 right)", rv)
	}
}

// Lesson 7: several candidates and no leader while the caption says the
// vote is split; then a leader.
func TestLessonSplitVote(t *testing.T) {
	p := playLesson(t, "split-vote", nil)
	st := p.at(t, 5)
	var candidates []int
	for _, r := range st.Replicas {
		if r.Up && r.Role == record.RoleCandidate {
			candidates = append(candidates, r.ID)
		}
	}
	if len(candidates) < 2 || leaderOf(st).id != 0 {
		t.Errorf("caption 5: candidates %v, leader %+v; want two candidates or more and no leader", candidates, leaderOf(st))
	}
	if l := leaderOf(p.at(t, 6)); l.id == 0 {
		t.Error("caption 6: no leader")
	}
}

// Lesson 8: the attack is on a majority of logs when the new leader wins,
// yet it is not committed until the new leader's own entry is.
func TestLessonCommitRule(t *testing.T) {
	p := playLesson(t, "commit-rule", nil, func(c *config.Config) { c.Raft.RTTMillisecond = 50 })
	prop, _ := p.first(func(o *record.Obs) bool { return o.Kind == record.Propose && o.Node == 2 })
	win, ok := p.first(func(o *record.Obs) bool {
		return o.Kind == record.State && o.Role == record.RoleLeader && o.At > prop.At
	})
	if !ok {
		t.Fatal("no new leader in the record")
	}
	st := p.model.At(win.At).Clone()
	l := st.Replicas[win.Node-1]
	var x record.Ent
	for _, e := range l.Log.Ents {
		if e.What == record.WhatAttack && e.From == 2 && e.To == 4 {
			x = e
		}
	}
	holders := 0
	for _, r := range st.Replicas {
		if e, ok := r.Log.Entry(x.Index); ok && e == x {
			holders++
		}
	}
	if x.Index == 0 || holders < 3 || l.Commit >= x.Index || x.Term >= l.Term {
		t.Fatalf("when replica %d won term %d: attack %+v held by %d, its commit %d; want an older-term attack on a majority, not committed",
			win.Node, l.Term, x, holders, l.Commit)
	}
	// It is committed exactly when an entry of the new term is.
	committed, ok := p.first(func(o *record.Obs) bool {
		return o.At > win.At && p.model.At(o.At).Replicas[win.Node-1].Commit >= x.Index
	})
	if !ok {
		t.Fatal("the attack was never committed")
	}
	st = p.model.At(committed.At)
	if c := st.Replicas[win.Node-1].Commit; c <= x.Index {
		t.Errorf("the leader committed the old attack (%d) alone, commit %d, before any entry of its term", x.Index, c)
	}
}

// Lesson 9: the returning follower rejected an append, and the leader
// backed up and sent what was missing.
func TestLessonCatchUp(t *testing.T) {
	p := playLesson(t, "catch-up", nil)
	iso, _ := p.first(func(o *record.Obs) bool { return o.Kind == record.Isolate })
	heal, _ := p.first(func(o *record.Obs) bool { return o.Kind == record.Heal })
	rejected, ok := p.first(func(o *record.Obs) bool {
		return o.At > heal.At && o.Kind == record.Deliver && o.Msg == record.MsgAppendResp && o.Node == iso.Node && o.Reject
	})
	if !ok {
		t.Fatal("the returning follower never rejected an append")
	}
	if _, ok := p.first(func(o *record.Obs) bool {
		return o.At > rejected.At && o.Kind == record.Deliver && o.Msg == record.MsgAppendResp && o.Node == iso.Node && !o.Reject
	}); !ok {
		t.Error("no append accepted after the rejection")
	}
	if err := sameWorlds(p.at(t, 3)); err != nil {
		t.Errorf("caption 3: %v", err)
	}
}

// whoLeads is a lesson asking who will lead after the leader crashes, in
// which only one replica can win: the others' vote messages to every
// replica but it are lost.
func whoLeads(old, winner, n int) string {
	var do []string
	for a := 1; a <= n; a++ {
		for b := 1; b <= n; b++ {
			if a != b && a != winner && a != old && b != winner {
				do = append(do, fmt.Sprintf("link %d %d drop 1 votes", a, b))
			}
		}
	}
	do = append(do, "crash leader")
	return `title = "Who leads"
[[step]]
ask = { question = "Who will lead?", answer = "leader" }
do = ["` + strings.Join(do, `", "`) + `"]
until = "new-leader"
caption = "{leader} leads."
`
}

// A question's reveal comes from the record: two runs in which different
// replicas win name each its own winner, right for the class that said
// so and wrong for the one that did not.
func TestRevealSaysWhatHappened(t *testing.T) {
	conf := testenv.Config(t, config.StorageMemory)
	c, err := node.Start(conf, node.Options{Record: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s := session.New(c, session.Options{})
	var winners []int
	for attempt := 0; attempt < 2; attempt++ {
		old, ok := c.WaitLeader(20 * time.Second)
		if !ok {
			t.Fatal("no leader")
		}
		winner := old%c.Size() + 1
		l, err := Parse("who.toml", []byte(whoLeads(old, winner, c.Size())))
		if err != nil {
			t.Fatal(err)
		}
		answer := winner
		if attempt == 1 {
			answer = old // wrong: it is down
		}
		p := &play{c: c, s: s, captions: map[int]int64{}, answers: map[int]int{1: answer}}
		if err := run(l, p, nil); err != nil {
			t.Fatal(err)
		}
		rv := p.reveal(1)
		want := fmt.Sprintf("replica %d (", winner)
		if !strings.Contains(rv.Reveal, want) || (rv.Right == 1) != (attempt == 0) {
			t.Errorf("run %d: %d won, the class said %d; the reveal says %q (right %d)", attempt+1, winner, answer, rv.Reveal, rv.Right)
		}
		winners = append(winners, winner)
		c.Heal()
		c.Restart(old)
	}
	if winners[0] == winners[1] {
		t.Fatalf("both runs had the same winner %d: the test proves nothing", winners[0])
	}
}

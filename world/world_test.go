package world

import (
	"bytes"
	"testing"
)

func attack(w *World, idx uint64, seq uint64, from, to int) Result {
	return w.Apply(idx, Attack(ID{Proposer: 7, Seq: seq}, from, to).Encode())
}

func TestAttackDamagesTarget(t *testing.T) {
	w := New(5)
	r := attack(w, 1, 1, 2, 3)
	if !r.Applied() || r.HP != StartHP-Damage {
		t.Fatalf("result = %+v, want applied with HP %d", r, StartHP-Damage)
	}
	for p := 1; p <= 5; p++ {
		want := StartHP
		if p == 3 {
			want = StartHP - Damage
		}
		if w.HP(p) != want {
			t.Errorf("HP(%d) = %d, want %d", p, w.HP(p), want)
		}
	}
	if w.AppliedIndex() != 1 {
		t.Errorf("AppliedIndex = %d, want 1", w.AppliedIndex())
	}
}

func TestCityIsDestroyedAtZeroAndStaysDestroyed(t *testing.T) {
	w := New(5)
	hits := (StartHP + Damage - 1) / Damage // 4 hits: 100→70→40→10→0
	for i := 1; i <= hits; i++ {
		if r := attack(w, uint64(i), uint64(i), 1, 2); !r.Applied() {
			t.Fatalf("hit %d rejected: %v", i, r.Reason)
		}
	}
	if w.HP(2) != 0 || w.Alive(2) {
		t.Fatalf("after %d hits HP = %d alive = %v, want destroyed at 0", hits, w.HP(2), w.Alive(2))
	}
	idx := uint64(hits)
	if r := attack(w, idx+1, idx+1, 1, 2); r.Reason != ReasonTargetDestroyed {
		t.Errorf("attacking a destroyed city: reason %v, want %v", r.Reason, ReasonTargetDestroyed)
	}
	if r := attack(w, idx+2, idx+2, 2, 1); r.Reason != ReasonAttackerDestroyed {
		t.Errorf("destroyed city attacking: reason %v, want %v", r.Reason, ReasonAttackerDestroyed)
	}
	if w.HP(1) != StartHP {
		t.Errorf("a destroyed player's attack did damage: HP(1) = %d", w.HP(1))
	}
}

func TestRejectedAttacksChangeNothing(t *testing.T) {
	cases := []struct {
		name     string
		from, to int
		want     Reason
	}{
		{"self", 3, 3, ReasonSelfAttack},
		{"no attacker", 0, 3, ReasonNoSuchPlayer},
		{"no target", 1, 6, ReasonNoSuchPlayer},
		{"far out", 1, 255, ReasonNoSuchPlayer},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := New(5)
			before := w.Hash()
			r := attack(w, 1, uint64(i+1), c.from, c.to)
			if r.Reason != c.want {
				t.Fatalf("reason = %v, want %v", r.Reason, c.want)
			}
			for p := 1; p <= 5; p++ {
				if w.HP(p) != StartHP {
					t.Errorf("HP(%d) = %d after a rejected attack", p, w.HP(p))
				}
			}
			if w.Hash() == before {
				t.Error("hash unchanged: the rejection was not recorded")
			}
			rec := w.Recent()
			if len(rec) != 1 || rec[0].Reason != c.want {
				t.Errorf("recent = %+v, want the rejection recorded", rec)
			}
		})
	}
}

func TestRetriedCommandAppliesOnce(t *testing.T) {
	w := New(5)
	cmd := Attack(ID{Proposer: 9, Seq: 1}, 1, 2).Encode()
	w.Apply(1, cmd)
	r := w.Apply(2, cmd)
	if r.Reason != ReasonDuplicate {
		t.Fatalf("second apply: reason %v, want duplicate", r.Reason)
	}
	if w.HP(2) != StartHP-Damage {
		t.Fatalf("HP(2) = %d, want one hit only", w.HP(2))
	}
}

func TestDedupWindowAcceptsOutOfOrderCommits(t *testing.T) {
	w := New(5)
	id := func(seq uint64) []byte { return Attack(ID{Proposer: 1, Seq: seq}, 1, 2).Encode() }
	w.Apply(1, id(5))
	// 3 and 4 were proposed before 5 but committed after it.
	if r := w.Apply(2, id(3)); !r.Applied() {
		t.Fatalf("seq 3 after 5: %v, want applied", r.Reason)
	}
	if r := w.Apply(3, id(4)); !r.Applied() {
		t.Fatalf("seq 4 after 5: %v, want applied", r.Reason)
	}
	for _, seq := range []uint64{3, 4, 5} {
		if r := w.Apply(10, id(seq)); r.Reason != ReasonDuplicate {
			t.Errorf("seq %d again: %v, want duplicate", seq, r.Reason)
		}
	}
	// Jump far ahead: anything older than the window is refused.
	w.Apply(11, Attack(ID{Proposer: 1, Seq: 5 + WindowSize + 1}, 3, 4).Encode())
	if r := w.Apply(12, id(2)); r.Reason != ReasonDuplicate {
		t.Errorf("seq older than the window: %v, want duplicate", r.Reason)
	}
	if r := w.Apply(13, Attack(ID{Proposer: 1, Seq: 5 + WindowSize}, 3, 4).Encode()); !r.Applied() {
		t.Errorf("seq just inside the window: %v, want applied", r.Reason)
	}
}

func TestDistinctProposersDoNotCollide(t *testing.T) {
	w := New(5)
	w.Apply(1, Attack(ID{Proposer: 1, Seq: 1}, 1, 2).Encode())
	if r := w.Apply(2, Attack(ID{Proposer: 2, Seq: 1}, 1, 2).Encode()); !r.Applied() {
		t.Fatalf("same seq from another proposer: %v, want applied", r.Reason)
	}
}

func TestProposerTableIsBoundedAndEvictsLeastRecent(t *testing.T) {
	w := New(5)
	idx := uint64(0)
	for p := uint64(1); p <= MaxProposers+10; p++ {
		idx++
		w.Apply(idx, NewGame(ID{Proposer: p, Seq: 1}).Encode())
	}
	if len(w.proposers) != MaxProposers {
		t.Fatalf("proposers = %d, want %d", len(w.proposers), MaxProposers)
	}
	if w.find(1) >= 0 || w.find(10) >= 0 {
		t.Error("the oldest proposers were kept")
	}
	if w.find(MaxProposers+10) < 0 {
		t.Error("the newest proposer was evicted")
	}
	for i := 1; i < len(w.proposers); i++ {
		if w.proposers[i-1].id >= w.proposers[i].id {
			t.Fatal("proposer table not sorted")
		}
	}
}

func TestNewGameRebuildsEveryCity(t *testing.T) {
	w := New(3)
	for i := uint64(1); i <= 4; i++ {
		attack(w, i, i, 1, 2)
	}
	if w.Alive(2) {
		t.Fatal("setup: city 2 should be destroyed")
	}
	if r := w.Apply(5, NewGame(ID{Proposer: 7, Seq: 5}).Encode()); !r.Applied() {
		t.Fatalf("new game rejected: %v", r.Reason)
	}
	for p := 1; p <= 3; p++ {
		if w.HP(p) != StartHP {
			t.Errorf("HP(%d) = %d after a new game", p, w.HP(p))
		}
	}
}

func TestUndecodableEntriesAreRecordedNotApplied(t *testing.T) {
	good := Attack(ID{Proposer: 1, Seq: 1}, 1, 2).Encode()
	badVersion := append([]byte{}, good...)
	badVersion[0] = 99
	badKind := append([]byte{}, good...)
	badKind[1] = 200
	zeroSeq := Attack(ID{Proposer: 1, Seq: 0}, 1, 2).Encode()
	cases := []struct {
		name  string
		entry []byte
		want  Reason
	}{
		{"empty", nil, ReasonUndecodable},
		{"garbage", []byte{1, 2, 3}, ReasonUndecodable},
		{"too long", append(append([]byte{}, good...), 0), ReasonUndecodable},
		{"zero seq", zeroSeq, ReasonUndecodable},
		{"version", badVersion, ReasonUnknownVersion},
		{"kind", badKind, ReasonUnknownKind},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, b := New(5), New(5)
			ra, rb := a.Apply(1, c.entry), b.Apply(1, c.entry)
			if ra.Reason != c.want {
				t.Fatalf("reason = %v, want %v", ra.Reason, c.want)
			}
			if a.Hash() != b.Hash() || ra != rb {
				t.Error("two replicas disagree on a bad entry")
			}
			for p := 1; p <= 5; p++ {
				if a.HP(p) != StartHP {
					t.Errorf("HP(%d) changed", p)
				}
			}
		})
	}
}

func TestRecentKeepsTheLastResultsInOrder(t *testing.T) {
	w := New(5)
	for i := uint64(1); i <= RecentSize+5; i++ {
		w.Apply(i, NewGame(ID{Proposer: 1, Seq: i}).Encode())
	}
	rec := w.Recent()
	if last, ok := w.Last(); !ok || last != rec[len(rec)-1] {
		t.Fatalf("Last() = %+v, %v; want the newest of Recent", last, ok)
	}
	if _, ok := New(3).Last(); ok {
		t.Fatal("a new world has a last result")
	}
	if len(rec) != RecentSize {
		t.Fatalf("len(Recent) = %d, want %d", len(rec), RecentSize)
	}
	for i, r := range rec {
		if want := uint64(6 + i); r.Index != want {
			t.Fatalf("Recent[%d].Index = %d, want %d", i, r.Index, want)
		}
	}
}

func TestSnapshotRoundTrips(t *testing.T) {
	w := New(5)
	for i := uint64(1); i <= 40; i++ {
		w.Apply(i, Attack(ID{Proposer: i % 3, Seq: i}, int(i%5)+1, int(i*3%5)+1).Encode())
	}
	w.Apply(41, []byte("garbage"))
	var buf bytes.Buffer
	if err := w.Save(&buf); err != nil {
		t.Fatal(err)
	}
	saved := append([]byte(nil), buf.Bytes()...)
	got := New(2)
	if err := got.Restore(&buf); err != nil {
		t.Fatalf("Restore: %v", err)
	}
	if got.Hash() != w.Hash() {
		t.Fatal("hash differs after round trip")
	}
	var again bytes.Buffer
	got.Save(&again)
	if !bytes.Equal(saved, again.Bytes()) {
		t.Fatal("saved bytes differ after round trip")
	}
	// The restored world must behave the same from here on.
	next := Attack(ID{Proposer: 1, Seq: 1}, 2, 3).Encode() // seq 1 of proposer 1 is old
	if a, b := w.Apply(42, next), got.Apply(42, next); a != b {
		t.Fatalf("after restore results differ: %+v vs %+v", a, b)
	}
}

func TestRestoreRejectsCorruptInputAndKeepsState(t *testing.T) {
	w := New(5)
	attack(w, 1, 1, 1, 2)
	var buf bytes.Buffer
	w.Save(&buf)
	good := buf.Bytes()
	before := w.Hash()
	bad := [][]byte{
		nil,
		{9},
		good[:len(good)-1],
		append(append([]byte{}, good...), 0),
	}
	hpTooHigh := append([]byte{}, good...)
	hpTooHigh[5] = 200 // low byte of player 1's HP
	bad = append(bad, hpTooHigh)
	for i, b := range bad {
		if err := w.Restore(bytes.NewReader(b)); err == nil {
			t.Errorf("case %d: Restore accepted corrupt input", i)
		}
		if w.Hash() != before {
			t.Fatalf("case %d: a failed Restore changed the world", i)
		}
	}
}

func TestHashDependsOnState(t *testing.T) {
	a, b := New(5), New(5)
	if a.Hash() != b.Hash() {
		t.Fatal("equal worlds, different hashes")
	}
	attack(a, 1, 1, 1, 2)
	if a.Hash() == b.Hash() {
		t.Fatal("different worlds, equal hashes")
	}
	attack(b, 1, 1, 1, 2)
	if a.Hash() != b.Hash() {
		t.Fatal("same entries, different hashes")
	}
}

func TestCloneIsIndependent(t *testing.T) {
	w := New(5)
	c := w.Clone()
	attack(w, 1, 1, 1, 2)
	if c.HP(2) != StartHP || c.Hash() == w.Hash() {
		t.Fatal("clone shares state with the original")
	}
}

package world

import (
	"bytes"
	"errors"
	"testing"
)

func attack(w *World, idx uint64, seq uint64, from, to int) Result {
	return w.Apply(idx, Attack(ID{Client: 7, Seq: seq}, from, to).Encode())
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
	cmd := Attack(ID{Client: 9, Seq: 1}, 1, 2).Encode()
	w.Apply(1, cmd)
	r := w.Apply(2, cmd)
	if r.Reason != ReasonDuplicate || r.Original != ReasonNone || r.HP != StartHP-Damage {
		t.Fatalf("second apply: %+v, want a duplicate carrying the first result (applied, HP %d)", r, StartHP-Damage)
	}
	if w.HP(2) != StartHP-Damage {
		t.Fatalf("HP(2) = %d, want one hit only", w.HP(2))
	}
}

// cmd is client 1's attack of 1 on 2 with sequence number seq, sent while
// the client waited on everything from lowest up.
func cmd(seq, lowest uint64) []byte {
	c := Attack(ID{Client: 1, Seq: seq}, 1, 2)
	c.Lowest = lowest
	return c.Encode()
}

// A client pipelines commands through several replicas: they commit in any
// order, however far apart, and each applies exactly once.
func TestPipelinedCommandsCommitInAnyOrder(t *testing.T) {
	w := New(5)
	const n = MaxInFlight
	idx := uint64(0)
	// Everything from 1 to n is in flight; n commits first, then the rest
	// backwards: 1 commits last, more than 64 places late.
	for seq := uint64(n); seq >= 1; seq-- {
		idx++
		if r := w.Apply(idx, cmd(seq, 1)); r.Reason.Failed() || r.Reason == ReasonDuplicate {
			t.Fatalf("seq %d committed out of order: %v, want judged by the rules", seq, r.Reason)
		}
	}
	for seq := uint64(1); seq <= n; seq++ {
		idx++
		if r := w.Apply(idx, cmd(seq, 1)); r.Reason != ReasonDuplicate {
			t.Errorf("seq %d again: %v, want duplicate", seq, r.Reason)
		}
	}
}

// The world forgets a result only when the client says it has seen it;
// a repeat of a forgotten command is refused as too old, never applied and
// never reported as a success.
func TestResultsAreForgottenOnlyWhenTheClientSaysSo(t *testing.T) {
	w := New(5)
	w.Apply(1, cmd(1, 1))
	w.Apply(2, cmd(2, 1))
	if r := w.Apply(3, cmd(1, 1)); r.Reason != ReasonDuplicate {
		t.Fatalf("seq 1 again while the client waits on it: %v, want duplicate", r.Reason)
	}
	// Seq 3 says the client has seen the answers to 1 and 2.
	w.Apply(4, cmd(3, 3))
	hp := w.HP(2)
	for _, seq := range []uint64{1, 2} {
		r := w.Apply(5, cmd(seq, seq))
		if r.Reason != ReasonStale || !r.Reason.Failed() {
			t.Errorf("seq %d after the client moved on: %v, want stale (a failure)", seq, r.Reason)
		}
	}
	if w.HP(2) != hp {
		t.Errorf("a stale command changed the world: HP %d, was %d", w.HP(2), hp)
	}
	// An older command carrying an older lowest number does not move the
	// client's lowest back.
	if r := w.Apply(6, cmd(3, 1)); r.Reason != ReasonDuplicate {
		t.Errorf("seq 3 again with an old lowest: %v, want duplicate", r.Reason)
	}
	if s := w.find(1); s.lowest != 3 || len(s.results) != 1 {
		t.Errorf("session = %+v, want lowest 3 and one result kept", *s)
	}
}

func TestTooManyInFlightIsRefused(t *testing.T) {
	w := New(5)
	if r := w.Apply(1, cmd(MaxInFlight+1, 1)); r.Reason != ReasonTooFarAhead {
		t.Fatalf("seq %d with lowest 1: %v, want too far ahead", MaxInFlight+1, r.Reason)
	}
	if r := w.Apply(2, cmd(MaxInFlight, 1)); r.Reason != ReasonNone {
		t.Fatalf("seq %d with lowest 1: %v, want applied", MaxInFlight, r.Reason)
	}
}

func TestDistinctClientsDoNotCollide(t *testing.T) {
	w := New(5)
	w.Apply(1, Attack(ID{Client: 1, Seq: 1}, 1, 2).Encode())
	if r := w.Apply(2, Attack(ID{Client: 2, Seq: 1}, 1, 2).Encode()); !r.Applied() {
		t.Fatalf("same seq from another client: %v, want applied", r.Reason)
	}
}

// The session table is bounded: the client whose last command is oldest
// is forgotten, and its later commands are refused as expired rather than
// taken for a new client's (which could apply a repeat twice).
func TestSessionTableIsBoundedAndExpiresLeastRecent(t *testing.T) {
	w := New(5)
	idx := uint64(0)
	for c := uint64(1); c <= MaxSessions+10; c++ {
		idx++
		w.Apply(idx, NewGame(ID{Client: c, Seq: 1}).Encode())
	}
	if len(w.sessions) != MaxSessions {
		t.Fatalf("sessions = %d, want %d", len(w.sessions), MaxSessions)
	}
	if w.find(1) != nil || w.find(10) != nil {
		t.Error("the oldest clients were kept")
	}
	if w.find(MaxSessions+10) == nil {
		t.Error("the newest client was forgotten")
	}
	for i := 1; i < len(w.sessions); i++ {
		if w.sessions[i-1].client >= w.sessions[i].client {
			t.Fatal("session table not sorted")
		}
	}
	idx++
	if r := w.Apply(idx, NewGame(ID{Client: 1, Seq: 1}).Encode()); r.Reason != ReasonSessionExpired || !r.Reason.Failed() {
		t.Errorf("a forgotten client's repeat: %v, want session expired (a failure)", r.Reason)
	}
	// Forgotten clients are remembered in a bounded list too.
	for c := uint64(1000); c < 1000+2*MaxExpired; c++ {
		idx++
		w.Apply(idx, NewGame(ID{Client: c, Seq: 1}).Encode())
	}
	if len(w.expired) != MaxExpired {
		t.Errorf("expired = %d, want %d", len(w.expired), MaxExpired)
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
	if r := w.Apply(5, NewGame(ID{Client: 7, Seq: 5}).Encode()); !r.Applied() {
		t.Fatalf("new game rejected: %v", r.Reason)
	}
	for p := 1; p <= 3; p++ {
		if w.HP(p) != StartHP {
			t.Errorf("HP(%d) = %d after a new game", p, w.HP(p))
		}
	}
}

func TestUndecodableEntriesAreRecordedNotApplied(t *testing.T) {
	good := Attack(ID{Client: 1, Seq: 1}, 1, 2).Encode()
	badVersion := append([]byte{}, good...)
	badVersion[0] = 99
	badKind := append([]byte{}, good...)
	badKind[1] = 200
	zeroSeq := Attack(ID{Client: 1, Seq: 0}, 1, 2).Encode()
	cases := []struct {
		name  string
		entry []byte
		want  Reason
	}{
		{"empty", nil, ReasonUndecodable},
		{"garbage", []byte{Version, 2, 3}, ReasonUndecodable},
		{"older version", []byte{1, 2, 3}, ReasonUnknownVersion},
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
		w.Apply(i, NewGame(ID{Client: 1, Seq: i}).Encode())
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
		w.Apply(i, Attack(ID{Client: i % 3, Seq: i}, int(i%5)+1, int(i*3%5)+1).Encode())
	}
	w.Apply(41, []byte("garbage"))
	// Results waiting for their clients, and forgotten clients.
	for i := uint64(1); i <= 10; i++ {
		w.Apply(41+i, cmd(i, 1))
	}
	for c := uint64(100); c < 100+MaxSessions; c++ {
		w.Apply(c, NewGame(ID{Client: c, Seq: 1}).Encode())
	}
	if len(w.expired) == 0 {
		t.Fatal("setup: no client was forgotten")
	}
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
	for _, next := range [][]byte{cmd(3, 1), cmd(11, 2), Attack(ID{Client: 2, Seq: 1}, 2, 3).Encode()} {
		if a, b := w.Apply(500, next), got.Apply(500, next); a != b {
			t.Fatalf("after restore results differ: %+v vs %+v", a, b)
		}
	}
}

func TestRestoreNamesAnOlderFormat(t *testing.T) {
	w := New(5)
	if err := w.Restore(bytes.NewReader([]byte{1, 5, 0, 0, 0, 100})); !errors.Is(err, ErrOldSnapshot) {
		t.Fatalf("restore of a version 1 snapshot: %v, want ErrOldSnapshot", err)
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

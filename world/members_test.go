package world

import (
	"bytes"
	"testing"
)

// A player joins with a new city at full health, once; a player who
// leaves keeps ruins that no new game rebuilds; both survive a snapshot.
func TestPlayersJoinAndLeave(t *testing.T) {
	w := New(5)
	id := func(seq uint64) ID { return ID{Client: 9, Seq: seq} }
	if r := w.Apply(1, Join(id(1), 5).Encode()); r.Applied() || w.Players() != 5 {
		t.Fatalf("player 5 joined twice: %+v, %d players", r, w.Players())
	}
	if r := w.Apply(2, Join(id(2), 6).Encode()); !r.Applied() || w.Players() != 6 || w.HP(6) != StartHP {
		t.Fatalf("player 6 did not join: %+v, %d players", r, w.Players())
	}
	if r := attack(w, 3, 3, 6, 1); !r.Applied() || w.HP(1) != StartHP-Damage {
		t.Fatalf("the new player cannot attack: %+v", r)
	}
	if r := w.Apply(4, Leave(id(4), 2).Encode()); !r.Applied() || !w.Left(2) || w.Alive(2) {
		t.Fatalf("player 2 did not leave: %+v", r)
	}
	if r := w.Apply(5, Leave(id(5), 2).Encode()); r.Applied() {
		t.Errorf("player 2 left twice: %+v", r)
	}
	if r := attack(w, 6, 6, 1, 2); r.Reason != ReasonTargetDestroyed {
		t.Errorf("an attack on ruins: %v", r.Reason)
	}
	w.Apply(7, NewGame(id(7)).Encode())
	if w.HP(2) != 0 || w.HP(1) != StartHP || w.HP(6) != StartHP {
		t.Errorf("after a new game: HP %d %d %d; want ruins for 2, full cities for 1 and 6", w.HP(1), w.HP(2), w.HP(6))
	}
	var buf bytes.Buffer
	if err := w.Save(&buf); err != nil {
		t.Fatal(err)
	}
	back := New(5)
	if err := back.Restore(&buf); err != nil {
		t.Fatal(err)
	}
	if back.Players() != 6 || !back.Left(2) || back.Left(1) || back.Hash() != w.Hash() {
		t.Errorf("restored: %d players, left(2) %v, hash %s want %s", back.Players(), back.Left(2), back.Hash(), w.Hash())
	}
	if New(5).Hash() == w.Hash() {
		t.Error("hash ignores joins and leaves")
	}
}

// A replica whose addition was undone never joined: its number is ruins,
// whether the next player joins past it or it is told to leave, so that
// membership and the game agree on every number.
func TestNumbersThatNeverJoinedAreRuins(t *testing.T) {
	id := func(seq uint64) ID { return ID{Client: 9, Seq: seq} }
	w := New(5)
	if r := w.Apply(1, Join(id(1), 8).Encode()); !r.Applied() || w.Players() != 8 || w.HP(8) != StartHP {
		t.Fatalf("player 8 did not join past 6 and 7: %+v, %d players", r, w.Players())
	}
	for p := 6; p <= 7; p++ {
		if !w.Left(p) || w.Alive(p) {
			t.Errorf("player %d never joined but is not ruins", p)
		}
	}
	w = New(5)
	if r := w.Apply(1, Leave(id(1), 6).Encode()); !r.Applied() || w.Players() != 6 || !w.Left(6) {
		t.Fatalf("player 6, who never joined, did not leave ruins: %+v, %d players", r, w.Players())
	}
	if r := w.Apply(2, Join(id(2), 6).Encode()); r.Applied() {
		t.Errorf("player 6 joined after leaving: %+v", r)
	}
	if r := w.Apply(3, Join(id(3), 7).Encode()); !r.Applied() || w.Players() != 7 {
		t.Errorf("player 7 did not join after 6's ruins: %+v", r)
	}
	if r := w.Apply(4, Join(id(4), MaxPlayers+1).Encode()); r.Applied() {
		t.Errorf("player %d joined: %+v", MaxPlayers+1, r)
	}
}

// A class grows to 32 players: every number joins, those that leave past
// the sixteenth stay ruins through a snapshot, and the snapshot stays
// small.
func TestThirtyTwoPlayers(t *testing.T) {
	id := func(seq uint64) ID { return ID{Client: 9, Seq: seq} }
	w := New(5)
	seq := uint64(0)
	for p := 6; p <= MaxPlayers; p++ {
		seq++
		if r := w.Apply(seq, Join(id(seq), p).Encode()); !r.Applied() {
			t.Fatalf("player %d did not join: %+v", p, r)
		}
	}
	for _, p := range []int{17, 30, MaxPlayers} {
		seq++
		if r := w.Apply(seq, Leave(id(seq), p).Encode()); !r.Applied() || !w.Left(p) {
			t.Fatalf("player %d did not leave: %+v", p, r)
		}
	}
	seq++
	if r := attack(w, seq, seq, MaxPlayers-1, 1); !r.Applied() {
		t.Fatalf("player %d cannot attack: %+v", MaxPlayers-1, r)
	}
	var buf bytes.Buffer
	if err := w.Save(&buf); err != nil {
		t.Fatal(err)
	}
	if buf.Len() > 1024 {
		t.Errorf("a world of %d players saves to %d bytes", MaxPlayers, buf.Len())
	}
	back := New(5)
	if err := back.Restore(&buf); err != nil {
		t.Fatal(err)
	}
	for p := 1; p <= MaxPlayers; p++ {
		if back.Left(p) != w.Left(p) || back.HP(p) != w.HP(p) {
			t.Errorf("player %d restored as left %v HP %d, was left %v HP %d", p, back.Left(p), back.HP(p), w.Left(p), w.HP(p))
		}
	}
	if back.Hash() != w.Hash() {
		t.Error("the restored world's hash differs")
	}
}

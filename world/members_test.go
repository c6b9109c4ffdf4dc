package world

import (
	"bytes"
	"testing"
)

// A player joins with a new city at full health, only as the next player;
// a player who leaves keeps ruins that no new game rebuilds; both survive
// a snapshot.
func TestPlayersJoinAndLeave(t *testing.T) {
	w := New(5)
	id := func(seq uint64) ID { return ID{Client: 9, Seq: seq} }
	if r := w.Apply(1, Join(id(1), 7).Encode()); r.Applied() || w.Players() != 5 {
		t.Fatalf("player 7 joined five players: %+v, %d players", r, w.Players())
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

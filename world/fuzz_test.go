package world

import (
	"bytes"
	"testing"
)

// FuzzApply feeds arbitrary entries to two replicas: neither may panic,
// both must end in the same state, HP must stay in range, and a snapshot
// must round-trip.
func FuzzApply(f *testing.F) {
	f.Add(Attack(ID{Client: 1, Seq: 1}, 1, 2).Encode())
	f.Add(NewGame(ID{Client: 1, Seq: 2}).Encode())
	f.Add([]byte{})
	f.Add([]byte{Version, byte(KindAttack)})
	f.Fuzz(func(t *testing.T, data []byte) {
		a, b := New(5), New(5)
		// Split the input into entries of the encoded size, so the fuzzer
		// can build sequences of commands, and also apply it whole.
		entries := [][]byte{data}
		for len(data) >= commandSize {
			entries = append(entries, data[:commandSize])
			data = data[commandSize:]
		}
		for i, e := range entries {
			ra := a.Apply(uint64(i+1), e)
			rb := b.Apply(uint64(i+1), e)
			if ra != rb {
				t.Fatalf("replicas disagree: %+v vs %+v", ra, rb)
			}
		}
		if a.Hash() != b.Hash() {
			t.Fatal("replicas diverged")
		}
		for p := 1; p <= a.Players(); p++ {
			if hp := a.HP(p); hp < 0 || hp > StartHP {
				t.Fatalf("HP(%d) = %d out of range", p, hp)
			}
		}
		var buf bytes.Buffer
		a.Save(&buf)
		c := New(1)
		if err := c.Restore(&buf); err != nil {
			t.Fatalf("restore of a saved world: %v", err)
		}
		if c.Hash() != a.Hash() {
			t.Fatal("snapshot did not round-trip")
		}
	})
}

// FuzzRestore checks that no input makes Restore panic or accept a world
// that does not save back to the same bytes.
func FuzzRestore(f *testing.F) {
	w := New(5)
	w.Apply(1, Attack(ID{Client: 1, Seq: 1}, 1, 2).Encode())
	var buf bytes.Buffer
	w.Save(&buf)
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		w := New(5)
		if err := w.Restore(bytes.NewReader(data)); err != nil {
			return
		}
		var out bytes.Buffer
		w.Save(&out)
		if !bytes.Equal(out.Bytes(), data) {
			t.Fatalf("accepted a snapshot that saves differently")
		}
	})
}

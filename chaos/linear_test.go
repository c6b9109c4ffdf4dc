package chaos

import (
	"strings"
	"testing"

	"github.com/raftian/raftian/world"
)

// A tiny history builder: three players, commands in log order.
type hist struct {
	h     []hop
	index uint64
}

func (b *hist) attack(client int, call, ret int64, from, to int, reason world.Reason, hp int) *hist {
	b.index++
	b.h = append(b.h, hop{client: client, call: call, ret: ret, index: b.index,
		in:  modelInput{cmd: world.Command{ID: world.ID{Client: uint64(client + 1), Seq: b.index}, Kind: world.KindAttack, From: from, To: to}},
		out: modelOutput{reason: reason, hp: hp}})
	return b
}

// read adds a read that saw the given HP.
func (b *hist) read(client int, call, ret int64, hp ...int) *hist {
	s := state{n: len(hp)}
	copy(s.hp[:], hp)
	b.h = append(b.h, hop{client: client, call: call, ret: ret, in: modelInput{read: true}, out: modelOutput{read: s}})
	return b
}

func start3() state { return model(3).Init().(state) }

// The log's order is checked as a linearization: answers, real time and
// where reads can be.
func TestLogOrderLinearizes(t *testing.T) {
	for _, tc := range []struct {
		name string
		h    *hist
		want string // "" when the log's order is a linearization
	}{
		{"sequential", new(hist).attack(0, 0, 10, 1, 2, world.ReasonNone, 70).read(1, 11, 12, 100, 70, 100).attack(0, 20, 30, 2, 3, world.ReasonNone, 70), ""},
		{"a read during an attack sees before or after",
			new(hist).read(1, 5, 6, 100, 100, 100).attack(0, 0, 10, 1, 2, world.ReasonNone, 70).read(2, 5, 6, 100, 70, 100), ""},
		{"a stale read", new(hist).attack(0, 0, 10, 1, 2, world.ReasonNone, 70).read(1, 11, 12, 100, 100, 100), "never shows"},
		{"a read of a state that never was", new(hist).read(1, 0, 12, 100, 40, 100), "never shows"},
		{"a wrong answer", new(hist).attack(0, 0, 10, 1, 2, world.ReasonNone, 40), "the model says"},
		{"the log reorders real time", new(hist).attack(0, 20, 30, 1, 2, world.ReasonNone, 70).attack(1, 0, 10, 3, 1, world.ReasonNone, 70), "ended before it began"},
		{"reads in real-time order", // the second read began after the first ended: it cannot see an earlier state
			new(hist).attack(0, 0, 100, 1, 2, world.ReasonNone, 70).read(1, 10, 20, 100, 70, 100).read(2, 30, 40, 100, 100, 100), "never shows"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := logOrderLinearizes(tc.h.h, start3())
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("got %v; want an error saying %q", err, tc.want)
			}
		})
	}
}

// When the log's order is not a linearization, Porcupine looks for
// another, segment by segment: two attacks on different cities commute,
// so a log that reorders them in real time is still linearizable; a
// stale read is not, whatever the order.
func TestSegmentsFindAnotherLinearization(t *testing.T) {
	reordered := new(hist).attack(0, 20, 30, 1, 2, world.ReasonNone, 70).attack(1, 0, 10, 3, 1, world.ReasonNone, 70).
		read(2, 40, 50, 70, 70, 100)
	if v, err := searchSegments(reordered.h, start3(), 1); err != nil || !strings.Contains(v, "3 segments") {
		t.Fatalf("commuting attacks: %q, %v", v, err)
	}
	stale := new(hist).attack(0, 0, 10, 1, 2, world.ReasonNone, 70).read(1, 11, 12, 100, 100, 100)
	if _, err := searchSegments(stale.h, start3(), 1); err == nil || !strings.Contains(err.Error(), "not linearizable") {
		t.Fatalf("a stale read: %v", err)
	}
	// Each segment starts where the ones before it ended.
	chained := new(hist).attack(0, 0, 10, 1, 2, world.ReasonNone, 70).attack(0, 20, 30, 1, 2, world.ReasonNone, 40)
	if _, err := searchSegments(chained.h, start3(), 1); err != nil {
		t.Fatalf("two segments in a row: %v", err)
	}
	wrong := new(hist).attack(0, 0, 10, 1, 2, world.ReasonNone, 70).attack(0, 20, 30, 1, 2, world.ReasonNone, 70)
	if _, err := searchSegments(wrong.h, start3(), 1); err == nil {
		t.Fatal("the second segment did not start where the first ended")
	}
}

// Segments are cut only where nothing is under way.
func TestSegmentsCutWhereNothingRuns(t *testing.T) {
	h := new(hist).attack(0, 0, 10, 1, 2, 0, 70).attack(1, 5, 20, 1, 2, 0, 40).attack(0, 21, 30, 1, 2, 0, 10).read(1, 25, 40, 0, 10, 100).attack(0, 41, 50, 1, 3, 0, 70)
	segs := segments(h.h)
	if len(segs) != 3 || len(segs[0]) != 2 || len(segs[1]) != 2 || len(segs[2]) != 1 {
		t.Fatalf("segments: %d of sizes %v", len(segs), sizes(segs))
	}
}

func sizes(segs [][]hop) []int {
	var out []int
	for _, s := range segs {
		out = append(out, len(s))
	}
	return out
}

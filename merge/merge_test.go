package merge

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/raftian/raftian/record"
)

// Round trips with uneven delays find a clock 3 s ahead to within the
// uncertainty they report, and the least delayed round trip wins.
func TestClockFindsTheOffset(t *testing.T) {
	const ahead = 3 * time.Second
	rng := rand.New(rand.NewPCG(1, 2))
	var c Clock
	t0 := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	for i := range 20 {
		t1 := t0.Add(time.Duration(i) * 500 * time.Millisecond)
		out := time.Duration(200+rng.IntN(5000)) * time.Microsecond // the way there
		back := time.Duration(200+rng.IntN(5000)) * time.Microsecond
		t2 := t1.Add(out).Add(ahead)
		t3 := t2.Add(50 * time.Microsecond)
		c.Add(t1, t2, t3, t3.Add(-ahead).Add(back))
	}
	offset, uncertainty, ok := c.Offset()
	if !ok {
		t.Fatal("no estimate after 20 round trips")
	}
	if err := (offset - ahead).Abs(); err > uncertainty || uncertainty > 3*time.Millisecond {
		t.Errorf("offset %v ± %v for a clock %v ahead (error %v)", offset, uncertainty, ahead, err)
	}
	var none Clock
	none.Add(t0, t0.Add(time.Second), t0, t0.Add(time.Millisecond)) // answered before it was asked
	if _, _, ok := none.Offset(); ok {
		t.Error("an impossible round trip gave an estimate")
	}
}

// seatRecord builds a seat's own record: observations at real times (µs
// since base) on a clock ahead by skew.
type seatRecord struct {
	started time.Time
	obs     []record.Obs
}

func newSeat(base time.Time, skew time.Duration) *seatRecord {
	return &seatRecord{started: base.Add(skew)}
}

func (s *seatRecord) add(at int64, o record.Obs) { o.At = at; s.obs = append(s.obs, o) }

// Two seats, the second's clock 3 s ahead and its estimate 0.5 ms wrong:
// a vote request sent by seat 1 is delivered on seat 2 before it was sent,
// as seat 2's clock has it. The merged record moves the delivery after the
// send and seat 2's vote and campaign after that; both seats' message 5
// get ids of their own; times rise strictly; observations seat 2 made
// about seat 3 are left out.
func TestMergedRecordIsCausal(t *testing.T) {
	base := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	m := New(record.Header{Started: base, RTTMs: 100, ElectionRTT: 10, Players: make([]record.Player, 2)})
	one, two := newSeat(base, 0), newSeat(base, 3*time.Second)
	one.add(1000, record.Obs{Kind: record.Send, Msg: record.MsgVote, ID: 5, Node: 1, Peer: 2, Term: 2})
	two.add(1100, record.Obs{Kind: record.Deliver, Msg: record.MsgVote, ID: 5, Node: 1, Peer: 2, Term: 2})
	two.add(1150, record.Obs{Kind: record.State, Node: 2, Term: 2, Role: record.RoleFollower})
	two.add(1200, record.Obs{Kind: record.Send, Msg: record.MsgVoteResp, ID: 5, Node: 2, Peer: 1, Term: 2})
	two.add(1210, record.Obs{Kind: record.State, Node: 3, Term: 2, Role: record.RoleLeader}) // not seat 2's to tell
	one.add(1300, record.Obs{Kind: record.Deliver, Msg: record.MsgVoteResp, ID: 5, Node: 2, Peer: 1, Term: 2})
	one.add(1310, record.Obs{Kind: record.State, Node: 1, Term: 2, Role: record.RoleLeader})

	m.Begin(1, one.started)
	m.Begin(2, two.started)
	t1 := base.Add(time.Second)
	m.Round(1, t1, t1, t1, t1)
	// Seat 2's round trip reads its clock 1 ms early on both ends: an
	// estimate 0.5 ms wrong, within its uncertainty.
	m.Round(2, t1, t1.Add(3*time.Second-time.Millisecond), t1.Add(3*time.Second-time.Millisecond), t1.Add(time.Millisecond))
	m.Add(2, two.obs) // seat 2's stream comes first: order of arrival must not matter
	m.Add(1, one.obs)
	m.Flush(base.Add(10 * time.Second))
	got := written(m)
	if len(got) != 6 {
		t.Fatalf("merged %d observations, want 6: %+v", len(got), got)
	}
	sent := map[uint64]int64{}
	for i, o := range got {
		if i > 0 && o.At <= got[i-1].At {
			t.Errorf("observation %d at %d µs after %d: times must rise", i, o.At, got[i-1].At)
		}
		switch o.Kind {
		case record.Send:
			if _, dup := sent[o.ID]; dup {
				t.Errorf("two sends have id %d", o.ID)
			}
			sent[o.ID] = o.At
		case record.Deliver:
			at, ok := sent[o.ID]
			if !ok || at >= o.At {
				t.Errorf("message %d delivered at %d µs, sent at %d (known %v)", o.ID, o.At, at, ok)
			}
		case record.State:
			if o.Node == 3 {
				t.Error("seat 2's belief about seat 3 was merged")
			}
		}
	}
	if got[1].Kind != record.Deliver || got[2].Node != 2 || got[2].Kind != record.State {
		t.Errorf("seat 2's delivery and campaign are not right after seat 1's send: %+v", got[:3])
	}
	if st := m.Stats(); st.Clamped == 0 || st.Orphans != 0 || st.Written != 6 {
		t.Errorf("stats %+v: want a clamped delivery, no orphans, 6 written", st)
	}
}

// A delivery whose send never comes (its sender's stream lost it) waits,
// then is written with an id of its own, after a gap marker of its
// sender, and counted. A gap the stream reported is marked, with all it
// lost, at the seat's next checkpoint: what came between is left out.
func TestADeliveryWithoutItsSend(t *testing.T) {
	base := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	m := New(record.Header{Started: base, RTTMs: 100, ElectionRTT: 10, Players: make([]record.Player, 2)})
	for n := 1; n <= 2; n++ {
		m.Begin(n, base)
		m.Round(n, base, base, base, base)
	}
	m.Gap(1, 40)
	m.Add(1, []record.Obs{{At: 4000, Kind: record.State, Node: 1, Term: 3, Role: record.RoleFollower}})
	m.Add(2, []record.Obs{{At: 5000, Kind: record.Deliver, Msg: record.MsgHeartbeat, ID: 77, Node: 1, Peer: 2}})
	m.Heard(1, base.Add(Holdback)) // seat 1's stream goes on, slowly
	m.Flush(base.Add(Holdback + 10*time.Millisecond))
	if got := written(m); len(got) != 0 {
		t.Fatalf("before its sender's stream came that far, the delivery was written: %+v", got)
	}
	m.Flush(base.Add(Holdback + maxWait + time.Second))
	got := written(m)
	if len(got) != 2 || got[0].Kind != record.Gap || got[0].Node != 1 || got[1].Kind != record.Deliver || got[1].ID == 0 {
		t.Fatalf("after the wait, want a gap marker of seat 1, then the delivery; merged %+v", got)
	}
	m.Add(1, []record.Obs{{At: 3_400_000, Kind: record.Checkpoint, Node: 1, Term: 3, Role: record.RoleFollower}})
	m.Flush(base.Add(10 * time.Second))
	got = written(m)
	if len(got) != 4 || got[2].Kind != record.Gap || got[2].Index != 41 || got[3].Kind != record.Checkpoint {
		t.Fatalf("want seat 1's gap of 41 marked at its checkpoint; merged %+v", got)
	}
	if st := m.Stats(); st.Orphans != 1 || st.Lost != 41 {
		t.Errorf("stats %+v: want one orphan, 41 lost", st)
	}
}

// A seat whose stream was cut for 5 s brings what it saw then too late
// to be put where it happened: it is left out and counted, up to the
// seat's first checkpoint that is not late, and a gap marker says how
// much was lost; what follows is merged as before.
func TestAStreamCutIsAGap(t *testing.T) {
	base := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	m := New(record.Header{Started: base, RTTMs: 100, ElectionRTT: 10, Players: make([]record.Player, 2)})
	for n := 1; n <= 2; n++ {
		m.Begin(n, base)
		m.Round(n, base, base, base, base)
	}
	sec := int64(time.Second / time.Microsecond)
	for at := int64(0); at < 6*sec; at += sec / 10 { // seat 1 heard throughout
		m.Add(1, []record.Obs{{At: at, Kind: record.Apply, Node: 1, Index: uint64(at / 1000)}})
	}
	m.Add(2, []record.Obs{{At: sec / 2, Kind: record.Apply, Node: 2, Index: 1}})
	m.Flush(base.Add(6 * time.Second))
	// Seat 2's stream comes back: 5 s of its observations, then its
	// checkpoint, then what it does now.
	var back []record.Obs
	for at := sec; at < 6*sec; at += sec / 5 {
		back = append(back, record.Obs{At: at, Kind: record.Apply, Node: 2, Index: uint64(at / 1000)})
	}
	back = append(back, record.Obs{At: 6*sec - sec/5, Kind: record.Checkpoint, Node: 2, Index: 9},
		record.Obs{At: 6 * sec, Kind: record.Apply, Node: 2, Index: 10})
	m.Add(2, back)
	m.Flush(base.Add(8 * time.Second))
	var marker, after int
	for _, o := range written(m) {
		switch {
		case o.Kind == record.Gap && o.Node == 2:
			marker++
			if o.Index != 25 {
				t.Errorf("the gap marker says %d lost, want 25", o.Index)
			}
		case o.Node == 2 && o.At > sec:
			after++
			if marker == 0 {
				t.Errorf("seat 2's %v at %d µs written before its gap marker", o.Kind, o.At)
			}
		}
	}
	if marker != 1 || after != 2 {
		t.Errorf("%d gap markers and %d of seat 2's observations after it; want 1 and its checkpoint and apply", marker, after)
	}
	if st := m.Stats(); st.Lost != 25 {
		t.Errorf("stats %+v: want 25 lost", st)
	}
}

// written is every observation of the merged record so far.
func written(m *Record) []record.Obs {
	first, next := m.Bounds()
	return m.Read(first, int(next-first), nil)
}

// Once every connected seat's stream has said it holds nothing earlier,
// what happened before that is written without waiting out the holdback;
// a seat whose stream says nothing more holds the rest back until the
// holdback has passed; a seat whose stream ended is not waited for.
func TestHeardStreamsAreWrittenAtOnce(t *testing.T) {
	base := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	m := New(record.Header{Started: base, RTTMs: 100, ElectionRTT: 10, Players: make([]record.Player, 3)})
	for n := 1; n <= 3; n++ {
		m.Begin(n, base)
		m.Round(n, base, base, base, base)
	}
	ms := func(d int64) time.Time { return base.Add(time.Duration(d) * time.Millisecond) }
	m.Add(1, []record.Obs{{At: 10_000, Kind: record.Apply, Node: 1, Index: 1}})
	m.Add(2, []record.Obs{{At: 20_000, Kind: record.Apply, Node: 2, Index: 1}})
	m.Add(3, []record.Obs{{At: 30_000, Kind: record.Apply, Node: 3, Index: 1}})
	m.Heard(1, ms(40))
	m.Heard(2, ms(40))
	m.Heard(3, ms(25))
	m.Flush(ms(45))
	if got := written(m); len(got) != 2 {
		t.Fatalf("heard to 25 ms by every seat, 45 ms in: %d written, want the two before 25 ms: %+v", len(got), got)
	}
	m.End(3) // seat 3's stream ended: not waited for
	m.Flush(ms(46))
	if got := written(m); len(got) != 3 {
		t.Fatalf("after seat 3's stream ended: %d written, want 3", len(got))
	}
	m.Add(2, []record.Obs{{At: 50_000, Kind: record.Apply, Node: 2, Index: 2}})
	m.Flush(ms(60)) // seat 1 has said nothing past 40 ms
	if got := written(m); len(got) != 3 {
		t.Fatalf("seat 1 heard to 40 ms only: %d written, want 3", len(got))
	}
	m.Flush(ms(50).Add(Holdback + time.Millisecond))
	if got := written(m); len(got) != 4 {
		t.Fatalf("past the holdback: %d written, want 4", len(got))
	}
	if st := m.Stats(); st.LagP50 < 10*time.Millisecond || st.LagP99 < Holdback {
		t.Errorf("lags p50 %v p99 %v: want the last one's holdback seen", st.LagP50, st.LagP99)
	}
}

//go:build linux

package main

import (
	"testing"

	"github.com/raftian/raftian/record"
	"github.com/raftian/raftian/rewind"
)

// The player end to end, under Xvfb: crash the leader, pause, step back to
// the crash, then forward until the winner's first vote request is on its
// way and until it is delivered. Each moment the window showed (F12 says which,
// and a code of the state it showed) is checked through the model of the
// record the window saved (Ctrl+S), not by pixels: the window showed that
// state; the candidate's term rose before it asked for votes; it won only
// after a majority of grants had been delivered to it. Then raftian view
// opens the saved file at the same moments and must show the same states.
func TestPlayerStepsThroughAnElection(t *testing.T) {
	cfg := testConfigFile(t, "[window]\nwidth = 1600\nheight = 900\n")
	w := startWindow(t, "1600x900", "--config", cfg)
	var leader int
	waitUntil(t, "a first leader", func() bool {
		leader, _ = agreedLeader(events(t, w.events), 5)
		return leader != 0
	})
	press(t, w.display, "l")
	waitUntil(t, "the crash", func() bool {
		return w.hasEvent(t, func(ev map[string]any) bool { return ev["type"] == "crash" && num(ev, "node") == leader })
	})
	press(t, w.display, "space")
	_, paused, pausedState := w.shot(t)
	waitUntil(t, "a new leader", func() bool {
		l, _ := agreedLeader(events(t, w.events), 5)
		return l != 0 && l != leader
	})
	m, log := w.saveAndLoad(t)
	if got := m.At(paused).Digest(); got != pausedState {
		t.Fatalf("paused at %d µs the window showed state %s; the record's model says %s", paused, pausedState, got)
	}

	// Back to the crash: the first moment the leader is down.
	crash := find(t, log, "the leader's crash", func(o *record.Obs) bool { return o.Kind == record.Down && int(o.Node) == leader })
	if crash.At > paused {
		t.Fatalf("the crash (%d µs) is after the moment paused at (%d µs)", crash.At, paused)
	}
	back := stepsBack(t, m, paused, crash.At)
	atCrash := w.step(t, "Left", back, crash.At, m)

	// Forward to the winner's first vote request (not a pre-vote) in the
	// term it won, to a replica that is up, drawn on its way; then to its
	// delivery. (Under load an earlier candidate may lose: a split vote.)
	won := find(t, log, "the first win after the crash", func(o *record.Obs) bool {
		return o.Kind == record.State && o.Role == record.RoleLeader && o.At > crash.At
	})
	cand, term := int(won.Node), won.Term
	req := find(t, log, "the winner's first vote request", func(o *record.Obs) bool {
		return o.Kind == record.Send && o.Msg == record.MsgVote && int(o.Node) == cand && o.Term == term &&
			o.At > crash.At && int(o.Peer) != leader
	})
	atSend := w.step(t, "Right", steps(t, m, crash.At, req.At), req.At, m)
	if c := m.At(req.At - 1).Replicas[cand-1]; c.Term != term || c.Role != record.RoleCandidate {
		t.Errorf("just before its first vote request, candidate %d is %v in term %d; want a candidate in term %d already",
			cand, c.Role, c.Term, term)
	}
	if f := flight(m, req.At, req.ID); f == nil || f.Over(req.At) {
		t.Errorf("the vote request %d is not drawn on its way when sent: %+v", req.ID, f)
	}
	del := find(t, log, "its delivery", func(o *record.Obs) bool { return o.Kind == record.Deliver && o.ID == req.ID })
	atDelivery := w.step(t, "Right", steps(t, m, req.At, del.At), del.At, m)
	if f := flight(m, del.At, req.ID); f == nil || !f.Over(del.At) || f.Lost {
		t.Errorf("the vote request %d is not delivered at its delivery: %+v", req.ID, f)
	}

	// The win came after a majority of grants were delivered.
	if v := m.At(won.At - 1).Replicas[cand-1].Campaign.Votes(); v < 3 {
		t.Errorf("candidate %d became leader of term %d with %d votes delivered; a majority is 3", cand, term, v)
	}
	grants := 0
	for seq, next := log.Bounds(); seq < next; seq++ {
		o := log.Read(seq, 1, nil)[0]
		if o.At < won.At && o.Kind == record.Deliver && o.Msg == record.MsgVoteResp && int(o.Peer) == cand && o.Term == term && !o.Reject {
			grants++
		}
	}
	if grants < 2 {
		t.Errorf("candidate %d won with %d grants delivered before (and its own vote); a majority needs 2 more", cand, grants)
	}
	w.quit(t)

	// raftian view shows the same states at the same moments.
	v := startView(t, "1600x900", w.saved, crash.At, "--config", cfg)
	want := []struct {
		name  string
		key   string
		n     int
		state string
	}{
		{"the crash", "", 0, atCrash},
		{"the vote request sent", "Right", steps(t, m, crash.At, req.At), atSend},
		{"the vote request delivered", "Right", steps(t, m, req.At, del.At), atDelivery},
	}
	for _, c := range want {
		if c.n > 0 {
			pressN(t, v.display, c.key, c.n)
		}
		_, _, got := v.shot(t)
		if got != c.state {
			t.Errorf("raftian view at %s shows state %s; the live window showed %s", c.name, got, c.state)
		}
	}
	v.quit(t)
}

// saveAndLoad presses Ctrl+S and reads the record the window wrote.
func (w *window) saveAndLoad(t *testing.T) (*rewind.Model, *record.Log) {
	t.Helper()
	w.saved = w.nextLine(t, "ctrl+s", "record saved: ")
	log, err := record.ReadLogFile(w.saved)
	if err != nil {
		t.Fatalf("the saved record: %v", err)
	}
	m := rewind.New(log)
	m.Update()
	return m, log
}

// step presses key n times, then F12, and checks that the window shows
// moment at in the state the model has for it; it returns that state.
func (w *window) step(t *testing.T, key string, n int, at int64, m *rewind.Model) string {
	t.Helper()
	pressN(t, w.display, key, n)
	_, got, state := w.shot(t)
	if got != at {
		t.Fatalf("after %d × %s the window shows %d µs; want %d µs", n, key, got, at)
	}
	if want := m.At(at).Digest(); state != want {
		t.Fatalf("at %d µs the window showed state %s; the record's model says %s", at, state, want)
	}
	return state
}

// pressN presses key n times, quickly: the window reads keys from a queue.
func pressN(t *testing.T, display, key string, n int) {
	t.Helper()
	args := []string{"key", "--delay", "40"}
	for range n {
		args = append(args, key)
	}
	xdo(t, display, args...)
}

// steps counts the steps (observations) from moment a forward to b.
func steps(t *testing.T, m *rewind.Model, a, b int64) int {
	t.Helper()
	n := 0
	for at := a; at < b; n++ {
		next, ok := m.Next(at)
		if !ok || next > b {
			t.Fatalf("stepping from %d µs does not land on %d µs (went to %d)", a, b, next)
		}
		at = next
	}
	return n
}

// stepsBack counts the steps back from moment a to b.
func stepsBack(t *testing.T, m *rewind.Model, a, b int64) int {
	t.Helper()
	n := 0
	for at := a; at > b; n++ {
		prev, ok := m.Prev(at)
		if !ok || prev < b {
			t.Fatalf("stepping back from %d µs does not land on %d µs (went to %d)", a, b, prev)
		}
		at = prev
	}
	return n
}

// find returns the first observation of the log that match accepts.
func find(t *testing.T, log *record.Log, what string, match func(*record.Obs) bool) record.Obs {
	t.Helper()
	for seq, next := log.Bounds(); seq < next; seq++ {
		o := log.Read(seq, 1, nil)[0]
		if match(&o) {
			return o
		}
	}
	t.Fatalf("the record holds no %s", what)
	return record.Obs{}
}

// flight returns message id's flight at t, if the model draws it then.
func flight(m *rewind.Model, t int64, id uint64) *rewind.Flight {
	for _, f := range m.Flights(t, 1, nil) {
		if f.ID == id {
			return &f
		}
	}
	return nil
}

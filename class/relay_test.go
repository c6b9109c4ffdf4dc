package class

import (
	"strings"
	"testing"
)

// A seat is sent only the parts that changed since its last relay, all of
// them the first time; a student keeps the parts it was sent and refuses
// parts no teacher sends.
func TestARelayCarriesWhatChanged(t *testing.T) {
	var to relayTo
	first := to.next("2", []string{"Lul.5.9.0.100.0", "ful.5.9.0.70.0", "funl.5.9.0.100.0"})
	if first.Lead != "2" || len(first.Relay) != 3 {
		t.Fatalf("the first relay: %+v", first)
	}
	second := to.next("2", []string{"Lul.5.10.0.100.0", "ful.5.9.0.70.0", "funl.5.9.0.100.0"})
	if len(second.Relay) != 1 || second.Relay[0] != "1=Lul.5.10.0.100.0" {
		t.Fatalf("the second relay sends %q, want seat 1's part only", second.Relay)
	}
	var s Student
	s.takeRelay(first)
	s.takeRelay(second)
	s.takeRelay(message{Op: "relay", Lead: "2", Relay: []string{"0=x", "33=x", "nine=x", "2", "3=" + strings.Repeat("x", 100)}})
	leader, seats, at := s.Relayed()
	if leader != "2" || len(seats) != 3 || seats[0] != "Lul.5.10.0.100.0" || seats[1] != "ful.5.9.0.70.0" || seats[2] != "funl.5.9.0.100.0" || at.IsZero() {
		t.Errorf("the student keeps leader %q, seats %q, at %v", leader, seats, at)
	}
}

// The teacher's poll counts the seats' last answers to the open question
// only: an answer to a closed question, or out of range, is not counted,
// and a closed poll counts nothing.
func TestThePollCountsTheOpenQuestion(t *testing.T) {
	var tc Teacher
	tc.Ask("Will it commit?", []string{"yes", "no"})
	id := tc.asked.ID
	tc.answer(2, id, 1)
	tc.answer(3, id, 2)
	tc.answer(3, id, 1) // a change of mind: the last counts
	tc.answer(4, id, 3) // no such choice
	tc.answer(5, id-1, 1)
	if counts, n := tc.Poll(); n != 2 || counts[0] != 2 || counts[1] != 0 {
		t.Errorf("poll %v, %d answered; want [2 0], 2", counts, n)
	}
	tc.Ask("", nil)
	tc.answer(2, id, 2)
	if counts, n := tc.Poll(); n != 0 || len(counts) != 0 {
		t.Errorf("a closed poll counts %v, %d", counts, n)
	}
}

package class

import (
	"strconv"
	"strings"
	"sync"
	"time"
)

// The teacher relays to each streaming seat, once a second, a summary of
// the class as its merged record has it (rewind.Summarize): the leader,
// and each seat's part, only the parts that changed since that seat last
// got them (all of them every relayFull). A relay that changes nothing
// still says the teacher's laptop is there. {"op":"relay","lead":"2",
// "relay":["7=Fn.5.0.70.0",…]} on the seat's stream.

// relayEvery is how often a seat gets the class's summary; relayFull how
// often all of it.
const (
	relayEvery = time.Second
	relayFull  = 10 * time.Second
)

// maxRelayPart bounds a seat's part of a relay, as a seat reads it.
const maxRelayPart = 80

// Relay has the class port send every streaming seat what summary says of
// the class: the leader and each seat's part ([i-1]: seat i).
func (t *Teacher) Relay(summary func() (leader string, seats []string)) {
	t.mu.Lock()
	t.summary = summary
	t.mu.Unlock()
}

// relaySum is the class's summary, made at most once per relayEvery
// whatever the number of seats asking.
type relaySum struct {
	mu     sync.Mutex
	at     time.Time
	leader string
	seats  []string
}

// current returns the summary, made anew if it is older than relayEvery.
func (t *Teacher) currentSummary() (leader string, seats []string, ok bool) {
	t.mu.Lock()
	f := t.summary
	t.mu.Unlock()
	if f == nil {
		return "", nil, false
	}
	s := &t.relaySum
	s.mu.Lock()
	defer s.mu.Unlock()
	if time.Since(s.at) >= relayEvery*9/10 {
		s.leader, s.seats = f()
		s.at = time.Now()
	}
	return s.leader, s.seats, true
}

// relayTo is what one seat was last sent.
type relayTo struct {
	sent []string
	full time.Time
}

// next is the relay to send: the parts that changed since the last.
func (r *relayTo) next(leader string, seats []string) message {
	m := message{Op: "relay", Lead: leader}
	full := time.Since(r.full) >= relayFull
	if full {
		r.full = time.Now()
	}
	for i, part := range seats {
		if full || i >= len(r.sent) || r.sent[i] != part {
			m.Relay = append(m.Relay, strconv.Itoa(i+1)+"="+part)
		}
	}
	r.sent = append(r.sent[:0], seats...)
	return m
}

// takeRelay keeps what a relay from the teacher says.
func (s *Student) takeRelay(m message) {
	s.relayMu.Lock()
	defer s.relayMu.Unlock()
	if len(m.Lead) <= 2 {
		s.relayLead = m.Lead
	}
	for _, part := range m.Relay[:min(len(m.Relay), MaxSeats)] {
		n, text, ok := strings.Cut(part, "=")
		seat, err := strconv.Atoi(n)
		if !ok || err != nil || seat < 1 || seat > MaxSeats || len(text) > maxRelayPart {
			continue // not a part a teacher sends
		}
		for len(s.relaySeats) < seat {
			s.relaySeats = append(s.relaySeats, "")
		}
		s.relaySeats[seat-1] = text
	}
	s.relayAt = time.Now()
	s.keepQuestion(m.Ask)
}

// Relayed returns what the teacher last relayed of the class: the leader
// and each seat's part ("" for a seat it has not said), and when it came
// (zero if none has).
func (s *Student) Relayed() (leader string, seats []string, at time.Time) {
	s.relayMu.Lock()
	defer s.relayMu.Unlock()
	return s.relayLead, append([]string(nil), s.relaySeats...), s.relayAt
}

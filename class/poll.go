package class

import (
	"errors"
	"time"
)

// A lesson's question, asked on the projector, goes to every seat with the
// teacher's relays while it is open ({"ask":{"id":…,"text":…,"choices":
// […]}}); a student answers on their own laptop ({"op":"answer","id":…,
// "answer":k} on the seat's stream), and the teacher's laptop counts the
// answers, a seat's last one counting, for the projector's poll.

// Asked is a question the teacher's laptop asks the class.
type Asked struct {
	ID      uint64   `json:"id"`
	Text    string   `json:"text"`
	Choices []string `json:"choices"`
}

// The bounds of a question, as a seat reads it.
const (
	maxQuestion = 600
	maxChoices  = 10
	maxChoice   = 80
)

// Ask asks the class text with its choices, answered from 1; text ""
// closes the question. Answers to an earlier question are not counted.
func (t *Teacher) Ask(text string, choices []string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if text == "" {
		t.asked, t.answers = Asked{ID: t.asked.ID}, nil
		return
	}
	t.asked = Asked{ID: t.asked.ID + 1, Text: text, Choices: append([]string(nil), choices...)}
	t.answers = map[int]int{}
}

// Poll counts the answers to the open question: counts[k-1] seats chose
// k; answered is how many seats answered.
func (t *Teacher) Poll() (counts []int, answered int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	counts = make([]int, len(t.asked.Choices))
	for _, k := range t.answers {
		if k >= 1 && k <= len(counts) { // answers to the question open now only
			counts[k-1]++
			answered++
		}
	}
	return counts, answered
}

// question is the open question, if any, for a relay.
func (t *Teacher) question() *Asked {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.asked.Text == "" {
		return nil
	}
	q := t.asked
	return &q
}

// answer counts seat n's answer k to question id, if it is the open one.
func (t *Teacher) answer(n int, id uint64, k int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if id == t.asked.ID && t.asked.Text != "" && k >= 1 && k <= len(t.asked.Choices) {
		t.answers[n] = k
	}
}

// keepQuestion keeps the question a relay carries (none: it closed);
// relayMu is held.
func (s *Student) keepQuestion(q *Asked) {
	if q == nil || q.Text == "" || len(q.Text) > maxQuestion || len(q.Choices) == 0 || len(q.Choices) > maxChoices {
		s.asked = Asked{}
		return
	}
	for _, c := range q.Choices {
		if len(c) > maxChoice {
			s.asked = Asked{}
			return
		}
	}
	s.asked = *q
}

// Question returns the teacher's open question, if there is one.
func (s *Student) Question() (Asked, bool) {
	s.relayMu.Lock()
	defer s.relayMu.Unlock()
	q := s.asked
	q.Choices = append([]string(nil), q.Choices...)
	return q, q.Text != ""
}

// ErrNoQuestion answers an answer when the teacher asks nothing.
var ErrNoQuestion = errors.New("the teacher asks no question now")

// Answer answers the teacher's open question with choice k (from 1): it
// goes on this seat's stream.
func (s *Student) Answer(k int) error {
	q, ok := s.Question()
	switch {
	case !ok:
		return ErrNoQuestion
	case k < 1 || k > len(q.Choices):
		return errors.New("no such choice: answer with one of the numbers shown")
	}
	select {
	case s.outbox <- message{Op: "answer", ID: q.ID, Answer: k}:
		return nil
	case <-time.After(time.Second):
		return errors.New("the teacher's laptop is not reached: try again")
	}
}

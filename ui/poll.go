package ui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	rl "github.com/gen2brain/raylib-go/raylib"

	"github.com/raftian/raftian/lesson"
)

// A lesson's question in a class: the teacher's projector asks every seat
// (session.Class.Ask) and shows, beside the choices, how the students
// answered on their own laptops, until the teacher's key closes the poll
// and the lesson reveals what happened. A student's screen shows the
// question the teacher's laptop relays, and its digits answer it.

// Asked is the teacher's open question, as a student's laptop has it.
type Asked struct {
	ID      uint64
	Text    string
	Choices []string
}

// pollText says how the class answered: each choice and how many chose it.
func pollText(choices []string, counts []int, answered int) string {
	var parts []string
	for i, c := range choices {
		n := 0
		if i < len(counts) {
			n = counts[i]
		}
		label := strconv.Itoa(i + 1)
		if c != label {
			label += " " + c
		}
		parts = append(parts, fmt.Sprintf("%s: %d", label, n))
	}
	return strings.Join(parts, " · ") + fmt.Sprintf(" · %d answered", answered)
}

// takePoll says on stdout, on the teacher's projector, how the class's
// answers to the question on screen changed: the teacher's log, and what
// a test reads.
func (w *Window) takePoll() {
	if w.class == nil || w.caption.Question == "" {
		w.poll = ""
		return
	}
	counts, answered := w.class.Poll()
	if text := pollText(w.caption.Choices, counts, answered); text != w.poll {
		w.poll = text
		fmt.Println("poll: " + text)
	}
}

// takeQuestion takes, on a student's laptop, the teacher's open question:
// it is shown in the caption band until the teacher closes it.
func (w *Window) takeQuestion() {
	if w.question == nil {
		return
	}
	q, ok := w.question()
	switch {
	case !ok && w.asked.ID != 0:
		w.asked, w.caption = Asked{}, lesson.Caption{}
	case ok && q.ID != w.asked.ID:
		w.asked = q
		w.caption = lesson.Caption{Title: "The teacher asks the class", Question: q.Text, Choices: q.Choices,
			Waiting: answerKeys(len(q.Choices))}
		fmt.Printf("the teacher asks: %s (%s)\n", q.Text, choicesText(w.caption))
	}
}

// answerQuestion answers the teacher's open question with choice k, on a
// student's laptop; what the seat said shows in the band.
func (w *Window) answerQuestion(k int) {
	id := w.asked.ID
	w.caption.Waiting = "sending your answer…"
	queued := w.work.do(func() {
		err := w.answer(k)
		select {
		case w.answers <- answered{id: id, k: k, err: err}:
		default:
		}
	})
	if !queued {
		w.banner = note{text: "busy: try again", at: time.Now(), alarm: true}
	}
}

// answered is what became of a student's answer.
type answered struct {
	id  uint64
	k   int
	err error
}

// takeAnswers shows what became of the student's answers.
func (w *Window) takeAnswers() {
	for {
		select {
		case a := <-w.answers:
			if a.id != w.asked.ID {
				continue // a question closed since
			}
			if a.err != nil {
				w.caption.Waiting = answerKeys(len(w.asked.Choices))
				w.banner = note{text: "your answer: " + a.err.Error(), at: time.Now(), alarm: true}
				continue
			}
			w.caption.Waiting = fmt.Sprintf("you answered %s · the projector counts the class's answers", choicesText(lesson.Caption{Choices: w.asked.Choices[a.k-1 : a.k]}))
			fmt.Printf("answered %d\n", a.k)
		default:
			return
		}
	}
}

// studentDigit answers the teacher's open question with a digit key, on a
// student's laptop; it reports whether the key was taken.
func (w *Window) studentDigit(k int32) bool {
	if w.asked.ID == 0 || w.lesson != nil || k < rl.KeyOne || k > rl.KeyNine {
		return false
	}
	if n := int(k-rl.KeyOne) + 1; n <= len(w.asked.Choices) {
		w.answerQuestion(n)
	}
	return true
}

// answerKeys says how a student answers n choices.
func answerKeys(n int) string { return fmt.Sprintf("answer on this laptop: press 1–%d", n) }

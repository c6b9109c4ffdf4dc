package lesson

import (
	"fmt"

	"github.com/raftian/raftian/rewind"
)

// A question is asked before the step acts and answered from the record's
// model after it: never from the script, so the reveal says what really
// happened in this run.

// question is what is needed at asking time to reveal the answer later.
type question struct {
	choices  []string
	entry    rewind.Ent // survives: the entry asked about
	holder   int        // survives: the replica holding it
	before   leader     // the leader when the question was asked
	highest  int        // term: the up replica in the highest term then,
	termThen uint64     // and its term
}

// prepare works out a question's choices from the model as it is now.
func (r *runner) prepare(a *Ask, before leader) question {
	q := question{before: before}
	st := r.model.Head()
	switch a.Answer {
	case "leader":
		for _, p := range st.Players {
			q.choices = append(q.choices, p.Name) // answered by its number
		}
	case "term":
		t := before.term
		q.choices = []string{fmt.Sprintf("term %d (the same)", t), fmt.Sprintf("term %d", t+1), fmt.Sprintf("term %d or more", t+2)}
		for _, rep := range st.Replicas {
			if rep.Up && !rep.Removed && rep.Term > q.termThen {
				q.highest, q.termThen = rep.ID, rep.Term
			}
		}
	case "commits", "survives":
		q.choices = []string{"yes", "no"}
	case "quorum":
		q.choices = []string{"1", "2", "3", "4", "5"} // the digit is the answer
	}
	if a.Answer == "survives" {
		// The first uncommitted entry of the oldest term that a replica
		// holds (an old leader's): the one its pane shows struck through,
		// under its replacement, if it is overwritten.
		for _, rep := range st.Replicas {
			if !rep.Up {
				continue
			}
			for _, e := range rep.Log.Ents {
				first := q.holder == 0 || e.Term < q.entry.Term || (e.Term == q.entry.Term && e.Index < q.entry.Index)
				if e.Index > rep.Commit && first {
					q.entry, q.holder = e, rep.ID
				}
			}
		}
	}
	return q
}

// ask shows the question and waits for the class's answer: only the keys
// shown beside it answer, and the lesson does not move on meanwhile. A
// headless console, where nobody answers, goes on at once.
func (r *runner) ask(a *Ask, q question) error {
	r.asked++
	text, err := r.model.Fill(a.Question, rewind.Found{At: r.model.Head().At, Before: r.model.Head().Clone()})
	if err != nil {
		text = a.Question // checked when the lesson loaded: only placeholders every moment fills
	}
	r.cap.Text, r.cap.Question, r.cap.Choices = "", text, q.choices
	r.cap.Moment = "" // the picture stays where it was: the class thinks over it
	r.cap.Waiting = "answer: " + ChoiceKeys(a.Answer, len(q.choices))
	r.env.Show(r.cap)
	in := r.env.Answer(len(q.choices))
	r.since += in.Waited
	switch in.Kind {
	case Stop:
		return ErrStopped
	case Answer:
		if in.Answer >= 1 && in.Answer <= len(q.choices) {
			r.guess = in.Answer
			r.cap.Waiting = "your answer: " + q.choices[in.Answer-1]
			r.env.Show(r.cap)
			return nil
		}
	}
	r.guess = 0
	return nil
}

// ChoiceKeys says which keys answer a question: digits only, never a key
// that also moves the lesson on.
func ChoiceKeys(kind string, n int) string {
	switch {
	case kind == "leader":
		return fmt.Sprintf("press 1–%d or click a pane", n)
	case n == 2:
		return "1 yes · 2 no"
	}
	return fmt.Sprintf("press 1–%d", n)
}

// reveal says what really happened, from the model, and whether the
// class's answer was right.
func (r *runner) reveal(a *Ask, q question, start int64) {
	st := r.model.Head()
	guess := r.guess
	truth, text := 0, ""
	name := func(id int) string { return replicaName(st, id) }
	switch a.Answer {
	case "leader", "term":
		l := leaderOf(st)
		if l.id == 0 {
			text = "No replica won an election this time."
			break
		}
		switch {
		case a.Answer == "term" && l.term == q.before.term:
			truth = 1
			text = fmt.Sprintf("%s still leads term %d: no election took place.", name(l.id), l.term)
		case a.Answer == "leader":
			truth = l.id
			text = fmt.Sprintf("%s won term %d.", name(l.id), l.term)
			et := r.model.Header().ElectionTimeout(st.Net)
			text += fmt.Sprintf(" Who wins is partly chance: a follower stands when its election timer runs out, "+
				"and each timer is random, between %v and %v here.", et, 2*et)
		default:
			truth = min(int(l.term-q.before.term)+1, 3)
			if h := q.highest; h != 0 && q.termThen > q.before.term {
				// The jump is the returning replica's, not elections'.
				text = fmt.Sprintf("%s leads term %d: %s came back in term %d, above the leader's %d, "+
					"so the election that followed was above %d.",
					name(l.id), l.term, name(h), q.termThen, q.before.term, q.termThen)
				break
			}
			text = fmt.Sprintf("%s leads term %d: a candidate raises its term by one each time it stands, "+
				"so the term shows how many elections it took.", name(l.id), l.term)
		}
	case "commits":
		ok, decided := r.model.FirstProposal(start)
		switch {
		case !decided:
			text = "The attack had no answer yet."
		case ok:
			truth, text = 1, "The attack committed: a majority of replicas stored it."
		default:
			truth, text = 2, "The attack did not commit: no majority stored it, so it could never be applied."
		}
	case "quorum":
		v, m := st.Voters(), st.Majority()
		truth = m
		text = fmt.Sprintf("%d replicas vote now, so %d must agree: a majority, and any two majorities share a replica "+
			"(that is what keeps two leaders from committing different entries).", v, m)
	case "survives":
		if q.holder == 0 {
			text = "No replica held an uncommitted entry when you answered."
			break
		}
		rep := st.Replicas[q.holder-1]
		if e, ok := rep.Log.Entry(q.entry.Index); ok && e.Term == q.entry.Term {
			truth = 1
			text = fmt.Sprintf("Entry %d of term %d survived on %s.", q.entry.Index, q.entry.Term, name(q.holder))
		} else {
			truth = 2
			text = fmt.Sprintf("Entry %d of term %d, %s, on %s was overwritten: it was never on a majority, "+
				"so it was never committed, and the new leader's log wins (§5.3).", q.entry.Index, q.entry.Term, q.entry, name(q.holder))
		}
	}
	switch {
	case guess == 0:
		r.cap.Right = 0
		text = "Nobody answered. " + text
	case truth != 0 && guess == truth:
		r.right++
		r.cap.Right = 1
		text = "Right! " + text
	case truth != 0:
		r.cap.Right = -1
		text = fmt.Sprintf("Not this time: you said %s. %s", q.choices[guess-1], text)
	}
	r.cap.Reveal = rewind.Sentences(text)
}

// replicaName is "replica 3 (Chen)".
func replicaName(st *rewind.State, id int) string {
	if id < 1 || id > len(st.Players) {
		return "no replica"
	}
	return fmt.Sprintf("replica %d (%s)", id, st.Players[id-1].Name)
}

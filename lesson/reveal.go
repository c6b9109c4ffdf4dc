package lesson

import (
	"fmt"
	"strings"
	"time"

	"github.com/raftian/raftian/record"
)

// A question is asked before the step acts and answered from the record
// after it: never from the script, so the reveal says what really
// happened in this run.

// question is what is needed at asking time to reveal the answer later.
type question struct {
	choices []string
	entry   record.Ent // survives: the entry asked about
	holder  int        // survives: the replica holding it
	before  leader     // the leader when the question was asked
}

// prepare works out a question's choices from the record as it is now.
func (r *runner) prepare(a *Ask, before leader) question {
	q := question{before: before}
	st := r.model.Head()
	switch a.Answer {
	case "leader":
		h := r.env.Record().Header()
		for _, p := range h.Players {
			q.choices = append(q.choices, p.Name) // answered by its number
		}
	case "term":
		t := before.term
		q.choices = []string{fmt.Sprintf("the same, %d", t), fmt.Sprint(t + 1), fmt.Sprintf("%d or more", t+2)}
	case "commits", "survives":
		q.choices = []string{"yes", "no"}
	case "quorum":
		q.choices = []string{"1", "2", "3", "4", "5"} // the digit is the answer
	}
	if a.Answer == "survives" {
		// The uncommitted entry of the oldest term that a replica holds
		// (an old leader's), the newest of them.
		for _, rep := range st.Replicas {
			if !rep.Up || len(rep.Log.Ents) == 0 {
				continue
			}
			e := rep.Log.Ents[len(rep.Log.Ents)-1]
			older := q.holder == 0 || e.Term < q.entry.Term || (e.Term == q.entry.Term && e.Index > q.entry.Index)
			if e.Index > rep.Commit && older {
				q.entry, q.holder = e, rep.ID
			}
		}
	}
	return q
}

// ask shows the question and waits for an answer or the time-out.
func (r *runner) ask(a *Ask, q question) error {
	r.asked++
	r.cap.Text, r.cap.Question, r.cap.Choices = "", r.fill(a.Question, q.before, r.env.Now()), q.choices
	r.cap.Waiting = "answer: " + choiceKeys(a.Answer, len(q.choices))
	r.env.Show(r.cap)
	timeout := a.Timeout.Duration
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	for left := timeout; ; {
		in := r.input(left)
		left -= in.Waited
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
		case Timeout, Next:
			r.guess = 0
			return nil
		}
		if left <= 0 {
			r.guess = 0
			return nil
		}
	}
}

// choiceKeys says which keys answer.
func choiceKeys(kind string, n int) string {
	if kind == "leader" {
		return fmt.Sprintf("press 1–%d or click a pane", n)
	}
	if n == 2 {
		return "Y for yes, N for no"
	}
	return fmt.Sprintf("press 1–%d", n)
}

// reveal says what really happened, from the record, and whether the
// class's answer was right.
func (r *runner) reveal(a *Ask, q question, start int64) {
	st := r.model.Head()
	guess := r.guess
	truth, text := 0, ""
	name := func(id int) string { return replicaName(r.env.Record().Header(), id) }
	switch a.Answer {
	case "leader", "term":
		l := leaderOf(st)
		if l.id == 0 {
			text = "No replica won an election this time."
			break
		}
		if a.Answer == "leader" {
			truth = l.id
			text = fmt.Sprintf("%s won term %d.", name(l.id), l.term)
			et := r.env.Record().Header().ElectionTimeout()
			text += fmt.Sprintf(" Who wins is partly chance: a follower stands when its election timer runs out, "+
				"and each timer is random, between %v and %v here.", et, 2*et)
		} else {
			truth = min(int(l.term-q.before.term)+1, 3)
			text = fmt.Sprintf("%s leads term %d: a candidate raises its term by one each time it stands, "+
				"so the term shows how many elections it took.", name(l.id), l.term)
		}
	case "commits":
		ok, decided := r.firstOutcome(start)
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
			text = fmt.Sprintf("Entry %d of term %d (%s) on %s was overwritten: it was never on a majority, "+
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
		text = fmt.Sprintf("Not this time (you said %s). %s", q.choices[guess-1], text)
	}
	r.cap.Reveal = text
}

// firstOutcome finds the first attack proposed after start and whether it
// committed; decided is false if it has no outcome yet.
func (r *runner) firstOutcome(start int64) (ok, decided bool) {
	var id uint64
	r.scan(start, func(o *record.Obs) bool {
		switch {
		case id == 0 && o.Kind == record.Propose && o.Node != 0:
			id = o.ID
		case id != 0 && o.Kind == record.Outcome && o.ID == id:
			ok, decided = !o.Lost, true
			return false
		}
		return true
	})
	return ok, decided
}

// scan calls f on every observation after start until f returns false.
func (r *runner) scan(start int64, f func(*record.Obs) bool) {
	src := r.env.Record()
	_, next := src.Bounds()
	var buf []record.Obs
	for seq := src.Search(start); seq < next; seq += uint64(len(buf)) {
		buf = src.Read(seq, 1024, buf[:0])
		if len(buf) == 0 {
			return
		}
		for i := range buf {
			if !f(&buf[i]) {
				return
			}
		}
	}
}

// anchor finds a replay's moment: the first of its kind after step i
// began.
func (r *runner) anchor(name string, i int) (int64, bool) {
	start, end := r.starts[i], r.ends[i]
	switch name {
	case "step":
		return start, true
	case "end":
		return end, true
	case "campaign":
		return r.winningCampaign(start)
	}
	var at int64
	found := false
	var winner uint8
	r.scan(start, func(o *record.Obs) bool {
		switch name {
		case "leader":
			// The win, then the new leader's first message landing.
			if winner == 0 && o.Kind == record.State && o.Role == record.RoleLeader {
				winner = o.Node
			}
			found = winner != 0 && o.Kind == record.Deliver && o.Node == winner
		case "snapshot":
			found = o.Kind == record.Send && o.Msg == record.MsgSnapshot
		case "restore":
			found = o.Kind == record.Restore
		case "heal":
			found = o.Kind == record.Heal
		case "overwrite":
			found = o.Kind == record.Deliver && o.Msg == record.MsgAppend && r.overwrites(o)
		}
		if found {
			at = o.At
		}
		return !found
	})
	return at, found
}

// winningCampaign finds when the first replica to win after start began
// the campaign that won: its last pre-vote (or vote, when it stood without
// one). Failed rounds before it, which under load can last many seconds,
// are left out of the replay.
func (r *runner) winningCampaign(start int64) (at int64, found bool) {
	var role [256]record.Role
	var began [256]int64 // per replica: when its current campaign began
	r.scan(start, func(o *record.Obs) bool {
		if o.Kind != record.State {
			return true
		}
		n := o.Node
		switch {
		case o.Role == record.RoleLeader:
			at, found = began[n], began[n] != 0
			return false
		case o.Role == record.RoleCandidate && role[n] == record.RolePreCandidate:
			// The pre-vote won: the same campaign goes on.
		case o.Role.Campaigning():
			began[n] = o.At
		default:
			began[n] = 0
		}
		role[n] = o.Role
		return true
	})
	return at, found
}

// overwrites reports whether the append o, delivered, replaced an entry
// of its receiver's log.
func (r *runner) overwrites(o *record.Obs) bool {
	before := r.model.At(o.At - 1)
	rep := before.Replicas[o.Peer-1]
	for _, e := range o.Ents {
		if held, ok := rep.Log.Entry(e.Index); ok && held.Term != e.Term {
			return true
		}
	}
	return false
}

// fill puts the record's facts into a caption: {leader}, {previous-leader},
// {term}, {crashed}, {isolated}.
func (r *runner) fill(text string, before leader, start int64) string {
	if !strings.Contains(text, "{") {
		return text
	}
	h := r.env.Record().Header()
	l := leaderOf(r.model.Head())
	var crashed, isolated int
	r.scan(r.begin, func(o *record.Obs) bool {
		switch o.Kind {
		case record.Down:
			crashed = int(o.Node)
		case record.Isolate:
			isolated = int(o.Node)
		}
		return true
	})
	return strings.NewReplacer(
		"{leader}", replicaName(h, l.id),
		"{previous-leader}", replicaName(h, before.id),
		"{term}", fmt.Sprint(l.term),
		"{crashed}", replicaName(h, crashed),
		"{isolated}", replicaName(h, isolated),
	).Replace(text)
}

// replicaName is "replica 3 (Chen)".
func replicaName(h record.Header, id int) string {
	if id < 1 || id > len(h.Players) {
		return "no replica"
	}
	return fmt.Sprintf("replica %d (%s)", id, h.Players[id-1].Name)
}

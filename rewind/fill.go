package rewind

import (
	"fmt"
	"strings"

	"github.com/raftian/raftian/record"
)

// Placeholders a caption may hold, filled from the model at its moment.
// Every moment fills those below; the others (leader, term, replica,
// entry, holders, votes, old-term) only the moments that give them.
var everyMoment = []string{"previous-leader", "previous-term", "crashed", "down", "up", "isolated", "voters", "majority", "delay"}

// Placeholders lists every placeholder a caption may hold.
func Placeholders() []string {
	return append([]string{"leader", "term", "replica", "entry", "holders", "votes", "old-term"}, everyMoment...)
}

// Gives reports whether a caption about the named moment can always fill
// placeholder p.
func Gives(moment, p string) bool {
	for _, e := range everyMoment {
		if e == p {
			return true
		}
	}
	for _, g := range Moments[moment].Gives {
		if g == p {
			return true
		}
	}
	return false
}

// previousTerm is the term of the leader a majority followed in before, if
// any.
func previousTerm(before *State) string {
	if before == nil {
		return ""
	}
	if l := majorityLeader(before); l != 0 {
		return fmt.Sprint(before.Replicas[l-1].Term)
	}
	return ""
}

// Fill fills the placeholders of text ({leader}, {term}, ...) from the
// model at moment f. It reports false, and which, if one cannot be
// filled: nothing unfilled reaches a screen.
func (m *Model) Fill(text string, f Found) (string, error) {
	s := m.At(f.At)
	name := func(id int) string {
		if id < 1 || id > len(s.Players) {
			return ""
		}
		return fmt.Sprintf("replica %d (%s)", id, s.Players[id-1].Name)
	}
	subject := s.replica(uint8(f.Replica))
	leader := majorityLeader(s)
	switch {
	case f.Name == "won":
		leader = f.Replica // a winner the others may not know yet
	case leader == 0 || f.Name == "two-leaders":
		leader = topLeader(s)
	}
	term := ""
	switch {
	case (f.Name == "" || Gives(f.Name, "leader")) && leader != 0:
		term = fmt.Sprint(s.Replicas[leader-1].Term)
	case subject != nil:
		term = fmt.Sprint(subject.Term)
	}
	var down, isolated []int
	for i, r := range s.Replicas {
		if !r.Up && !r.Removed {
			down = append(down, r.ID)
		}
		if i < len(s.Net.Isolated) && s.Net.Isolated[i] {
			isolated = append(isolated, r.ID)
		}
	}
	values := map[string]string{
		"leader":          name(leader),
		"term":            term,
		"replica":         name(f.Replica),
		"previous-leader": name(majorityLeader(f.Before)),
		"previous-term":   previousTerm(f.Before),
		"crashed":         names(name, down),
		"down":            fmt.Sprint(len(down)),
		"up":              fmt.Sprint(len(s.Replicas) - len(down) - removedCount(s)),
		"isolated":        names(name, isolated),
		"voters":          fmt.Sprint(s.Voters()),
		"majority":        fmt.Sprint(s.Majority()),
		"delay":           delayText(s.Net),
	}
	if f.Entry.Index != 0 {
		values["entry"] = fmt.Sprintf("entry %d of term %d (%s)", f.Entry.Index, f.Entry.Term, f.Entry)
		values["holders"] = fmt.Sprint(holders(s, f.Entry))
	}
	if subject != nil && (subject.Role.Campaigning() || f.Name == "won") {
		values["votes"] = fmt.Sprint(votesFor(s, f.Replica))
	}
	if f.Name == "two-leaders" && subject != nil {
		values["old-term"] = fmt.Sprint(subject.Term)
	}
	var missing []string
	out := text
	for _, p := range Placeholders() {
		key := "{" + p + "}"
		if !strings.Contains(out, key) {
			continue
		}
		if values[p] == "" {
			missing = append(missing, key)
			continue
		}
		out = strings.ReplaceAll(out, key, values[p])
	}
	if len(missing) > 0 {
		return "", fmt.Errorf("%s cannot be filled at the %s moment", strings.Join(missing, ", "), f.Name)
	}
	return sentences(out), nil
}

// sentences starts every sentence with a capital: a placeholder filled at
// the start of one ("replica 3 (Chen) leads") is written in the middle
// of one.
// Sentences starts every sentence of s with a capital letter.
func Sentences(s string) string { return sentences(s) }

func sentences(s string) string {
	b := []byte(s)
	start := true
	for i, c := range b {
		switch {
		case start && c >= 'a' && c <= 'z':
			b[i] = c - 'a' + 'A'
			start = false
		case c == '.' || c == '!' || c == '?':
			start = i+1 < len(b) && b[i+1] == ' '
		case c != ' ':
			start = false
		}
	}
	return string(b)
}

// votesFor counts the votes for replica id in its term: its campaign's
// while it campaigns; once it leads, the replicas that voted for it.
func votesFor(s *State, id int) int {
	r := s.Replicas[id-1]
	if r.Role.Campaigning() {
		return r.Campaign.Votes()
	}
	n := 0
	for _, o := range s.Replicas {
		if o.Term == r.Term && o.Vote == id {
			n++
		}
	}
	return n
}

func removedCount(s *State) int {
	n := 0
	for _, r := range s.Replicas {
		if r.Removed {
			n++
		}
	}
	return n
}

// names is "replica 3 (Chen)", "replicas 2 and 4", or "no replica".
func names(name func(int) string, ids []int) string {
	switch len(ids) {
	case 0:
		return "no replica"
	case 1:
		return name(ids[0])
	}
	var parts []string
	for _, id := range ids {
		parts = append(parts, fmt.Sprint(id))
	}
	return "replicas " + strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// delayText is the delay messages take now: slow motion, or the longest
// link delay in force, its jitter included.
func delayText(n record.Net) string {
	d := n.Slow
	for _, l := range n.Links {
		d = max(d, n.Slow+l.Delay+l.Jitter)
	}
	if d == 0 {
		return "no delay"
	}
	return fmt.Sprintf("%d ms", d/1000)
}

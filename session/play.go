package session

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/raftian/raftian/cluster"
	"github.com/raftian/raftian/command"
	"github.com/raftian/raftian/record"
	"github.com/raftian/raftian/world"
)

// The commands that play the game or wait for the cluster, and the ones
// that show it.

func (s *Session) attack(cmd command.Attack) Result {
	via, err := s.resolve(cmd.Via)
	if err != nil {
		return Result{Err: err}
	}
	cmd.Via = command.Replica(via)
	s.opts.Journal.Note(cmd)
	t := s.client(cmd.From).Attack(via, cmd.From, cmd.To)
	if cmd.NoWait {
		s.mu.Lock()
		if len(s.nowait) >= 1024 {
			s.forgetAnswered()
		}
		s.nowait = append(s.nowait, proposed{t, cmd})
		s.mu.Unlock()
		return Result{Command: cmd, Ticket: t, Text: "proposed: " + s.who(cmd)}
	}
	return s.answer(cmd, t.Wait())
}

// Answer waits for the answer to an attack made with nowait (a result
// with a Ticket) and returns it as the attack would have been answered
// had it waited.
func (s *Session) Answer(r Result) Result {
	cmd, ok := r.Command.(command.Attack)
	if r.Ticket == nil || !ok {
		return r
	}
	return s.answer(cmd, r.Ticket.Wait())
}

// who names an attack's players and the replica it goes through.
func (s *Session) who(cmd command.Attack) string {
	return fmt.Sprintf("%s (%d) → %s (%d) via %d", s.name(cmd.From), cmd.From, s.name(cmd.To), cmd.To, cmd.Via.N)
}

// answer is the result of an attack that ended with o.
func (s *Session) answer(cmd command.Attack, o cluster.Outcome) Result {
	who := s.who(cmd)
	r := Result{Command: cmd, Outcome: &o}
	switch {
	case !o.OK:
		r.Err = fmt.Errorf("%s: %s after %v", who, cluster.Failure(o.Err), o.Took.Round(time.Millisecond))
	case o.Reason != world.ReasonNone:
		r.Text = fmt.Sprintf("rejected: %s: %s", who, o.Reason)
	default:
		retried := ""
		if o.Repeated {
			retried = " (retried: applied once)"
		}
		r.Text = fmt.Sprintf("committed: %s: HP %d, in %.1f ms%s", who, o.HP, float64(o.Took.Microseconds())/1000, retried)
	}
	return r
}

// proposed is an attack made with nowait, kept until its answer is in.
type proposed struct {
	t   *cluster.Ticket
	cmd command.Attack
}

func (s *Session) newGame() Result {
	via := max(s.c.Leader(), 1)
	s.opts.Journal.Note(command.NewGame{})
	o := s.client(0).NewGame(via).Wait()
	r := Result{Command: command.NewGame{}, Outcome: &o}
	if !o.OK {
		r.Err = fmt.Errorf("new game via %d: %s", via, o.Err)
		return r
	}
	r.Text = "committed: new game, every city rebuilt"
	return r
}

// load proposes count commands at once through the leader: attacks, with
// a new game every fourth so that the cities stand. 32 lanes pipeline them
// in the session's client.
func (s *Session) load(count int) Result {
	leader, err := s.resolve(command.Ref{Role: command.Leader})
	if err != nil {
		return Result{Err: err}
	}
	s.opts.Journal.Note(command.Load{N: count})
	start := time.Now()
	const lanes = 32
	var wg sync.WaitGroup
	var mu sync.Mutex
	committed := 0
	cl := s.client(0)
	n := s.c.Size()
	for w := 0; w < lanes; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < count; i += lanes {
				var o cluster.Outcome
				if i%4 == 3 {
					o = cl.NewGame(leader).Wait()
				} else {
					from := i%n + 1
					o = cl.Attack(leader, from, from%n+1).Wait()
				}
				if o.OK {
					mu.Lock()
					committed++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	took := time.Since(start)
	return Result{Command: command.Load{N: count}, Took: took, Count: committed,
		Text: fmt.Sprintf("load: %d of %d commands committed through replica %d in %v", committed, count, leader, took.Round(time.Millisecond))}
}

func (s *Session) wait(cmd command.Wait) Result {
	start := time.Now()
	deadline := start.Add(cmd.Timeout)
	for {
		took := time.Since(start)
		switch cmd.Until {
		case command.UntilLeader:
			if l, ok := s.c.LeaderAgreed(); ok {
				term := s.c.Status()[l-1].Term
				return Result{Command: cmd, Leader: l, Term: term, Took: took,
					Text: fmt.Sprintf("leader %d in term %d after %v", l, term, took.Round(time.Millisecond))}
			}
		case command.UntilConverged:
			if s.c.SettledOnCommitted() {
				return Result{Command: cmd, Took: took, Text: fmt.Sprintf("converged after %v", took.Round(time.Millisecond))}
			}
		case command.UntilProposals:
			s.mu.Lock()
			done := s.forgetAnswered()
			n, open := len(s.nowait), s.openProposals()
			s.mu.Unlock()
			if done {
				return Result{Command: cmd, Took: took, Text: fmt.Sprintf("every proposal answered after %v", took.Round(time.Millisecond))}
			}
			if time.Now().After(deadline) {
				return Result{Command: cmd, Took: took, Err: fmt.Errorf("timeout: %d proposals still unanswered after %v: %s",
					n, cmd.Timeout, strings.Join(open, "; "))}
			}
		}
		if time.Now().After(deadline) {
			what := map[command.Until]string{command.UntilLeader: "agreed leader",
				command.UntilConverged: "convergence"}[cmd.Until]
			return Result{Command: cmd, Took: took, Err: fmt.Errorf("timeout: no %s after %v", what, cmd.Timeout)}
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// openProposals names the nowait attacks still waiting for their answer
// (the first 20). s.mu is held.
func (s *Session) openProposals() []string {
	var out []string
	for _, p := range s.nowait {
		if len(out) == 20 {
			out = append(out, fmt.Sprintf("and %d more", len(s.nowait)-20))
			break
		}
		out = append(out, s.who(p.cmd))
	}
	return out
}

// forgetAnswered forgets the nowait attacks that have their answer and
// reports whether none is left. s.mu is held.
func (s *Session) forgetAnswered() bool {
	k := 0
	for _, p := range s.nowait {
		select {
		case <-p.t.Done():
		default:
			s.nowait[k] = p
			k++
		}
	}
	clear(s.nowait[k:])
	s.nowait = s.nowait[:k]
	return k == 0
}

func (s *Session) name(p int) string {
	players := s.c.Config().Players // added replicas' players too
	if p < 1 || p > len(players) {
		return fmt.Sprintf("player %d", p)
	}
	return players[p-1].Name
}

func (s *Session) status(asJSON bool) Result {
	st := s.c.Status()
	r := Result{Command: command.Status{JSON: asJSON}, Replicas: st}
	if asJSON {
		r.Text = statusJSON(st, s.c.Believes)
	} else {
		r.Text = s.statusTable(st)
	}
	return r
}

func (s *Session) statusTable(status []cluster.Status) string {
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "replica\tplayer\trole\tterm\tleader\tcommit\tapplied\tlast\thp\tworld")
	for _, st := range status {
		role := st.Role.String()
		switch {
		case st.Removed:
			role = "removed"
		case st.Joining:
			role = "joining (" + role + ")"
		case st.Leaving:
			role = "leaving (" + role + ")"
		case st.NonVoting:
			role += " (non-voting)"
		}
		if st.Isolated {
			role += " (isolated)"
		}
		if st.Remote && !st.Removed { // in a class: another laptop's replica
			role = "remote"
			if st.Role == record.RoleLeader {
				role = "leader (believed)"
			}
			if st.NonVoting {
				role += " (non-voting)"
			}
			term, leader := "-", "-"
			if st.Term != 0 {
				term, leader = fmt.Sprint(st.Term), fmt.Sprint(st.Leader)
			}
			fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t-\t-\t-\t-\t%s\n", st.ID, s.name(st.ID), role, term, leader, st.Address)
			continue
		}
		hp := make([]string, 0, len(status))
		for p := 1; p <= len(status); p++ {
			hp = append(hp, hpText(st.World, p))
		}
		if st.World == nil { // removed before this program started: never ran here
			fmt.Fprintf(w, "%d\t%s\t%s\t-\t-\t-\t-\t-\t-\t-\n", st.ID, s.name(st.ID), role)
			continue
		}
		if !st.Up { // its world is the one it had when it went down
			fmt.Fprintf(w, "%d\t%s\t%s\t-\t-\t-\t%d\t-\t%s\t%s\n", st.ID, s.name(st.ID), role,
				st.Applied, strings.Join(hp, " "), st.World.Hash())
			continue
		}
		leader := "-"
		if st.Leader != 0 {
			leader = fmt.Sprint(st.Leader)
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%d\t%s\t%d\t%d\t%d\t%s\t%s\n", st.ID, s.name(st.ID), role,
			st.Term, leader, st.Commit, st.Applied, st.LastIndex, strings.Join(hp, " "), st.World.Hash())
	}
	w.Flush()
	if seat := s.c.Seat(); seat != 0 {
		fmt.Fprintf(&b, "this laptop runs seat %d · Raft round trip %d ms\n", seat, s.c.Config().Raft.RTTMillisecond)
	}
	return strings.TrimRight(b.String(), "\n")
}

// replicaJSON is one replica in "status json".
type replicaJSON struct {
	ID        int    `json:"id"`
	Up        bool   `json:"up"`
	Isolated  bool   `json:"isolated"`
	Role      string `json:"role"`
	Term      uint64 `json:"term"`
	Leader    int    `json:"leader"`
	Commit    uint64 `json:"commit"`
	Applied   uint64 `json:"applied"`
	LastIndex uint64 `json:"last_index"`
	HP        []int  `json:"hp"`               // its own world's players: a replica that has not applied a join lacks the city
	WorldHash string `json:"world_hash"`       // "" when it never ran in this program
	Change    string `json:"change,omitempty"` // a membership change under way: joining, leaving
	Voters    []int  `json:"voters,omitempty"` // the membership it believes in
	Removed   bool   `json:"removed,omitempty"`
	NonVoting bool   `json:"non_voting,omitempty"`
	Address   string `json:"address,omitempty"` // where its replica listens
	Remote    bool   `json:"remote,omitempty"`  // in a class: on another laptop
}

// hpText is player p's HP in w: "-" if w has not seen p join (or there
// is no w), "x" for the ruins of a player who left.
func hpText(w *world.World, p int) string {
	switch {
	case w == nil, p > w.Players():
		return "-"
	case w.Left(p):
		return "x"
	}
	return fmt.Sprint(w.HP(p))
}

// statusJSON writes status as JSON; believes gives each replica's own
// membership.
func statusJSON(status []cluster.Status, believes func(i int) []int) string {
	var out struct {
		Replicas []replicaJSON `json:"replicas"`
	}
	for _, st := range status {
		r := replicaJSON{ID: st.ID, Up: st.Up, Isolated: st.Isolated, Role: st.Role.String(),
			Term: st.Term, Leader: st.Leader, Commit: st.Commit, Applied: st.Applied,
			LastIndex: st.LastIndex, HP: []int{}}
		if st.World != nil { // nil: removed before this program started
			r.WorldHash = st.World.Hash()
			for p := 1; p <= st.World.Players(); p++ {
				r.HP = append(r.HP, st.World.HP(p))
			}
		}
		r.Voters, r.Removed, r.NonVoting = believes(st.ID), st.Removed, st.NonVoting
		r.Address, r.Remote = st.Address, st.Remote
		if st.Remote && st.Role != record.RoleLeader {
			r.Role = "remote"
		}
		switch {
		case st.Joining:
			r.Change = "joining"
		case st.Leaving:
			r.Change = "leaving"
		}
		out.Replicas = append(out.Replicas, r)
	}
	b, _ := json.Marshal(out)
	return string(b)
}

// log shows the tail of replica n's own Raft log.
func (s *Session) log(n int) Result {
	cmd := command.Log{Replica: command.Replica(n)}
	st := s.c.Status()[n-1]
	if !st.Up {
		return Result{Command: cmd, Text: fmt.Sprintf("replica %d is down: no log to show", n)}
	}
	tail := s.c.LogTail(n, 8)
	if len(tail) == 0 {
		return Result{Command: cmd, Text: fmt.Sprintf("replica %d's log is empty", n)}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "replica %d's log (term %d, commit %d):", n, st.Term, st.Commit)
	for _, e := range tail {
		what := e.String()
		if e.What == record.WhatAttack {
			what = "attack " + what
		}
		state := "committed"
		if e.Index > st.Commit {
			state = "NOT committed"
		}
		fmt.Fprintf(&b, "\n  %d  term %d  %-14s %s", e.Index, e.Term, what, state)
	}
	return Result{Command: cmd, Text: b.String(), Entries: tail, Commit: st.Commit}
}

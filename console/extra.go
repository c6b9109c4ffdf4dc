package console

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/raftian/raftian/node"
)

// log prints the tail of replica n's own Raft log.
func (s *session) log(n int) {
	st := s.c.Status()[n-1]
	tail := s.c.LogTail(n, 8)
	if !st.Up {
		s.say("replica %d is down: no log to show", n)
		return
	}
	if len(tail) == 0 {
		s.say("replica %d's log is empty", n)
		return
	}
	s.say("replica %d's log (term %d, commit %d):", n, st.Term, st.Commit)
	for _, e := range tail {
		what := e.Kind
		if e.Kind == "attack" {
			what = fmt.Sprintf("attack %d→%d", e.From, e.To)
		}
		state := "committed"
		if e.Index > st.Commit {
			state = "NOT committed"
		}
		s.say("  %d  term %d  %-14s %s", e.Index, e.Term, what, state)
	}
}

// load proposes count commands at once through the leader: attacks, with
// a new game every fourth so that the cities stand.
func (s *session) load(count int) {
	leader, ok := s.resolve(0, "leader")
	if !ok {
		return
	}
	s.rec.Record("load %d", count)
	start := time.Now()
	const workers = 32 // pipelined in the session's client
	var wg sync.WaitGroup
	var mu sync.Mutex
	committed := 0
	cl := s.cl
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < count; i += workers {
				var o node.Outcome
				if i%4 == 3 {
					o = cl.NewGame(leader).Wait()
				} else {
					from := i%s.c.Size() + 1
					o = cl.Attack(leader, from, from%s.c.Size()+1).Wait()
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
	s.say("load: %d of %d commands committed through replica %d in %v", committed, count, leader, since(start))
}

// set restarts every replica in place with one Raft setting changed.
func (s *session) set(cmd Command) {
	raft := s.c.Config().Raft
	var what string
	switch cmd.Setting {
	case "prevote":
		raft.PreVote, what = cmd.On, fmt.Sprintf("prevote %s", onOff(cmd.On))
	case "checkquorum":
		raft.CheckQuorum, what = cmd.On, fmt.Sprintf("checkquorum %s", onOff(cmd.On))
	case "rtt":
		raft.RTTMillisecond, what = cmd.Count, fmt.Sprintf("rtt %d", cmd.Count)
	}
	s.rec.Record("set %s", what)
	s.check(s.c.Reconfigure(raft), "restarted every replica in place with %s", what)
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// link sets a lossy or slow link, or every link with "all".
func (s *session) link(cmd Command) {
	votes, which := "", fmt.Sprintf("%d %d", cmd.From, cmd.To)
	if cmd.Votes {
		votes = " votes"
	}
	if cmd.All {
		which = "all"
	}
	s.rec.Record("link %s drop %g delay %v%s", which, cmd.Drop, cmd.Delay, votes)
	pairs := [][2]int{{cmd.From, cmd.To}}
	if cmd.All {
		pairs = nil
		for a := 1; a <= s.c.Size(); a++ {
			for b := 1; b <= s.c.Size(); b++ {
				if a != b {
					pairs = append(pairs, [2]int{a, b})
				}
			}
		}
	}
	for _, p := range pairs {
		if err := s.c.SetLink(p[0], p[1], cmd.Drop, cmd.Delay, cmd.Votes); err != nil {
			s.say("error: %v", err)
			return
		}
	}
	s.say("link %s: drop %.2f, delay %v%s", strings.ReplaceAll(which, " ", "→"), cmd.Drop, cmd.Delay, votes)
}

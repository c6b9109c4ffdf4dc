package console

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/raftian/raftian/lesson"
	"github.com/raftian/raftian/node"
	"github.com/raftian/raftian/world"
)

// Run reads commands from in, one a line, runs them on c and answers each
// on out. It returns at "quit" or at the end of the input; closing the
// cluster is the caller's job.
func Run(c *node.Cluster, in io.Reader, out io.Writer, rec *Recorder) error {
	s := newSession(c, out, rec)
	r := bufio.NewReaderSize(in, MaxLine)
	for {
		line, err := readLine(r)
		if errors.Is(err, errLineTooLong) {
			fmt.Fprintf(out, "error: %v\n", err)
			continue
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		cmd, err := Parse(line, c.Size())
		if err != nil {
			fmt.Fprintf(out, "error: %v\n", err)
			continue
		}
		if cmd.Name == "" {
			continue
		}
		if cmd.Name == "quit" {
			fmt.Fprintln(out, "bye")
			return nil
		}
		s.run(cmd)
	}
}

// MaxLine is the longest command line read; a longer one is answered with
// an error, skipped to its end without being kept, and the session goes on.
const MaxLine = 4096

var errLineTooLong = fmt.Errorf("line too long (over %d bytes): ignored", MaxLine)

// readLine reads one line from r, whose buffer is MaxLine long.
func readLine(r *bufio.Reader) (string, error) {
	line, err := r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		for errors.Is(err, bufio.ErrBufferFull) {
			_, err = r.ReadSlice('\n')
		}
		if err != nil && err != io.EOF {
			return "", err
		}
		return "", errLineTooLong
	}
	if err == io.EOF && len(line) > 0 {
		err = nil // a last line without its newline
	}
	return strings.TrimRight(string(line), "\r\n"), err
}

// Session runs commands on a cluster and answers on out; it remembers
// what a later command may refer to (the leader "partition leader" cut
// off). The window uses one to play a lesson.
type Session struct{ s *session }

// NewSession returns a session on c answering on out and recording its
// inputs to rec (which may be nil).
func NewSession(c *node.Cluster, out io.Writer, rec *Recorder) *Session {
	return &Session{s: newSession(c, out, rec)}
}

// Exec runs one command line, as the headless console would.
func (x *Session) Exec(line string) {
	cmd, err := Parse(line, x.s.c.Size())
	if err != nil {
		x.s.say("error: %v", err)
		return
	}
	if cmd.Name != "" && cmd.Name != "quit" {
		x.s.run(cmd)
	}
}

type session struct {
	c         *node.Cluster
	cl        *node.Client // the session's own client: its attacks' ids
	out       io.Writer
	names     []string
	oldLeader int // the leader that "partition leader" cut off
	rec       *Recorder
	nowait    []*node.Ticket // attacks made with nowait, until "wait proposals"
}

func newSession(c *node.Cluster, out io.Writer, rec *Recorder) *session {
	return &session{c: c, cl: c.NewClient(), out: out, names: playerNames(c), rec: rec}
}

func playerNames(c *node.Cluster) []string {
	names := []string{""}
	for _, p := range c.Config().Players {
		names = append(names, p.Name)
	}
	return names
}

func (s *session) say(format string, args ...any) {
	fmt.Fprintf(s.out, format+"\n", args...)
}

func (s *session) check(err error, okFormat string, args ...any) {
	if err != nil {
		s.say("error: %v", err)
		return
	}
	s.say(okFormat, args...)
}

func (s *session) run(cmd Command) {
	c := s.c
	switch cmd.Name {
	case "help":
		s.say("%s", Help)
	case "status":
		if cmd.JSON {
			s.statusJSON()
		} else {
			s.statusTable()
		}
	case "attack":
		via, ok := s.resolve(cmd.Via, cmd.Who)
		switch {
		case !ok:
		case cmd.NoWait:
			s.rec.Record("attack %d %d via %d nowait", cmd.From, cmd.To, via)
			if len(s.nowait) >= 1024 {
				s.answered() // forget the answered ones
			}
			s.nowait = append(s.nowait, s.cl.Attack(via, cmd.From, cmd.To))
			s.say("proposed: %s (%d) → %s (%d) via %d", s.names[cmd.From], cmd.From, s.names[cmd.To], cmd.To, via)
		default:
			s.rec.Record("attack %d %d via %d", cmd.From, cmd.To, via)
			s.attack(s.cl.Attack(via, cmd.From, cmd.To).Wait())
		}
	case "newgame":
		via := max(c.Leader(), 1)
		s.rec.Record("newgame")
		o := s.cl.NewGame(via).Wait()
		if !o.OK {
			s.say("failed: new game via %d: %s", via, o.Err)
			return
		}
		s.say("committed: new game, every city rebuilt")
	case "crash":
		if n, ok := s.resolve(cmd.N, cmd.Who); ok {
			s.rec.Record("crash %d", n)
			s.check(c.Crash(n), "crashed replica %d", n)
		}
	case "log":
		if n, ok := s.resolve(cmd.N, cmd.Who); ok {
			s.log(n)
		}
	case "load":
		s.load(cmd.Count)
	case "set":
		s.set(cmd)
	case "autoplay", "messages":
		s.rec.Record("%s %s", cmd.Name, onOff(cmd.On))
		s.say("%s %s: only the window has it", cmd.Name, onOff(cmd.On))
	case "restart":
		if cmd.All {
			s.restartAll()
			return
		}
		s.rec.Record("restart %d", cmd.N)
		s.check(c.Restart(cmd.N), "restarted replica %d", cmd.N)
	case "lesson":
		s.lesson(cmd.Lesson)
	case "isolate":
		if n, ok := s.resolve(cmd.N, cmd.Who); ok {
			s.rec.Record("isolate %d", n)
			s.check(c.Isolate(n), "isolated replica %d", n)
		}
	case "rejoin":
		if n, ok := s.resolve(cmd.N, cmd.Who); ok {
			s.rec.Record("rejoin %d", n)
			s.check(c.Rejoin(n), "replica %d rejoined", n)
		}
	case "partition":
		groups := cmd.Groups
		if cmd.Who == "leader" {
			l, ok := s.resolve(0, "leader")
			if !ok {
				return
			}
			s.oldLeader = l
			var rest []int
			for i := 1; i <= c.Size(); i++ {
				if i != l && i != l%c.Size()+1 {
					rest = append(rest, i)
				}
			}
			groups = [][]int{{l, l%c.Size() + 1}, rest}
		}
		s.rec.Record("partition %s", node.GroupsText(groups))
		s.check(c.Partition(groups), "partitioned %s", groupsText(groups))
	case "link":
		s.link(cmd)
	case "heal":
		s.rec.Record("heal")
		c.Heal()
		s.say("healed")
	case "wait":
		s.wait(cmd)
	case "sleep":
		time.Sleep(cmd.Delay)
		s.say("slept %v", cmd.Delay)
	}
}

// resolve returns n, or the replica that who names; false (after saying
// so) when there is none.
func (s *session) resolve(n int, who string) (int, bool) {
	switch who {
	case "":
		return n, true
	case "leader":
		n = s.c.Leader()
	case "old-leader":
		n = s.oldLeader
	case "follower":
		leader := s.c.Leader()
		for _, st := range s.c.Status() {
			if st.Up && st.ID != leader {
				n = st.ID
				break
			}
		}
	}
	if n == 0 {
		s.say("error: no replica is %s right now", who)
		return 0, false
	}
	return n, true
}

func (s *session) restartAll() {
	var restarted []string
	for _, st := range s.c.Status() {
		if !st.Up {
			s.rec.Record("restart %d", st.ID)
			if err := s.c.Restart(st.ID); err != nil {
				s.say("error: %v", err)
				continue
			}
			restarted = append(restarted, fmt.Sprint(st.ID))
		}
	}
	if len(restarted) == 0 {
		s.say("no replica is down")
		return
	}
	s.say("restarted replica %s", strings.Join(restarted, ", "))
}

// lesson runs a lesson: each step's commands answer as usual, and its
// caption is printed as "caption N: ...".
func (s *session) lesson(name string) {
	l, err := lesson.Load(name)
	if err != nil {
		s.say("error: %v", err)
		return
	}
	s.say("lesson: %s", l.Title)
	exec := func(line string) {
		cmd, err := Parse(line, s.c.Size())
		if err != nil || cmd.Name == "lesson" || cmd.Name == "quit" {
			s.say("error: lesson %s: %q cannot run here", l.Name, line)
			return
		}
		s.run(cmd)
	}
	caption := func(step int, text string) { s.say("caption %d: %s", step, text) }
	lesson.Run(l, exec, caption, nil, nil)
	s.say("lesson done: %s", l.Title)
}

func (s *session) attack(o node.Outcome) {
	cmd := o.Command
	who := fmt.Sprintf("%s (%d) → %s (%d) via %d", s.names[cmd.From], cmd.From, s.names[cmd.To], cmd.To, o.Via)
	switch {
	case !o.OK:
		s.say("failed: %s: %s after %v", who, o.Err, o.Took.Round(time.Millisecond))
	case o.Reason != world.ReasonNone:
		s.say("rejected: %s: %s", who, o.Reason)
	default:
		retried := ""
		if o.Repeated {
			retried = " (retried: applied once)"
		}
		s.say("committed: %s: HP %d, in %.1f ms%s", who, o.HP, float64(o.Took.Microseconds())/1000, retried)
	}
}

func (s *session) wait(cmd Command) {
	start := time.Now()
	deadline := start.Add(cmd.Timeout)
	for {
		switch cmd.Until {
		case "leader":
			if l, ok := s.c.LeaderAgreed(); ok {
				s.say("leader %d in term %d after %v", l, s.c.Status()[l-1].Term, since(start))
				return
			}
		case "converged":
			if s.c.Converged() {
				s.say("converged after %v", since(start))
				return
			}
		case "proposals":
			if s.answered() {
				s.say("every proposal answered after %v", since(start))
				return
			}
		}
		if time.Now().After(deadline) {
			s.say("timeout: no %s after %v", map[string]string{
				"leader": "agreed leader", "converged": "convergence", "proposals": "answer to every proposal"}[cmd.Until], cmd.Timeout)
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// answered forgets the nowait attacks that have their answer and reports
// whether none is left.
func (s *session) answered() bool {
	k := 0
	for _, t := range s.nowait {
		select {
		case <-t.Done():
		default:
			s.nowait[k] = t
			k++
		}
	}
	clear(s.nowait[k:])
	s.nowait = s.nowait[:k]
	return k == 0
}

func since(t time.Time) time.Duration { return time.Since(t).Round(time.Millisecond) }

// groupsText spaces the groups out for reading: "1,2 | 3,4,5".
func groupsText(groups [][]int) string {
	return strings.ReplaceAll(node.GroupsText(groups), "|", " | ")
}

func (s *session) statusTable() {
	w := tabwriter.NewWriter(s.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "replica\tplayer\trole\tterm\tleader\tcommit\tapplied\tlast\thp\tworld")
	for _, st := range s.c.Status() {
		role := st.Role.String()
		if st.Isolated {
			role += " (isolated)"
		}
		hp := make([]string, 0, s.c.Size())
		for p := 1; p <= s.c.Size(); p++ {
			hp = append(hp, fmt.Sprint(st.World.HP(p)))
		}
		if !st.Up { // its world is the one it had when it went down
			fmt.Fprintf(w, "%d\t%s\t%s\t-\t-\t-\t%d\t-\t%s\t%s\n", st.ID, s.names[st.ID], role,
				st.Applied, strings.Join(hp, " "), st.World.Hash())
			continue
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%d\t%s\t%d\t%d\t%d\t%s\t%s\n", st.ID, s.names[st.ID], role,
			st.Term, leaderText(st.Leader), st.Commit, st.Applied, st.LastIndex,
			strings.Join(hp, " "), st.World.Hash())
	}
	w.Flush()
}

func leaderText(l int) string {
	if l == 0 {
		return "-"
	}
	return fmt.Sprint(l)
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
	HP        []int  `json:"hp"`
	WorldHash string `json:"world_hash"`
}

func (s *session) statusJSON() {
	var out struct {
		Replicas []replicaJSON `json:"replicas"`
	}
	for _, st := range s.c.Status() {
		r := replicaJSON{ID: st.ID, Up: st.Up, Isolated: st.Isolated, Role: st.Role.String(),
			Term: st.Term, Leader: st.Leader, Commit: st.Commit, Applied: st.Applied,
			LastIndex: st.LastIndex, WorldHash: st.World.Hash()}
		for p := 1; p <= s.c.Size(); p++ {
			r.HP = append(r.HP, st.World.HP(p))
		}
		out.Replicas = append(out.Replicas, r)
	}
	b, _ := json.Marshal(out)
	s.say("%s", b)
}

package command

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Limits the parser shares with the cluster.
const (
	MaxLinkDelay = time.Minute // the longest delay a link may add
	MaxLoad      = 100_000     // the most commands one "load" proposes
	MaxRTT       = 5000        // the slowest round trip "set rtt" takes, in ms
	MaxDuration  = time.Hour   // the longest "wait" or "sleep"
)

// HelpText is the text of the help command.
const HelpText = `commands (one a line; # starts a comment):
  status                   a table of every replica's own view
  status json              the same as one line of JSON
  attack FROM TO [via N|leader|old-leader] [nowait]
                           player FROM attacks TO (through replica FROM, N or the
                           leader); nowait: answer at once, not when it commits
  newgame                  rebuild every city
  crash N|leader|follower|all  stop a replica abruptly
  restart N|all            start a crashed replica (or every one) from its data
  transfer N|follower       hand leadership to a replica, without an election timeout
  add                      add a replica (non-voting until caught up, then a voter); its player joins
  remove N|leader          remove a replica for good; its player leaves (its city stays as ruins)
  isolate N|leader|follower  cut every link of a replica
  rejoin N                 undo isolate
  partition 1,2|3,4,5      split the replicas into groups
  partition leader         cut the leader and one follower off from the rest
  log N|leader|old-leader  the tail of a replica's own Raft log
  load N                   propose N commands at once through the leader
  set prevote|checkquorum on|off, set rtt MS
                           restart every replica in place with a new setting
  link A B|all [drop P] [delay D] [votes]
                           make the link A→B (or every link) lossy (P in 0..1) or
                           slow (e.g. 50ms, at most 1m); votes: only vote messages
  heal                     end isolations, partitions and link faults
  slow on|off              slow motion: every message delayed, a round trip ~200 ms
  wait leader [TIMEOUT]    until the replicas that can reach a majority agree on a leader
  wait converged [TIMEOUT] until every up replica has applied the same entries
  wait proposals [TIMEOUT] until every attack made with nowait has its answer
  sleep DURATION           e.g. 500ms, 2s
  lesson NAME|FILE         run a lesson, printing its captions
  autoplay on|off, messages on|off
                           the window's auto-play and message view (lessons)
  promote N                in a class: make non-voting seat N a voter (the teacher)
  enrolment on|off         in a class: let students join, or not (the teacher)
  end class                in a class: every seat is told, and stops (the teacher)
  start game               in a class: seats waiting for it get their cities (the teacher)
  offline N DURATION       in a class: seat N's laptop loses its network for a while: its
                           replica's links and its stream to the teacher's record
  answer N                 in a class: answer the question of the teacher's lesson (a student)
  help                     this text
  quit                     stop every replica and exit`

// Parse reads one line for a cluster of n replicas. A blank line or a
// comment gives a nil Command and no error.
func Parse(line string, n int) (Command, error) {
	if i := strings.IndexByte(line, '#'); i >= 0 {
		line = line[:i]
	}
	raw := strings.Fields(line)
	f := strings.Fields(strings.ToLower(line))
	if len(f) == 0 {
		return nil, nil
	}
	p := parser{n: n, args: f[1:]}
	switch f[0] {
	case "help":
		return Help{}, p.none()
	case "quit", "exit":
		return Quit{}, p.none()
	case "heal":
		return Heal{}, p.none()
	case "newgame":
		return NewGame{}, p.none()
	case "promote":
		r, err := p.replicaOnly("promote N")
		return Promote{Replica: r}, err
	case "enrolment", "enrollment":
		if len(p.args) != 1 || (p.args[0] != "on" && p.args[0] != "off") {
			return nil, errors.New("usage: enrolment on|off")
		}
		return Enrolment{On: p.args[0] == "on"}, nil
	case "end":
		if len(p.args) != 1 || p.args[0] != "class" {
			return nil, errors.New("usage: end class")
		}
		return EndClass{}, nil
	case "start":
		if len(p.args) != 1 || p.args[0] != "game" {
			return nil, errors.New("usage: start game")
		}
		return StartGame{}, nil
	case "answer":
		k, err := strconv.Atoi(strings.Join(p.args, " "))
		if err != nil || k < 1 || k > 10 {
			return nil, errors.New("usage: answer N (the number of your choice, as the teacher's question shows it)")
		}
		return Answer{Choice: k}, nil
	case "status":
		switch {
		case len(p.args) == 0:
			return Status{}, nil
		case len(p.args) == 1 && p.args[0] == "json":
			return Status{JSON: true}, nil
		}
		return nil, errors.New("usage: status [json]")
	case "attack":
		return p.attack()
	case "crash":
		if len(p.args) == 1 && p.args[0] == "all" {
			return Crash{Replica: Ref{Role: All}}, nil
		}
		r, err := p.ref("crash N|leader|follower|all")
		return Crash{Replica: r}, err
	case "add":
		if len(p.args) != 0 {
			return nil, errors.New("usage: add")
		}
		return Add{}, nil
	case "remove":
		r, err := p.ref("remove N|leader|follower")
		return Remove{Replica: r}, err
	case "transfer":
		r, err := p.ref("transfer N|follower")
		return Transfer{Replica: r}, err
	case "isolate":
		r, err := p.ref("isolate N|leader|follower")
		return Isolate{Replica: r}, err
	case "rejoin":
		r, err := p.ref("rejoin N|leader|follower")
		return Rejoin{Replica: r}, err
	case "log":
		r, err := p.ref("log N|leader|old-leader")
		return Log{Replica: r}, err
	case "restart":
		if len(p.args) == 1 && p.args[0] == "all" {
			return Restart{}, nil
		}
		r, err := p.replicaOnly("restart N|all")
		return Restart{Replica: r}, err
	case "load":
		if len(p.args) != 1 {
			return nil, fmt.Errorf("usage: load N (1 to %d)", MaxLoad)
		}
		v, err := strconv.Atoi(p.args[0])
		if err != nil || v < 1 || v > MaxLoad {
			return nil, fmt.Errorf("load %q: want 1 to %d", p.args[0], MaxLoad)
		}
		return Load{N: v}, nil
	case "set":
		return p.set()
	case "autoplay", "messages", "slow":
		if len(p.args) != 1 || (p.args[0] != "on" && p.args[0] != "off") {
			return nil, fmt.Errorf("usage: %s on|off", f[0])
		}
		on := p.args[0] == "on"
		switch f[0] {
		case "autoplay":
			return Autoplay{On: on}, nil
		case "slow":
			return Slow{On: on}, nil
		}
		return Messages{On: on}, nil
	case "lesson":
		if len(raw) != 2 {
			return nil, errors.New("usage: lesson NAME|FILE")
		}
		return Lesson{Name: raw[1]}, nil // file names keep their case
	case "partition":
		if len(p.args) == 1 && p.args[0] == "leader" {
			return PartitionLeader{}, nil
		}
		g, err := p.groups()
		return Partition{Groups: g}, err
	case "link":
		return p.link()
	case "wait":
		return p.wait()
	case "offline":
		if len(p.args) != 2 {
			return nil, errors.New("usage: offline N DURATION (e.g. offline 3 5s)")
		}
		r, err := p.replica(p.args[0])
		if err != nil {
			return nil, err
		}
		d, err := duration(p.args[1], MaxDuration)
		return Offline{Replica: r, For: d}, err
	case "sleep":
		if len(p.args) != 1 {
			return nil, errors.New("usage: sleep DURATION (e.g. 500ms)")
		}
		d, err := duration(p.args[0], MaxDuration)
		return Sleep{For: d}, err
	}
	return nil, fmt.Errorf("unknown command %q (try help)", f[0])
}

// parser reads a command's arguments, lower-cased.
type parser struct {
	n    int
	args []string
}

func (p parser) none() error {
	if len(p.args) > 0 {
		return fmt.Errorf("unexpected %q", strings.Join(p.args, " "))
	}
	return nil
}

func (p parser) replica(s string) (int, error) {
	v, err := strconv.Atoi(s)
	if err != nil || v < 1 || v > p.n {
		return 0, fmt.Errorf("%q is not a replica: use 1 to %d", s, p.n)
	}
	return v, nil
}

func (p parser) replicaOnly(usage string) (int, error) {
	if len(p.args) != 1 {
		return 0, errors.New("usage: " + usage)
	}
	return p.replica(p.args[0])
}

// refOf reads a replica number or a role.
func (p parser) refOf(s string) (Ref, error) {
	switch r := Role(s); r {
	case Leader, OldLeader, Follower:
		return Ref{Role: r}, nil
	}
	v, err := p.replica(s)
	return Replica(v), err
}

func (p parser) ref(usage string) (Ref, error) {
	if len(p.args) != 1 {
		return Ref{}, errors.New("usage: " + usage)
	}
	return p.refOf(p.args[0])
}

func (p parser) attack() (Command, error) {
	const usage = "usage: attack FROM TO [via N|leader|old-leader] [nowait]"
	var c Attack
	args := p.args
	if k := len(args); k > 0 && args[k-1] == "nowait" {
		c.NoWait, args = true, args[:k-1]
	}
	if len(args) != 2 && !(len(args) == 4 && args[2] == "via") {
		return nil, errors.New(usage)
	}
	var err error
	if c.From, err = p.replica(args[0]); err != nil {
		return nil, err
	}
	if c.To, err = p.replica(args[1]); err != nil {
		return nil, err
	}
	if c.From == c.To {
		return nil, errors.New("a player cannot attack itself")
	}
	c.Via = Replica(c.From)
	if len(args) == 4 {
		if c.Via, err = p.refOf(args[3]); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func (p parser) set() (Command, error) {
	const usage = "usage: set prevote on|off, set checkquorum on|off, set rtt MS"
	if len(p.args) != 2 {
		return nil, errors.New(usage)
	}
	on, onOff := p.args[1] == "on", p.args[1] == "on" || p.args[1] == "off"
	switch p.args[0] {
	case "prevote":
		if onOff {
			return SetPreVote{On: on}, nil
		}
	case "checkquorum":
		if onOff {
			return SetCheckQuorum{On: on}, nil
		}
	case "rtt":
		v, err := strconv.Atoi(strings.TrimSuffix(p.args[1], "ms"))
		if err != nil || v < 1 || v > MaxRTT {
			return nil, fmt.Errorf("rtt %q: want 1 to %d (milliseconds)", p.args[1], MaxRTT)
		}
		return SetRTT{Ms: v}, nil
	}
	return nil, errors.New(usage)
}

// groups reads "1,2|3,4,5" (spaces allowed around separators).
func (p parser) groups() ([][]int, error) {
	spec := strings.Join(p.args, "")
	if spec == "" {
		return nil, errors.New("usage: partition 1,2|3,4,5")
	}
	seen := map[int]bool{}
	var groups [][]int
	for _, g := range strings.Split(spec, "|") {
		var group []int
		for _, s := range strings.Split(g, ",") {
			r, err := p.replica(s)
			if err != nil {
				return nil, err
			}
			if seen[r] {
				return nil, fmt.Errorf("replica %d is in two groups", r)
			}
			seen[r] = true
			group = append(group, r)
		}
		groups = append(groups, group)
	}
	if len(groups) < 2 {
		return nil, errors.New("a partition needs at least two groups: 1,2|3,4,5")
	}
	return groups, nil
}

func (p parser) link() (Command, error) {
	const usage = "usage: link A B|all [drop P] [delay D] [jitter J] [votes]"
	var c Link
	args := p.args
	if k := len(args); k > 0 && args[k-1] == "votes" {
		c.Votes, args = true, args[:k-1]
	}
	first := 2 // where the settings start
	if len(args) > 0 && args[0] == "all" {
		c.All, first = true, 1
	}
	if len(args) < first || (len(args)-first)%2 != 0 {
		return nil, errors.New(usage)
	}
	var err error
	if !c.All {
		if c.From, err = p.replica(args[0]); err != nil {
			return nil, err
		}
		if c.To, err = p.replica(args[1]); err != nil {
			return nil, err
		}
		if c.From == c.To {
			return nil, errors.New("a link joins two different replicas")
		}
	}
	given := map[string]bool{}
	for i := first; i < len(args); i += 2 {
		if given[args[i]] {
			return nil, fmt.Errorf("%s is given twice", args[i])
		}
		given[args[i]] = true
		switch args[i] {
		case "drop":
			c.Drop, err = strconv.ParseFloat(args[i+1], 64)
			if err != nil || !(c.Drop >= 0 && c.Drop <= 1) {
				return nil, fmt.Errorf("drop %q must be a fraction 0..1", args[i+1])
			}
			if c.Drop == 0 {
				c.Drop = 0 // not -0
			}
		case "delay":
			if c.Delay, err = duration(args[i+1], MaxLinkDelay); err != nil {
				return nil, err
			}
		case "jitter":
			if c.Jitter, err = duration(args[i+1], MaxLinkDelay); err != nil {
				return nil, err
			}
		default:
			return nil, errors.New(usage)
		}
	}
	return c, nil
}

func (p parser) wait() (Command, error) {
	args := p.args
	if len(args) < 1 || len(args) > 2 {
		return nil, errors.New("usage: wait leader|converged|proposals [TIMEOUT]")
	}
	c := Wait{Until: Until(args[0]), Timeout: DefaultWait}
	switch c.Until {
	case UntilLeader, UntilConverged, UntilProposals:
	default:
		return nil, errors.New("usage: wait leader|converged|proposals [TIMEOUT]")
	}
	if len(args) == 2 {
		var err error
		if c.Timeout, err = duration(args[1], MaxDuration); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func duration(s string, most time.Duration) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 || d > most {
		return 0, fmt.Errorf("%q is not a duration like 500ms or 2s (at most %v)", s, most)
	}
	return d, nil
}

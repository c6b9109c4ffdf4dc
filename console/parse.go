package console

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/raftian/raftian/node/wire"
)

// Command is one parsed line of the headless language.
type Command struct {
	Name string // "status", "attack", "crash", ...
	JSON bool   // status json

	// Replica numbers, 1-based. For attack: From, To and Via; for crash,
	// restart, isolate, rejoin, log: N; for link: From, To.
	N, From, To, Via int
	// Who names a replica by what it is, resolved when the command runs:
	// "leader", "old-leader" (the leader "partition leader" cut off) or
	// "follower" (the lowest-numbered live follower). It stands for N, or
	// for Via in an attack.
	Who string

	NoWait  bool   // attack: do not wait for the outcome
	Votes   bool   // link: vote and pre-vote messages only
	Count   int    // load
	Setting string // set: "prevote", "checkquorum" or "rtt"
	On      bool   // set prevote|checkquorum

	All     bool          // restart all; link all
	Lesson  string        // lesson: a built-in name or a file
	Groups  [][]int       // partition
	Drop    float64       // link
	Delay   time.Duration // link; also sleep and wait timeouts
	Until   string        // wait: "leader" or "converged"
	Timeout time.Duration // wait
}

// DefaultWait is how long "wait" waits when no timeout is given.
const DefaultWait = 10 * time.Second

// Help is the text of the help command.
const Help = `commands (one a line; # starts a comment):
  status                   a table of every replica's own view
  status json              the same as one line of JSON
  attack FROM TO [via N|leader|old-leader] [nowait]
                           player FROM attacks TO (through replica FROM, N or the
                           leader); nowait: answer at once, not when it commits
  newgame                  rebuild every city
  crash N|leader|follower  stop a replica abruptly
  restart N|all            start a crashed replica (or every one) from its data
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
                           slow (e.g. 50ms); votes: only vote messages
  heal                     end isolations, partitions and link faults
  wait leader [TIMEOUT]    until the replicas that can reach a majority agree on a leader
  wait converged [TIMEOUT] until every up replica has applied the same entries
  wait proposals [TIMEOUT] until every attack made with nowait has its answer
  sleep DURATION           e.g. 500ms, 2s
  lesson NAME|FILE         run a lesson, printing its captions
  autoplay on|off, messages on|off
                           the window's auto-play and message view (lessons)
  help                     this text
  quit                     stop every replica and exit`

// Parse parses one line. A blank line or a comment gives a Command with an
// empty Name. n is the number of replicas, for range checks.
func Parse(line string, n int) (Command, error) {
	if i := strings.IndexByte(line, '#'); i >= 0 {
		line = line[:i]
	}
	raw := strings.Fields(line)
	f := strings.Fields(strings.ToLower(line))
	if len(f) == 0 {
		return Command{}, nil
	}
	c := Command{Name: f[0]}
	args := f[1:]
	var err error
	switch c.Name {
	case "help", "quit", "exit", "heal", "newgame":
		if c.Name == "exit" {
			c.Name = "quit"
		}
		err = noArgs(args)
	case "status":
		switch {
		case len(args) == 0:
		case len(args) == 1 && args[0] == "json":
			c.JSON = true
		default:
			err = errors.New("usage: status [json]")
		}
	case "attack":
		err = c.parseAttack(args, n)
	case "crash":
		c.N, c.Who, err = replicaOrWho(args, n, "crash N|leader|follower")
	case "log":
		c.N, c.Who, err = replicaOrWho(args, n, "log N|leader|old-leader")
	case "load":
		if len(args) != 1 {
			err = errors.New("usage: load N (1 to 100000)")
			break
		}
		c.Count, err = strconv.Atoi(args[0])
		if err != nil || c.Count < 1 || c.Count > 100_000 {
			err = fmt.Errorf("load %q: want 1 to 100000", args[0])
		}
	case "set":
		err = c.parseSet(args)
	case "autoplay", "messages":
		if len(args) != 1 || (args[0] != "on" && args[0] != "off") {
			err = fmt.Errorf("usage: %s on|off", c.Name)
			break
		}
		c.On = args[0] == "on"
	case "restart":
		if len(args) == 1 && args[0] == "all" {
			c.All = true
			break
		}
		c.N, err = oneReplica(args, n, "restart N|all")
	case "isolate", "rejoin":
		c.N, c.Who, err = replicaOrWho(args, n, c.Name+" N|leader|follower")
	case "lesson":
		if len(raw) != 2 {
			err = errors.New("usage: lesson NAME|FILE")
			break
		}
		c.Lesson = raw[1] // file names keep their case
	case "partition":
		if len(args) == 1 && args[0] == "leader" {
			c.Who = "leader" // the leader and one follower against the rest
			break
		}
		c.Groups, err = parseGroups(args, n)
	case "link":
		err = c.parseLink(args, n)
	case "wait":
		err = c.parseWait(args)
	case "sleep":
		if len(args) != 1 {
			err = errors.New("usage: sleep DURATION (e.g. 500ms)")
			break
		}
		c.Delay, err = duration(args[0])
	default:
		return Command{}, fmt.Errorf("unknown command %q (try help)", c.Name)
	}
	if err != nil {
		return Command{}, err
	}
	return c, nil
}

func noArgs(args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("unexpected %q", strings.Join(args, " "))
	}
	return nil
}

func replicaNum(s string, n int) (int, error) {
	v, err := strconv.Atoi(s)
	if err != nil || v < 1 || v > n {
		return 0, fmt.Errorf("%q is not a replica: use 1 to %d", s, n)
	}
	return v, nil
}

// replicaOrWho reads a replica number or one of the names Who allows.
func replicaOrWho(args []string, n int, usage string) (int, string, error) {
	if len(args) != 1 {
		return 0, "", errors.New("usage: " + usage)
	}
	switch args[0] {
	case "leader", "old-leader", "follower":
		return 0, args[0], nil
	}
	r, err := replicaNum(args[0], n)
	return r, "", err
}

func (c *Command) parseSet(args []string) error {
	const usage = "usage: set prevote on|off, set checkquorum on|off, set rtt MS"
	if len(args) != 2 {
		return errors.New(usage)
	}
	c.Setting = args[0]
	switch args[0] {
	case "prevote", "checkquorum":
		if args[1] != "on" && args[1] != "off" {
			return errors.New(usage)
		}
		c.On = args[1] == "on"
	case "rtt":
		v, err := strconv.Atoi(strings.TrimSuffix(args[1], "ms"))
		if err != nil || v < 1 || v > 5000 {
			return fmt.Errorf("rtt %q: want 1 to 5000 (milliseconds)", args[1])
		}
		c.Count = v
	default:
		return errors.New(usage)
	}
	return nil
}

func oneReplica(args []string, n int, usage string) (int, error) {
	if len(args) != 1 {
		return 0, errors.New("usage: " + usage)
	}
	return replicaNum(args[0], n)
}

// fromTo reads the two replica numbers that start args.
func fromTo(args []string, n int) (from, to int, err error) {
	if from, err = replicaNum(args[0], n); err != nil {
		return 0, 0, err
	}
	to, err = replicaNum(args[1], n)
	return from, to, err
}

func (c *Command) parseAttack(args []string, n int) error {
	const usage = "usage: attack FROM TO [via N|leader|old-leader] [nowait]"
	if n := len(args); n > 0 && args[n-1] == "nowait" {
		c.NoWait, args = true, args[:n-1]
	}
	if len(args) != 2 && !(len(args) == 4 && args[2] == "via") {
		return errors.New(usage)
	}
	var err error
	if c.From, c.To, err = fromTo(args, n); err != nil {
		return err
	}
	if c.From == c.To {
		return errors.New("a player cannot attack itself")
	}
	c.Via = c.From
	if len(args) == 4 {
		c.Via, c.Who, err = replicaOrWho(args[3:], n, usage)
	}
	return err
}

// parseGroups reads "1,2|3,4,5" (spaces allowed around separators).
func parseGroups(args []string, n int) ([][]int, error) {
	spec := strings.Join(args, "")
	if spec == "" {
		return nil, errors.New("usage: partition 1,2|3,4,5")
	}
	seen := map[int]bool{}
	var groups [][]int
	for _, g := range strings.Split(spec, "|") {
		var group []int
		for _, s := range strings.Split(g, ",") {
			r, err := replicaNum(s, n)
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

func (c *Command) parseLink(args []string, n int) error {
	const usage = "usage: link A B|all [drop P] [delay D] [votes]"
	if k := len(args); k > 0 && args[k-1] == "votes" {
		c.Votes, args = true, args[:k-1]
	}
	first := 2 // where the settings start
	if len(args) > 0 && args[0] == "all" {
		c.All, first = true, 1
	}
	if len(args) < first || (len(args)-first)%2 != 0 {
		return errors.New(usage)
	}
	var err error
	if !c.All {
		if c.From, c.To, err = fromTo(args, n); err != nil {
			return err
		}
		if c.From == c.To {
			return errors.New("a link joins two different replicas")
		}
	}
	given := map[string]bool{}
	for i := first; i < len(args); i += 2 {
		if given[args[i]] {
			return fmt.Errorf("%s is given twice", args[i])
		}
		given[args[i]] = true
		switch args[i] {
		case "drop":
			c.Drop, err = strconv.ParseFloat(args[i+1], 64)
			if err != nil || !(c.Drop >= 0 && c.Drop <= 1) {
				return fmt.Errorf("drop %q must be a fraction 0..1", args[i+1])
			}
			if c.Drop == 0 {
				c.Drop = 0 // not -0
			}
		case "delay":
			if c.Delay, err = durationUpTo(args[i+1], wire.MaxLinkDelay); err != nil {
				return err
			}
		default:
			return errors.New(usage)
		}
	}
	return nil
}

func (c *Command) parseWait(args []string) error {
	if len(args) < 1 || len(args) > 2 || (args[0] != "leader" && args[0] != "converged" && args[0] != "proposals") {
		return errors.New("usage: wait leader|converged|proposals [TIMEOUT]")
	}
	c.Until, c.Timeout = args[0], DefaultWait
	if len(args) == 2 {
		var err error
		c.Timeout, err = duration(args[1])
		return err
	}
	return nil
}

func duration(s string) (time.Duration, error) { return durationUpTo(s, time.Hour) }

func durationUpTo(s string, most time.Duration) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 || d > most {
		return 0, fmt.Errorf("%q is not a duration like 500ms or 2s (at most %v)", s, most)
	}
	return d, nil
}

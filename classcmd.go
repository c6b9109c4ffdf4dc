package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/raftian/raftian/class"
	"github.com/raftian/raftian/command"
	"github.com/raftian/raftian/config"
	"github.com/raftian/raftian/node"
	"github.com/raftian/raftian/record"
	"github.com/raftian/raftian/session"
	"github.com/raftian/raftian/ui"
)

// The subcommands class and join: one replica per laptop (package class).

// classFlags is "raftian class": the teacher's seat and the class port.
func classFlags(fs *flag.FlagSet) func(*cli, []string) int {
	a := seatFlags(fs)
	listen := fs.String("listen", "", "the class port, `HOST:PORT`, that students join (default: this laptop's address, port "+class.DefaultPort+"); the teacher's replica listens on the next port")
	name := fs.String("name", "Teacher", "the teacher's player `name`")
	voters := fs.Int("voters", 5, "how many seats vote, 3 to 7: the first ones; later seats join as non-voting")
	observe := fs.String("observe", "", "write the whole class's record, every seat's merged on this laptop's clock, to `file` as it is made, for raftian view")
	return func(c *cli, args []string) int {
		const title = "raftian class"
		if !c.noArgs(title, args) {
			return 2
		}
		return c.teach(*a, *listen, *name, *voters, *observe, nil)
	}
}

// joinFlags is "raftian join CODE@HOST[:PORT]": a student's seat.
func joinFlags(fs *flag.FlagSet) func(*cli, []string) int {
	a := seatFlags(fs)
	listen := fs.String("listen", "", "where this seat's replica listens, `HOST:PORT` (default: this laptop's address towards the class, port 26102)")
	name := fs.String("name", "", "the `name` you play under (up to 16 letters)")
	return func(c *cli, args []string) int {
		const title = "raftian join"
		if len(args) != 1 {
			fmt.Fprintf(c.stderr, "%s: give the class as CODE (found on this network) or CODE@HOST[:PORT], as the teacher's screen shows it\n", title)
			return 2
		}
		return c.join(*a, args[0], *listen, *name, nil)
	}
}

type seatArgs struct {
	configFile, storage, dataDir string
	headless, fresh              bool
}

func seatFlags(fs *flag.FlagSet) *seatArgs {
	a := &seatArgs{}
	fs.StringVar(&a.configFile, "config", "", "configuration `file` (see raftian config)")
	fs.StringVar(&a.storage, "storage", "", "`disk` or memory (overrides the config)")
	fs.StringVar(&a.dataDir, "data", "", "data `directory` of this seat (overrides the config)")
	fs.BoolVar(&a.headless, "headless", false, "no window: read commands from standard input (try help)")
	fs.BoolVar(&a.fresh, "fresh", false, "wipe the data directory first: a new class, or a new seat")
	return a
}

// seatConfig loads the configuration of a seat and prepares its data
// directory (by default "class" in the configured one, apart from the
// one-window cluster's); the class's files are in its "class" directory.
// Without --headless it opens the window first (unless win is one
// already), so that a missing display is said before anything starts.
func (c *cli) seatConfig(a seatArgs, title string, win *ui.Window) (config.Config, string, *ui.Window, error) {
	cfg, err := loadConfig(a.configFile, a.storage, a.dataDir)
	if err != nil {
		return cfg, "", nil, err
	}
	if a.dataDir == "" {
		cfg.DataDir = filepath.Join(cfg.DataDir, "class")
	}
	if a.fresh {
		if err := os.RemoveAll(filepath.Join(cfg.DataDir, "class")); err != nil {
			return cfg, "", nil, err
		}
		if err := node.WipeDataDir(cfg.DataDir); err != nil {
			return cfg, "", nil, err
		}
	}
	if !a.headless && win == nil {
		if win, err = ui.Open(cfg); err != nil {
			return cfg, "", nil, err
		}
	}
	setLogger(c.stderr)
	exitOnStop(cfg, c.stderr)
	return cfg, filepath.Join(cfg.DataDir, "class"), win, nil
}

// teach runs the teacher's seat: the class, its port, and seat 1; in the
// window given (the class form's), or a new one unless headless.
func (c *cli) teach(a seatArgs, listen, name string, voters int, observe string, given *ui.Window) int {
	const title = "raftian class"
	cfg, dir, win, err := c.seatConfig(a, title, given)
	if err != nil {
		return c.fail(title, err)
	}
	if win != nil && given == nil {
		defer win.Close()
	}
	if listen == "" {
		listen = net.JoinHostPort(ownAddress(""), class.DefaultPort)
	}
	raftAddr, err := nextPort(listen)
	if err != nil {
		return c.fail(title, err)
	}
	t, err := class.OpenClass(class.ClassOptions{Dir: dir, Name: name, RaftAddr: raftAddr, Voters: voters})
	if err != nil {
		return c.fail(title, err)
	}
	if t.Reopened() && cfg.Storage == config.StorageMemory {
		// Its log is gone: starting again would begin a second history
		// under the same class.
		return c.fail(title, fmt.Errorf("the class in %s ran on memory storage: its log is gone and it cannot start again; start a new class with --fresh", dir))
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return c.fail(title, fmt.Errorf("the class port %s: %w", listen, err))
	}
	cfg.Raft.RTTMillisecond = t.RTT() // the class's, not this laptop's one-window setting
	cluster, err := node.StartSeat(cfg, 1, seatsOf(t.Roster()), node.ClassOptions{Guard: t.Guard(),
		Deployment: t.Guard().Deployment(), Record: true, OnRemoved: func(id int) { t.Removed(id) }})
	if err != nil {
		ln.Close()
		return c.fail(title, err)
	}
	defer cluster.Close()
	merged, stop, err := c.mergeClass(t, cluster, observe)
	if err != nil {
		return c.fail(title, err)
	}
	defer stop()
	t.SetNetwork(func() class.Network { return networkOf(cluster) })
	if win != nil { // in the window, the game starts when the teacher says so
		t.HoldGame()
	}
	t.Serve(ln, cluster)
	announced := make(chan struct{})
	t.Announce(ln.Addr().(*net.TCPAddr).Port, announced)
	defer t.Close()
	defer close(announced)
	fmt.Fprintf(c.stdout, "join code: %s\nclass at: %s\n", t.Code(), listen)
	fmt.Fprintf(c.stderr, "%s: students join with: raftian join %s@%s --name NAME --headless\n", title, t.Code(), listen)
	ended := make(chan string, 1)
	if win != nil {
		return c.seatWindow(win, cluster, ui.RunOptions{Seat: 1, Card: []string{t.Code(), "join code · class at " + listen,
			"raftian join " + t.Code() + "@" + listen + " --name NAME", ui.HeldLine}, Class: ending{t, ended}, Record: merged}, ended)
	}
	return c.seatConsole(cluster, ended, session.Options{Class: ending{t, ended}}, nil)
}

// ending is the teacher's class as the session commands it: once the
// class has ended, the teacher's program stops too.
type ending struct {
	*class.Teacher
	ended chan<- string
}

func (e ending) End() error {
	err := e.Teacher.End()
	e.ended <- "the class has ended"
	return err
}

// join runs a student's seat; in the window given (the class form's), or
// a new one unless headless.
func (c *cli) join(a seatArgs, where, listen, name string, given *ui.Window) int {
	const title = "raftian join"
	cfg, dir, win, err := c.seatConfig(a, title, given)
	if err != nil {
		return c.fail(title, err)
	}
	if win != nil && given == nil {
		defer win.Close()
	}
	code, classAddr, err := class.ParseJoin(where)
	if err != nil {
		return c.fail(title, err)
	}
	begun := time.Now()
	var st *class.Student
	if classAddr == "" && !class.HasSeat(dir) { // CODE alone: find the class
		fmt.Fprintf(c.stderr, "%s: looking for the class on this network (%v)...\n", title, discoverFor)
		var found []class.Found
		if found, err = class.Discover(discoverFor); err == nil {
			st, err = class.JoinFound(code, found, name, dir)
		}
	} else {
		st, err = class.Join(code, classAddr, name, dir)
	}
	if err != nil {
		return c.fail(title, err)
	}
	if !st.First && cfg.Storage == config.StorageMemory {
		// A replica that forgot its log and its votes must not vote again.
		return c.fail(title, fmt.Errorf("seat %d ran on memory storage: its log is gone and it cannot come back; join again with another --data directory", st.Seat))
	}
	if listen == "" {
		listen = net.JoinHostPort(ownAddress(st.Teacher), "26102")
	}
	r, err := st.Seats()
	if err != nil {
		return c.fail(title, err)
	}
	cfg.Raft.RTTMillisecond = r.RTTMs
	seats := r.Seats
	for len(seats) < st.Seat {
		seats = append(seats, class.Entry{Seat: len(seats) + 1})
	}
	seats[st.Seat-1].Addr = listen
	cluster, err := node.StartSeat(cfg, st.Seat, seatsOf(seats), node.ClassOptions{Guard: st.Guard,
		Deployment: st.Guard.Deployment(), Record: true})
	if err != nil {
		return c.fail(title, err)
	}
	defer cluster.Close()
	stop := make(chan struct{})
	var followed sync.WaitGroup
	defer func() { close(stop); followed.Wait() }()
	followed.Add(1)
	go func() { // to the teacher's merged record, from the replica's start, and the teacher's orders back
		defer followed.Done()
		st.Stream(cluster.Recorder(), stop, class.Orders{Obey: obey(cluster), Offline: cluster.Offline, Checkpoint: cluster.CheckpointSoon})
	}()
	voter, waiting, err := st.Take(listen, cluster.Applied)
	what := "non-voting"
	if voter {
		what = "a voter"
	}
	if waiting {
		what += ", waiting for the teacher to start the game"
	}
	switch {
	case err != nil && st.First:
		return c.fail(title, err)
	case err != nil: // coming back while the teacher is away: the class plays on
		fmt.Fprintf(c.stderr, "%s: the teacher could not be asked (%v): this seat plays on as it was\n", title, err)
	default:
		fmt.Fprintf(c.stdout, "seat %d (%s): %s, caught up %v after joining\n", st.Seat, st.Name, what, time.Since(begun).Round(time.Millisecond))
	}
	gone := make(chan string, 1)
	followed.Add(1)
	go func() {
		defer followed.Done()
		st.Follow(cluster, stop, func(why string) { gone <- why })
	}()
	if win != nil {
		return c.seatWindow(win, cluster, ui.RunOptions{Seat: st.Seat, Card: []string{fmt.Sprintf("Seat %d · %s", st.Seat, st.Name),
			fmt.Sprintf("%s · class at %s", what, st.Teacher), "click a rival's city in your pane to attack"}, Relayed: relayedOf(st),
			Question: questionOf(st), Answer: st.Answer}, gone)
	}
	return c.seatConsole(cluster, gone, session.Options{Student: st}, questionOf(st))
}

// obey carries out the teacher's orders on this seat's laptop.
func obey(cluster *node.Cluster) func(string) (string, error) {
	s := session.New(cluster, session.Options{FromTeacher: true})
	return func(line string) (string, error) {
		cmd, err := command.Parse(line, record.MaxReplicas)
		if err != nil || cmd == nil {
			return "", fmt.Errorf("the teacher's order %q: %v", line, err)
		}
		r := s.Do(cmd)
		return r.Text, r.Err
	}
}

// seatWindow runs the window on a seat until it is closed, a signal, or
// the class going away (gone).
func (c *cli) seatWindow(win *ui.Window, cluster *node.Cluster, opts ui.RunOptions, gone <-chan string) int {
	stop, release := c.untilStopped(gone)
	defer release()
	opts.Stop = stop
	win.Run(cluster, opts)
	return 0
}

// seatConsole runs the headless console on a seat until quit, end of
// input, a signal, or the class going away (gone); on a student's laptop
// it says each question the teacher asks (question), which "answer N"
// answers.
func (c *cli) seatConsole(cluster *node.Cluster, gone <-chan string, opts session.Options, question func() (ui.Asked, bool)) int {
	stop, release := c.untilStopped(gone)
	defer release()
	s := session.New(cluster, opts)
	prompt := ""
	if isTerminal(c.stdin) {
		prompt = "raftian> "
	}
	if question != nil {
		quit := make(chan struct{})
		var said sync.WaitGroup
		said.Add(1)
		go func() { defer said.Done(); c.sayQuestions(question, quit) }()
		defer func() { close(quit); said.Wait() }()
	}
	return c.headless(s, "", prompt, stop)
}

// sayQuestions writes each question the teacher asks until quit.
func (c *cli) sayQuestions(question func() (ui.Asked, bool), quit <-chan struct{}) {
	var last uint64
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-quit:
			return
		case <-tick.C:
		}
		if q, ok := question(); ok && q.ID != last {
			last = q.ID
			var keys []string
			for i, ch := range q.Choices {
				keys = append(keys, fmt.Sprintf("%d: %s", i+1, ch))
			}
			fmt.Fprintf(c.stdout, "the teacher asks: %s (%s; type answer N)\n", q.Text, strings.Join(keys, " · "))
		}
	}
}

// questionOf is the teacher's open question, as this seat has it.
func questionOf(st *class.Student) func() (ui.Asked, bool) {
	return func() (ui.Asked, bool) {
		q, ok := st.Question()
		return ui.Asked{ID: q.ID, Text: q.Text, Choices: q.Choices}, ok
	}
}

// discoverFor is how long a student's laptop listens for the class's
// beacon: a few of them, one a second.
const discoverFor = 4 * time.Second

// networkOf is the class's network faults as the teacher's cluster has
// them, for the seats to follow.
func networkOf(c *node.Cluster) class.Network {
	var n class.Network
	groups := map[int][]int{}
	var order []int
	for _, st := range c.Status() {
		if st.Isolated {
			n.Isolated = append(n.Isolated, st.ID)
		}
		if _, ok := groups[st.Group]; !ok {
			order = append(order, st.Group)
		}
		groups[st.Group] = append(groups[st.Group], st.ID)
	}
	if len(order) > 1 {
		for _, g := range order {
			n.Groups = append(n.Groups, groups[g])
		}
	}
	n.SlowMs = int(c.Slow().Milliseconds())
	return n
}

// seatsOf turns the class's roster into the seats a replica knows.
func seatsOf(r []class.Entry) []node.Seat {
	out := make([]node.Seat, len(r))
	for i, e := range r {
		out[i] = node.Seat{ID: e.Seat, Name: e.Name, Addr: e.Addr, Removed: e.Removed}
	}
	return out
}

// nextPort is addr with the next port number: the teacher's replica
// listens beside the class port.
func nextPort(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("--listen %q: %v", addr, err)
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 1 || p > 65534 {
		return "", fmt.Errorf("--listen %q: a port from 1 to 65534", addr)
	}
	return net.JoinHostPort(host, strconv.Itoa(p+1)), nil
}

// ownAddress is this laptop's address on the network towards peer (any
// address on the way out when peer is ""): the one other seats reach.
func ownAddress(peer string) string {
	if peer == "" {
		peer = "192.0.2.1:9" // TEST-NET: nothing is sent, the route is looked up
	}
	c, err := net.Dial("udp", peer)
	if err != nil {
		return "127.0.0.1"
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).IP.String()
}

// validateJoin checks what the window's class form is given to join.
func validateJoin(where, name string) error {
	if _, _, err := class.ParseJoin(where); err != nil {
		return err
	}
	return class.CheckName(name)
}

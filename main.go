// Command raftian runs five real Raft replicas of a tiny strategy game in
// one process and shows every replica's own copy of the world, so a class
// can watch leaders fall, elections happen and logs catch up.
//
// main.go only wires the parts together: config → node.Cluster → the
// window (ui) or the headless console.
package main

import (
	_ "embed"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/raftian/raftian/config"
	"github.com/raftian/raftian/console"
	"github.com/raftian/raftian/lesson"
	"github.com/raftian/raftian/node"
	"github.com/raftian/raftian/session"
	"github.com/raftian/raftian/ui"
)

//go:embed config.toml
var builtinConfig []byte

func main() {
	c := &cli{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}
	os.Exit(c.run(os.Args[1:]))
}

// run runs the program on the given streams (tests call it in process).
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return (&cli{stdin: stdin, stdout: stdout, stderr: stderr}).run(args)
}

// playFlags defines raftian's own flags: the game, in the window or
// headless.
func playFlags(fs *flag.FlagSet) func(*cli, []string) int {
	configFile := configFlag(fs)
	storage := fs.String("storage", "", "`disk` or memory (overrides the config)")
	dataDir := fs.String("data", "", "data `directory` (overrides the config)")
	fresh := fs.Bool("fresh", false, "wipe the data directory first: start a new game")
	eventsFile := fs.String("events", "", "write every event as a JSON line to `file`, as it happens")
	headless := fs.Bool("headless", false, "no window: read commands from standard input (try help)")
	lessonName := fs.String("lesson", "", "play a lesson at start: a built-in `name` or a lesson file")
	journal := fs.String("journal", "", "write every command carried out to `file`, for raftian replay")
	fs.StringVar(journal, "record", "", "the old name of --journal")
	observe := fs.String("observe", "", "write everything the replicas did to `file` as it happens, for raftian view")
	return func(c *cli, args []string) int {
		if !c.noArgs("raftian", args) {
			return 2
		}
		return c.play(playArgs{*configFile, *storage, *dataDir, *fresh, *eventsFile, *headless, *lessonName,
			*journal, *observe})
	}
}

type playArgs struct {
	configFile, storage, dataDir string
	fresh                        bool
	eventsFile                   string
	headless                     bool
	lesson, journal, observe     string
}

// play wires the game together: config → node.Cluster → a session driven
// by the window (ui) or by the headless console; the files that follow the
// record (--observe, --events) and the journal of commands (--journal).
func (c *cli) play(a playArgs) int {
	fail := func(err error) int { return c.fail("raftian", err) }
	cfg, err := loadConfig(a.configFile, a.storage, a.dataDir)
	if err != nil {
		return fail(err)
	}
	if a.lesson != "" { // a mistyped lesson is said before anything starts
		if _, err := lesson.Load(a.lesson); err != nil {
			return fail(err)
		}
	}
	setLogger(c.stderr)
	exitOnStop(cfg, c.stderr)

	if a.fresh && cfg.Storage == config.StorageDisk {
		if err := node.WipeDataDir(cfg.DataDir); err != nil {
			return fail(err)
		}
	}
	// Created now: a bad path is said before anything starts.
	files, err := createAll(map[string]string{"observe": a.observe, "events": a.eventsFile, "journal": a.journal})
	if err != nil {
		return fail(err)
	}
	defer files.close()
	var journal *session.Journal
	if f := files["journal"]; f != nil {
		journal = session.NewJournal(f)
	}

	var win *ui.Window
	if !a.headless {
		// Open the window before the replicas start, so that a missing
		// display is reported at once.
		if win, err = ui.Open(cfg); err != nil {
			return fail(err)
		}
		defer win.Close()
	}
	code, choice := c.sandbox(cfg, a, win, files, journal)
	switch {
	case choice.Start: // the class form: the five replicas are closed now
		return c.teach(seatArgs{configFile: a.configFile, storage: a.storage}, "", "Teacher", 5, "", win)
	case choice.Join != "":
		return c.join(seatArgs{configFile: a.configFile, storage: a.storage}, choice.Join, "", choice.Name, win)
	}
	return code
}

// sandbox runs the five replicas in one process, in the window or
// headless, until the end; in the window, the class form may end it to
// start or join a class.
func (c *cli) sandbox(cfg config.Config, a playArgs, win *ui.Window, files files, journal *session.Journal) (int, ui.ClassChoice) {
	fail := func(err error) (int, ui.ClassChoice) { return c.fail("raftian", err), ui.ClassChoice{} }
	// The window draws from the record, lessons read it, --observe and
	// --events write it. With no lesson, the window first shows the
	// replicas' first election slowly: they start in slow motion.
	intro := win != nil && a.lesson == ""
	cluster, err := node.Start(cfg, node.Options{Record: true, StartSlow: intro})
	if err != nil {
		return fail(err)
	}
	defer cluster.Close()
	followers, err := c.follow(cluster.Recorder(), files)
	if err != nil {
		return fail(err)
	}
	defer followers.close(c, cluster)

	// Ctrl-C or a kill quits as cleanly as Esc or "quit", and within a
	// bound whatever happens.
	stop, release := c.untilStopped(nil)
	defer release()
	if win != nil {
		choice := win.Run(cluster, ui.RunOptions{Stop: stop, Lesson: a.lesson, Intro: intro, Journal: journal,
			ValidateJoin: validateJoin})
		return 0, choice
	}
	s := session.New(cluster, session.Options{Journal: journal})
	prompt := ""
	if isTerminal(c.stdin) {
		prompt = "raftian> "
	}
	fmt.Fprintf(c.stderr, "raftian: %d replicas, %s storage; type help for commands\n", cluster.Size(), cfg.Storage)
	return c.headless(s, a.lesson, prompt, stop), ui.ClassChoice{}
}

// headless plays the lesson, if any, then runs the console until quit,
// end of input or stop. The exit status is 1 if a command answered with
// an error or a failure.
func (c *cli) headless(s *session.Session, lessonName, prompt string, stop <-chan struct{}) int {
	type end struct {
		failed bool
		err    error
	}
	done := make(chan end, 1)
	go func() {
		if lessonName != "" {
			if _, err := console.RunLesson(s, lessonName, c.stdout, nil); err != nil {
				done <- end{true, err}
				return
			}
		}
		failed, err := console.Run(s, c.stdin, c.stdout, prompt)
		done <- end{failed, err}
	}()
	select {
	case e := <-done:
		if e.err != nil {
			return c.fail("raftian", e.err)
		}
		if e.failed {
			return 1
		}
	case <-stop:
	}
	return 0
}

// exitOnStop makes the program end with a message instead of a stack
// trace when dragonboat stops on a full disk or damaged data.
func exitOnStop(cfg config.Config, stderr io.Writer) {
	dir := cfg.DataDir
	if cfg.Storage == config.StorageMemory {
		dir = os.TempDir()
	}
	node.OnStop(func(s node.Stop) {
		path, err := node.WriteCrashFile(dir, s)
		if err != nil { // a full disk, most likely
			path, err = node.WriteCrashFile(os.TempDir(), s)
		}
		if err != nil {
			path = fmt.Sprintf("(none: %v)", err)
		}
		fmt.Fprintf(stderr, "raftian: stopped: %v\nThe details are in %s\n", s, path)
		os.Exit(3)
	})
}

// untilStopped returns a channel closed on Ctrl-C or a kill (which then
// end the program within a bound whatever happens: exitAfterSignal) or,
// in a class, when the class goes away (gone says why, and it is
// printed). release stops listening.
func (c *cli) untilStopped(gone <-chan string) (stop <-chan struct{}, release func()) {
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	done, stopped := make(chan struct{}), make(chan struct{})
	sig := exitAfterSignal(signals, done, c.stderr)
	go func() {
		select {
		case <-sig:
		case why := <-gone:
			fmt.Fprintf(c.stdout, "class: %s\n", why)
		case <-done:
			return
		}
		close(stopped)
	}()
	return stopped, func() { close(done); signal.Stop(signals) }
}

// exitAfterSignal passes the first signal on and, should the program not
// have ended (done) 10 s later, ends it.
func exitAfterSignal(sig <-chan os.Signal, done <-chan struct{}, stderr io.Writer) <-chan os.Signal {
	out := make(chan os.Signal, 1)
	go func() {
		select {
		case s := <-sig:
			out <- s
		case <-done:
			return
		}
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			fmt.Fprintln(stderr, "raftian: did not stop within 10 s of the signal: exiting")
			os.Exit(1)
		}
	}()
	return out
}

// setLogger sends warnings and errors, ours and the libraries', to w.
func setLogger(w io.Writer) {
	logger := slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn}))
	slog.SetDefault(logger) // also quiets the standard log package that storage uses
	node.SetLogger(logger)
}

// Command raftian runs five real Raft replicas of a tiny strategy game in
// one process and shows every replica's own copy of the world, so a class
// can watch leaders fall, elections happen and logs catch up.
//
// main.go only wires the parts together: config → node.Cluster → the
// window (ui) or the headless console.
package main

import (
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/raftian/raftian/config"
	"github.com/raftian/raftian/console"
	"github.com/raftian/raftian/internal/bounded"
	"github.com/raftian/raftian/node"
	"github.com/raftian/raftian/ui"
)

//go:embed config.toml
var builtinConfig []byte

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run is the whole program; it returns the exit status. Every error a
// user can cause is printed as one plain message, never as a stack trace.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "chaos" {
		return runChaos(args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "bench" {
		return runBench(args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "replay" {
		return runReplay(args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "timeline" {
		return runTimeline(args[1:], stdout, stderr)
	}
	flags := flag.NewFlagSet("raftian", flag.ContinueOnError)
	flags.SetOutput(stderr)
	configFile := flags.String("config", "", "configuration `file` (default: the built-in config.toml)")
	storage := flags.String("storage", "", "`disk` or memory (overrides the config)")
	dataDir := flags.String("data", "", "data `directory` (overrides the config)")
	fresh := flags.Bool("fresh", false, "wipe the data directory first: start a new game")
	eventsFile := flags.String("events", "", "write every event as a JSON line to `file`")
	headless := flags.Bool("headless", false, "no window: read commands from standard input (try help)")
	lessonName := flags.String("lesson", "", "play a lesson at start: a built-in `name` or a lesson file")
	recordFile := flags.String("record", "", "record every input to `file` as JSON lines, for raftian replay")
	if err := flags.Parse(args); err != nil {
		return 2
	}
	if flags.NArg() > 0 {
		fmt.Fprintf(stderr, "raftian: unexpected argument %q (see raftian -h)\n", flags.Arg(0))
		return 2
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "raftian: %v\n", err)
		return 1
	}

	cfg, err := loadConfig(*configFile, *storage, *dataDir)
	if err != nil {
		return fail(err)
	}
	setLogger(stderr)
	exitOnStop(cfg, stderr)

	if *fresh && cfg.Storage == config.StorageDisk {
		if err := node.WipeDataDir(cfg.DataDir); err != nil {
			return fail(err)
		}
	}
	opts := node.Options{}
	if *eventsFile != "" {
		f, err := os.Create(*eventsFile)
		if err != nil {
			return fail(fmt.Errorf("events file: %w", err))
		}
		defer f.Close()
		opts.Events = f
	}

	var rec *console.Recorder
	if *recordFile != "" {
		f, err := os.Create(*recordFile)
		if err != nil {
			return fail(fmt.Errorf("record file: %w", err))
		}
		defer f.Close()
		rec = console.NewRecorder(f)
	}

	var win *ui.Window
	if !*headless {
		// Open the window before the replicas start, so that a missing
		// display is reported at once.
		if win, err = ui.Open(cfg); err != nil {
			return fail(err)
		}
		defer win.Close()
	}
	cluster, err := node.Start(cfg, opts)
	if err != nil {
		return fail(err)
	}
	defer cluster.Close()

	// Ctrl-C or a kill quits as cleanly as Esc or "quit", and within a
	// bound whatever happens.
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(signals)
	done := make(chan struct{})
	defer close(done)
	sig := exitAfterSignal(signals, done, stderr)
	if win != nil {
		win.Run(cluster, sig, *lessonName, rec)
		return 0
	}
	if *lessonName != "" {
		stdin = io.MultiReader(strings.NewReader("lesson "+*lessonName+"\n"), stdin)
	}
	fmt.Fprintf(stderr, "raftian: %d replicas, %s storage; type help for commands\n", cluster.Size(), cfg.Storage)
	return runHeadless(cluster, stdin, stdout, stderr, sig, rec)
}

// runHeadless runs the console until quit, end of input or a signal.
func runHeadless(c *node.Cluster, stdin io.Reader, stdout, stderr io.Writer, sig <-chan os.Signal, rec *console.Recorder) int {
	done := make(chan error, 1)
	go func() { done <- console.Run(c, stdin, stdout, rec) }()
	select {
	case err := <-done:
		if err != nil {
			fmt.Fprintf(stderr, "raftian: reading commands: %v\n", err)
			return 1
		}
	case <-sig:
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

func loadConfig(file, storage, dataDir string) (config.Config, error) {
	var override []byte
	if file != "" {
		b, err := bounded.ReadFile(file, config.MaxFileSize)
		if err != nil {
			return config.Config{}, fmt.Errorf("cannot read the configuration: %w", err)
		}
		override = b
	}
	cfg, err := config.Parse(builtinConfig, override, file)
	if err != nil {
		return config.Config{}, err
	}
	switch storage {
	case "":
	case config.StorageDisk, config.StorageMemory:
		cfg.Storage = storage
	default:
		return config.Config{}, errors.New(`--storage must be "disk" or "memory"`)
	}
	if dataDir != "" {
		cfg.DataDir = dataDir
	}
	return cfg, nil
}

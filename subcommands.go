package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/raftian/raftian/bench"
	"github.com/raftian/raftian/chaos"
	"github.com/raftian/raftian/config"
	"github.com/raftian/raftian/console"
	"github.com/raftian/raftian/internal/jsonl"
	"github.com/raftian/raftian/lesson"
	"github.com/raftian/raftian/node"
	"github.com/raftian/raftian/record"
	"github.com/raftian/raftian/rewind"
	"github.com/raftian/raftian/session"
	"github.com/raftian/raftian/timeline"
	"github.com/raftian/raftian/ui"
)

// The subcommands chaos, bench, replay and timeline: each parses its
// flags and hands the work to its package.

// chaosFlags is "raftian chaos": a fault-injection run with checks at the
// end. Exit status 0: every check passed; 1: a check failed; 2: it could
// not run.
func chaosFlags(fs *flag.FlagSet) func(*cli, []string) int {
	seed := fs.Uint64("seed", 0, "random `seed` of the faults and clients (default: a new one, printed)")
	duration := fs.Duration("duration", 30*time.Second, "how long to inject faults")
	storage := fs.String("storage", config.StorageMemory, "`disk` or memory")
	pipeline := fs.Int("pipeline", 0, "proposals each client keeps in flight (default 4)")
	observe := fs.String("observe", "", "write the run's record to `file`, for raftian view (a failed run writes one anyway)")
	configFile := configFlag(fs)
	return func(c *cli, args []string) int {
		const name = "raftian chaos"
		if !c.noArgs(name, args) {
			return 2
		}
		cfg, err := loadConfig(*configFile, *storage, "")
		if err == nil && (*duration < time.Second || *duration > 24*time.Hour) {
			err = errors.New("--duration must be between 1s and 24h")
		}
		if err != nil {
			c.fail(name, err)
			return 2
		}
		if *seed == 0 {
			*seed = rand.Uint64()
		}
		setLogger(c.stderr)
		res, err := chaos.Run(cfg, chaos.Options{Seed: *seed, Duration: *duration, Out: c.stdout,
			Pipeline: *pipeline, Progress: c.stderr, Observe: *observe})
		if err != nil {
			c.fail(name, err)
		}
		return chaosStatus(res, err)
	}
}

// chaosStatus is chaos's exit status: 0 when every check passed, 1 when
// one failed, 2 when the run could not happen.
func chaosStatus(res chaos.Result, err error) int {
	switch {
	case err != nil:
		return 2
	case len(res.Failed) > 0:
		return 1
	}
	return 0
}

// replayFlags is "raftian replay FILE": the recorded commands again, on a
// fresh cluster with memory storage.
func replayFlags(fs *flag.FlagSet) func(*cli, []string) int {
	configFile := configFlag(fs)
	eventsFile := fs.String("events", "", "write the replay's events as JSON lines to `file`")
	return func(c *cli, args []string) int {
		const name = "raftian replay"
		if len(args) != 1 {
			fmt.Fprintf(c.stderr, "%s: want one recording (see %s -h)\n", name, name)
			return 2
		}
		f, err := os.Open(args[0])
		if err != nil {
			return c.fail(name, err)
		}
		inputs, err := session.ReadJournal(f)
		f.Close()
		if err != nil {
			return c.fail(name, fmt.Errorf("%s: %w", args[0], err))
		}
		cfg, err := loadConfig(*configFile, config.StorageMemory, "")
		if err != nil {
			return c.fail(name, err)
		}
		setLogger(c.stderr)
		files, err := createAll(map[string]string{"events": *eventsFile})
		if err != nil {
			return c.fail(name, err)
		}
		defer files.close()
		cl, err := node.Start(cfg, node.Options{Record: true})
		if err != nil {
			return c.fail(name, err)
		}
		defer cl.Close()
		followers, err := c.follow(cl.Recorder(), files)
		if err != nil {
			return c.fail(name, err)
		}
		defer followers.close(c, cl)
		console.Replay(session.New(cl, session.Options{}), inputs, c.stdout)
		return 0
	}
}

// viewFlags is "raftian view RECORD": a record in the window, paused at
// its beginning (or at --at), with no cluster.
func viewFlags(fs *flag.FlagSet) func(*cli, []string) int {
	at := fs.Float64("at", 0, "open at this `second` of the record (as the window shows it)")
	configFile := configFlag(fs)
	return func(c *cli, args []string) int {
		const name = "raftian view"
		if len(args) != 1 {
			fmt.Fprintf(c.stderr, "%s: want one record file (see %s -h)\n", name, name)
			return 2
		}
		cfg, err := loadConfig(*configFile, "", "")
		if err != nil {
			return c.fail(name, err)
		}
		log, err := record.ReadLogFile(args[0])
		if err != nil {
			return c.fail(name, err)
		}
		if log.Cut() {
			fmt.Fprintf(c.stderr, "%s: %s was cut at %.1f s (the program writing it stopped before it finished): it shows everything up to there\n",
				name, args[0], float64(log.Last())/1e6)
		}
		win, err := ui.Open(cfg)
		if err != nil {
			return c.fail(name, err)
		}
		defer win.Close()
		signals := make(chan os.Signal, 1)
		signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
		defer signal.Stop(signals)
		stop, done := make(chan struct{}), make(chan struct{})
		defer close(done)
		go func() {
			select {
			case <-signals:
				close(stop)
			case <-done:
			}
		}()
		win.View(log, ui.ViewOptions{At: int64(*at * 1e6), Stop: stop})
		return 0
	}
}

// timelineFlags is "raftian timeline FILE": a run's role and term lanes
// and fault markers as a picture, from its record (--observe, Ctrl S) or
// its events file (--events).
func timelineFlags(fs *flag.FlagSet) func(*cli, []string) int {
	out := fs.String("out", "timeline.svg", "the SVG `file` to write; - for standard output")
	configFile := configFlag(fs)
	return func(c *cli, args []string) int {
		const name = "raftian timeline"
		if len(args) != 1 {
			fmt.Fprintf(c.stderr, "%s: want one record or events file (see %s -h)\n", name, name)
			return 2
		}
		cfg, err := loadConfig(*configFile, "", "")
		if err != nil {
			return c.fail(name, err)
		}
		m, names, err := timelineOf(args[0], cfg)
		if err != nil {
			return c.fail(name, err)
		}
		var w io.Writer = c.stdout
		if *out != "-" {
			f, err := os.Create(*out)
			if err != nil {
				return c.fail(name, err)
			}
			defer f.Close()
			w = f
		}
		if err := timeline.SVG(w, m, names); err != nil {
			return c.fail(name, err)
		}
		if *out != "-" {
			fmt.Fprintf(c.stdout, "timeline written to %s\n", *out)
		}
		return 0
	}
}

// timelineOf is the replay model of a record file, or of an events file
// (whose players are the configuration's), and the players' names.
func timelineOf(path string, cfg config.Config) (*rewind.Model, []string, error) {
	if log, err := record.ReadLogFile(path); err == nil {
		m := rewind.New(log)
		m.Update()
		var names []string
		for _, p := range m.Head().Players {
			names = append(names, p.Name)
		}
		return m, names, nil
	} else if !errors.Is(err, record.ErrNotRecord) {
		return nil, nil, err
	}
	in, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer in.Close()
	evs, err := jsonl.Read(in, record.CheckEvent)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: neither a record nor an events file: %w", path, err)
	}
	h := record.Header{RTTMs: cfg.Raft.RTTMillisecond, ElectionRTT: cfg.Raft.ElectionRTT}
	var names []string
	for _, p := range cfg.Players {
		h.Players = append(h.Players, record.Player{Name: p.Name, Color: p.Color})
		names = append(names, p.Name)
	}
	return timeline.FromEvents(h, evs), names, nil
}

// benchFlags is "raftian bench": the benchmark table on stdout, progress
// on stderr. Frame times are measured only when a window can open.
func benchFlags(fs *flag.FlagSet) func(*cli, []string) int {
	quick := fs.Bool("quick", false, "small samples: under a minute")
	jsonFile := fs.String("json", "", "also write the rows as JSON to `file`")
	configFile := configFlag(fs)
	return func(c *cli, args []string) int {
		const name = "raftian bench"
		if !c.noArgs(name, args) {
			return 2
		}
		cfg, err := loadConfig(*configFile, "", "")
		if err != nil {
			return c.fail(name, err)
		}
		setLogger(c.stderr)
		exe, _ := os.Executable()
		opts := bench.Options{Quick: *quick, Exe: exe, Config: *configFile, Log: c.stderr}
		if win, err := ui.Open(cfg); err == nil {
			defer win.Close()
			opts.Window = func(cl *node.Cluster, stop <-chan struct{}, busy bool, onFrame func(frame, build time.Duration)) {
				win.Run(cl, ui.RunOptions{Stop: stop, Auto: busy, OnFrame: onFrame})
			}
			opts.Replay = func(log *record.Log, at int64, stop <-chan struct{}, onFrame func(frame, build time.Duration)) {
				win.View(log, ui.ViewOptions{At: at, Speed: ui.SpeedIndex(100), Stop: stop, OnFrame: onFrame})
			}
		}
		rows, err := bench.Run(cfg, opts)
		fmt.Fprintf(c.stdout, "machine: %s\n\n%s", bench.Machine(), bench.Table(rows))
		if err != nil {
			return c.fail(name, err)
		}
		if *jsonFile != "" {
			if err := bench.WriteJSON(*jsonFile, rows); err != nil {
				return c.fail(name, err)
			}
		}
		return 0
	}
}

// lessonFlags is "raftian lesson check FILE|all [--runs N]": exit 0 if
// the lesson is good (every mistake is said with its line); with --runs,
// it plays the lesson N times headless on fresh clusters and says, for
// each step, in how many runs its moment came and its claim held there,
// exiting 0 only if every step held in every run.
func lessonFlags(fs *flag.FlagSet) func(*cli, []string) int {
	runs := fs.Int("runs", 0, "play each lesson `N` times on a real cluster and check every step's moment")
	configFile := configFlag(fs)
	return func(c *cli, args []string) int {
		const name = "raftian lesson"
		if len(args) != 2 || args[0] != "check" {
			fmt.Fprintf(c.stderr, "%s: usage: raftian lesson check FILE|all [--runs N]\n", name)
			return 2
		}
		names := []string{args[1]}
		if args[1] == "all" {
			names = lesson.Names()
		}
		var lessons []lesson.Lesson
		for _, n := range names {
			l, err := lesson.Load(n)
			if err != nil {
				return c.fail(name, err)
			}
			asks := 0
			for _, s := range l.Steps {
				if s.Ask != nil {
					asks++
				}
			}
			fmt.Fprintf(c.stdout, "%s: good: %q, %d steps, %d with a question\n", n, l.Title, len(l.Steps), asks)
			lessons = append(lessons, l)
		}
		if *runs <= 0 {
			return 0
		}
		cfg, err := loadConfig(*configFile, config.StorageMemory, "")
		if err != nil {
			return c.fail(name, err)
		}
		setLogger(c.stderr)
		ok := true
		for i, l := range lessons {
			if l.Class {
				fmt.Fprintf(c.stdout, "%s: written for a class of laptops: --runs plays on one; play it on a class's projector\n", names[i])
				continue
			}
			held, err := checkLesson(cfg, names[i], *runs, c.stderr)
			if err != nil {
				return c.fail(name, err)
			}
			for k, s := range l.Steps {
				moment := s.Moment
				if moment == "" {
					moment = "live"
				}
				fmt.Fprintf(c.stdout, "%s step %d (%s): held in %d of %d runs\n", names[i], k+1, moment, held[k], *runs)
				ok = ok && held[k] == *runs
			}
		}
		if !ok {
			return 1
		}
		return 0
	}
}

// checkLesson plays a lesson runs times, each on a fresh in-memory
// cluster, and counts for each step the runs in which its moment came and
// held; why one did not goes to log.
func checkLesson(cfg config.Config, name string, runs int, log io.Writer) ([]int, error) {
	var held []int
	for run := 1; run <= runs; run++ {
		cl, err := node.Start(cfg, node.Options{Record: true})
		if err != nil {
			return nil, err
		}
		start := time.Now()
		var said bytes.Buffer // what the lesson did, shown when a step missed
		shots, err := console.RunLesson(session.New(cl, session.Options{}), name, &said, nil)
		cl.Close()
		if err != nil {
			return nil, err
		}
		if held == nil {
			held = make([]int, len(shots))
		}
		missed := false
		for k, sh := range shots {
			if sh.Held {
				held[k]++
			} else {
				fmt.Fprintf(log, "%s run %d step %d: %s\n", name, run, sh.Step, sh.Why)
				missed = true
			}
		}
		if missed {
			fmt.Fprintf(log, "%s run %d, what the lesson did:\n%s", name, run, said.Bytes())
		}
		fmt.Fprintf(log, "%s run %d of %d: %v\n", name, run, runs, time.Since(start).Round(time.Millisecond))
	}
	return held, nil
}

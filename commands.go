package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/raftian/raftian/bench"
	"github.com/raftian/raftian/chaos"
	"github.com/raftian/raftian/config"
	"github.com/raftian/raftian/console"
	"github.com/raftian/raftian/node"
	"github.com/raftian/raftian/timeline"
	"github.com/raftian/raftian/ui"
)

// The subcommands: raftian chaos, bench, replay and timeline. Each parses
// its flags and hands the work to its package.

// runChaos is "raftian chaos": a fault-injection run with checks at the
// end; the exit status is 0 only if every check passed.
func runChaos(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("raftian chaos", flag.ContinueOnError)
	flags.SetOutput(stderr)
	seed := flags.Uint64("seed", uint64(time.Now().UnixNano()), "random `seed` of the fault schedule")
	duration := flags.Duration("duration", 30*time.Second, "how long to inject faults")
	storage := flags.String("storage", config.StorageMemory, "`disk` or memory")
	configFile := flags.String("config", "", "configuration `file` (ports, Raft timing)")
	pipeline := flags.Int("pipeline", 0, "proposals each client keeps in flight (default 4)")
	if err := flags.Parse(args); err != nil {
		return 2
	}
	cfg, err := loadConfig(*configFile, *storage, "")
	if err == nil && (*duration <= 0 || *duration > 24*time.Hour) {
		err = errors.New("--duration must be between 1s and 24h")
	}
	if err != nil {
		fmt.Fprintf(stderr, "raftian chaos: %v\n", err)
		return 1
	}
	setLogger(stderr)
	res, err := chaos.Run(cfg, chaos.Options{Seed: *seed, Duration: *duration, Out: stdout, Pipeline: *pipeline})
	if err != nil {
		fmt.Fprintf(stderr, "raftian chaos: %v\n", err)
		return 1
	}
	if len(res.Failed) > 0 {
		return 1
	}
	return 0
}

// runReplay is "raftian replay FILE": the recorded inputs again, on a
// fresh cluster with memory storage.
func runReplay(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("raftian replay", flag.ContinueOnError)
	flags.SetOutput(stderr)
	configFile := flags.String("config", "", "configuration `file` (ports, Raft timing)")
	eventsFile := flags.String("events", "", "write the replay's events as JSON lines to `file`")
	if err := flags.Parse(args); err != nil {
		return 2
	}
	if flags.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: raftian replay [--config FILE] [--events FILE] RECORDING")
		return 2
	}
	if err := replay(flags.Arg(0), *configFile, *eventsFile, stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "raftian replay: %v\n", err)
		return 1
	}
	return 0
}

func replay(file, configFile, eventsFile string, stdout, stderr io.Writer) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	inputs, err := console.ReadInputs(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	cfg, err := loadConfig(configFile, config.StorageMemory, "")
	if err != nil {
		return err
	}
	setLogger(stderr)
	opts := node.Options{}
	if eventsFile != "" {
		ev, err := os.Create(eventsFile)
		if err != nil {
			return err
		}
		defer ev.Close()
		opts.Events = ev
	}
	c, err := node.Start(cfg, opts)
	if err != nil {
		return err
	}
	defer c.Close()
	console.Replay(c, inputs, stdout)
	return nil
}

// runTimeline is "raftian timeline EVENTS.jsonl --out FILE.svg": a run's
// role and term lanes and fault markers as a picture.
func runTimeline(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("raftian timeline", flag.ContinueOnError)
	flags.SetOutput(stderr)
	out := flags.String("out", "timeline.svg", "the SVG `file` to write")
	configFile := flags.String("config", "", "configuration `file` (players' names)")
	// The events file may come before the flags, as in the usage line.
	var file string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		file, args = args[0], args[1:]
	}
	if err := flags.Parse(args); err != nil {
		return 2
	}
	if file == "" && flags.NArg() == 1 {
		file = flags.Arg(0)
	} else if file == "" || flags.NArg() != 0 {
		fmt.Fprintln(stderr, "usage: raftian timeline EVENTS.jsonl [--out FILE.svg] [--config FILE]")
		return 2
	}
	err := func() error {
		cfg, err := loadConfig(*configFile, "", "")
		if err != nil {
			return err
		}
		in, err := os.Open(file)
		if err != nil {
			return err
		}
		evs, err := node.ReadEvents(in)
		in.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
		names := make([]string, len(cfg.Players))
		for i, p := range cfg.Players {
			names[i] = p.Name
		}
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		if err := timeline.SVG(f, timeline.FromEvents(len(names), evs), names); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}()
	if err != nil {
		fmt.Fprintf(stderr, "raftian timeline: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "timeline written to %s\n", *out)
	return 0
}

// runBench is "raftian bench": the benchmark table on stdout, progress on
// stderr. Frame times are measured only when a window can open.
func runBench(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("raftian bench", flag.ContinueOnError)
	flags.SetOutput(stderr)
	quick := flags.Bool("quick", false, "small samples: under a minute")
	jsonFile := flags.String("json", "", "also write the rows as JSON to `file`")
	configFile := flags.String("config", "", "configuration `file` (ports, Raft timing)")
	if err := flags.Parse(args); err != nil {
		return 2
	}
	cfg, err := loadConfig(*configFile, "", "")
	if err != nil {
		fmt.Fprintf(stderr, "raftian bench: %v\n", err)
		return 1
	}
	setLogger(stderr)
	exe, _ := os.Executable()
	opts := bench.Options{Quick: *quick, Exe: exe, Config: *configFile, Log: stderr}
	if win, err := ui.Open(cfg); err == nil {
		defer win.Close()
		opts.Window = win
	}
	rows, err := bench.Run(cfg, opts)
	fmt.Fprintf(stdout, "machine: %s\n\n%s", bench.Machine(), bench.Table(rows))
	if err != nil {
		fmt.Fprintf(stderr, "raftian bench: %v\n", err)
		return 1
	}
	if *jsonFile != "" {
		if err := bench.WriteJSON(*jsonFile, rows); err != nil {
			fmt.Fprintf(stderr, "raftian bench: %v\n", err)
			return 1
		}
	}
	return 0
}

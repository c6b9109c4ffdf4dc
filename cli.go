package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/raftian/raftian/config"
	"github.com/raftian/raftian/internal/bounded"
	"github.com/raftian/raftian/record"
)

// The command line: raftian [flags] plays (the window, or --headless);
// raftian SUBCOMMAND [flags] [args] does the rest. Flags may come before or
// after positional arguments; -h and help print usage on stdout and exit 0;
// mistakes print one line on stderr and exit 2.

// subcommand is one of raftian's subcommands.
type subcommand struct {
	name    string
	args    string // positional arguments, for the usage line
	summary string
	flags   func(fs *flag.FlagSet) func(c *cli, args []string) int
}

// cli is one run of the program: its standard streams.
type cli struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

func subcommands() []subcommand {
	return []subcommand{
		{"", "", "open the window: five replicas elect a leader (--headless: commands on standard input)", playFlags},
		{"class", "", "start a class: this laptop is the teacher's seat, and students join with the code it shows", classFlags},
		{"join", "CODE[@HOST[:PORT]]", "join a class: this laptop becomes a seat, a replica of the class's cluster", joinFlags},
		{"chaos", "", "inject faults into the real cluster while clients attack, then check everything", chaosFlags},
		{"bench", "", "measure latency, throughput, failover, memory and frame times", benchFlags},
		{"replay", "JOURNAL", "carry out a --journal file again, on a fresh in-memory cluster", replayFlags},
		{"view", "RECORD", "watch an --observe or Ctrl+S record in the window, step by step, with no cluster", viewFlags},
		{"timeline", "FILE", "draw a record or an --events file as an SVG picture of roles, terms and faults", timelineFlags},
		{"lesson", "check FILE|all", "check a lesson file (docs/lessons.md): every mistake with its line; with --runs N, play it N times and check every step's moment", lessonFlags},
		{"config", "", "print the built-in config.toml (or check a file with --check FILE)", configFlags},
		{"version", "", "print the version, commit and Go version", noFlags(runVersion)},
		{"help", "[SUBCOMMAND]", "this text, or a subcommand's", noFlags(nil)},
	}
}

// run is the whole program; it returns the exit status. Every error a
// user can cause is printed as one plain message, never as a stack trace.
func (c *cli) run(args []string) int {
	all := subcommands()
	sub := all[0]
	if len(args) > 0 {
		switch args[0] {
		case "help":
			return c.help(args[1:])
		case "-h", "-help", "--help":
			c.usage(all[0], nil)
			return 0
		}
		for _, s := range all[1:] {
			if args[0] == s.name {
				sub, args = s, args[1:]
				break
			}
		}
	}
	fs := flag.NewFlagSet(sub.title(), flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors and usage are written here, to the right stream
	do := sub.flags(fs)
	positional, err := parseInterspersed(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		c.usage(sub, fs)
		return 0
	}
	if err != nil {
		fmt.Fprintf(c.stderr, "%s: %v (see %s -h)\n", sub.title(), err, sub.title())
		return 2
	}
	return do(c, positional)
}

func (s subcommand) title() string { return strings.TrimSpace("raftian " + s.name) }

// parseInterspersed parses flags wherever they are among args and returns
// the positional arguments. A lone "--" ends the flags.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		if len(args) > 0 && len(rest) < len(args) && args[len(args)-len(rest)-1] == "--" {
			return append(positional, rest...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// help prints the usage of the program or of one subcommand.
func (c *cli) help(args []string) int {
	all := subcommands()
	if len(args) == 0 {
		c.usage(all[0], nil)
		return 0
	}
	for _, s := range all[1:] {
		if s.name == args[0] {
			fs := flag.NewFlagSet(s.title(), flag.ContinueOnError)
			s.flags(fs)
			c.usage(s, fs)
			return 0
		}
	}
	fmt.Fprintf(c.stderr, "raftian help: no subcommand %q (see raftian help)\n", args[0])
	return 2
}

// usage prints a subcommand's usage; for the program itself, the list of
// subcommands too.
func (c *cli) usage(s subcommand, fs *flag.FlagSet) {
	w := c.stdout
	all := subcommands()
	if fs == nil && s.name == "" {
		fs = flag.NewFlagSet("raftian", flag.ContinueOnError)
		s.flags(fs)
	}
	line := s.title() + " [flags]"
	if s.args != "" {
		line += " " + s.args
	}
	fmt.Fprintf(w, "usage: %s\n\n%s.\n", line, capitalize(s.summary))
	if s.name == "" {
		fmt.Fprintf(w, "\nsubcommands:\n")
		for _, sub := range all[1:] {
			fmt.Fprintf(w, "  %-22s %s\n", strings.TrimSpace(sub.name+" "+sub.args), sub.summary)
		}
		fmt.Fprintf(w, "\nraftian SUBCOMMAND -h shows its flags. Headless, type help for the commands.\n")
	}
	var flags bytes.Buffer
	fs.SetOutput(&flags)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
	if flags.Len() > 0 {
		// The flag package writes -name; people type --name, which it takes too.
		text := strings.ReplaceAll("\n"+flags.String(), "\n  -", "\n  --")
		fmt.Fprintf(w, "\nflags (before or after the arguments):%s", text)
	}
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func noFlags(run func(c *cli, args []string) int) func(*flag.FlagSet) func(*cli, []string) int {
	return func(*flag.FlagSet) func(*cli, []string) int { return run }
}

// configFlag defines --config, which most subcommands take.
func configFlag(fs *flag.FlagSet) *string {
	return fs.String("config", "", "configuration `file`; it only needs the keys it changes (see raftian config)")
}

// noArgs refuses positional arguments a subcommand does not take.
func (c *cli) noArgs(name string, args []string) bool {
	if len(args) > 0 {
		fmt.Fprintf(c.stderr, "%s: unexpected argument %q (see %s -h)\n", name, args[0], name)
		return false
	}
	return true
}

// fail prints an error the user can act on and returns status 1.
func (c *cli) fail(name string, err error) int {
	fmt.Fprintf(c.stderr, "%s: %v\n", name, err)
	return 1
}

func runVersion(c *cli, args []string) int {
	if !c.noArgs("raftian version", args) {
		return 2
	}
	version, commit, when, dirty := "(devel)", "unknown", "", ""
	info, ok := debug.ReadBuildInfo()
	if ok {
		if info.Main.Version != "" {
			version = info.Main.Version
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				commit = s.Value
			case "vcs.time":
				when = " " + s.Value
			case "vcs.modified":
				if s.Value == "true" {
					dirty = " (modified)"
				}
			}
		}
	}
	goVersion := "unknown"
	if ok {
		goVersion = info.GoVersion
	}
	fmt.Fprintf(c.stdout, "raftian %s\ncommit %s%s%s\n%s\n", version, commit, when, dirty, goVersion)
	return 0
}

func configFlags(fs *flag.FlagSet) func(*cli, []string) int {
	check := fs.String("check", "", "check a configuration `file` instead: exit 0 if it is good, 1 if not")
	return func(c *cli, args []string) int {
		if !c.noArgs("raftian config", args) {
			return 2
		}
		if *check == "" {
			c.stdout.Write(builtinConfig)
			return 0
		}
		if _, err := loadConfig(*check, "", ""); err != nil {
			return c.fail("raftian config", err)
		}
		fmt.Fprintf(c.stdout, "%s: good\n", *check)
		return 0
	}
}

// loadConfig reads the built-in configuration and the user's file over
// it, then the command line's overrides.
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

// isTerminal reports whether f is a character device: a person typing.
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// files are the files a run writes, by flag; a flag not given has none.
type files map[string]*os.File

// createAll creates the file each flag names ("" for none).
func createAll(paths map[string]string) (files, error) {
	out := files{}
	for flag, path := range paths {
		if path == "" {
			continue
		}
		f, err := os.Create(path)
		if err != nil {
			out.close()
			return nil, fmt.Errorf("%s file: %w", flag, err)
		}
		out[flag] = f
	}
	return out, nil
}

func (fs files) close() {
	for _, f := range fs {
		f.Close()
	}
}

// followers write files that follow the record as it is made: --observe
// (the record itself) and --events (the events it tells).
type followers struct {
	observe *record.Stream
	events  *record.EventStream
	paths   map[string]string
}

// follow starts writing the record to the --observe and --events files.
func (c *cli) follow(rec *record.Recorder, fs files) (*followers, error) {
	f := &followers{paths: map[string]string{}}
	if obs := fs["observe"]; obs != nil {
		// Synced every second: a killed program leaves a file that reads
		// up to its last second.
		s, err := record.StartStream(obs, rec, obs.Sync)
		if err != nil {
			return nil, fmt.Errorf("observe file: %w", err)
		}
		f.observe, f.paths["observe"] = s, obs.Name()
	}
	if ev := fs["events"]; ev != nil {
		f.events, f.paths["events"] = record.StartEvents(ev, rec), ev.Name()
	}
	return f, nil
}

// close ends the files once the cluster has closed, so that they hold the
// replicas' last moments.
func (f *followers) close(c *cli, cl interface{ Close() }) {
	cl.Close()
	if f.events != nil {
		if err := f.events.Close(); err != nil {
			fmt.Fprintf(c.stderr, "raftian: writing %s: %v\n", f.paths["events"], err)
		}
	}
	if f.observe != nil {
		path := f.paths["observe"]
		if err := f.observe.Close(); err != nil {
			fmt.Fprintf(c.stderr, "raftian: writing %s: %v\n", path, err)
			return
		}
		fmt.Fprintf(c.stderr, "raftian: the record is in %s (watch it: raftian view %s)\n", path, path)
	}
}

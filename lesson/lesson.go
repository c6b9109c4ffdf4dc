// Package lesson runs Raft lessons: a short TOML script of steps, each
// started at a time or when the cluster reaches a state, each running
// headless commands (crash, isolate, attack, ...) and showing a caption
// that says what to watch.
package lesson

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/raftian/raftian/command"
	"github.com/raftian/raftian/internal/bounded"
	"github.com/raftian/raftian/world"
)

// Lesson is one lesson.
type Lesson struct {
	Name  string `toml:"-"`
	Title string `toml:"title"`
	Steps []Step `toml:"step"`
}

// Step is one step of a lesson. It starts At after the lesson began (or
// right after the previous step), once the cluster has reached After, then
// runs Do and shows Caption until the next step.
type Step struct {
	At      Duration `toml:"at"`
	After   string   `toml:"after"` // "", "leader" or "converged"
	Do      []string `toml:"do"`    // headless commands, as written
	Caption string   `toml:"caption"`
	Pause   bool     `toml:"pause"` // in the window, wait for N before the next step

	// Commands are Do, read when the lesson is loaded.
	Commands []command.Command `toml:"-"`
}

// afterWait is how long a step waits for its After state.
const afterWait = 30 * time.Second

// Duration is a time.Duration written as "2s" in TOML.
type Duration struct{ time.Duration }

// UnmarshalText parses "500ms", "2s", ...
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil || v < 0 || v > time.Hour {
		return fmt.Errorf("%q is not a duration like 2s", b)
	}
	d.Duration = v
	return nil
}

//go:embed lessons/*.toml
var builtin embed.FS

// Names lists the built-in lessons, in order.
func Names() []string {
	entries, _ := builtin.ReadDir("lessons")
	var out []string
	for _, e := range entries {
		out = append(out, strings.TrimSuffix(e.Name(), ".toml"))
	}
	sort.Strings(out)
	return out
}

// Load returns the built-in lesson called name (with or without its
// number prefix, e.g. "1-first-election" or "first-election"), or reads
// the lesson file at that path.
func Load(name string) (Lesson, error) {
	for _, n := range Names() {
		if n == name || strings.SplitN(n, "-", 2)[1] == name || strings.SplitN(n, "-", 2)[0] == name {
			src, _ := builtin.ReadFile("lessons/" + n + ".toml")
			return Parse(n, src)
		}
	}
	src, err := bounded.ReadFile(name, MaxFileSize)
	if errors.Is(err, fs.ErrNotExist) {
		return Lesson{}, fmt.Errorf("no lesson %q: not built in (%s) and not a readable file", name, strings.Join(Names(), ", "))
	}
	if err != nil {
		return Lesson{}, fmt.Errorf("lesson %s: %w", name, err)
	}
	return Parse(strings.TrimSuffix(filepath.Base(name), ".toml"), src)
}

// MaxFileSize is the largest lesson file read.
const MaxFileSize = 1 << 20

// Parse reads a lesson; unknown keys and bad values are errors.
func Parse(name string, src []byte) (Lesson, error) {
	var l Lesson
	md, err := toml.Decode(string(src), &l)
	var perr toml.ParseError
	if errors.As(err, &perr) {
		// Only the line and what was wrong: the file may not be a lesson
		// at all, and its contents are not ours to print.
		return Lesson{}, fmt.Errorf("lesson %s: line %d: not valid TOML (%s)", name, perr.Position.Line, perr.Message)
	}
	if err != nil {
		return Lesson{}, fmt.Errorf("lesson %s: %w", name, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		return Lesson{}, fmt.Errorf("lesson %s: unknown key %q", name, und[0].String())
	}
	l.Name = name
	if l.Title == "" || len(l.Steps) == 0 {
		return Lesson{}, fmt.Errorf("lesson %s: needs a title and at least one [[step]]", name)
	}
	for i := range l.Steps {
		s := &l.Steps[i]
		if s.After != "" && s.After != "leader" && s.After != "converged" {
			return Lesson{}, fmt.Errorf("lesson %s, step %d: after = %q: want \"leader\" or \"converged\"", name, i+1, s.After)
		}
		for k, line := range s.Do {
			cmd, err := command.Parse(line, world.MaxPlayers)
			if err == nil && cmd == nil {
				err = errors.New("no command")
			}
			if err == nil {
				switch cmd.(type) {
				case command.Quit, command.Lesson, command.Help:
					err = errors.New("cannot run in a lesson")
				}
			}
			if err != nil {
				return Lesson{}, fmt.Errorf("lesson %s, step %d, do[%d] %q: %v", name, i+1, k+1, line, err)
			}
			s.Commands = append(s.Commands, cmd)
		}
	}
	return l, nil
}

// ErrStopped is returned by Run when stop closes.
var ErrStopped = errors.New("lesson stopped")

// Run runs l: do carries out one command (and shows its answer); caption
// is told each step's caption. After a step with Pause it waits for next
// (a nil next never pauses: headless runs). It returns when the last step
// has run, or ErrStopped.
func Run(l Lesson, do func(command.Command), caption func(step int, text string), next, stop <-chan struct{}) error {
	start := time.Now()
	for i, s := range l.Steps {
		if wait := time.Until(start.Add(s.At.Duration)); wait > 0 {
			select {
			case <-stop:
				return ErrStopped
			case <-time.After(wait):
			}
		}
		if s.After != "" {
			do(command.Wait{Until: command.Until(s.After), Timeout: afterWait})
		}
		for _, cmd := range s.Commands {
			select {
			case <-stop:
				return ErrStopped
			default:
			}
			do(cmd)
		}
		if s.Caption != "" {
			caption(i+1, s.Caption)
		}
		if s.Pause && next != nil {
			select {
			case <-stop:
				return ErrStopped
			case <-next:
				start = time.Now().Add(-s.At.Duration) // later steps' times count from here
			}
		}
	}
	return nil
}

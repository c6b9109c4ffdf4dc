// Package lesson runs Raft lessons: a short TOML script of steps, each
// running headless commands (crash, isolate, attack, ...) and showing a
// caption that says what to watch, long enough to read. A step can ask the
// class to predict what happens next and reveal, from the record, what
// did; and replay its key moment slowly. docs/lessons.md describes the
// format.
package lesson

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/raftian/raftian/command"
	"github.com/raftian/raftian/internal/bounded"
	"github.com/raftian/raftian/rewind"
	"github.com/raftian/raftian/world"
)

// Lesson is one lesson.
type Lesson struct {
	Name  string `toml:"-"`
	Title string `toml:"title"`
	// Replicas is how many voting replicas the lesson is written for
	// (its captions count them); 0: any number.
	Replicas int `toml:"replicas"`
	// Class: written for a class of laptops (raftian class): it plays on
	// the teacher's projector only.
	Class bool   `toml:"class"`
	Steps []Step `toml:"step"`
	// fromStart: the first step's moment is looked for from the record's
	// beginning (the intro: the first election may be over before a slow
	// machine has opened the window).
	fromStart bool
}

// Step is one step of a lesson, in this order: once the previous
// step's caption has been read, it waits Wait and for its After state,
// asks its question (if any), runs Do, waits for its Until state or
// moment (the step's end), then shows Caption with the picture paused at its Moment
// (rewind.Moments: the first time, from the step's start to its end, that
// it holds), filled from the model there; plays on to Play.To if asked;
// reveals the answer; and with Pause waits for N. After and Until are "",
// "leader", "new-leader" (in a higher term than before the step),
// "converged" (the same entries applied everywhere), "caught-up" (every
// log ends where the leader's does, committed) or "proposals" (every
// nowait attack answered).
type Step struct {
	Wait    Duration `toml:"wait"`
	After   string   `toml:"after"`
	Do      []string `toml:"do"` // headless commands, as written
	Until   string   `toml:"until"`
	Moment  string   `toml:"moment"` // what the caption is about; "": the step's end, live
	Play    *Play    `toml:"play"`
	Caption string   `toml:"caption"`
	// Then is said once a play has ended, filled from the model where it
	// ended: the caption is about the moment, the picture has moved on.
	Then string `toml:"then"`
	// Instead is said when the moment never came (the run went another
	// way); without it, a sentence of the lesson's own says so.
	Instead string `toml:"instead"`
	Pause   bool   `toml:"pause"` // in the window, wait for N before the next step
	Ask     *Ask   `toml:"ask"`

	// Commands are Do, read when the lesson is loaded.
	Commands []command.Command `toml:"-"`
	line     int               // where the step starts in its file
	lines    map[string]int    // where its keys are
}

// Ask is a question the class answers before the step acts. The lesson
// waits for the answer: it never moves on by itself while a question is
// open.
type Ask struct {
	Question string `toml:"question"`
	Answer   string `toml:"answer"` // what is compared: see Answers
}

// Play plays the picture on from the step's moment to another moment of
// the same step (a moment's name, or "end": the step's end), at 1/Speed
// of real time, and stays there.
type Play struct {
	To    string `toml:"to"`
	Speed int    `toml:"speed"`
}

// Answers are the kinds of question a step may ask: who leads once the
// step is over, in which term, whether the step's first attack commits,
// whether the last entry of the replica the step cuts off survives.
var Answers = []string{"leader", "term", "commits", "survives", "quorum"}

var afters = []string{"leader", "new-leader", "converged", "caught-up", "proposals"}

// afterWait is how long a step waits for its After and Until states.
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

//go:embed intro.toml
var intro []byte

// Intro is what the window plays when it opens with no lesson: the
// replicas' first election, shown slowly (the cluster starts in slow
// motion for it: node.Options.StartSlow).
func Intro() Lesson {
	l, err := Parse("intro.toml", intro)
	if err != nil {
		panic(err) // built in, and checked by the tests
	}
	l.fromStart = true
	return l
}

// Names lists the built-in lessons, in order.
func Names() []string {
	entries, _ := builtin.ReadDir("lessons")
	var out []string
	for _, e := range entries {
		out = append(out, strings.TrimSuffix(e.Name(), ".toml"))
	}
	sort.Slice(out, func(i, j int) bool { return number(out[i]) < number(out[j]) })
	return out
}

// number is a built-in lesson's number, its name's prefix.
func number(name string) int {
	n, _ := strconv.Atoi(strings.SplitN(name, "-", 2)[0])
	return n
}

// Load returns the built-in lesson called name (with or without its
// number prefix, e.g. "1-first-election" or "first-election"), or reads
// the lesson file at that path.
func Load(name string) (Lesson, error) {
	for _, n := range Names() {
		if n == name || strings.SplitN(n, "-", 2)[1] == name || strings.SplitN(n, "-", 2)[0] == name {
			src, _ := builtin.ReadFile("lessons/" + n + ".toml")
			return Parse(n+".toml", src)
		}
	}
	src, err := bounded.ReadFile(name, MaxFileSize)
	if errors.Is(err, fs.ErrNotExist) {
		return Lesson{}, fmt.Errorf("no lesson %q: not built in (%s) and not a readable file", name, strings.Join(Names(), ", "))
	}
	if err != nil {
		return Lesson{}, fmt.Errorf("lesson %s: %w", name, err)
	}
	return Parse(name, src)
}

// MaxFileSize is the largest lesson file read.
const MaxFileSize = 1 << 20

// Error is a mistake in a lesson file, at a line when it has one.
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// Parse reads a lesson from file (its name, for errors); unknown keys and
// bad values are errors that say where.
func Parse(file string, src []byte) (Lesson, error) {
	var l Lesson
	md, err := toml.Decode(string(src), &l)
	var perr toml.ParseError
	if errors.As(err, &perr) {
		// Only the line and what was wrong: the file may not be a lesson
		// at all, and its contents are not ours to print.
		return Lesson{}, &Error{File: file, Line: perr.Position.Line, Msg: "not valid TOML (" + perr.Message + ")"}
	}
	if err != nil {
		return Lesson{}, &Error{File: file, Msg: err.Error()}
	}
	if und := md.Undecoded(); len(und) > 0 {
		key := und[0].String()
		return Lesson{}, &Error{File: file, Line: keyLine(src, und[0][len(und[0])-1]), Msg: fmt.Sprintf("unknown key %q", key)}
	}
	l.Name = strings.TrimSuffix(filepath.Base(file), ".toml")
	if l.Title == "" || len(l.Steps) == 0 {
		return Lesson{}, &Error{File: file, Msg: "a lesson needs a title and at least one [[step]]"}
	}
	if l.Replicas < 0 || l.Replicas > 9 {
		return Lesson{}, &Error{File: file, Line: keyLine(src, "replicas"), Msg: "replicas is how many replicas the lesson is written for: 3 to 9, or 0 for any"}
	}
	lines := stepLines(src)
	for i := range l.Steps {
		s := &l.Steps[i]
		if i < len(lines) {
			s.line = lines[i]
		}
		s.lines = keyLines(src, s.line)
		if err := s.check(); err != nil {
			return Lesson{}, &Error{File: file, Line: s.line, Msg: fmt.Sprintf("step %d: %v", i+1, err)}
		}
		if line, err := s.checkPlaceholders(); err != nil {
			return Lesson{}, &Error{File: file, Line: line, Msg: fmt.Sprintf("step %d: %v", i+1, err)}
		}
	}
	return l, nil
}

// check reads a step's commands and checks its fields.
func (s *Step) check() error {
	if s.After != "" && !contains(afters, s.After) {
		return fmt.Errorf("after = %q: want one of %s", s.After, strings.Join(afters, ", "))
	}
	if _, moment := rewind.Moments[s.Until]; s.Until != "" && !contains(afters, s.Until) && !moment {
		return fmt.Errorf("until = %q: want one of %s, or a moment", s.Until, strings.Join(afters, ", "))
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
			return fmt.Errorf("do[%d] %q: %v", k+1, line, err)
		}
		s.Commands = append(s.Commands, cmd)
	}
	if s.Moment != "" {
		if _, ok := rewind.Moments[s.Moment]; !ok {
			return fmt.Errorf("moment = %q: want one of %s", s.Moment, strings.Join(rewind.MomentNames(), ", "))
		}
	}
	if a := s.Ask; a != nil {
		if strings.TrimSpace(a.Question) == "" {
			return errors.New("ask needs a question")
		}
		if !contains(Answers, a.Answer) {
			return fmt.Errorf("ask: answer = %q: want one of %s", a.Answer, strings.Join(Answers, ", "))
		}
		// The states that say it happened: caught-up has a leader too.
		need := map[string][]string{"leader": {"new-leader", "leader", "caught-up"}, "term": {"new-leader", "leader", "caught-up"},
			"commits": {"proposals", "converged", "caught-up"}, "survives": {"caught-up"},
			"quorum": {"converged", "caught-up"}}[a.Answer]
		// Or a moment that says who leads.
		byMoment := (a.Answer == "leader" || a.Answer == "term") && rewind.Gives(s.Until, "leader")
		if !contains(need, s.Until) && !byMoment {
			return fmt.Errorf("ask: an answer about %q needs until = %q, so that it has happened", a.Answer, need[0])
		}
	}
	if p := s.Play; p != nil {
		if s.Moment == "" {
			return errors.New("play needs a moment to play from")
		}
		if _, ok := rewind.Moments[p.To]; !ok && p.To != "end" {
			return fmt.Errorf("play: to = %q: want \"end\" or a moment: %s", p.To, strings.Join(rewind.MomentNames(), ", "))
		}
		if p.Speed == 0 {
			p.Speed = 10
		}
		if p.Speed < 1 || p.Speed > 1000 {
			return fmt.Errorf("play: speed = %d: want 1 to 1000 (1/speed of real time)", p.Speed)
		}
	}
	if s.Then != "" && s.Play == nil {
		return errors.New("then is said when a play ends: it needs a play")
	}
	if s.Caption == "" && s.Ask == nil {
		return errors.New("a step needs a caption (or a question)")
	}
	return nil
}

// checkPlaceholders checks that every placeholder in the step's texts can
// be filled at its moment, and returns the line of the first that cannot.
func (s *Step) checkPlaceholders() (int, error) {
	texts := map[string]string{"caption": s.Caption, "instead": s.Instead, "then": s.Then}
	if s.Ask != nil {
		texts["ask"] = s.Ask.Question
	}
	for _, key := range []string{"caption", "instead", "ask", "then"} {
		for _, p := range placeholders(texts[key]) {
			moment := s.Moment
			if key == "then" {
				moment = s.Play.To
				if moment == "end" {
					moment = ""
				}
			}
			switch {
			case !contains(rewind.Placeholders(), p):
				return s.lines[key], fmt.Errorf("%s: {%s} is no placeholder: want one of {%s}", key, p, strings.Join(rewind.Placeholders(), "}, {"))
			case (key == "caption" || key == "then") && moment == "" && contains([]string{"leader", "term"}, p) && s.Until != "" && s.Until != "proposals":
				// At the step's end a leader is agreed on.
			case key == "ask" || key == "instead" || moment == "":
				if !rewind.Gives("", p) {
					return s.lines[key], fmt.Errorf("%s: {%s} cannot always be filled here; only {%s}", key, p, strings.Join(everyStep(), "}, {"))
				}
			case !rewind.Gives(moment, p):
				return s.lines[key], fmt.Errorf("%s: the %s moment does not give {%s}", key, moment, p)
			}
		}
	}
	return 0, nil
}

// everyStep are the placeholders any text can hold.
func everyStep() []string {
	var out []string
	for _, p := range rewind.Placeholders() {
		if rewind.Gives("", p) {
			out = append(out, p)
		}
	}
	return out
}

var placeholderRE = regexp.MustCompile(`\{([a-z-]+)\}`)

// placeholders lists the {names} in text.
func placeholders(text string) []string {
	var out []string
	for _, m := range placeholderRE.FindAllStringSubmatch(text, -1) {
		out = append(out, m[1])
	}
	return out
}

// keyLines returns, for the step starting at line start, the line of each
// of its keys.
func keyLines(src []byte, start int) map[string]int {
	out := map[string]int{}
	lines := bytes.Split(src, []byte("\n"))
	for i := start; i < len(lines); i++ {
		t := string(bytes.TrimSpace(lines[i]))
		if t == "[[step]]" {
			break
		}
		if k, _, ok := strings.Cut(t, "="); ok {
			if key := strings.TrimSpace(k); out[key] == 0 {
				out[key] = i + 1
			}
		}
	}
	return out
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// stepLines returns the line of every [[step]] header in src.
func stepLines(src []byte) []int {
	var out []int
	for i, line := range bytes.Split(src, []byte("\n")) {
		if string(bytes.TrimSpace(line)) == "[[step]]" {
			out = append(out, i+1)
		}
	}
	return out
}

// keyLine returns the first line of src that sets key, or 0.
func keyLine(src []byte, key string) int {
	for i, line := range bytes.Split(src, []byte("\n")) {
		t := bytes.TrimSpace(line)
		if bytes.HasPrefix(t, []byte(key)) && bytes.Contains(t, []byte("=")) {
			return i + 1
		}
	}
	return 0
}

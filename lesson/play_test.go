package lesson

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/raftian/raftian/command"
	"github.com/raftian/raftian/config"
	"github.com/raftian/raftian/internal/testenv"
	"github.com/raftian/raftian/node"
	"github.com/raftian/raftian/record"
	"github.com/raftian/raftian/rewind"
	"github.com/raftian/raftian/session"
)

// play is a lesson played in a test: the cluster, every step's caption
// (where its picture was, whether its moment held), every band shown,
// every command's result.
type play struct {
	c       *node.Cluster
	s       *session.Session
	shots   []Shot
	shown   []Caption
	results []session.Result
	answers map[int]int // step → the answer the class gives
	model   *rewind.Model
}

func (p *play) Do(cmd command.Command) { p.results = append(p.results, p.s.Do(cmd)) }
func (p *play) Show(c Caption)         { p.shown = append(p.shown, c) }
func (p *play) Record() rewind.Source  { return p.c.Recorder() }
func (p *play) Now() int64             { return p.c.Recorder().Now() }
func (p *play) Play(int64, int64, int) {}

// Answer gives the answer the test says the class gives, if any.
func (p *play) Answer(int) Input {
	if a, ok := p.answers[p.shown[len(p.shown)-1].Step]; ok {
		return Input{Kind: Answer, Answer: a}
	}
	return Input{Kind: Timeout}
}

// Wait waits for nothing: a pause goes on at once.
func (p *play) Wait(d time.Duration) Input {
	if d == Forever {
		return Input{Kind: Next}
	}
	return Input{Kind: Timeout}
}

// playLesson plays a lesson (a built-in name, or a lesson's source) on a
// fresh cluster. No command may fail but the attacks the lesson means to
// fail.
func playLesson(t *testing.T, name string, answers map[int]int, cfg ...func(*config.Config)) *play {
	t.Helper()
	conf := testenv.Config(t, config.StorageMemory)
	for _, f := range cfg {
		f(&conf)
	}
	// The window's intro runs on a cluster started in slow motion.
	c, err := node.Start(conf, node.Options{Record: true, StartSlow: name == "intro"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	var l Lesson
	switch {
	case name == "intro":
		l = Intro()
	case strings.HasPrefix(name, "title"):
		l, err = Parse("test.toml", []byte(name))
	default:
		l, err = Load(name)
	}
	if err != nil {
		t.Fatal(err)
	}
	p := &play{c: c, s: session.New(c, session.Options{}), answers: answers}
	if p.shots, err = Run(l, p); err != nil {
		t.Fatal(err)
	}
	if len(p.shots) != len(l.Steps) {
		t.Errorf("%d captions shown for %d steps", len(p.shots), len(l.Steps))
	}
	for _, r := range p.results {
		if r.Err != nil && r.Outcome == nil {
			t.Errorf("%s: %v (commands: %v)", r.Command, r.Err, commands(p.results))
		}
	}
	p.model = rewind.New(c.Recorder())
	p.model.Update()
	return p
}

// at is the state the panes showed while caption step was up: at its
// moment, or at the step's end when it was shown live.
func (p *play) at(t *testing.T, step int) *rewind.State {
	t.Helper()
	if step > len(p.shots) {
		t.Fatalf("caption %d was never shown", step)
	}
	sh := p.shots[step-1]
	if sh.At == Live {
		return p.model.At(sh.end).Clone()
	}
	return p.model.At(sh.At).Clone()
}

// held checks that every step's moment came and held where the caption
// was shown, and that no caption holds an unfilled placeholder.
func (p *play) held(t *testing.T) {
	t.Helper()
	for _, sh := range p.shots {
		if !sh.Held {
			t.Errorf("step %d (%s): %s; said %q", sh.Step, sh.Moment, sh.Why, sh.Text)
		}
		if sh.Held && sh.Moment != "" && !p.model.Holds(sh.Found) {
			t.Errorf("step %d: the %s moment does not hold at %d µs in the whole record", sh.Step, sh.Moment, sh.At)
		}
		if strings.Contains(sh.Text, "{") {
			t.Errorf("step %d: an unfilled placeholder: %q", sh.Step, sh.Text)
		}
	}
}

// reveal returns the reveal shown at step.
func (p *play) reveal(step int) Caption {
	for _, c := range p.shown {
		if c.Step == step && c.Reveal != "" {
			return c
		}
	}
	return Caption{}
}

// played reports whether step played on from its moment.
func (p *play) played(step int) bool {
	sh := p.shots[step-1]
	return sh.At != Live && sh.To > sh.At
}

// first returns the first observation after the lesson began that match
// accepts, and whether there is one.
func (p *play) first(match func(*record.Obs) bool) (record.Obs, bool) {
	src := p.c.Recorder()
	first, next := src.Bounds()
	for _, o := range src.Read(first, int(next-first), nil) {
		if match(&o) {
			return o, true
		}
	}
	return record.Obs{}, false
}

func commands(rs []session.Result) []string {
	var out []string
	for _, r := range rs {
		out = append(out, fmt.Sprint(r.Command))
	}
	return out
}

func sameWorlds(st *rewind.State) error {
	var ref *rewind.Replica
	for i := range st.Replicas {
		r := &st.Replicas[i]
		if !r.Up {
			continue
		}
		if ref == nil {
			ref = r
		} else if r.World.Hash() != ref.World.Hash() || r.Applied != ref.Applied {
			return fmt.Errorf("replica %d at %d differs from replica %d at %d", r.ID, r.Applied, ref.ID, ref.Applied)
		}
	}
	return nil
}

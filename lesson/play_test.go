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

// play is a lesson played in a test: the cluster, when each caption was
// shown (µs into the record), every band shown, every command's result.
type play struct {
	c        *node.Cluster
	s        *session.Session
	captions map[int]int64
	shown    []Caption
	results  []session.Result
	answers  map[int]int // step → the answer the class gives
	model    *rewind.Model
}

func (p *play) Do(cmd command.Command)   { p.results = append(p.results, p.s.Do(cmd)) }
func (p *play) Show(c Caption)           { p.shown = append(p.shown, c) }
func (p *play) Record() rewind.Source    { return p.c.Recorder() }
func (p *play) Now() int64               { return p.c.Recorder().Now() }
func (p *play) Replay(int64, int64, int) {}

// Wait answers a question the class was asked, if the test says how;
// nothing else waits, and a pause goes on at once.
func (p *play) Wait(d time.Duration) Input {
	if n := len(p.shown); n > 0 && p.shown[n-1].Question != "" {
		if a, ok := p.answers[p.shown[n-1].Step]; ok {
			return Input{Kind: Answer, Answer: a}
		}
	}
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
	c, err := node.Start(conf, node.Options{Record: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	var l Lesson
	if strings.HasPrefix(name, "title") {
		l, err = Parse("test.toml", []byte(name))
	} else {
		l, err = Load(name)
	}
	if err != nil {
		t.Fatal(err)
	}
	p := &play{c: c, s: session.New(c, session.Options{}), captions: map[int]int64{}, answers: answers}
	if err := run(l, p, func(step int, at int64) { p.captions[step] = at }); err != nil {
		t.Fatal(err)
	}
	for i, step := range l.Steps {
		if _, ok := p.captions[i+1]; !ok && step.Caption != "" {
			t.Errorf("caption %d not shown", i+1)
		}
	}
	for _, r := range p.results {
		if r.Err != nil && r.Outcome == nil {
			t.Errorf("%s: %v", r.Command, r.Err)
		}
	}
	p.model = rewind.New(c.Recorder())
	p.model.Update()
	return p
}

// at is the state the panes showed when caption step was.
func (p *play) at(t *testing.T, step int) *rewind.State {
	t.Helper()
	at, ok := p.captions[step]
	if !ok {
		t.Fatalf("caption %d was never shown", step)
	}
	return p.model.At(at).Clone()
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

// replayed reports whether step asked for an instant replay.
func (p *play) replayed(step int) bool {
	for _, c := range p.shown {
		if c.Step == step && strings.HasPrefix(c.Waiting, "instant replay") {
			return true
		}
	}
	return false
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

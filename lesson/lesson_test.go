package lesson

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/raftian/raftian/command"
	"github.com/raftian/raftian/record"
	"github.com/raftian/raftian/rewind"
)

func TestParseRejectsMistakesWithTheirLine(t *testing.T) {
	for src, want := range map[string]string{
		"title = \"x\"\n": "at least one",
		"title = \"x\"\n[[step]]\ncaptoin = \"y\"\n":                                                             `t.toml:3: unknown key "step.captoin"`,
		"title = \"x\"\n[[step]]\ncaption = \"c\"\nafter = \"lunch\"\n":                                          `t.toml:2: step 1: after = "lunch": want one of leader`,
		"title = \"x\"\n[[step]]\nwait = \"soon\"\n":                                                             "duration",
		"title = \"x\"\n[[step]]\ndo = \"crash 1\"\n":                                                            "", // a string where a list goes
		"title = \"x\"\n\n[[step]]\ncaption = \"c\"\n\n[[step]]\ndo = [\"explode\"]\n":                           `t.toml:6: step 2: do[1] "explode": unknown command`,
		"title = \"x\"\n[[step]]\ncaption = \"c\"\ndo = [\"lesson other\"]\n":                                    "cannot run in a lesson",
		"title = \"x\"\n[[step]]\nask = { question = \"who?\", answer = \"luck\" }\n":                            `answer = "luck"`,
		"title = \"x\"\n[[step]]\nask = { question = \"who?\", answer = \"leader\" }\n":                          `needs until = "new-leader"`,
		"title = \"x\"\n[[step]]\ncaption = \"c\"\nmoment = \"lunch\"\n":                                         `moment = "lunch": want one of`,
		"title = \"x\"\n[[step]]\ncaption = \"c\"\nplay = { to = \"end\" }\n":                                    "play needs a moment",
		"title = \"x\"\n[[step]]\ncaption = \"c\"\nmoment = \"leader\"\nplay = { to = \"lunch\" }\n":             `to = "lunch"`,
		"title = \"x\"\n[[step]]\ncaption = \"c\"\nmoment = \"leader\"\nplay = { to = \"end\", speed = 5000 }\n": "speed = 5000",
		"title = \"x\"\n[[step]]\nmoment = \"campaign\"\ncaption = \"{leader} leads\"\n":                         `t.toml:4: step 1: caption: the campaign moment does not give {leader}`,
		"title = \"x\"\n[[step]]\nmoment = \"leader\"\ncaption = \"{leeder} leads\"\n":                           `t.toml:4: step 1: caption: {leeder} is no placeholder`,
		"title = \"x\"\n[[step]]\ncaption = \"{replica} fell\"\n":                                                `t.toml:3: step 1: caption: {replica} cannot always be filled here`,
		"title = \"x\"\n[[step]]\ndo = [\"heal\"]\n":                                                             "needs a caption",
	} {
		_, err := Parse("t.toml", []byte(src))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want an error mentioning %q", src, err, want)
		}
	}
}

// fakeEnv plays a lesson on a clock of its own, with no cluster: the
// record stays empty, and every Wait lasts as long as asked (or until the
// next scripted input).
type fakeEnv struct {
	log    *record.Log
	clock  time.Duration
	inputs []scripted // in time order
	ran    []string
	shown  []shown
}

type scripted struct {
	at time.Duration
	in Input
}

type shown struct {
	at time.Duration
	c  Caption
}

func newFakeEnv() *fakeEnv {
	h := record.Header{RTTMs: 50, ElectionRTT: 10, Players: []record.Player{{Name: "a", Color: "#000000"}, {Name: "b", Color: "#111111"}, {Name: "c", Color: "#222222"}}}
	return &fakeEnv{log: record.NewLog(h, record.Keep, record.Budget)}
}

func (e *fakeEnv) Do(cmd command.Command) { e.ran = append(e.ran, cmd.String()) }
func (e *fakeEnv) Show(c Caption)         { e.shown = append(e.shown, shown{e.clock, c}) }
func (e *fakeEnv) Record() rewind.Source  { return e.log }
func (e *fakeEnv) Now() int64             { return e.clock.Microseconds() }
func (e *fakeEnv) Play(from, to int64, speed int) {
	e.clock += time.Duration((to-from)*int64(speed)) * time.Microsecond
}

// Answer takes the next scripted answer, skipping the N and B keyed
// meanwhile (they never answer), as the window does.
func (e *fakeEnv) Answer(n int) Input {
	for {
		in := e.Wait(Forever)
		if in.Kind == Answer && in.Answer >= 1 && in.Answer <= n || in.Kind == Stop {
			return in
		}
	}
}

func (e *fakeEnv) Wait(d time.Duration) Input {
	if e.clock > 24*time.Hour { // waiting for an input that never comes
		return Input{Kind: Stop}
	}
	if d == Forever {
		d = 48 * time.Hour
	}
	if len(e.inputs) > 0 && e.inputs[0].at <= e.clock+d {
		in := e.inputs[0]
		e.inputs = e.inputs[1:]
		waited := max(in.at-e.clock, 0)
		e.clock += waited
		in.in.Waited = waited
		return in.in
	}
	e.clock += d
	return Input{Kind: Timeout, Waited: d}
}

const paced = `title = "Paced"
[[step]]
do = ["heal"]
caption = "A short one."
[[step]]
do = ["crash 2"]
caption = """A caption of some thirty words takes a class a while to read, and the lesson must \
not take it away before then: one two three four five six seven eight nine ten."""
[[step]]
wait = "1s"
do = ["restart 2"]
caption = "Another."
pause = true
[[step]]
do = ["heal"]
caption = "The end."
`

// Every caption stays on screen at least its reading time before the next
// replaces it, a step waits its own time on top, and a paused step waits
// for N.
func TestEveryCaptionStaysItsReadingTime(t *testing.T) {
	l, err := Parse("paced.toml", []byte(paced))
	if err != nil {
		t.Fatal(err)
	}
	env := newFakeEnv()
	env.inputs = []scripted{{at: time.Hour, in: Input{Kind: Next}}}
	if _, err := Run(l, env); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(env.ran, ","); got != "heal,crash 2,restart 2,heal" {
		t.Fatalf("ran %s", got)
	}
	// When each caption text first appeared.
	var texts []string
	var at []time.Duration
	for _, s := range env.shown {
		if s.c.Text != "" && (len(texts) == 0 || texts[len(texts)-1] != s.c.Text) {
			texts, at = append(texts, s.c.Text), append(at, s.at)
		}
	}
	if len(texts) != 4 {
		t.Fatalf("captions shown: %q", texts)
	}
	for i := 0; i+1 < len(texts); i++ {
		on := at[i+1] - at[i]
		need := ReadingTime(texts[i])
		if i == 1 {
			need += time.Second // step 3 waits a second of its own
		}
		if i == 2 && at[i+1] < time.Hour {
			t.Errorf("caption 4 came at %v, before N (at 1h)", at[i+1])
		}
		if on < need {
			t.Errorf("caption %d was on screen %v, less than %v", i+1, on, need)
		}
	}
	if ReadingTime(texts[1]) < 6*time.Second || ReadingTime(texts[0]) != 3*time.Second {
		t.Errorf("reading times: %v for 30 words, %v for 3", ReadingTime(texts[1]), ReadingTime(texts[0]))
	}
}

// B shows the step before again, with its caption as it was shown, then
// the lesson goes on where it was.
func TestBackShowsTheStepBefore(t *testing.T) {
	l, err := Parse("paced.toml", []byte(paced))
	if err != nil {
		t.Fatal(err)
	}
	env := newFakeEnv()
	env.inputs = []scripted{{at: time.Second, in: Input{Kind: Back}}, {at: time.Hour, in: Input{Kind: Next}}}
	if _, err := Run(l, env); err != nil {
		t.Fatal(err)
	}
	replayed := false
	for _, s := range env.shown {
		if s.c.Waiting == "step 1 again" && s.c.Step == 1 && s.c.Text == "A short one." {
			replayed = true
		}
	}
	if !replayed {
		t.Error("B did not replay step 1 with its caption")
	}
	if got := strings.Join(env.ran, ","); got != "heal,crash 2,restart 2,heal" {
		t.Errorf("B ran commands again: %s", got)
	}
}

func TestRunStops(t *testing.T) {
	l, _ := Parse("t.toml", []byte("title = \"t\"\n[[step]]\nwait = \"1h\"\ncaption = \"c\"\n"))
	env := newFakeEnv()
	env.inputs = []scripted{{at: time.Minute, in: Input{Kind: Stop}}}
	if _, err := Run(l, env); err != ErrStopped {
		t.Fatalf("Run = %v, want ErrStopped", err)
	}
}

// A question waits for its answer, however long: N and B keyed meanwhile
// neither answer it nor move the lesson on; the answer is the digit
// pressed, and the reveal says what the class answered.
func TestAQuestionWaitsForItsAnswer(t *testing.T) {
	l, err := Parse("q.toml", []byte(`title = "q"
[[step]]
ask = { question = "Will it commit?", answer = "commits" }
do = ["attack 1 2 nowait"]
until = "proposals"
caption = "c"
[[step]]
caption = "after"
`))
	if err != nil {
		t.Fatal(err)
	}
	env := newFakeEnv()
	env.inputs = []scripted{{at: time.Second, in: Input{Kind: Next}}, {at: 2 * time.Second, in: Input{Kind: Back}},
		{at: 10 * time.Minute, in: Input{Kind: Answer, Answer: 2}}}
	if _, err := Run(l, env); err != nil {
		t.Fatal(err)
	}
	var asked, answered time.Duration = -1, -1
	for _, s := range env.shown {
		if s.c.Question != "" && asked < 0 {
			asked = s.at
			if s.c.Waiting != "answer: 1 yes · 2 no" || strings.Join(s.c.Choices, ",") != "yes,no" {
				t.Errorf("the question shows %q, choices %v", s.c.Waiting, s.c.Choices)
			}
		}
		if s.c.Waiting == "your answer: no" {
			answered = s.at
		}
	}
	if asked < 0 || answered != 10*time.Minute {
		t.Fatalf("asked at %v, answered at %v; want the answer pressed at 10m", asked, answered)
	}
	if got := strings.Join(env.ran, ","); got != "attack 1 2 nowait,wait proposals 30s" {
		t.Errorf("ran %s", got)
	}
}

// A lesson written for five replicas (its captions count them) refuses a
// cluster of another size, saying so on screen, and runs nothing; one
// written for the cluster's size runs.
func TestALessonRefusesAClusterOfAnotherSize(t *testing.T) {
	src := "title = \"Five\"\nreplicas = %d\n[[step]]\ndo = [\"heal\"]\ncaption = \"Healed.\"\n"
	l, err := Parse("five.toml", []byte(fmt.Sprintf(src, 5)))
	if err != nil {
		t.Fatal(err)
	}
	env := newFakeEnv() // three players
	_, err = Run(l, env)
	if err == nil || !strings.Contains(err.Error(), "written for 5 replicas and this cluster has 3") {
		t.Fatalf("Run on three replicas: %v", err)
	}
	if len(env.ran) > 0 || len(env.shown) != 1 || !env.shown[0].c.Done || !strings.Contains(env.shown[0].c.Text, "written for 5") {
		t.Fatalf("ran %v, showed %+v", env.ran, env.shown)
	}
	if l, err = Parse("three.toml", []byte(fmt.Sprintf(src, 3))); err != nil {
		t.Fatal(err)
	}
	env = newFakeEnv()
	if _, err := Run(l, env); err != nil || strings.Join(env.ran, ",") != "heal" {
		t.Fatalf("Run on three replicas of a lesson for three: %v, ran %v", err, env.ran)
	}
	if _, err := Parse("t.toml", []byte(fmt.Sprintf(src, 12))); err == nil || !strings.Contains(err.Error(), "t.toml:2:") {
		t.Errorf("replicas = 12: %v", err)
	}
}

package lesson

import (
	"strings"
	"testing"
	"time"

	"github.com/raftian/raftian/command"
)

func TestParseRejectsMistakes(t *testing.T) {
	for src, want := range map[string]string{
		"title = \"x\"\n": "at least one",
		"title = \"x\"\n[[step]]\ncaptoin = \"y\"\n":                 "unknown key",
		"title = \"x\"\n[[step]]\nafter = \"lunch\"\n":               "want \"leader\"",
		"title = \"x\"\n[[step]]\nat = \"soon\"\n":                   "duration",
		"title = \"x\"\n[[step]]\ndo = \"crash 1\"\n":                "", // a string where a list goes
		"title = \"x\"\n[[step]]\ndo = [\"crash 1\", \"explode\"]\n": "step 1, do[2] \"explode\": unknown command",
		"title = \"x\"\n[[step]]\ndo = [\"lesson other\"]\n":         "cannot run in a lesson",
	} {
		_, err := Parse("t", []byte(src))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want an error mentioning %q", src, err, want)
		}
	}
}

// Steps run in order, not before their time, and a paused step waits for
// next.
func TestRunKeepsTimeAndPauses(t *testing.T) {
	l, err := Parse("t", []byte(`title = "t"
[[step]]
do = ["heal"]
caption = "one"
pause = true
[[step]]
at = "50ms"
do = ["crash 2", "restart 2"]
caption = "two"
`))
	if err != nil {
		t.Fatal(err)
	}
	var ran []string
	var captions []string
	next := make(chan struct{})
	done := make(chan error, 1)
	start := time.Now()
	var bAt time.Duration
	go func() {
		done <- Run(l, func(cmd command.Command) {
			if cmd.String() == "crash 2" {
				bAt = time.Since(start)
			}
			ran = append(ran, cmd.String())
		}, func(step int, text string) { captions = append(captions, text) }, next, nil)
	}()
	select {
	case <-done:
		t.Fatal("the lesson went past a paused step without next")
	case <-time.After(100 * time.Millisecond):
	}
	next <- struct{}{}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if strings.Join(ran, ",") != "heal,crash 2,restart 2" || strings.Join(captions, ",") != "one,two" {
		t.Fatalf("ran %v, captions %v", ran, captions)
	}
	if bAt < 100*time.Millisecond {
		t.Fatalf("step 2 ran at %v, before the pause ended", bAt)
	}
}

func TestRunStops(t *testing.T) {
	l, _ := Parse("t", []byte("title = \"t\"\n[[step]]\nat = \"1h\"\n"))
	stop := make(chan struct{})
	close(stop)
	if err := Run(l, func(command.Command) {}, func(int, string) {}, nil, stop); err != ErrStopped {
		t.Fatalf("Run = %v, want ErrStopped", err)
	}
}

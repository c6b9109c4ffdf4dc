package lesson

import (
	"strings"
	"testing"
	"time"
)

func TestParseRejectsMistakes(t *testing.T) {
	for src, want := range map[string]string{
		"title = \"x\"\n": "at least one",
		"title = \"x\"\n[[step]]\ncaptoin = \"y\"\n":   "unknown key",
		"title = \"x\"\n[[step]]\nafter = \"lunch\"\n": "want \"leader\"",
		"title = \"x\"\n[[step]]\nat = \"soon\"\n":     "duration",
		"title = \"x\"\n[[step]]\ndo = \"crash 1\"\n":  "", // a string where a list goes
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
do = ["a"]
caption = "one"
pause = true
[[step]]
at = "50ms"
do = ["b", "c"]
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
		done <- Run(l, func(cmd string) {
			if cmd == "b" {
				bAt = time.Since(start)
			}
			ran = append(ran, cmd)
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
	if strings.Join(ran, ",") != "a,b,c" || strings.Join(captions, ",") != "one,two" {
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
	if err := Run(l, func(string) {}, func(int, string) {}, nil, stop); err != ErrStopped {
		t.Fatalf("Run = %v, want ErrStopped", err)
	}
}

package console

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseValidCommands(t *testing.T) {
	cases := []struct {
		line string
		want Command
	}{
		{"", Command{}},
		{"   # just a comment", Command{}},
		{"status", Command{Name: "status"}},
		{"STATUS json", Command{Name: "status", JSON: true}},
		{"attack 1 2", Command{Name: "attack", From: 1, To: 2, Via: 1}},
		{"attack 1 2 via 5 # through a follower", Command{Name: "attack", From: 1, To: 2, Via: 5}},
		{"attack 1 2 via leader", Command{Name: "attack", From: 1, To: 2, Who: "leader"}},
		{"attack 1 2 via old-leader", Command{Name: "attack", From: 1, To: 2, Who: "old-leader"}},
		{"attack 1 2 nowait", Command{Name: "attack", From: 1, To: 2, Via: 1, NoWait: true}},
		{"crash follower", Command{Name: "crash", Who: "follower"}},
		{"partition leader", Command{Name: "partition", Who: "leader"}},
		{"log 3", Command{Name: "log", N: 3}},
		{"log old-leader", Command{Name: "log", Who: "old-leader"}},
		{"load 3000", Command{Name: "load", Count: 3000}},
		{"set prevote off", Command{Name: "set", Setting: "prevote"}},
		{"set checkquorum on", Command{Name: "set", Setting: "checkquorum", On: true}},
		{"set rtt 200ms", Command{Name: "set", Setting: "rtt", Count: 200}},
		{"autoplay on", Command{Name: "autoplay", On: true}},
		{"messages off", Command{Name: "messages"}},
		{"restart all", Command{Name: "restart", All: true}},
		{"lesson My-Lesson.toml", Command{Name: "lesson", Lesson: "My-Lesson.toml"}},
		{"crash 3", Command{Name: "crash", N: 3}},
		{"crash leader", Command{Name: "crash", Who: "leader"}},
		{"restart 3", Command{Name: "restart", N: 3}},
		{"isolate 2", Command{Name: "isolate", N: 2}},
		{"rejoin 2", Command{Name: "rejoin", N: 2}},
		{"partition 1,2|3,4,5", Command{Name: "partition", Groups: [][]int{{1, 2}, {3, 4, 5}}}},
		{"partition 1 | 2,3 | 4,5", Command{Name: "partition", Groups: [][]int{{1}, {2, 3}, {4, 5}}}},
		{"link 1 2 drop 0.5 delay 30ms", Command{Name: "link", From: 1, To: 2, Drop: 0.5, Delay: 30 * time.Millisecond}},
		{"link 2 1", Command{Name: "link", From: 2, To: 1}},
		{"link all delay 600ms votes", Command{Name: "link", All: true, Delay: 600 * time.Millisecond, Votes: true}},
		{"link 1 3 drop 1 votes", Command{Name: "link", From: 1, To: 3, Drop: 1, Votes: true}},
		{"heal", Command{Name: "heal"}},
		{"newgame", Command{Name: "newgame"}},
		{"wait leader", Command{Name: "wait", Until: "leader", Timeout: DefaultWait}},
		{"wait converged 3s", Command{Name: "wait", Until: "converged", Timeout: 3 * time.Second}},
		{"sleep 250ms", Command{Name: "sleep", Delay: 250 * time.Millisecond}},
		{"exit", Command{Name: "quit"}},
	}
	for _, c := range cases {
		got, err := Parse(c.line, 5)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.line, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("Parse(%q) = %+v, want %+v", c.line, got, c.want)
		}
	}
}

func TestParseErrorsSayWhatIsWrong(t *testing.T) {
	cases := map[string]string{
		"dance":               "unknown command",
		"attack 1":            "usage: attack",
		"attack 1 9":          `"9" is not a replica`,
		"attack 0 1":          `"0" is not a replica`,
		"attack 1 2 by 3":     "usage: attack",
		"crash":               "usage: crash",
		"crash everyone":      "not a replica",
		"partition 1,2":       "at least two groups",
		"partition 1,2|2,3":   "in two groups",
		"partition 1,,2|3":    "not a replica",
		"link 1 1":            "two different",
		"link 1 2 drop 2":     "0..1",
		"link 1 2 delay soon": "not a duration",
		"wait":                "usage: wait",
		"wait forever":        "usage: wait",
		"wait leader -1s":     "not a duration",
		"sleep":               "usage: sleep",
		"status yaml":         "usage: status",
		"heal now":            "unexpected",
	}
	for line, want := range cases {
		_, err := Parse(line, 5)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) error %v, want one mentioning %q", line, err, want)
		}
	}
}

// FuzzParse: no input makes Parse panic, and what it accepts is in range.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"status json", "attack 1 2 via 3", "partition 1,2|3,4,5",
		"link 1 2 drop 0.1 delay 5ms", "wait leader 2s", "crash leader", "sleep 1s"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		c, err := Parse(line, 5)
		if err != nil {
			return
		}
		for _, r := range []int{c.N, c.From, c.To, c.Via} {
			if r < 0 || r > 5 {
				t.Fatalf("Parse(%q) accepted replica %d", line, r)
			}
		}
		for _, g := range c.Groups {
			for _, r := range g {
				if r < 1 || r > 5 {
					t.Fatalf("Parse(%q) accepted replica %d in a group", line, r)
				}
			}
		}
		if c.Drop < 0 || c.Drop > 1 || c.Delay < 0 || c.Timeout < 0 {
			t.Fatalf("Parse(%q) accepted %+v", line, c)
		}
	})
}

package command

import (
	"math/rand/v2"
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
		{"", nil},
		{"   # just a comment", nil},
		{"status", Status{}},
		{"STATUS json", Status{JSON: true}},
		{"attack 1 2", Attack{From: 1, To: 2, Via: Replica(1)}},
		{"attack 1 2 via 5 # through a follower", Attack{From: 1, To: 2, Via: Replica(5)}},
		{"attack 1 2 via leader", Attack{From: 1, To: 2, Via: Ref{Role: Leader}}},
		{"attack 1 2 via old-leader", Attack{From: 1, To: 2, Via: Ref{Role: OldLeader}}},
		{"attack 1 2 nowait", Attack{From: 1, To: 2, Via: Replica(1), NoWait: true}},
		{"crash follower", Crash{Replica: Ref{Role: Follower}}},
		{"partition leader", PartitionLeader{}},
		{"log 3", Log{Replica: Replica(3)}},
		{"log old-leader", Log{Replica: Ref{Role: OldLeader}}},
		{"load 3000", Load{N: 3000}},
		{"set prevote off", SetPreVote{}},
		{"set checkquorum on", SetCheckQuorum{On: true}},
		{"set rtt 200ms", SetRTT{Ms: 200}},
		{"autoplay on", Autoplay{On: true}},
		{"slow on", Slow{On: true}},
		{"crash all", Crash{Replica: Ref{Role: All}}},
		{"messages off", Messages{}},
		{"promote 4", Promote{Replica: 4}},
		{"enrolment off", Enrolment{}},
		{"enrollment on", Enrolment{On: true}},
		{"end class", EndClass{}},
		{"start game", StartGame{}},
		{"restart all", Restart{}},
		{"lesson My-Lesson.toml", Lesson{Name: "My-Lesson.toml"}},
		{"crash 3", Crash{Replica: Replica(3)}},
		{"crash leader", Crash{Replica: Ref{Role: Leader}}},
		{"transfer 4", Transfer{Replica: Replica(4)}},
		{"restart 3", Restart{Replica: 3}},
		{"isolate 2", Isolate{Replica: Replica(2)}},
		{"rejoin 2", Rejoin{Replica: Replica(2)}},
		{"partition 1,2|3,4,5", Partition{Groups: [][]int{{1, 2}, {3, 4, 5}}}},
		{"partition 1 | 2,3 | 4,5", Partition{Groups: [][]int{{1}, {2, 3}, {4, 5}}}},
		{"link 1 2 drop 0.5 delay 30ms", Link{From: 1, To: 2, Drop: 0.5, Delay: 30 * time.Millisecond}},
		{"link 2 1", Link{From: 2, To: 1}},
		{"link all delay 600ms votes", Link{All: true, Delay: 600 * time.Millisecond, Votes: true}},
		{"link 1 3 drop 1 votes", Link{From: 1, To: 3, Drop: 1, Votes: true}},
		{"link 1 3 drop -0", Link{From: 1, To: 3}},
		{"heal", Heal{}},
		{"newgame", NewGame{}},
		{"wait leader", Wait{Until: UntilLeader, Timeout: DefaultWait}},
		{"wait converged 3s", Wait{Until: UntilConverged, Timeout: 3 * time.Second}},
		{"wait proposals", Wait{Until: UntilProposals, Timeout: DefaultWait}},
		{"sleep 250ms", Sleep{For: 250 * time.Millisecond}},
		{"exit", Quit{}},
		{"help", Help{}},
	}
	for _, c := range cases {
		got, err := Parse(c.line, 5)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.line, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("Parse(%q) = %#v, want %#v", c.line, got, c.want)
		}
	}
	if d, _ := Parse("link 1 3 drop -0", 5); d.String() != "link 1 3" {
		t.Errorf("drop -0 written back as %q", d)
	}
}

func TestParseErrorsSayWhatIsWrong(t *testing.T) {
	cases := map[string]string{
		"dance":                      "unknown command",
		"attack 1":                   "usage: attack",
		"attack 1 9":                 `"9" is not a replica`,
		"attack 0 1":                 `"0" is not a replica`,
		"attack 1 1":                 "cannot attack itself",
		"attack 1 2 by 3":            "usage: attack",
		"crash":                      "usage: crash",
		"crash everyone":             "not a replica",
		"partition 1,2":              "at least two groups",
		"partition 1,2|2,3":          "in two groups",
		"partition 1,,2|3":           "not a replica",
		"link 1 1":                   "two different",
		"link 1 2 drop 2":            "0..1",
		"link 1 2 delay soon":        "not a duration",
		"link 1 2 delay 2m":          "at most 1m0s",
		"link 1 2 drop 0.5 drop 0.1": "given twice",
		"wait":                       "usage: wait",
		"wait forever":               "usage: wait",
		"wait leader -1s":            "not a duration",
		"sleep":                      "usage: sleep",
		"status yaml":                "usage: status",
		"heal now":                   "unexpected",
		"load 0":                     "want 1 to",
		"set rtt 0":                  "want 1 to",
	}
	for line, want := range cases {
		_, err := Parse(line, 5)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) error %v, want one mentioning %q", line, err, want)
		}
	}
}

// randomCommand returns a valid command of every kind in turn, with
// random arguments, for a cluster of n replicas.
func randomCommand(rng *rand.Rand, kind, n int) Command {
	r := func() int { return rng.IntN(n) + 1 }
	ref := func() Ref {
		if rng.IntN(3) == 0 {
			return Ref{Role: []Role{Leader, OldLeader, Follower}[rng.IntN(3)]}
		}
		return Replica(r())
	}
	two := func() (int, int) {
		a := r()
		b := rng.IntN(n-1) + 1
		if b >= a {
			b++
		}
		return a, b
	}
	d := func(most time.Duration) time.Duration { return time.Duration(rng.Int64N(int64(most) + 1)) }
	on := rng.IntN(2) == 0
	switch kind {
	case 0:
		return Help{}
	case 1:
		return Quit{}
	case 2:
		return Status{JSON: on}
	case 3:
		a, b := two()
		return Attack{From: a, To: b, Via: ref(), NoWait: on}
	case 4:
		return NewGame{}
	case 5:
		return Crash{Replica: ref()}
	case 6:
		return Restart{Replica: rng.IntN(n + 1)}
	case 7:
		return Isolate{Replica: ref()}
	case 8:
		return Rejoin{Replica: ref()}
	case 9:
		perm := rng.Perm(n)
		cut := 1 + rng.IntN(n-1)
		var g [2][]int
		for i, p := range perm {
			g[min(i/cut, 1)] = append(g[min(i/cut, 1)], p+1)
		}
		return Partition{Groups: [][]int{g[0], g[1]}}
	case 10:
		return PartitionLeader{}
	case 11:
		c := Link{Drop: float64(rng.IntN(101)) / 100, Delay: d(MaxLinkDelay), Jitter: d(MaxLinkDelay), Votes: on}
		if rng.IntN(4) == 0 {
			c.All = true
		} else {
			c.From, c.To = two()
		}
		return c
	case 12:
		return Heal{}
	case 13:
		return Log{Replica: ref()}
	case 14:
		return Load{N: rng.IntN(MaxLoad) + 1}
	case 15:
		return SetPreVote{On: on}
	case 16:
		return SetCheckQuorum{On: on}
	case 17:
		return SetRTT{Ms: rng.IntN(MaxRTT) + 1}
	case 18:
		return Wait{Until: []Until{UntilLeader, UntilConverged, UntilProposals}[rng.IntN(3)], Timeout: d(MaxDuration)}
	case 19:
		return Sleep{For: d(MaxDuration)}
	case 20:
		return Lesson{Name: []string{"split-brain", "My-Lesson.toml", "/tmp/x.toml"}[rng.IntN(3)]}
	case 21:
		return Autoplay{On: on}
	case 22:
		return Messages{On: on}
	case 23:
		return Slow{On: on}
	case 24:
		return Transfer{Replica: ref()}
	case 25:
		return Add{}
	case 26:
		return Remove{Replica: ref()}
	case 27:
		return Promote{Replica: r()}
	case 28:
		return Enrolment{On: on}
	case 29:
		return EndClass{}
	case 30:
		return StartGame{}
	case 31:
		return Offline{Replica: r(), For: time.Duration(rng.IntN(60_000)) * time.Millisecond}
	case 32:
		return Answer{Choice: rng.IntN(10) + 1}
	}
	return nil
}

const kinds = 33

// Every kind of command, written and read back, is the same command.
func TestStringParsesBackToTheSameCommand(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 20*kinds; i++ {
		c := randomCommand(rng, i%kinds, 9)
		got, err := Parse(c.String(), 9)
		if err != nil || !reflect.DeepEqual(got, c) {
			t.Fatalf("Parse(%q) = %#v, %v; want %#v", c.String(), got, err, c)
		}
	}
}

// FuzzParse: no input makes Parse panic, and what it accepts is written
// back canonically: read again, it is the same command.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"status json", "attack 1 2 via 3", "partition 1,2|3,4,5",
		"link 1 2 drop 0.1 delay 5ms", "wait leader 2s", "crash leader", "sleep 1s"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		c, err := Parse(line, 5)
		if err != nil || c == nil {
			return
		}
		again, err := Parse(c.String(), 5)
		if err != nil || !reflect.DeepEqual(again, c) {
			t.Fatalf("Parse(%q) = %#v, written %q, read back %#v (%v)", line, c, c.String(), again, err)
		}
	})
}

func TestPartitionPresets(t *testing.T) {
	got := Presets(5)
	want := [][][]int{
		{{1, 2}, {3, 4, 5}},
		{{1}, {2, 3}, {4, 5}},
		{{1, 2, 3}, {4, 5}},
		{{1, 3, 5}, {2, 4}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Presets(5) = %v, want %v", got, want)
	}
	for n := 3; n <= 9; n++ {
		for _, p := range Presets(n) {
			seen := map[int]bool{}
			for _, g := range p {
				if len(g) == 0 {
					t.Fatalf("n=%d: empty group in %v", n, p)
				}
				for _, r := range g {
					if seen[r] || r < 1 || r > n {
						t.Fatalf("n=%d: bad preset %v", n, p)
					}
					seen[r] = true
				}
			}
			if len(seen) != n {
				t.Fatalf("n=%d: preset %v leaves replicas out", n, p)
			}
		}
	}
}

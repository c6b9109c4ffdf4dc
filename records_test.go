package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/raftian/raftian/record"
	"github.com/raftian/raftian/rewind"
	"github.com/raftian/raftian/world"
)

// Events files, recordings and records written by the program, read back.

// checkEventsFile checks that every line is a JSON object with t_ms and
// type, and that each wanted type occurs.
func checkEventsFile(t *testing.T, path string, want ...string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for i, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var ev map[string]any
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("events line %d is not JSON: %q", i+1, line)
		}
		if _, ok := ev["t_ms"].(float64); !ok {
			t.Fatalf("events line %d has no t_ms: %q", i+1, line)
		}
		typ, _ := ev["type"].(string)
		seen[typ] = true
		if typ == "commit" && (ev["id"] == nil || ev["latency_ms"] == nil) {
			t.Errorf("commit event without id or latency: %q", line)
		}
	}
	for _, w := range want {
		if !seen[w] {
			t.Errorf("no %q event in %s", w, path)
		}
	}
}

// A recorded headless run, replayed on a fresh cluster, makes the same
// faults and attacks in the same order.
func TestRecordAndReplay(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfigFile(t, "")
	rec, ev1, ev2 := filepath.Join(dir, "in.jsonl"), filepath.Join(dir, "ev1.jsonl"), filepath.Join(dir, "ev2.jsonl")
	script := "wait leader 20s\nattack 1 2\ncrash leader\nwait leader 20s\npartition 1,2|3,4,5\nheal\nrestart all\nattack 2 4 via leader\nstatus\nwait converged 20s\n"
	if code, _, stderr := runRaftian(t, script, "--headless", "--storage", "memory", "--config", cfg,
		"--record", rec, "--events", ev1); code != 0 {
		t.Fatalf("recording run: exit %d\n%s", code, stderr)
	}
	code, out, stderr := runRaftian(t, "", "replay", rec, "--config", cfg, "--events", ev2) // flags after the argument
	if code != 0 || !strings.Contains(out, "replayed 6 inputs") {
		t.Fatalf("replay: exit %d\n%s\n%s", code, out, stderr)
	}
	a, b := faultsAndAttacks(t, ev1), faultsAndAttacks(t, ev2)
	if strings.Join(a, " ") != strings.Join(b, " ") {
		t.Fatalf("replay differs:\n recorded %v\n replayed %v", a, b)
	}
	if len(a) != 6 {
		t.Fatalf("recorded %v: want 2 attacks and 4 faults", a)
	}

	// The same events as a picture.
	svg := filepath.Join(dir, "timeline.svg")
	if code, out, stderr := runRaftian(t, "", "timeline", ev1, "--out", svg, "--config", cfg); code != 0 {
		t.Fatalf("timeline: exit %d\n%s%s", code, out, stderr)
	}
	data, err := os.ReadFile(svg)
	if err != nil || !strings.Contains(string(data), "<svg") || !strings.Contains(string(data), ">crash<") ||
		strings.Count(string(data), "<rect") < 10 {
		t.Fatalf("timeline SVG is missing lanes or markers:\n%.500s", data)
	}
}

// faultsAndAttacks lists the faults and committed attacks in an events file.
func faultsAndAttacks(t *testing.T, path string) []string {
	var out []string
	for _, ev := range events(t, path) {
		switch ev["type"] {
		case "crash", "restart", "isolate", "rejoin", "heal":
			out = append(out, fmt.Sprintf("%s:%d", ev["type"], num(ev, "node")))
		case "partition":
			out = append(out, fmt.Sprintf("partition:%v", ev["groups"]))
		case "commit":
			out = append(out, fmt.Sprintf("attack:%d→%d", num(ev, "from"), num(ev, "to")))
		}
	}
	return out
}

// The repro, as a user types it: 400 "attack ... nowait" lines
// through their own replicas, then "wait proposals". Every acknowledged
// attack took effect exactly once: the cities' HP is what the applied
// attacks make it, and no answer is a "duplicate" that never happened.
// The same through an isolated follower: every attack fails, and says so.
func TestNowaitAttacksTakeEffectExactlyOnce(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	var script strings.Builder
	script.WriteString("wait leader 20s\n")
	for i := 0; i < 400; i++ {
		a := rng.IntN(5) + 1
		b := rng.IntN(4) + 1
		if b >= a {
			b++
		}
		fmt.Fprintf(&script, "attack %d %d nowait\n", a, b)
	}
	script.WriteString("wait proposals 30s\nwait converged 20s\nstatus json\n")
	// Then through an isolated follower (replica 5 is led or follows: if
	// it leads, isolating it still leaves it unable to commit).
	script.WriteString("isolate 5\n")
	for i := 0; i < 100; i++ {
		script.WriteString("attack 5 1 nowait\n")
	}
	script.WriteString("wait proposals 30s\nheal\nwait leader 20s\nwait converged 20s\nstatus json\n")

	eventsFile := filepath.Join(t.TempDir(), "events.jsonl")
	code, out, stderr := runRaftian(t, script.String(), "--headless", "--storage", "memory",
		"--config", testConfigFile(t, ""), "--events", eventsFile)
	// Exit status 1: the attacks through the isolated replica failed.
	if code != 1 || strings.Count(out, "every proposal answered") != 2 {
		t.Fatalf("exit %d; want 1 and both waits for proposals answered:\n%s\n%s", code, out, stderr)
	}
	// Each attack is answered on a line of its own.
	lines := regexp.MustCompile(`(?m)^(committed|rejected|failed): `).FindAllString(out, -1)
	isolated := regexp.MustCompile(`(?m)^failed: P5 \(5\) → P1 \(1\) via 5: `).FindAllString(out, -1)
	if len(lines) != 500 || len(isolated) < 100 {
		t.Errorf("%d answer lines (%d failures through replica 5); want 500 (at least 100)", len(lines), len(isolated))
	}
	hits := map[int]int{}
	answers, lone := 0, 0
	for _, ev := range events(t, eventsFile) {
		switch ev["type"] {
		case "commit":
			answers++
			if num(ev, "from") == 5 && num(ev, "to") == 1 && answers > 400 {
				t.Errorf("an attack through the isolated replica 5 was acknowledged: %v", ev)
			}
			switch ev["result"] {
			case "applied":
				hits[num(ev, "to")]++
			case "target already destroyed", "attacker already destroyed":
			default:
				t.Errorf("commit event with result %v", ev["result"])
			}
		case "fail":
			answers++
			if answers > 400 {
				lone++
			}
		}
	}
	if answers != 500 || lone != 100 {
		t.Errorf("%d answers (%d failures through the isolated replica), want 500 (100)", answers, lone)
	}
	st := lastStatus(t, out)
	for _, r := range st.Replicas {
		for p := 1; p <= 5; p++ {
			if want := max(world.StartHP-world.Damage*hits[p], 0); r.HP[p-1] != want {
				t.Errorf("replica %d: HP of %d is %d; the %d acknowledged hits make %d", r.ID, p, r.HP[p-1], hits[p], want)
			}
		}
	}
}

// --observe writes the run's record at the end: the model read from it
// holds every replica's world as the run left it, and the crash.
func TestHeadlessObserveWritesTheRecord(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.jsonl.gz")
	script := "wait leader 20s\nattack 1 2\ncrash 3\nattack 2 4\nwait converged 20s\nstatus json\n"
	code, out, stderr := runRaftian(t, script, "--headless", "--storage", "memory",
		"--config", testConfigFile(t, ""), "--observe", path)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "raftian view "+path) {
		t.Errorf("stderr does not say where the record is and how to watch it:\n%s", stderr)
	}
	log, err := record.ReadLogFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m := rewind.New(log)
	m.Update()
	st := lastStatus(t, out)
	for i, r := range m.Head().Replicas {
		want := st.Replicas[i]
		if r.Up != want.Up || r.World.HP(2) != want.HP[1] || r.World.HP(4) != want.HP[3] {
			t.Errorf("replica %d in the record: up %v, HP %d/%d; the run ended with up %v, HP %d/%d",
				r.ID, r.Up, r.World.HP(2), r.World.HP(4), want.Up, want.HP[1], want.HP[3])
		}
	}
}

// events reads the JSON lines written so far.
func events(t *testing.T, path string) []map[string]any {
	data, _ := os.ReadFile(path)
	var out []map[string]any
	for _, line := range strings.Split(string(data), "\n") {
		var ev map[string]any
		if json.Unmarshal([]byte(line), &ev) == nil {
			out = append(out, ev)
		}
	}
	return out
}

func num(ev map[string]any, key string) int {
	v, _ := ev[key].(float64)
	return int(v)
}

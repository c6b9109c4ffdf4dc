package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/raftian/raftian/internal/testenv"
	"github.com/raftian/raftian/record"
	"github.com/raftian/raftian/rewind"
	"github.com/raftian/raftian/world"
)

// testConfigFile writes a configuration with free loopback ports and fast
// timing, plus extra lines, and returns its path.
func testConfigFile(t *testing.T, extra string) string {
	t.Helper()
	return testConfigRaft(t, "", extra)
}

// testConfigRaft is testConfigFile with more lines in its [raft] table.
func testConfigRaft(t *testing.T, raft, extra string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("[raft]\nrtt_ms = 10\n" + raft)
	for i, addr := range testenv.Addrs(t, 5) {
		c := testColours[i]
		fmt.Fprintf(&b, "[[player]]\nname = \"P%d\"\ncolor = \"#%02x%02x%02x\"\naddress = %q\n", i+1, c[0], c[1], c[2], addr)
	}
	b.WriteString(extra)
	path := filepath.Join(t.TempDir(), "raftian.toml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// testColours are the players' colours in testConfigFile, then that of
// the first replica added (node's newcomers).
var testColours = [][3]uint8{{230, 25, 75}, {60, 180, 75}, {67, 99, 216}, {245, 130, 49}, {145, 30, 180}, {0xf7, 0x81, 0xbf}}

func runRaftian(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func checkNoStackTrace(t *testing.T, stderr string) {
	t.Helper()
	if strings.Contains(stderr, "goroutine ") || strings.Contains(stderr, "panic") {
		t.Fatalf("stderr has a stack trace:\n%s", stderr)
	}
}

func TestBadConfigIsAClearError(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name, src string
		want      []string
	}{
		{"unknown key", "storage = \"disk\"\n[raft]\nrtt = 5\n", []string{":3:", `unknown key "raft.rtt"`}},
		{"bad value", "[raft]\nrtt_ms = -5\n", []string{":2:", "raft.rtt_ms", "out of range"}},
		{"bad storage", "storage = \"tape\"\n", []string{":1:", "storage"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".toml")
			os.WriteFile(path, []byte(c.src), 0o644)
			code, _, stderr := runRaftian(t, "", "--headless", "--config", path)
			if code == 0 {
				t.Fatal("exit status 0 for a bad config")
			}
			for _, w := range append(c.want, path) {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr %q does not mention %q", stderr, w)
				}
			}
			checkNoStackTrace(t, stderr)
		})
	}
}

func TestBadCommandLinesAreClearErrors(t *testing.T) {
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--headless", "--config", "/nonexistent/raftian.toml"}, 1, "/nonexistent/raftian.toml"},
		{[]string{"--headless", "--storage", "tape"}, 1, "--storage"},
		{[]string{"--no-such-flag"}, 2, "no-such-flag"},
		{[]string{"chaos", "--duration", "-1s"}, 2, "--duration"},
		{[]string{"chaos", "--storage", "tape"}, 2, "--storage"},
	}
	for _, c := range cases {
		code, _, stderr := runRaftian(t, "", c.args...)
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("raftian %v: exit %d, stderr %q; want exit %d mentioning %q", c.args, code, stderr, c.code, c.want)
		}
		checkNoStackTrace(t, stderr)
	}
}

func TestPortInUseNamesThePort(t *testing.T) {
	cfg := testConfigFile(t, "")
	src, _ := os.ReadFile(cfg)
	// Hold player 4's port.
	addr := strings.Split(strings.Split(string(src), "address = \"")[4], "\"")[0]
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	code, _, stderr := runRaftian(t, "quit\n", "--headless", "--storage", "memory", "--config", cfg)
	if code == 0 || !strings.Contains(stderr, addr) || !strings.Contains(stderr, "in use") {
		t.Fatalf("code %d, stderr %q: want an error naming %s", code, stderr, addr)
	}
	checkNoStackTrace(t, stderr)
}

func TestNoDisplaySuggestsHeadless(t *testing.T) {
	t.Setenv("DISPLAY", "")
	t.Setenv("WAYLAND_DISPLAY", "")
	code, _, stderr := runRaftian(t, "", "--storage", "memory", "--config", testConfigFile(t, ""))
	if code == 0 || !strings.Contains(stderr, "no display") || !strings.Contains(stderr, "--headless") {
		t.Fatalf("code %d stderr %q", code, stderr)
	}
	checkNoStackTrace(t, stderr)
}

type statusJSON struct {
	Replicas []struct {
		ID        int    `json:"id"`
		Up        bool   `json:"up"`
		Role      string `json:"role"`
		Leader    int    `json:"leader"`
		Applied   uint64 `json:"applied"`
		HP        []int  `json:"hp"`
		WorldHash string `json:"world_hash"`
	} `json:"replicas"`
}

// lastStatus returns the last "status json" answer in a headless session.
func lastStatus(t *testing.T, stdout string) statusJSON {
	t.Helper()
	var st statusJSON
	lines := strings.Split(stdout, "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.HasPrefix(lines[i], `{"replicas"`) {
			if err := json.Unmarshal([]byte(lines[i]), &st); err != nil {
				t.Fatal(err)
			}
			return st
		}
	}
	t.Fatalf("no status json in:\n%s", stdout)
	return st
}

func TestHeadlessSession(t *testing.T) {
	script := `
# a comment, then a blank line

wait leader 20s
attack 1 2
attack 3 2 via 4
attack 2 2
frobnicate
crash leader
wait leader 20s
partition 1,2|3,4,5
heal
wait converged 20s
status
status json
`
	events := filepath.Join(t.TempDir(), "events.jsonl")
	code, out, stderr := runRaftian(t, script, "--headless", "--storage", "memory",
		"--config", testConfigFile(t, ""), "--events", events)
	if code != 1 { // "frobnicate" and "attack 2 2" answered with errors
		t.Fatalf("exit %d, want 1 after commands that failed\n%s", code, stderr)
	}
	checkEventsFile(t, events, "leader", "commit", "crash", "partition", "heal")
	for _, want := range []string{
		"leader ", fmt.Sprintf("committed: P1 (1) → P2 (2) via 1: HP %d", world.StartHP-world.Damage),
		fmt.Sprintf("committed: P3 (3) → P2 (2) via 4: HP %d", world.StartHP-2*world.Damage),
		"error: a player cannot attack itself",
		`error: unknown command "frobnicate"`, "crashed replica", "partitioned 1,2 | 3,4,5",
		"healed", "converged after", "replica  player",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	st := lastStatus(t, out)
	down := 0
	for _, r := range st.Replicas {
		if !r.Up {
			down++
			continue
		}
		if r.HP[1] != world.StartHP-2*world.Damage {
			t.Errorf("replica %d: HP of player 2 = %d, want %d", r.ID, r.HP[1], world.StartHP-2*world.Damage)
		}
	}
	if len(st.Replicas) != 5 || down != 1 {
		t.Errorf("want 5 replicas, one down: %+v", st)
	}
}

// Quit, start again on the same data directory: the world is exactly as
// it was.
func TestProgramRestartKeepsTheGame(t *testing.T) {
	cfg := testConfigFile(t, "")
	data := t.TempDir()
	args := []string{"--headless", "--storage", "disk", "--data", data, "--config", cfg}
	code, out, stderr := runRaftian(t, "wait leader 20s\nattack 1 2\nattack 2 3\nattack 5 2\nwait converged 20s\nstatus json\nquit\n", args...)
	if code != 0 {
		t.Fatalf("first run: exit %d\n%s", code, stderr)
	}
	before := lastStatus(t, out)
	code, out, stderr = runRaftian(t, "wait leader 20s\nwait converged 20s\nstatus json\n", args...)
	if code != 0 {
		t.Fatalf("second run: exit %d\n%s", code, stderr)
	}
	after := lastStatus(t, out)
	for i, r := range after.Replicas {
		b := before.Replicas[i]
		if r.WorldHash != b.WorldHash || fmt.Sprint(r.HP) != fmt.Sprint(b.HP) || r.Applied != b.Applied {
			t.Errorf("replica %d: after restart %v %s (applied %d), before %v %s (applied %d)",
				r.ID, r.HP, r.WorldHash, r.Applied, b.HP, b.WorldHash, b.Applied)
		}
	}
	// Player 2 was hit twice, player 3 once.
	full, one, two := world.StartHP, world.StartHP-world.Damage, world.StartHP-2*world.Damage
	if want := fmt.Sprint([]int{full, two, one, full, full}); fmt.Sprint(after.Replicas[0].HP) != want {
		t.Errorf("HP after restart %v, want %s", after.Replicas[0].HP, want)
	}

	// --fresh starts a new game.
	code, out, _ = runRaftian(t, "wait leader 20s\nwait converged 20s\nstatus json\n", append(args, "--fresh")...)
	if code != 0 || fmt.Sprint(lastStatus(t, out).Replicas[0].HP) != fmt.Sprint([]int{full, full, full, full, full}) {
		t.Errorf("--fresh did not start a new game: %s", out)
	}
}

func TestFreshRefusesForeignDirectory(t *testing.T) {
	data := t.TempDir()
	os.WriteFile(filepath.Join(data, "thesis.tex"), []byte("precious"), 0o644)
	code, _, stderr := runRaftian(t, "", "--headless", "--fresh", "--data", data, "--config", testConfigFile(t, ""))
	if code == 0 || !strings.Contains(stderr, "refusing") {
		t.Fatalf("code %d stderr %q", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(data, "thesis.tex")); err != nil {
		t.Fatal("--fresh deleted a file it did not write")
	}
}

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
	if code != 0 || strings.Count(out, "every proposal answered") != 2 {
		t.Fatalf("exit %d; want both waits for proposals answered:\n%s\n%s", code, out, stderr)
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
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	log, err := record.ReadLog(f)
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

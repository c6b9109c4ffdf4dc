package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/raftian/raftian/internal/testenv"
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
		Removed   bool   `json:"removed"`
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
			t.Errorf("replica %d: HP of player 2 = %d, want %d\n%s\nevents:\n%s", r.ID, r.HP[1], world.StartHP-2*world.Damage, out, readFile(t, events))
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
		t.Fatalf("first run: exit %d\n%s\n%s", code, out, stderr)
	}
	before := lastStatus(t, out)
	code, out, stderr = runRaftian(t, "wait leader 20s\nwait converged 20s\nstatus json\n", args...)
	if code != 0 {
		t.Fatalf("second run: exit %d\n%s\n%s", code, out, stderr)
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

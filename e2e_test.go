package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/raftian/raftian/internal/testenv"
	"github.com/raftian/raftian/ui"
)

// The end-to-end test drives the real binary in a real window under Xvfb,
// as a person would: keys and clicks held across frames with xdotool, and
// the events file to see what happened.

func needTools(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed: run `just test-setup` (Debian packages xvfb xauth xdotool)", tool)
		}
	}
}

// startXvfb starts a private X server and returns its DISPLAY.
func startXvfb(t *testing.T) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	x := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", "1600x900x24", "-nolisten", "tcp")
	x.ExtraFiles = []*os.File{w}
	if err := x.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	t.Cleanup(func() { x.Process.Kill(); x.Wait() })
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil {
		t.Fatalf("Xvfb did not say its display: %v", err)
	}
	return ":" + strings.TrimSpace(line)
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

// agreedLeader returns the leader and term that a majority of replicas
// last reported, if any.
func agreedLeader(evs []map[string]any, n int) (leader, term int) {
	view := map[int][2]int{}
	for _, ev := range evs {
		if ev["type"] == "leader" {
			view[num(ev, "node")] = [2]int{num(ev, "leader"), num(ev, "term")}
		}
	}
	count := map[[2]int]int{}
	for _, v := range view {
		if v[0] != 0 {
			count[v]++
		}
	}
	for v, c := range count {
		if c > n/2 {
			return v[0], v[1]
		}
	}
	return 0, 0
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func xdo(t *testing.T, display string, args ...string) string {
	t.Helper()
	cmd := exec.Command("xdotool", args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("xdotool %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// press holds a key long enough for any frame rate to see it.
func press(t *testing.T, display, key string) {
	xdo(t, display, "keydown", key)
	time.Sleep(150 * time.Millisecond)
	xdo(t, display, "keyup", key)
}

func TestWindowEndToEnd(t *testing.T) {
	needTools(t, "Xvfb", "xdotool")
	dir := t.TempDir()
	bin := buildRaftian(t)
	display := startXvfb(t)
	evFile := filepath.Join(dir, "events.jsonl")
	cmd := exec.Command(bin, "--storage", "memory", "--events", evFile,
		"--config", testConfigFile(t, "[window]\nwidth = 1600\nheight = 900\n"))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "DISPLAY="+display, "GORACE=halt_on_error=1")
	var stdout, stderr testenv.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-exited
		}
	}()

	wid := xdo(t, display, "search", "--sync", "--name", "^Raftian$")
	var leader, term int
	waitUntil(t, "a first leader", func() bool {
		leader, term = agreedLeader(events(t, evFile), 5)
		return leader != 0
	})

	// L crashes the leader; a new one is elected in a higher term.
	press(t, display, "l")
	waitUntil(t, "the crash and a new leader", func() bool {
		evs := events(t, evFile)
		crashed := false
		for _, ev := range evs {
			crashed = crashed || (ev["type"] == "crash" && num(ev, "node") == leader)
		}
		l, tm := agreedLeader(evs, 5)
		return crashed && l != 0 && l != leader && tm > term
	})

	// Player `from` clicks a rival's city in its own pane.
	from := leader%5 + 1
	to := from%5 + 1
	if to == leader {
		to = to%5 + 1
	}
	screen := ui.LayoutScreen(1600, 900, 5)
	city := ui.CityRects(ui.LayoutPane(screen.Panes[from-1]).Cities, 5)[to-1]
	xdo(t, display, "mousemove", "--window", wid, fmt.Sprint(int(city.X+city.W/2)), fmt.Sprint(int(city.Y+city.H/2)))
	xdo(t, display, "mousedown", "1")
	time.Sleep(150 * time.Millisecond)
	xdo(t, display, "mouseup", "1")
	waitUntil(t, fmt.Sprintf("player %d's attack on %d to commit", from, to), func() bool {
		for _, ev := range events(t, evFile) {
			if ev["type"] == "commit" && num(ev, "from") == from && num(ev, "to") == to && num(ev, "via") == from {
				return true
			}
		}
		return false
	})

	// F12 saves one screenshot and says where.
	time.Sleep(300 * time.Millisecond) // let the attack reach every pane
	press(t, display, "F12")
	var shot string
	waitUntil(t, "the screenshot's path on stdout", func() bool {
		for _, line := range strings.Split(stdout.String(), "\n") {
			if p, ok := strings.CutPrefix(line, "screenshot saved: "); ok {
				shot = p
				return true
			}
		}
		return false
	})
	checkScreenshot(t, shot, screen, leader)
	if left, _ := filepath.Glob(filepath.Join(dir, "screenshot*.png")); len(left) != 0 {
		t.Errorf("raylib's own screenshot file was left behind: %v", left)
	}

	press(t, display, "h")
	waitUntil(t, "the heal event", func() bool {
		for _, ev := range events(t, evFile) {
			if ev["type"] == "heal" {
				return true
			}
		}
		return false
	})
	press(t, display, "Escape")
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("exit: %v\nstderr:\n%s", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Esc did not quit")
	}
	if s := stderr.String(); strings.Contains(s, "panic") || strings.Contains(s, "DATA RACE") {
		t.Fatalf("stderr:\n%s", s)
	}
}

// checkScreenshot checks that the picture shows the panes: each pane
// region has many colours, and each live pane's border is drawn in its
// player's colour (the crashed one is greyed out).
func checkScreenshot(t *testing.T, path string, s ui.Screen, crashed int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 1600 || b.Dy() != 900 {
		t.Fatalf("screenshot is %v, want 1600×900", b)
	}
	for i, p := range s.Panes {
		hist := map[[3]uint32]bool{}
		for y := int(p.Y); y < int(p.Y+p.H); y += 2 {
			for x := int(p.X); x < int(p.X+p.W); x += 2 {
				r, g, b, _ := img.At(x, y).RGBA()
				hist[[3]uint32{r >> 8, g >> 8, b >> 8}] = true
			}
		}
		if len(hist) < 30 {
			t.Errorf("pane %d has %d colours: blank?", i+1, len(hist))
		}
		if i+1 == crashed {
			continue
		}
		want := testColours[i]
		match, total := 0, 0
		for y := int(p.Y + p.H/4); y < int(p.Y+3*p.H/4); y++ {
			r, g, b, _ := img.At(int(p.X)+4, y).RGBA()
			total++
			if near(r>>8, want[0]) && near(g>>8, want[1]) && near(b>>8, want[2]) {
				match++
			}
		}
		if match < total*3/4 {
			t.Errorf("pane %d: only %d of %d border pixels in its player's colour %v", i+1, match, total, want)
		}
	}
}

func near(a uint32, b uint8) bool { return a+12 >= uint32(b) && a <= uint32(b)+12 }

// `raftian bench --quick` completes and prints every row (a smoke test:
// the numbers are for `just bench`, not for pass or fail).
func TestBenchQuickPrintsEveryRow(t *testing.T) {
	needTools(t, "Xvfb")
	bin := buildRaftian(t)
	display := startXvfb(t)
	cfg := testConfigFile(t, "")
	cmd := exec.Command(bin, "bench", "--quick", "--config", cfg, "--json", filepath.Join(t.TempDir(), "b.json"))
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	var stdout, stderr testenv.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("bench: %v\n%s\n%s", err, stdout.String(), stderr.String())
	}
	for _, figure := range []string{
		"attack commit latency, memory", "attack commit latency, disk", "overhead over the engine, memory",
		"overhead over the engine, disk", "throughput, memory", "throughput, disk", "transport efficiency",
		"failover", "heal", "catch-up", "startup", "memory, idle", "memory, after", "frame build, idle",
		"frame build, storm", "frame time, idle", "frame time, storm",
	} {
		if !strings.Contains(stdout.String(), "| "+figure) {
			t.Errorf("no row %q in:\n%s", figure, stdout.String())
		}
	}
}

// A lesson plays in the window: its steps' attacks commit, and Esc still
// quits cleanly while it runs.
func TestWindowPlaysALesson(t *testing.T) {
	needTools(t, "Xvfb", "xdotool")
	dir := t.TempDir()
	bin := buildRaftian(t)
	display := startXvfb(t)
	evFile := filepath.Join(dir, "events.jsonl")
	cmd := exec.Command(bin, "--storage", "memory", "--events", evFile, "--lesson", "first-election",
		"--config", testConfigFile(t, ""))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "DISPLAY="+display, "GORACE=halt_on_error=1")
	var stderr testenv.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	xdo(t, display, "search", "--sync", "--name", "^Raftian$")
	waitUntil(t, "the lesson's attacks to commit", func() bool {
		got := map[string]bool{}
		for _, ev := range events(t, evFile) {
			if ev["type"] == "commit" {
				got[fmt.Sprintf("%d→%d", num(ev, "from"), num(ev, "to"))] = true
			}
		}
		return got["1→2"] && got["3→4"]
	})
	press(t, display, "Escape")
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("exit: %v\n%s", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatal("Esc did not quit during a lesson")
	}
}

//go:build linux

// The window tests drive X11 (Xvfb, xdotool): they run on Linux.

package main

import (
	"bufio"
	"fmt"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/raftian/raftian/internal/testenv"
	"github.com/raftian/raftian/ui"
)

// The end-to-end test drives the real binary in a real window under Xvfb,
// as a person would: keys and clicks held across frames with xdotool, and
// the events file to see what happened.

// window is the real binary running in a private Xvfb.
type window struct {
	display, dir, events, record string
	saved                        string // the record Ctrl+S wrote
	id                           string // the X window's id
	stdout, stderr               testenv.Buffer
	exited                       chan error
}

// startWindow starts raftian (race-built) under a private Xvfb of the
// given size (e.g. "1600x900") with an events file and waits for its
// window.
func startWindow(t *testing.T, size string, args ...string) *window {
	t.Helper()
	dir := t.TempDir()
	w := &window{dir: dir, events: filepath.Join(dir, "events.jsonl"), record: filepath.Join(dir, "record.jsonl")}
	w.launch(t, size, append([]string{"--storage", "memory", "--events", w.events, "--record", w.record}, args...))
	return w
}

// startView starts raftian view on a record file, at a moment (µs).
func startView(t *testing.T, size, file string, at int64, args ...string) *window {
	t.Helper()
	w := &window{dir: t.TempDir()}
	w.launch(t, size, append([]string{"view", file, "--at", fmt.Sprintf("%.6f", float64(at)/1e6)}, args...))
	return w
}

// launch runs raftian with args in w.dir under a private Xvfb of the given
// size and waits for its window.
func (w *window) launch(t *testing.T, size string, args []string) {
	t.Helper()
	needTools(t, "Xvfb", "xdotool")
	w.display, w.exited = startXvfb(t, size), make(chan error, 1)
	cmd := exec.Command(buildRaftian(t), args...)
	cmd.Dir = w.dir
	cmd.Env = append(os.Environ(), "DISPLAY="+w.display, "GORACE=halt_on_error=1")
	cmd.Stdout, cmd.Stderr = &w.stdout, &w.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { w.exited <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-w.exited
		}
	})
	w.id = xdo(t, w.display, "search", "--sync", "--onlyvisible", "--name", "^Raftian$")
}

// size returns the window's size as the X server has it.
func (w *window) size(t *testing.T) (int, int) {
	t.Helper()
	var ww, wh int
	for _, line := range strings.Split(xdo(t, w.display, "getwindowgeometry", w.id), "\n") {
		if g, ok := strings.CutPrefix(strings.TrimSpace(line), "Geometry: "); ok {
			fmt.Sscanf(g, "%dx%d", &ww, &wh)
		}
	}
	if ww == 0 || wh == 0 {
		t.Fatal("xdotool did not say the window's size")
	}
	return ww, wh
}

// screen returns the layout the window draws, as the window's size makes it.
func (w *window) screen(t *testing.T) ui.Screen {
	ww, wh := w.size(t)
	return ui.LayoutScreen(float32(ww), float32(wh), 5, 1, false)
}

// click holds the left button on (x, y) of the window.
func (w *window) click(t *testing.T, x, y float32) {
	xdo(t, w.display, "mousemove", "--window", w.id, fmt.Sprint(int(x)), fmt.Sprint(int(y)))
	xdo(t, w.display, "mousedown", "1")
	time.Sleep(150 * time.Millisecond) // held across frames, as a hand does
	xdo(t, w.display, "mouseup", "1")
}

// screenshot presses F12 and returns the path raftian printed.
func (w *window) screenshot(t *testing.T) string {
	path, _, _ := w.shot(t)
	return path
}

// shot presses F12 and returns what raftian printed: the file, the moment
// of the record it shows (µs) and the code of the state it shows.
func (w *window) shot(t *testing.T) (path string, at int64, state string) {
	t.Helper()
	line := w.nextLine(t, "F12", "screenshot saved: ")
	path, rest, _ := strings.Cut(line, " (record ")
	var secs float64
	if _, err := fmt.Sscanf(rest, "%f s, state %s", &secs, &state); err != nil {
		t.Fatalf("screenshot line %q: %v", line, err)
	}
	return path, int64(math.Round(secs * 1e6)), strings.TrimSuffix(state, ")")
}

// nextLine presses key and returns the rest of the next new line on
// stdout that starts with prefix.
func (w *window) nextLine(t *testing.T, key, prefix string) string {
	t.Helper()
	before := strings.Count(w.stdout.String(), prefix)
	press(t, w.display, key)
	var found string
	waitUntil(t, "a line "+prefix+"… on stdout", func() bool {
		n := 0
		for _, line := range strings.Split(w.stdout.String(), "\n") {
			if rest, ok := strings.CutPrefix(line, prefix); ok {
				n++
				if n > before {
					found = rest
					return true
				}
			}
		}
		return false
	})
	return found
}

// quit presses Esc and checks that the program exits 0 without a panic or
// a data race.
func (w *window) quit(t *testing.T) {
	t.Helper()
	press(t, w.display, "Escape")
	select {
	case err := <-w.exited:
		if err != nil {
			t.Fatalf("exit: %v\nstderr:\n%s", err, w.stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Esc did not quit")
	}
	if s := w.stderr.String(); strings.Contains(s, "panic") || strings.Contains(s, "DATA RACE") {
		t.Fatalf("stderr:\n%s", s)
	}
}

// checkReplay replays what the window recorded (keys, clicks, auto-play,
// lesson steps) on a fresh cluster and checks that it makes the same
// faults and attacks in the same order.
func (w *window) checkReplay(t *testing.T, cfg string) {
	t.Helper()
	replayed := filepath.Join(w.dir, "replayed.jsonl")
	code, out, stderr := runRaftian(t, "", "replay", w.record, "--config", cfg, "--events", replayed)
	if code != 0 {
		t.Fatalf("replay: exit %d\n%s\n%s", code, out, stderr)
	}
	a, b := faultsAndAttacks(t, w.events), faultsAndAttacks(t, replayed)
	if strings.Join(a, " ") != strings.Join(b, " ") {
		t.Fatalf("the replay differs from the window's run:\n window %v\n replay %v", a, b)
	}
	if len(a) < 2 {
		t.Fatalf("the window's run recorded too little to compare: %v", a)
	}
}

// hasEvent reports whether the events file has an event for which match
// is true.
func (w *window) hasEvent(t *testing.T, match func(map[string]any) bool) bool {
	for _, ev := range events(t, w.events) {
		if match(ev) {
			return true
		}
	}
	return false
}

func needTools(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed: run `just test-setup` (Debian packages xvfb xauth xdotool)", tool)
		}
	}
}

// startXvfb starts a private X server with a screen of the given size
// (e.g. "1280x720") and returns its DISPLAY.
func startXvfb(t *testing.T, size string) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	x := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", size+"x24", "-nolisten", "tcp")
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
	testenv.WaitFor(t, 60*time.Second, what, cond)
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
	cfg := testConfigFile(t, "[window]\nwidth = 1600\nheight = 900\n")
	w := startWindow(t, "1600x900", "--config", cfg)
	var leader, term int
	waitUntil(t, "a first leader", func() bool {
		leader, term = agreedLeader(events(t, w.events), 5)
		return leader != 0
	})

	// L crashes the leader; a new one is elected in a higher term.
	press(t, w.display, "l")
	waitUntil(t, "the crash and a new leader", func() bool {
		crashed := w.hasEvent(t, func(ev map[string]any) bool { return ev["type"] == "crash" && num(ev, "node") == leader })
		l, tm := agreedLeader(events(t, w.events), 5)
		return crashed && l != 0 && l != leader && tm > term
	})

	// Player `from` clicks a rival's city in its own pane.
	from := leader%5 + 1
	to := from%5 + 1
	if to == leader {
		to = to%5 + 1
	}
	screen := w.screen(t)
	city := ui.LayoutCities(ui.LayoutPane(screen.Panes[from-1], screen.Scale).Cities, 5, screen.Scale)[to-1].Town
	w.click(t, city.X+city.W/2, city.Y+city.H/2)
	waitUntil(t, fmt.Sprintf("player %d's attack on %d to commit", from, to), func() bool {
		return w.hasEvent(t, func(ev map[string]any) bool {
			return ev["type"] == "commit" && num(ev, "from") == from && num(ev, "to") == to && num(ev, "via") == from
		})
	})

	// F12 saves one screenshot and says where.
	shot := w.screenshot(t)
	checkScreenshot(t, shot, screen, leader)
	if left, _ := filepath.Glob(filepath.Join(w.dir, "screenshot*.png")); len(left) != 0 {
		t.Errorf("raylib's own screenshot file was left behind: %v", left)
	}

	// T hands leadership to the selected replica: the LEADER badge moves.
	now, nowTerm := agreedLeader(events(t, w.events), 5)
	target := now%5 + 1
	if target == leader { // crashed
		target = target%5 + 1
	}
	press(t, w.display, strconv.Itoa(target))
	press(t, w.display, "t")
	waitUntil(t, fmt.Sprintf("leadership handed from %d to %d", now, target), func() bool {
		asked := w.hasEvent(t, func(ev map[string]any) bool { return ev["type"] == "transfer" && num(ev, "node") == target })
		l, tm := agreedLeader(events(t, w.events), 5)
		return asked && l == target && tm > nowTerm
	})

	// + adds a sixth replica: a voter once caught up, and its player's city
	// joins the game (a commit of the join, to player 6).
	press(t, w.display, "plus")
	waitUntil(t, "replica 6 to join as a voter and its player to join the game", func() bool {
		voter := w.hasEvent(t, func(ev map[string]any) bool {
			return ev["type"] == "add" && num(ev, "node") == 6 && ev["result"] == "voter"
		})
		joined := w.hasEvent(t, func(ev map[string]any) bool {
			return ev["type"] == "commit" && num(ev, "to") == 6 && num(ev, "from") == 0
		})
		return voter && joined
	})
	ww, wh := w.size(t)
	checkScreenshot(t, w.screenshot(t), ui.LayoutScreen(float32(ww), float32(wh), 6, 1, false), leader)

	press(t, w.display, "h")
	waitUntil(t, "the heal event", func() bool {
		return w.hasEvent(t, func(ev map[string]any) bool { return ev["type"] == "heal" })
	})
	w.quit(t)
	w.checkReplay(t, cfg)
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
	if b := img.Bounds(); float32(b.Dx()) != s.Bar.W || float32(b.Dy()) != s.Keys.Y+s.Keys.H {
		t.Fatalf("screenshot is %v, want the window's %.0f×%.0f", b, s.Bar.W, s.Keys.Y+s.Keys.H)
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
			r, g, b, _ := img.At(int(p.X+s.Scale.Px(3)+1), y).RGBA()
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
	display := startXvfb(t, "1600x900")
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
// A lesson in the window, driven as a class would: N after the first
// caption, an answer to the question with a key, then the reveal (naming
// the leader the events say won) and the instant replay of the election;
// B replays the step; N goes on and the lesson's attacks commit. The
// screenshots at each moment are kept in the test's directory.
func TestWindowPlaysALesson(t *testing.T) {
	cfg := testConfigFile(t, "")
	w := startWindow(t, "1600x900", "--lesson", "first-election", "--config", cfg)
	w.waitLine(t, "lesson: step 1 of 4: caption: ")
	w.shot(t)
	press(t, w.display, "n")
	w.waitLine(t, "lesson: step 2 of 4: question: ")
	w.shot(t)
	press(t, w.display, "3")
	w.waitLine(t, "lesson: step 2 of 4: your answer: P3") // the test config names players P1–P5
	reveal := w.waitLine(t, "lesson: step 2 of 4: reveal: ")
	leader, term := agreedLeader(events(t, w.events), 5)
	if want := fmt.Sprintf("replica %d (", leader); leader == 0 || !strings.Contains(reveal, want) {
		t.Errorf("the reveal %q does not name the leader the events say won (%d, term %d)", reveal, leader, term)
	}
	if right := strings.HasPrefix(reveal, "Right!"); right != (leader == 3) {
		t.Errorf("the class answered 3, replica %d won; the reveal says %q", leader, reveal)
	}
	w.waitLine(t, "lesson: step 2 of 4: instant replay at 1/10")
	w.shot(t) // the election again, slowly
	w.waitLine(t, "lesson: step 2 of 4: N: next step")
	w.shot(t)
	press(t, w.display, "b")
	w.waitLine(t, "lesson: step 2 of 4: replaying this step")
	w.shot(t)
	press(t, w.display, "n")
	waitUntil(t, "the lesson's attacks to commit", func() bool {
		got := map[string]bool{}
		for _, ev := range events(t, w.events) {
			if ev["type"] == "commit" {
				got[fmt.Sprintf("%d→%d", num(ev, "from"), num(ev, "to"))] = true
			}
		}
		return got["1→2"] && got["3→4"]
	})
	w.quit(t)
	w.checkReplay(t, cfg)
}

// waitLine waits for a line on stdout starting with prefix (its first
// occurrence) and returns the rest of it.
func (w *window) waitLine(t *testing.T, prefix string) string {
	t.Helper()
	var found string
	waitUntil(t, "a line "+prefix+"… on stdout", func() bool {
		for _, line := range strings.Split(w.stdout.String(), "\n") {
			if rest, ok := strings.CutPrefix(line, prefix); ok {
				found = rest
				return true
			}
		}
		return false
	})
	return found
}

// On a 1280×720 projector the window opens inside the screen; Esc with the
// help open closes the help and leaves the program running; the picture
// is not blank.
func TestWindowFitsAProjector(t *testing.T) {
	w := startWindow(t, "1280x720", "--config", testConfigFile(t, ""))
	waitUntil(t, "a first leader", func() bool {
		l, _ := agreedLeader(events(t, w.events), 5)
		return l != 0
	})
	ww, wh := w.size(t)
	if ww > 1280 || wh > 720 {
		t.Fatalf("the window is %d×%d on a 1280×720 screen", ww, wh)
	}
	press(t, w.display, "question") // help
	press(t, w.display, "Escape")   // closes the help, not the program
	// F12 after the Esc: answered only if the program is still running.
	shot := w.screenshot(t)
	select {
	case err := <-w.exited:
		t.Fatalf("Esc with the help open quit the program (%v)", err)
	default:
	}
	checkScreenshot(t, shot, w.screen(t), 0)
	w.quit(t)
}

//go:build linux

package main

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
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
	lastN                        time.Time // when a lesson's caption was last moved on (moveOn)
	bin                          string    // the program to run; the race-built one if ""
}

// startWindow starts raftian (race-built) under a private Xvfb of the
// given size (e.g. "1600x900") with an events file, waits for its window,
// and skips its intro with Esc (the window plays a lesson instead if one
// is asked for).
func startWindow(t *testing.T, size string, args ...string) *window {
	t.Helper()
	w := openWindow(t, size, args...)
	if !slices.Contains(args, "--lesson") {
		w.skipIntro(t)
	}
	return w
}

// openWindow is startWindow leaving the intro to play.
func openWindow(t *testing.T, size string, args ...string) *window {
	t.Helper()
	dir := t.TempDir()
	w := &window{dir: dir, events: filepath.Join(dir, "events.jsonl"), record: filepath.Join(dir, "record.jsonl")}
	w.launch(t, size, append([]string{"--storage", "memory", "--events", w.events, "--record", w.record}, args...))
	return w
}

// skipIntro presses Esc until the window says its intro stopped (a key
// pressed before the first frame is not seen), or until it says the
// intro is over.
func (w *window) skipIntro(t *testing.T) {
	t.Helper()
	done := func() bool {
		out := w.stdout.String()
		return strings.Contains(out, "intro stopped") || strings.Contains(out, "intro: over")
	}
	for try := 0; try < 5 && !done(); try++ {
		press(t, w.display, "Escape")
		for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline) && !done(); {
			time.Sleep(20 * time.Millisecond)
		}
	}
	if !done() {
		t.Fatalf("Esc did not skip the intro:\n%s", w.stdout.String())
	}
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
	if w.bin == "" {
		w.bin = buildRaftian(t)
	}
	cmd := exec.Command(w.bin, args...)
	cmd.Dir = w.dir
	cmd.Env = append(os.Environ(), "DISPLAY="+w.display, "GORACE=halt_on_error=1")
	cmd.Stdout, cmd.Stderr = &w.stdout, &w.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	gone := make(chan struct{}) // closed once the program has exited
	go func() { w.exited <- cmd.Wait(); close(gone) }()
	t.Cleanup(func() {
		select {
		case <-gone:
		default:
			cmd.Process.Kill()
			<-gone
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
	return testLayout(ww, wh, 5)
}

// testLayout is the layout of a ww×wh window with n replicas of the test
// config (players P1, P2, ...), in the view a window of that size opens in.
func testLayout(ww, wh, n int) ui.Screen {
	var names []string
	for i := 1; i <= n; i++ {
		names = append(names, fmt.Sprintf("P%d", i))
	}
	return ui.LayoutScreen(float32(ww), float32(wh), n, ui.View{Presenter: ui.Presents(float32(ww), float32(wh)), Names: names})
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

// quit presses Esc twice (the first asks) and checks that the program
// exits 0 without a panic or a data race.
func (w *window) quit(t *testing.T) {
	t.Helper()
	w.nextLine(t, "Escape", "Esc again to quit") // the first Esc asks
	xdo(t, w.display, "keydown", "Escape")
	time.Sleep(150 * time.Millisecond)
	// The window may be gone by now: releasing the key is a courtesy (a
	// loaded run once saw this xdotool fail, after the window quit).
	release := exec.Command("xdotool", "keyup", "Escape")
	release.Env = append(os.Environ(), "DISPLAY="+w.display)
	release.Run()
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
	// -noreset: by default the server resets when its last client leaves,
	// and an xdotool connecting just then (a key released after the
	// window quit) failed.
	x := exec.Command("Xvfb", "-displayfd", "3", "-noreset", "-screen", "0", size+"x24", "-nolisten", "tcp")
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

// agreedLeaders is every leader and term a majority of n replicas
// followed, event after event, in order.
func agreedLeaders(evs []map[string]any, n int) [][2]int {
	var out [][2]int
	for i := range evs {
		if evs[i]["type"] != "leader" {
			continue
		}
		if l, term := agreedLeader(evs[:i+1], n); l != 0 && (len(out) == 0 || out[len(out)-1] != [2]int{l, term}) {
			out = append(out, [2]int{l, term})
		}
	}
	return out
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

// keepShot moves a screenshot into the directory RAFTIAN_SHOTS names, as
// name, to look at after the test; without it the test's own directory
// keeps it until the test ends.
func keepShot(t *testing.T, path, name string) {
	if dir := os.Getenv("RAFTIAN_SHOTS"); dir != "" {
		if err := os.Rename(path, filepath.Join(dir, name)); err != nil {
			t.Log(err)
		}
	}
}

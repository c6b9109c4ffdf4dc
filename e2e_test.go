//go:build linux

// The window tests drive X11 (Xvfb, xdotool): they run on Linux.

package main

import (
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/raftian/raftian/internal/testenv"
	"github.com/raftian/raftian/record"
	"github.com/raftian/raftian/rewind"
	"github.com/raftian/raftian/ui"
)

func TestWindowEndToEnd(t *testing.T) {
	cfg := testConfigFile(t, "[window]\nwidth = 1600\nheight = 900\n")
	w := startWindow(t, "1600x900", "--config", cfg)
	var leader, term int
	waitUntil(t, "a first leader", func() bool {
		leader, term = agreedLeader(events(t, w.events), 5)
		return leader != 0
	})

	// L crashes the leader of the moment (under load it may have changed
	// since the first was seen); a new one is elected in a higher term.
	press(t, w.display, "l")
	waitUntil(t, "L to crash a replica", func() bool {
		evs := events(t, w.events)
		for i, ev := range evs {
			if ev["type"] == "crash" {
				crashed := num(ev, "node")
				if leader, term = agreedLeader(evs[:i], 5); leader != crashed {
					t.Fatalf("L crashed replica %d; the leader then was %d (term %d)", crashed, leader, term)
				}
				return true
			}
		}
		return false
	})
	waitUntil(t, "a new leader after the crash", func() bool {
		l, tm := agreedLeader(events(t, w.events), 5)
		return l != 0 && l != leader && tm > term
	})

	// Player `from` clicks a rival's city in its own pane.
	from := leader%5 + 1
	to := from%5 + 1
	if to == leader {
		to = to%5 + 1
	}
	screen := w.screen(t)
	city := ui.LayoutCities(ui.LayoutPane(screen.Panes[from-1], screen.Scale).Cities, 5, screen.Scale, screen.CityLabel)[to-1].Cell
	w.attack(t, from, to, city.X+city.W/2, city.Y+city.H/2)

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
	// The picture may show the sixth pane a few frames after the events.
	ww, wh := w.size(t)
	six := testLayout(ww, wh, 6)
	var problems []string
	waitUntil(t, "a screenshot laid out for six panes, pane 6 in its player's colour", func() bool {
		if w.hasEvent(t, func(ev map[string]any) bool { return ev["type"] == "add" && num(ev, "node") == 7 }) {
			t.Fatal("one + added two replicas")
		}
		if p := screenshotProblems(t, w.screenshot(t), six, leader); fmt.Sprint(p) != fmt.Sprint(problems) {
			problems = p
			t.Logf("screenshot: %v", p)
		}
		return len(problems) == 0
	})

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
	for _, p := range screenshotProblems(t, path, s, crashed) {
		t.Error(p)
	}
}

// screenshotProblems is what checkScreenshot finds wrong, if anything.
func screenshotProblems(t *testing.T, path string, s ui.Screen, crashed int) (problems []string) {
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
		return []string{fmt.Sprintf("screenshot is %v, want the window's %.0f×%.0f", b, s.Bar.W, s.Keys.Y+s.Keys.H)}
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
			problems = append(problems, fmt.Sprintf("pane %d has %d colours: blank?", i+1, len(hist)))
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
			problems = append(problems, fmt.Sprintf("pane %d: only %d of %d border pixels in its player's colour %v", i+1, match, total, want))
		}
	}
	return problems
}

func near(a uint32, b uint8) bool { return a+12 >= uint32(b) && a <= uint32(b)+12 }

// `raftian bench --quick` completes and prints every row (a smoke test:
// the numbers are for `just bench`, not for pass or fail).
func TestBenchQuickPrintsEveryRow(t *testing.T) {
	needTools(t, "Xvfb")
	// The program as it ships: the bench starts 32 seat processes, which
	// the race detector's instrumentation would starve on two cores.
	bin := plainBin.build(t)
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
		"frame build, storm", "frame time, idle", "frame time, storm", "class record: clock offset error",
		"class record: stream per seat", "class record: lag to the merged record",
	} {
		if !strings.Contains(stdout.String(), "| "+figure) {
			t.Errorf("no row %q in:\n%s", figure, stdout.String())
		}
	}
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

// attack clicks player to's city in from's pane until the attack commits,
// as a person clicks again when nothing came of a click: on a loaded
// machine a frame can outlast the click (raylib then never sees the
// button down), and an attack proposed during an election can fail.
func (w *window) attack(t *testing.T, from, to int, x, y float32) {
	t.Helper()
	outcomes := func() (commits, fails int) {
		for _, ev := range events(t, w.events) {
			if num(ev, "from") == from && num(ev, "to") == to && num(ev, "via") == from {
				switch ev["type"] {
				case "commit":
					commits++
				case "fail":
					fails++
				}
			}
		}
		return commits, fails
	}
	for try := 1; try <= 3; try++ {
		_, failed := outcomes()
		w.click(t, x, y)
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			commits, fails := outcomes()
			if commits > 0 {
				return
			}
			if fails > failed {
				break
			}
		}
	}
	commits, fails := outcomes()
	t.Fatalf("three clicks on player %d's city in pane %d: %d attacks committed, %d failed", to, from, commits, fails)
}

// The first start teaches: with no lesson asked for, the replicas start in
// slow motion, and the window plays their first campaign at 1/10 with a
// caption, then goes live. Through the model of the run's record, a frame
// of the intro drew a candidate before any leader was agreed on. Then, at
// rest: Esc closes the help, the next asks, the one after quits with 0.
func TestWindowFirstStartShowsAnElection(t *testing.T) {
	observe := filepath.Join(t.TempDir(), "run.jsonl.gz")
	w := openWindow(t, "1280x720", "--config", testConfigFile(t, ""), "--observe", observe)
	w.waitLine(t, "view: presenter") // a projector's size
	drew := w.waitLine(t, "intro: drew replica ")
	var candidate int
	var at int64
	if _, err := fmt.Sscanf(drew, "%d as a candidate at %d µs", &candidate, &at); err != nil {
		t.Fatalf("%q: %v", drew, err)
	}
	w.waitLine(t, "intro: step 1 of 2: playing at 1/10")
	if caption := w.waitLine(t, "intro: step 1 of 2: caption: "); !strings.Contains(caption, "The election timer of replica") {
		t.Errorf("the intro's caption: %q", caption)
	}
	w.waitLine(t, "intro: over")

	press(t, w.display, "question") // the help
	escs := strings.Count(w.stdout.String(), "Esc again to quit")
	press(t, w.display, "Escape") // closes it
	w.screenshot(t)               // F12 after the Esc: answered only if the program still runs
	if strings.Count(w.stdout.String(), "Esc again to quit") != escs {
		t.Error("Esc with the help open asked to quit instead of closing the help")
	}
	w.quit(t) // Esc asks, Esc quits, status 0

	log, err := record.ReadLogFile(observe)
	if err != nil {
		t.Fatal(err)
	}
	model := rewind.New(log)
	model.Update()
	st := model.At(at)
	if candidate < 1 || candidate > len(st.Replicas) || st.Replicas[candidate-1].Role != record.RoleCandidate {
		t.Fatalf("at %d µs the intro drew replica %d as a candidate; the record has %+v", at, candidate, st.Replicas)
	}
	if l := rewind.MajorityLeader(st); l != 0 {
		t.Errorf("at %d µs, when the candidate was drawn, replica %d already led", at, l)
	}
	_, end := model.Range()
	if f, ok := model.Find("leader", at, end); !ok || f.At <= at {
		t.Errorf("no leader after the candidate drawn at %d µs", at)
	}
}

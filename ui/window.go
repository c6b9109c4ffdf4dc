package ui

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"time"

	rl "github.com/gen2brain/raylib-go/raylib"

	"github.com/raftian/raftian/config"
	"github.com/raftian/raftian/console"
	"github.com/raftian/raftian/lesson"
	"github.com/raftian/raftian/node"
	"github.com/raftian/raftian/node/wire"
	"github.com/raftian/raftian/timeline"
)

// ErrNoDisplay is returned by Open when there is no screen to draw on.
var ErrNoDisplay = errors.New("no display: the window cannot open here " +
	"(DISPLAY is unset or unreachable). Run with --headless to use the " +
	"cluster without a window, or start an X server (e.g. xvfb-run -a raftian)")

// SlowRTT is the round trip of slow motion (S): elections take seconds.
const SlowRTT = 200

// Window is the open game window and everything it remembers between
// frames. Only the frame loop's goroutine touches it.
type Window struct {
	cfg    config.Config
	fonts  fonts
	opened time.Time

	c        *node.Cluster
	n        int
	players  []*node.Client // each player's own client session
	poll     *poller
	work     *worker
	feedback chan string // results of the worker's jobs, for the banner

	selected int
	auto     bool
	showMsgs bool
	showHelp bool
	preset   int // index of the next partition preset

	snap     *snapshot
	timeline *timeline.Timeline
	msgs     *MessageView
	tapSeq   uint64
	evSeq    uint64
	msgBuf   []wire.Message
	evBuf    []node.Event
	notes    []note   // each pane's message line
	seen     []uint64 // per pane: last world result described
	pending  []pending
	banner   note
	nextAuto []time.Time // per player: its next auto-play attack
	nextGame time.Time   // earliest next auto-play new game
	rng      *rand.Rand
	stats    frameStats
	frameAt  time.Time
	record   [][2]time.Duration // frame and build times, while Measure runs

	lesson   *lessonRun // the lesson playing, if any
	caption  caption
	captions chan captionMsg
	menu     bool      // the lesson menu is open
	frozen   time.Time // when the drawing was frozen; zero when live
	rec      *console.Recorder
}

// note is a line of text that fades after a while.
type note struct {
	text  string
	at    time.Time
	alarm bool // a failure: drawn in red
}

// pending is an attack in flight, drawn as a ghost arrow in its pane.
type pending struct {
	from, to int
	ticket   *node.Ticket
}

// Open opens the window. raylib must run on the main thread: call Open and
// Run from main's goroutine.
func Open(cfg config.Config) (*Window, error) {
	if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		return nil, ErrNoDisplay
	}
	rl.SetTraceLogLevel(rl.LogError)
	rl.SetConfigFlags(rl.FlagWindowResizable | rl.FlagVsyncHint)
	rl.InitWindow(int32(cfg.Window.Width), int32(cfg.Window.Height), "Raftian")
	if !rl.IsWindowReady() {
		// Nothing else may touch raylib now: drawing would crash.
		return nil, ErrNoDisplay
	}
	rl.SetExitKey(0) // Esc is an intent like any other
	rl.SetTargetFPS(60)
	return &Window{cfg: cfg, fonts: loadFonts(), opened: time.Now()}, nil
}

// Close closes the window.
func (w *Window) Close() {
	w.fonts.unload()
	rl.CloseWindow()
}

// Run draws frames until the window is closed, Esc is pressed or stop
// receives, playing the lesson named first if it is not "" and recording
// every input to rec if it is not nil. The cluster stays the caller's to
// close.
func (w *Window) Run(c *node.Cluster, stop <-chan os.Signal, first string, rec *console.Recorder) {
	w.rec = rec
	w.start(c)
	defer w.work.close()
	defer w.poll.close()
	defer w.stopLesson()
	if first != "" {
		w.startLesson(first)
	}
	for !rl.WindowShouldClose() {
		select {
		case <-stop:
			return
		default:
		}
		if !w.frame() {
			return
		}
	}
}

func (w *Window) start(c *node.Cluster) {
	w.c, w.n = c, c.Size()
	w.players = make([]*node.Client, w.n)
	for i := range w.players {
		w.players[i] = c.NewClient()
	}
	w.selected = 1
	w.showMsgs = true
	w.poll = startPoller(c)
	w.work = startWorker()
	w.feedback = make(chan string, 16)
	w.timeline = timeline.New(w.n, timeline.Span)
	w.msgs = NewMessageView()
	w.notes = make([]note, w.n)
	w.seen = make([]uint64, w.n)
	w.nextAuto = make([]time.Time, w.n)
	w.rng = rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	w.frameAt = time.Now()
	w.captions = make(chan captionMsg, 16)
}

// frame runs one frame: input, update, draw. It returns false to quit.
func (w *Window) frame() bool {
	start := time.Now()
	screen := LayoutScreen(float32(rl.GetScreenWidth()), float32(rl.GetScreenHeight()), w.n)
	shot := false
	for _, in := range w.input(screen) {
		switch {
		case in.Kind == Quit && w.menu:
			w.menu = false
		case in.Kind == Quit:
			return false
		case in.Kind == Screenshot:
			shot = true
		case w.menu && in.Kind == Select:
			w.menu = false
			if names := lesson.Names(); in.N <= len(names) {
				w.startLesson(names[in.N-1])
			}
		default:
			w.apply(in)
		}
	}
	// Frozen, the picture stays as it was (the cluster runs on): no new
	// snapshot, and animations stand still at the moment of freezing.
	now := start
	if w.frozen.IsZero() {
		w.update(start)
		w.takeCaptions(start)
	} else {
		now = w.frozen
	}

	rl.BeginDrawing()
	rl.ClearBackground(background)
	w.draw(screen, now)
	w.drawCaption(screen, now)
	if !w.frozen.IsZero() {
		w.drawFrozen()
	}
	if w.menu {
		w.drawMenu()
	}
	if shot {
		w.screenshot()
	}
	build := time.Since(start)
	rl.EndDrawing()
	w.stats.add(start.Sub(w.frameAt), build)
	if w.record != nil {
		w.record = append(w.record, [2]time.Duration{start.Sub(w.frameAt), build})
	}
	w.frameAt = start
	return true
}

// Measure draws c for d, with auto-play on if busy, and returns every
// frame's build time (CPU, before raylib presents it) and whole frame
// time. It is for benchmarks; the window must be open.
func (w *Window) Measure(c *node.Cluster, d time.Duration, busy bool) (build, frame []time.Duration) {
	w.rec = nil
	w.start(c)
	defer w.work.close()
	defer w.poll.close()
	w.auto = busy
	for end := time.Now().Add(d / 4); time.Now().Before(end); { // warm up
		w.frame()
	}
	w.record = make([][2]time.Duration, 0, 1024)
	for end := time.Now().Add(d); time.Now().Before(end) && !rl.WindowShouldClose(); {
		w.frame()
	}
	for _, r := range w.record[1:] { // the first frame time spans the warm-up gap
		frame, build = append(frame, r[0]), append(build, r[1])
	}
	w.record = nil
	return build, frame
}

// input reads this frame's intents. Keys come from raylib's queue, which
// keeps presses shorter than a frame; mouse buttons have no queue.
func (w *Window) input(s Screen) []Intent {
	var out []Intent
	for k := rl.GetKeyPressed(); k != 0; k = rl.GetKeyPressed() {
		if in := KeyIntent(k, w.selected, w.n); in.Kind != NoIntent {
			out = append(out, in)
		}
	}
	if rl.IsMouseButtonPressed(rl.MouseButtonLeft) {
		m := rl.GetMousePosition()
		if in := ClickIntent(s, w.n, m.X, m.Y); in.Kind != NoIntent {
			out = append(out, in)
		}
	}
	return out
}

// apply carries out an intent. Cluster operations go to the worker; the
// frame loop only records that they were asked for.
func (w *Window) apply(in Intent) {
	c := w.c
	switch in.Kind {
	case Select:
		w.selected = in.N
	case Attack:
		w.attack(in.From, in.To)
	case Crash:
		w.rec.Record("crash %d", in.N)
		w.job(func() error { return c.Crash(in.N) }, "crashed replica %d", in.N)
	case Restart:
		w.rec.Record("restart %d", in.N)
		w.job(func() error { return c.Restart(in.N) }, "restarted replica %d", in.N)
	case CrashLeader:
		w.job(func() error {
			l := c.Leader()
			if l == 0 {
				return errors.New("no replica is leader right now")
			}
			w.rec.Record("crash %d", l)
			return c.Crash(l)
		}, "crashed the leader")
	case ToggleIsolate:
		if w.snap != nil && w.snap.status[in.N-1].Isolated {
			w.rec.Record("rejoin %d", in.N)
			w.job(func() error { return c.Rejoin(in.N) }, "replica %d rejoined", in.N)
		} else {
			w.rec.Record("isolate %d", in.N)
			w.job(func() error { return c.Isolate(in.N) }, "isolated replica %d", in.N)
		}
	case NextPartition:
		presets := Partitions(w.n)
		if w.preset >= len(presets) {
			w.preset = 0
			w.rec.Record("heal")
			w.job(func() error { c.Heal(); return nil }, "healed: no more partition")
			return
		}
		groups := presets[w.preset]
		w.preset++
		w.rec.Record("partition %s", node.GroupsText(groups))
		w.job(func() error { return c.Partition(groups) }, "partition %s", groupsText(groups))
	case Heal:
		w.preset = 0
		w.rec.Record("heal")
		w.job(func() error { c.Heal(); return nil }, "healed every link")
	case ToggleAuto:
		w.auto = !w.auto
		w.rec.Record("autoplay %s", map[bool]string{true: "on", false: "off"}[w.auto])
		w.banner = note{text: map[bool]string{true: "auto-play on", false: "auto-play off"}[w.auto], at: time.Now()}
	case ToggleMessages:
		w.showMsgs = !w.showMsgs
		w.rec.Record("messages %s", map[bool]string{true: "on", false: "off"}[w.showMsgs])
	case ToggleHelp:
		w.showHelp = !w.showHelp
	case Freeze:
		if w.frozen.IsZero() {
			w.frozen = time.Now()
		} else {
			w.frozen = time.Time{}
		}
	case LessonMenu:
		w.menu = true
	case NextStep:
		if w.lesson != nil {
			select {
			case w.lesson.next <- struct{}{}:
			default:
			}
		}
	case RestartLesson:
		if w.lesson != nil {
			w.startLesson(w.lesson.l.Name)
		}
	case SlowMotion:
		raft := c.Config().Raft
		what := fmt.Sprintf("slow motion: round trip %d ms", SlowRTT)
		if raft.RTTMillisecond == SlowRTT {
			raft.RTTMillisecond = w.cfg.Raft.RTTMillisecond
			what = fmt.Sprintf("normal speed: round trip %d ms", raft.RTTMillisecond)
		} else {
			raft.RTTMillisecond = SlowRTT
		}
		w.rec.Record("set rtt %d", raft.RTTMillisecond)
		w.job(func() error { return c.Reconfigure(raft) }, "%s (every replica restarted in place)", what)
	}
}

// job queues a cluster operation and reports its result on the banner.
func (w *Window) job(op func() error, format string, args ...any) {
	ok := fmt.Sprintf(format, args...)
	queued := w.work.do(func() {
		msg := ok
		if err := op(); err != nil {
			msg = "error: " + err.Error()
		}
		select {
		case w.feedback <- msg:
		default:
		}
	})
	if !queued {
		w.banner = note{text: "busy: try again", at: time.Now(), alarm: true}
	}
}

func (w *Window) attack(from, to int) {
	w.rec.Record("attack %d %d via %d nowait", from, to, from)
	w.pending = append(w.pending, pending{from: from, to: to, ticket: w.players[from-1].Attack(from, from, to)})
}

// groupsText writes the groups as sets: "{1,2} | {3,4,5}".
func groupsText(groups [][]int) string {
	if len(groups) == 0 {
		return ""
	}
	return "{" + strings.ReplaceAll(node.GroupsText(groups), "|", "} | {") + "}"
}

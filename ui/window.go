package ui

import (
	"errors"
	"math/rand/v2"
	"os"
	"runtime"
	"time"

	rl "github.com/gen2brain/raylib-go/raylib"

	"github.com/raftian/raftian/command"
	"github.com/raftian/raftian/config"
	"github.com/raftian/raftian/lesson"
	"github.com/raftian/raftian/node"
	"github.com/raftian/raftian/node/wire"
	"github.com/raftian/raftian/session"
	"github.com/raftian/raftian/timeline"
)

// ErrNoDisplay is returned by Open when there is no screen to draw on.
var ErrNoDisplay = errors.New("no display: the window cannot open here " +
	"(DISPLAY is unset or unreachable). Run with --headless to use the " +
	"cluster without a window, or start an X server (e.g. xvfb-run -a raftian)")

// SlowRTT is the round trip of slow motion (S): elections take seconds.
const SlowRTT = 200

// Window is the open game window and everything it remembers between
// frames, in groups. Only the frame loop's goroutine reads or writes these
// fields; cluster operations run on the worker (or a lesson's goroutine)
// through the session, and come back as results over channels.
type Window struct {
	screen
	link
	settings
	picture
	players
	lessonState
}

// screen is the window itself.
type screen struct {
	cfg    config.Config
	fonts  fonts
	opened time.Time
	stats  frameStats
	// frameAt is when the last frame started; onFrame, when not nil, is
	// told every frame's time and build time (benchmarks).
	frameAt time.Time
	onFrame func(frame, build time.Duration)
	zoom    float32 // Ctrl + and Ctrl -: 1 is the window's own scale
}

// link is the window's way to the cluster.
type link struct {
	c        *node.Cluster
	n        int
	session  *session.Session // carries out every command, as the players
	poll     *poller
	work     *worker
	results  chan session.Result  // the worker's and lessons' results, for the banner
	commands chan command.Command // window commands from the session (autoplay, messages)
}

// settings are what the user switched on or chose.
type settings struct {
	selected  int
	auto      bool
	showMsgs  bool
	showHelp  bool
	showStats bool      // F3: frame times in the key bar
	preset    int       // index of the next partition preset
	menu      []string  // the lesson menu's titles, while it is open
	frozen    time.Time // when the drawing was frozen; zero when live
}

// picture is what the frame loop keeps from the cluster to draw.
type picture struct {
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
}

// players is when each player attacks next under auto-play.
type players struct {
	nextAuto []time.Time // per player: its next auto-play attack
	nextGame time.Time   // earliest next auto-play new game
	rng      *rand.Rand
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

// Open opens the window, at the configured size or smaller so that it fits
// the screen it is on. raylib must run on the main thread: call Open and
// Run from main's goroutine.
func Open(cfg config.Config) (*Window, error) {
	if needsDisplay() && os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		return nil, ErrNoDisplay
	}
	rl.SetTraceLogLevel(rl.LogError)
	rl.SetConfigFlags(rl.FlagWindowResizable | rl.FlagVsyncHint | rl.FlagWindowHidden)
	rl.InitWindow(int32(cfg.Window.Width), int32(cfg.Window.Height), "Raftian")
	if !rl.IsWindowReady() {
		// Nothing else may touch raylib now: drawing would crash.
		return nil, ErrNoDisplay
	}
	m := rl.GetCurrentMonitor()
	mw, mh := rl.GetMonitorWidth(m), rl.GetMonitorHeight(m)
	if ww, wh := FitWindow(cfg.Window.Width, cfg.Window.Height, mw, mh); mw > 0 && mh > 0 {
		rl.SetWindowSize(ww, wh)
		rl.SetWindowPosition((mw-ww)/2, (mh-wh)/2)
	}
	rl.ClearWindowState(rl.FlagWindowHidden)
	rl.SetExitKey(0) // Esc is an intent like any other
	rl.SetTargetFPS(60)
	return &Window{screen: screen{cfg: cfg, fonts: loadFonts(), opened: time.Now(), zoom: 1}}, nil
}

// needsDisplay reports whether this system's windows need an X11 or
// Wayland display (not so on Windows and macOS).
func needsDisplay() bool { return runtime.GOOS != "windows" && runtime.GOOS != "darwin" }

// FitWindow returns the window size for a wanted w×h on a screen of
// sw×sh: at most 90 % of the screen either way, keeping the aspect. An
// unknown screen (0) keeps the wanted size.
func FitWindow(w, h, sw, sh int) (int, int) {
	if sw <= 0 || sh <= 0 {
		return w, h
	}
	f := min(1, 0.9*float64(sw)/float64(w), 0.9*float64(sh)/float64(h))
	return int(float64(w) * f), int(float64(h) * f)
}

// Close closes the window.
func (w *Window) Close() {
	w.fonts.unload()
	rl.CloseWindow()
}

// RunOptions say how a run of the window goes.
type RunOptions struct {
	Stop   <-chan struct{}   // closed to end the run (a signal, a benchmark's end)
	Lesson string            // a lesson to play at once, if not ""
	Record *session.Recorder // receives every command carried out, if not nil
	Auto   bool              // start with auto-play on
	// OnFrame, when not nil, is told every frame's whole time and the CPU
	// time spent building it, before raylib presents it (benchmarks).
	OnFrame func(frame, build time.Duration)
}

// Run draws frames until the window is closed, Esc is pressed or Stop
// closes. The cluster stays the caller's to close.
func (w *Window) Run(c *node.Cluster, opts RunOptions) {
	w.start(c, opts)
	defer w.work.close()
	defer w.poll.close()
	defer w.stopLesson()
	if opts.Lesson != "" {
		w.startLesson(opts.Lesson)
	}
	for !rl.WindowShouldClose() {
		select {
		case <-opts.Stop:
			return
		default:
		}
		if !w.frame() {
			return
		}
	}
}

func (w *Window) start(c *node.Cluster, opts RunOptions) {
	w.link = link{c: c, n: c.Size(), poll: startPoller(c), work: startWorker(),
		results: make(chan session.Result, 16), commands: make(chan command.Command, 16)}
	w.session = session.New(c, session.Options{Record: opts.Record, PerPlayer: true,
		Window: func(cmd command.Command) { w.commands <- cmd }})
	w.settings = settings{selected: 1, showMsgs: true, auto: opts.Auto}
	w.picture = picture{timeline: timeline.New(w.n, timeline.Span), msgs: NewMessageView(),
		notes: make([]note, w.n), seen: make([]uint64, w.n)}
	w.players = players{nextAuto: make([]time.Time, w.n), rng: rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))}
	w.lessonState = lessonState{captions: make(chan captionMsg, 16)}
	w.frameAt, w.onFrame = time.Now(), opts.OnFrame
}

// frame runs one frame: input, update, draw. It returns false to quit.
func (w *Window) frame() bool {
	start := time.Now()
	screen := w.layout()
	shot := false
	for _, in := range w.input(screen) {
		switch {
		case in.Kind == Quit && w.menu != nil: // Esc closes the topmost overlay first
			w.menu = nil
		case in.Kind == Quit && w.showHelp:
			w.showHelp = false
		case in.Kind == Quit:
			return false
		case in.Kind == Screenshot:
			shot = true
		case w.menu != nil && in.Kind == Select:
			w.menu = nil
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
	if w.menu != nil {
		w.drawMenu(screen)
	}
	if shot {
		w.screenshot()
	}
	build := time.Since(start)
	rl.EndDrawing()
	w.stats.add(start.Sub(w.frameAt), build)
	if w.onFrame != nil {
		w.onFrame(start.Sub(w.frameAt), build)
	}
	w.frameAt = start
	return true
}

// layout lays out this frame's screen.
func (w *Window) layout() Screen {
	return LayoutScreen(float32(rl.GetScreenWidth()), float32(rl.GetScreenHeight()), w.n, w.zoom,
		w.lesson != nil && w.caption.text != "")
}

// input reads this frame's intents. Keys come from raylib's queue, which
// keeps presses shorter than a frame; mouse buttons have no queue.
func (w *Window) input(s Screen) []Intent {
	var out []Intent
	ctrl := rl.IsKeyDown(rl.KeyLeftControl) || rl.IsKeyDown(rl.KeyRightControl)
	for k := rl.GetKeyPressed(); k != 0; k = rl.GetKeyPressed() {
		if in := KeyIntent(k, w.selected, w.n, ctrl); in.Kind != NoIntent {
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

// apply carries out an intent: the window's own ones here, cluster
// commands through the session on the worker.
func (w *Window) apply(in Intent) {
	switch in.Kind {
	case Select:
		w.selected = in.N
	case Attack:
		w.attack(in.From, in.To)
	case Crash:
		w.job(command.Crash{Replica: command.Replica(in.N)})
	case Restart:
		w.job(command.Restart{Replica: in.N})
	case CrashLeader:
		w.job(command.Crash{Replica: command.Ref{Role: command.Leader}})
	case ToggleIsolate:
		if w.snap != nil && w.snap.status[in.N-1].Isolated {
			w.job(command.Rejoin{Replica: command.Replica(in.N)})
		} else {
			w.job(command.Isolate{Replica: command.Replica(in.N)})
		}
	case NextPartition:
		presets := command.Presets(w.n)
		if w.preset >= len(presets) {
			w.preset = 0
			w.job(command.Heal{})
			return
		}
		w.job(command.Partition{Groups: presets[w.preset]})
		w.preset++
	case Heal:
		w.preset = 0
		w.job(command.Heal{})
	case ToggleAuto:
		w.session.Do(command.Autoplay{On: !w.auto})
	case ToggleMessages:
		w.session.Do(command.Messages{On: !w.showMsgs})
	case ToggleHelp:
		w.showHelp = !w.showHelp
	case ToggleStats:
		w.showStats = !w.showStats
	case FullScreen:
		// Borderless: safer on projectors than changing the monitor's mode.
		rl.ToggleBorderlessWindowed()
	case ZoomIn:
		w.zoom = min(w.zoom+0.1, 1.6)
	case ZoomOut:
		w.zoom = max(w.zoom-0.1, 0.6)
	case ZoomReset:
		w.zoom = 1
	case Freeze:
		if w.frozen.IsZero() {
			w.frozen = time.Now()
		} else {
			w.frozen = time.Time{}
		}
	case LessonMenu:
		w.openMenu()
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
		rtt := SlowRTT
		if w.c.Config().Raft.RTTMillisecond == SlowRTT {
			rtt = w.cfg.Raft.RTTMillisecond
		}
		w.job(command.SetRTT{Ms: rtt})
	}
}

// job queues a command for the worker; its result comes back for the
// banner.
func (w *Window) job(cmd command.Command) {
	queued := w.work.do(func() {
		select {
		case w.results <- w.session.Do(cmd):
		default:
		}
	})
	if !queued {
		w.banner = note{text: "busy: try again", at: time.Now(), alarm: true}
	}
}

// attack proposes player from's attack on to through its own replica; it
// returns at once, and the pane shows a ghost arrow until it is decided.
func (w *Window) attack(from, to int) {
	r := w.session.Do(command.Attack{From: from, To: to, Via: command.Replica(from), NoWait: true})
	if r.Ticket != nil {
		w.pending = append(w.pending, pending{from: from, to: to, ticket: r.Ticket})
	}
}

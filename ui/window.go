package ui

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"sync"
	"time"

	rl "github.com/gen2brain/raylib-go/raylib"

	"github.com/raftian/raftian/command"
	"github.com/raftian/raftian/config"
	"github.com/raftian/raftian/lesson"
	"github.com/raftian/raftian/record"
	"github.com/raftian/raftian/rewind"
	"github.com/raftian/raftian/session"
)

// ErrNoDisplay is returned by Open when there is no screen to draw on.
var ErrNoDisplay = errors.New(noDisplay[runtime.GOOS == "linux"])

var noDisplay = map[bool]string{
	true: "no display: the window cannot open here (DISPLAY is unset or unreachable). " +
		"Run with --headless to use the cluster without a window, or start an X server (e.g. xvfb-run -a raftian)",
	false: "no display: the window could not open (no screen, or no OpenGL 3.3 driver). " +
		"Run with --headless to use the cluster without a window",
}

// Window is the open game window and everything it remembers between
// frames, in groups. Only the frame loop's goroutine reads or writes these
// fields; cluster operations run on the worker (or a lesson's goroutine)
// through the session, and come back as results over channels.
//
// The window draws only from the record's model (package rewind) at the
// moment the player shows: live, that is now; paused or playing, another
// moment. Both are the same code.
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
	frames  int // frames drawn so far
	// quitAsked is when Esc last asked to quit, with nothing open: a
	// second Esc within quitConfirm quits.
	quitAsked     time.Time
	onFrame       func(frame, build time.Duration)
	zoom          float32        // Ctrl + and Ctrl -: 1 is the window's own scale
	presenter     bool           // the presenter view (F5): larger text, fewer words
	saving        sync.WaitGroup // records being written
	seat          int            // in a class: this laptop's seat (its pane large)
	card          []string       // in a class: the card's lines, the first large
	form          *classForm     // the class form, while it is open
	teaching      bool           // the teacher's window of a class: G, V and O work
	projector     bool           // the teacher's window drawing the class's merged record
	enrolmentShut bool           // the teacher closed enrolment (O)
	formCheck     func(where, name string) error
	chosen        ClassChoice // what the class form asked for: the run ends
}

// link is the window's way to the cluster and to its record.
type link struct {
	live     bool // a cluster runs: false when viewing a record file
	n        int
	header   record.Header
	model    *rewind.Model
	src      rewind.Source
	rec      *record.Recorder // the live record; nil when viewing a file
	session  *session.Session // nil when viewing a file
	work     *worker
	results  chan session.Result  // the worker's and lessons' results, for the banner
	commands chan command.Command // window commands from the session (autoplay, messages)
	class    session.Class        // on the teacher's laptop: the class
	poll     string               // how the class answered the question on screen, as last said
	question func() (Asked, bool) // on a student's laptop: the teacher's open question
	answer   func(choice int) error
	asked    Asked                 // the question shown, if any
	answers  chan answered         // what became of the student's answers
	relay    func() rewind.Relayed // on a student's laptop: the teacher's relays
	relayed  rewind.Relayed        // the last of them
	unheard  bool                  // the teacher's relays stopped (said once)
}

// settings are what the user switched on or chose.
type settings struct {
	selected  int
	auto      bool
	showMsgs  bool
	showHelp  bool
	showStats bool     // F3: frame times in the key bar
	preset    int      // index of the next partition preset
	open      int      // a seat of the seats' table whose pane is open (clicked); 0 if none
	menu      []string // the lesson menu's titles, while it is open
	menuRows  []Rect   // where each title was drawn: a click picks it
	player    Player
}

// picture is what this frame draws, and what the last one drew where
// (for clicks).
type picture struct {
	t       int64 // the moment shown, µs into the record
	st      *rewind.State
	flights []rewind.Flight
	hits    hits    // where the last frame drew dots and log entries
	badges  []Point // where this frame drew each pane's role badge
	picked  picked  // what was clicked, described in the side cell
	drag    bool    // the timeline is being dragged
	dragWin [2]int64
	banner  note
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
	ww, wh := FitWindow(cfg.Window.Width, cfg.Window.Height, mw, mh)
	if mw > 0 && mh > 0 {
		rl.SetWindowSize(ww, wh)
		rl.SetWindowPosition((mw-ww)/2, (mh-wh)/2)
		if ww == mw && wh == mh { // a projector: all of it, inside the desktop's panels
			rl.MaximizeWindow()
		}
	}
	rl.ClearWindowState(rl.FlagWindowHidden)
	rl.SetExitKey(0) // Esc is an intent like any other
	rl.SetTargetFPS(60)
	presenter := Presents(float32(ww), float32(wh))
	return &Window{screen: screen{cfg: cfg, fonts: loadFonts(), opened: time.Now(), zoom: 1, presenter: presenter}}, nil
}

// viewName names a view, for the log.
func viewName(presenter bool) string {
	if presenter {
		return "presenter"
	}
	return "full"
}

// needsDisplay reports whether this system's windows need an X11 or
// Wayland display (not so on Windows and macOS).
func needsDisplay() bool { return runtime.GOOS != "windows" && runtime.GOOS != "darwin" }

// FitWindow returns the window size for a wanted w×h on a screen of
// sw×sh: at most 90 % of the screen either way, keeping the aspect; all of
// a projector's screen (1280×720 or smaller), where every pixel counts. An
// unknown screen (0) keeps the wanted size.
func FitWindow(w, h, sw, sh int) (int, int) {
	if sw <= 0 || sh <= 0 {
		return w, h
	}
	if Presents(float32(sw), float32(sh)) {
		return sw, sh
	}
	f := min(1, 0.9*float64(sw)/float64(w), 0.9*float64(sh)/float64(h))
	return int(float64(w) * f), int(float64(h) * f)
}

// Close closes the window.
// quitConfirm is how long a first Esc waits for the second.
const quitConfirm = 3 * time.Second

func (w *Window) Close() {
	removeRaylibShots(w.opened)
	w.fonts.unload()
	rl.CloseWindow()
}

// RunOptions say how a run of the window goes.
type RunOptions struct {
	Stop    <-chan struct{}  // closed to end the run (a signal, a benchmark's end)
	Lesson  string           // a lesson to play at once, if not ""
	Journal *session.Journal // receives every command carried out, if not nil
	Auto    bool             // start with auto-play on
	// Intro plays the cluster's first election slowly when no lesson is
	// asked for (lesson.Intro): the cluster must have started in slow
	// motion (node.Options.StartSlow).
	Intro bool
	// OnFrame, when not nil, is told every frame's whole time and the CPU
	// time spent building it, before raylib presents it (benchmarks).
	OnFrame func(frame, build time.Duration)
	// Seat, in a class, is this laptop's seat: its pane is drawn large.
	Seat int
	// Card, in a class, is what the class's card says: the join code
	// and the class's address on the teacher's laptop, the seat on a
	// student's.
	Card []string
	// ValidateJoin, when not nil, offers the class form (F4) and checks
	// what it is given to join.
	ValidateJoin func(where, name string) error
	// Class, on the teacher's laptop, is the class the teacher's keys
	// command (G, V, O, and the faults, carried out on the seats'
	// laptops).
	Class session.Class
	// Question and Answer, on a student's laptop, are the teacher's open
	// question (a lesson's, on the projector) and the way to answer it.
	Question func() (Asked, bool)
	Answer   func(choice int) error
	// Relayed, on a student's laptop, is what the teacher's laptop last
	// relayed of the class: the other seats are drawn from it.
	Relayed func() rewind.Relayed
	// Record, on the teacher's laptop, is the class's merged record:
	// every seat's own observations on the teacher's clock. The window
	// draws it, every seat a full pane (the projector), instead of this
	// laptop's own record.
	Record rewind.Source
}

// HeldLine is the class card's line while the teacher's window holds the
// game: G removes it.
const HeldLine = "G starts the game when everyone has joined"

// Run draws frames until the window is closed, Esc is pressed or Stop
// closes. It draws the cluster's record (the cluster must keep one) and
// carries commands out with a session on it; the cluster stays the
// caller's to close.
//
// It returns what the class form asked for, if the run ended for it.
func (w *Window) Run(c session.Cluster, opts RunOptions) ClassChoice {
	var src rewind.Source = c.Recorder()
	if opts.Record != nil {
		src, opts.Seat = opts.Record, 0 // every seat's pane, from its own laptop
	}
	w.start(c, src, opts)
	defer w.saving.Wait()
	defer w.work.close()
	defer w.stopLesson()
	if opts.OnFrame == nil { // a class's window, not a benchmark's: the teacher's log says which view
		fmt.Printf("view: %s\n", viewName(w.presenter))
	}
	switch {
	case opts.Lesson != "":
		w.startLesson(opts.Lesson)
	case opts.Intro:
		w.playLesson(lesson.Intro(), true)
	}
	w.loop(opts.Stop)
	return w.chosen
}

// ViewOptions say how a record is shown.
type ViewOptions struct {
	At      int64           // µs into the record: paused there (at its beginning if before it)
	Speed   int             // if not 0, play from At at Speeds[Speed] (benchmarks)
	Stop    <-chan struct{} // closed to end the view
	OnFrame func(frame, build time.Duration)
}

// View shows a record read from a file, with no cluster.
func (w *Window) View(log *record.Log, opts ViewOptions) {
	w.start(nil, log, RunOptions{OnFrame: opts.OnFrame})
	w.model.Update()
	if log.Cut() {
		w.banner = note{text: fmt.Sprintf("this record was cut at %.1f s: the program writing it stopped before it finished", float64(log.Last())/1e6),
			at: time.Now(), alarm: true}
	}
	w.player.Seek(w.model, opts.At, w.live())
	if opts.Speed > 0 {
		w.player.Speed = min(opts.Speed, len(Speeds)-1)
		w.player.Play(w.live())
	}
	w.loop(opts.Stop)
}

func (w *Window) loop(stop <-chan struct{}) {
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

func (w *Window) start(c session.Cluster, src rewind.Source, opts RunOptions) {
	h := src.Header()
	w.link = link{live: c != nil, n: len(h.Players), header: h, src: src, model: rewind.New(src), work: startWorker(),
		results: make(chan session.Result, 16), commands: make(chan command.Command, 16), relay: opts.Relayed, unheard: true,
		class: opts.Class, question: opts.Question, answer: opts.Answer, answers: make(chan answered, 4)}
	if c != nil {
		w.rec = c.Recorder()
		w.session = session.New(c, session.Options{Journal: opts.Journal, PerPlayer: true,
			Window: func(cmd command.Command) { w.commands <- cmd }, Class: opts.Class})
	}
	w.settings = settings{selected: 1, showMsgs: true, auto: opts.Auto && c != nil}
	if c == nil {
		w.player.Mode = Paused
	}
	w.picture = picture{}
	w.players = players{nextAuto: make([]time.Time, w.n), rng: rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))}
	w.lessonState = lessonState{captions: make(chan captionMsg, 16), replays: make(chan replayMsg, 1)}
	w.frameAt, w.onFrame = time.Now(), opts.OnFrame
	w.seat, w.card, w.formCheck, w.form, w.chosen = opts.Seat, opts.Card, opts.ValidateJoin, nil, ClassChoice{}
	w.teaching, w.enrolmentShut, w.projector = opts.Class != nil, false, opts.Record != nil
	if w.seat != 0 {
		w.selected = w.seat // C and R act on this laptop's replica
	}
}

// live is the newest moment: now, or a file's last observation.
func (w *Window) live() int64 {
	if w.rec != nil {
		return w.rec.Now()
	}
	_, end := w.model.Range()
	return end
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
		case in.Kind == Quit && w.picked.open():
			w.picked = picked{}
		case in.Kind == Quit && w.open != 0:
			w.openSeat(w.open) // closes it
		case in.Kind == Quit && w.lesson != nil:
			fmt.Printf("%s stopped\n", w.lesson.what())
			if !w.lesson.intro {
				w.banner = note{text: "lesson stopped · F2: the lessons", at: time.Now()}
			}
			w.endLesson()
			if w.model.Head().Net.Slow != 0 { // the intro's slow motion, or a lesson's
				w.job(command.Slow{On: false})
			}
		case in.Kind == Quit && time.Since(w.quitAsked) < quitConfirm:
			return false
		case in.Kind == Quit: // one Esc too many must not end a class
			w.quitAsked = time.Now()
			w.banner = note{text: "Esc again to quit: every replica is closed cleanly", at: w.quitAsked, alarm: true}
			fmt.Println("Esc again to quit")
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
	w.update(start)
	w.takeCaptions()
	w.player.Advance(start.Sub(w.frameAt), w.live(), !w.link.live)
	w.t = w.player.At(w.live())
	w.st = w.model.At(w.t)
	w.n = len(w.st.Replicas) // replicas are added, live or in the record
	w.flights = w.model.Flights(w.t, w.trail(), w.flights[:0])
	w.logIntro()
	w.takeRelay()
	w.takeQuestion()
	w.takeAnswers()
	w.takePoll()

	if w.chosen.Chosen() {
		return false
	}

	rl.BeginDrawing()
	rl.ClearBackground(background)
	w.draw(screen, start)
	if w.menu != nil {
		w.drawMenu(screen)
	}
	if w.form != nil {
		w.drawForm(screen)
	}
	if shot {
		w.screenshot()
	}
	build := time.Since(start)
	rl.EndDrawing()
	if shot {
		removeRaylibShots(w.opened) // raylib's own, written as the frame ended
	}
	w.stats.add(start.Sub(w.frameAt), build)
	if w.onFrame != nil {
		w.onFrame(start.Sub(w.frameAt), build)
	}
	w.frameAt = start
	w.frames++
	return true
}

// trail is how long, in record time, a message that arrived stays drawn:
// a quarter second of screen time at the speed shown. Paused, only what
// arrives at the very moment shown: a step lands one message.
func (w *Window) trail() int64 {
	switch w.player.Mode {
	case Live:
		return 250_000
	case Paused:
		return 1
	}
	s := Speeds[w.player.Speed]
	return max(250_000*s.Num/s.Den, 1)
}

// layout lays out this frame's screen.
func (w *Window) layout() Screen {
	var names []string
	if w.st != nil {
		for _, p := range w.st.Players {
			names = append(names, p.Name)
		}
	}
	return LayoutScreen(float32(rl.GetScreenWidth()), float32(rl.GetScreenHeight()), w.n, View{Zoom: w.zoom,
		Lesson: (w.lesson != nil || w.asked.ID != 0) && (w.caption.Text != "" || w.caption.Question != ""), Presenter: w.presenter, Names: names,
		Focus: w.seat, Rows: w.seatRows(), Open: w.open})
}

// input reads this frame's intents. Keys come from raylib's queue, which
// keeps presses shorter than a frame; mouse buttons have no queue. A drag
// on the timeline scrubs.
func (w *Window) input(s Screen) []Intent {
	var out []Intent
	mods := Mods{
		Ctrl:  rl.IsKeyDown(rl.KeyLeftControl) || rl.IsKeyDown(rl.KeyRightControl),
		Shift: rl.IsKeyDown(rl.KeyLeftShift) || rl.IsKeyDown(rl.KeyRightShift),
	}
	if w.form != nil { // the class form takes every key and character
		w.formInput()
		return nil
	}
	n := w.n
	if w.menu != nil {
		n = len(w.menu) // the digits pick a lesson, 0 the tenth
	}
	var keys []int32
	for k := rl.GetKeyPressed(); k != 0; k = rl.GetKeyPressed() {
		if w.menu != nil && k == rl.KeyZero && len(w.menu) >= 10 {
			out = append(out, Intent{Kind: Select, N: 10})
			continue
		}
		if w.studentDigit(k) {
			continue
		}
		keys = append(keys, k)
	}
	out = append(out, KeyIntents(keys, w.selected, n, mods)...)
	m := rl.GetMousePosition()
	if rl.IsMouseButtonPressed(rl.MouseButtonLeft) && w.menu != nil {
		for i, r := range w.menuRows {
			if r.Contains(m.X, m.Y) {
				out = append(out, Intent{Kind: Select, N: i + 1})
			}
		}
		return out
	}
	if rl.IsMouseButtonPressed(rl.MouseButtonLeft) {
		switch {
		case s.Timeline.Contains(m.X, m.Y):
			w.drag, w.dragWin = true, w.stripWindow()
		case HitSeat(s, m.X, m.Y) != 0:
			w.openSeat(HitSeat(s, m.X, m.Y))
		case w.click(m.X, m.Y):
		default:
			if in := ClickIntent(s, w.n, m.X, m.Y); in.Kind != NoIntent {
				out = append(out, in)
			}
		}
	}
	if w.drag {
		if t, ok := stripTime(s, w.dragWin, m.X); ok {
			w.player.Seek(w.model, t, w.live())
		}
		if !rl.IsMouseButtonDown(rl.MouseButtonLeft) {
			w.drag = false
		}
	}
	return out
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

// formInput feeds this frame's keys and characters to the class form.
func (w *Window) formInput() {
	for r := rl.GetCharPressed(); r != 0; r = rl.GetCharPressed() {
		if choice, done := w.form.typed(r); done {
			w.chosen = choice
		}
	}
	for k := rl.GetKeyPressed(); k != 0; k = rl.GetKeyPressed() {
		choice, done, closed := w.form.pressed(formKeyOf(k))
		switch {
		case done:
			w.chosen = choice
		case closed:
			w.form = nil
			return
		}
	}
}

package ui

import (
	"errors"
	"os"

	rl "github.com/gen2brain/raylib-go/raylib"

	"github.com/raftian/raftian/config"
	"github.com/raftian/raftian/node"
)

// ErrNoDisplay is returned by Open when there is no screen to draw on.
var ErrNoDisplay = errors.New("no display: the window cannot open here " +
	"(DISPLAY is unset or unreachable). Run with --headless to use the " +
	"cluster without a window, or start an X server (e.g. xvfb-run -a raftian)")

// Window is the open game window.
type Window struct {
	cfg   config.Config
	fonts fonts
}

// Open opens the window. raylib must run on the main thread: call Open and
// Run from main's goroutine.
func Open(cfg config.Config) (*Window, error) {
	if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		return nil, ErrNoDisplay
	}
	rl.SetTraceLogLevel(rl.LogError)
	rl.SetConfigFlags(rl.FlagWindowResizable | rl.FlagMsaa4xHint | rl.FlagVsyncHint)
	rl.InitWindow(int32(cfg.Window.Width), int32(cfg.Window.Height), "Raftian")
	if !rl.IsWindowReady() {
		// Nothing else may touch raylib now: drawing would crash.
		return nil, ErrNoDisplay
	}
	rl.SetExitKey(0) // Esc is handled by the input code
	w := &Window{cfg: cfg}
	w.fonts = loadFonts()
	return w, nil
}

// Close closes the window.
func (w *Window) Close() {
	w.fonts.unload()
	rl.CloseWindow()
}

// Run draws frames until the window is closed.
func (w *Window) Run(c *node.Cluster) {
	for !rl.WindowShouldClose() {
		if rl.IsKeyPressed(rl.KeyEscape) {
			return
		}
		status := c.Status()
		rl.BeginDrawing()
		rl.ClearBackground(background)
		area := Rect{0, 0, float32(rl.GetScreenWidth()), float32(rl.GetScreenHeight())}
		for i, r := range Panes(area, c.Size()) {
			w.drawPane(r.Inset(4), status[i])
		}
		rl.EndDrawing()
	}
}

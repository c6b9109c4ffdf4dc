package ui

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	rl "github.com/gen2brain/raylib-go/raylib"
)

// raylib itself saves screenshotNNN.png in the working directory when F12
// is pressed, numbering from 000 in every run (so it would overwrite an
// earlier run's), and it does so after presenting the frame, when what it
// reads is not the frame drawn. F12 is also our screenshot key: the frame
// is captured here, whole, and raylib's files of this run are removed.

// screenshot saves the frame being drawn. Call it after drawing and before
// EndDrawing.
func (w *Window) screenshot() {
	dest, err := filepath.Abs(time.Now().Format("raftian-screenshot-20060102-150405.000.png"))
	if err != nil {
		w.banner = note{text: "screenshot: " + err.Error(), at: time.Now(), alarm: true}
		return
	}
	// raylib batches draws until the frame ends: draw them all first, or
	// what was drawn last (a lesson's band) is missing from the picture.
	rl.DrawRenderBatchActive()
	img := rl.LoadImageFromScreen()
	if !rl.ExportImage(*img, dest) {
		err = fmt.Errorf("could not write %s", dest)
	}
	rl.UnloadImage(img)
	if err != nil {
		w.banner = note{text: "screenshot failed: " + err.Error(), at: time.Now(), alarm: true}
		return
	}
	// The moment and a code for what it shows: two screenshots with the
	// same code show the same state, in this window or in raftian view.
	fmt.Printf("screenshot saved: %s (record %.6f s, state %s)\n", dest, float64(w.t)/1e6, w.st.Digest())
	w.banner = note{text: "screenshot saved: " + dest, at: time.Now()}
}

// removeRaylibShots removes the screenshotNNN.png files raylib wrote in
// the working directory since the window opened (see screenshot).
func removeRaylibShots(since time.Time) {
	matches, _ := filepath.Glob("screenshot[0-9][0-9][0-9].png")
	for _, m := range matches {
		if fi, err := os.Stat(m); err == nil && !fi.ModTime().Before(since) {
			os.Remove(m)
		}
	}
}

package ui

import (
	rl "github.com/gen2brain/raylib-go/raylib"
)

// fonts holds the one font the UI draws with, DejaVu Sans built into the
// program (text.go): one font keeps raylib's batching intact (switching
// fonts within a frame cost half the frame rate under software rendering).
type fonts struct {
	font rl.Font
}

func loadFonts() fonts {
	f := rl.LoadFontFromMemory(".ttf", fontData, atlasSize, glyphs())
	rl.SetTextureFilter(f.Texture, rl.FilterBilinear)
	shareTexture(f)
	return fonts{font: f}
}

func (f fonts) unload() {
	rl.SetShapesTexture(rl.Texture2D{}, rl.Rectangle{}) // back to raylib's own
	rl.UnloadFont(f.font)
}

// shareTexture makes raylib draw shapes with a solid white patch of the
// font's own atlas (the middle of the full-block glyph). Then text and
// shapes use one texture and raylib batches a whole frame in a few draw
// calls instead of one per switch between them, which under software GL
// cost milliseconds a frame.
func shareTexture(f rl.Font) {
	r := rl.GetGlyphAtlasRec(f, '█')
	if r.Width < 8 || r.Height < 8 {
		return
	}
	rl.SetShapesTexture(f.Texture, rl.Rectangle{X: r.X + r.Width/2 - 1, Y: r.Y + r.Height/2 - 1, Width: 2, Height: 2})
}

// text draws s with its top left at (x, y).
func (f fonts) text(s string, x, y, size float32, c rl.Color) {
	rl.DrawTextEx(f.font, s, rl.Vector2{X: x, Y: y}, size, 0, c)
}

// measure is how wide s is at size: the same as raylib's measure of this
// font, without asking raylib.
func (f fonts) measure(s string, size float32) float32 { return textWidth(s, size) }

// inBox draws s in box, vertically centred, shortened with "…" if it is
// too wide; align 0 left, 1 right, 0.5 centred.
func (f fonts) inBox(s string, box Rect, size float32, align float32, c rl.Color) {
	s = fitText(s, size, box.W)
	w := textWidth(s, size)
	f.text(s, box.X+(box.W-w)*align, box.Y+(box.H-size)/2, size, c)
}

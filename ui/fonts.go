package ui

import (
	"os"

	rl "github.com/gen2brain/raylib-go/raylib"
)

// fontPaths are tried in order; raylib's built-in font is the fallback.
var fontPaths = []string{
	"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
	"/usr/share/fonts/TTF/DejaVuSans.ttf",
}

// fonts holds the one font the UI draws with: one font keeps raylib's
// batching intact (switching fonts within a frame costs half the frame rate
// under software rendering).
type fonts struct {
	font   rl.Font
	loaded bool
}

func loadFonts() fonts {
	for _, p := range fontPaths {
		if _, err := os.Stat(p); err == nil {
			f := rl.LoadFontEx(p, 48, codepoints())
			if f.Texture.ID != 0 {
				rl.SetTextureFilter(f.Texture, rl.FilterBilinear)
				shareTexture(f)
				return fonts{font: f, loaded: true}
			}
		}
	}
	return fonts{font: rl.GetFontDefault()}
}

func (f fonts) unload() {
	if f.loaded {
		rl.SetShapesTexture(rl.Texture2D{}, rl.Rectangle{}) // back to raylib's own
		rl.UnloadFont(f.font)
	}
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

func (f fonts) text(s string, x, y, size float32, c rl.Color) {
	rl.DrawTextEx(f.font, s, rl.Vector2{X: x, Y: y}, size, 0, c)
}

func (f fonts) measure(s string, size float32) float32 {
	return rl.MeasureTextEx(f.font, s, size, 0).X
}

// codepoints are the characters the UI draws: printable ASCII and a few
// symbols (raylib loads only ASCII unless told).
func codepoints() []rune {
	var cs []rune
	for r := rune(32); r < 127; r++ {
		cs = append(cs, r)
	}
	return append(cs, []rune("→—–·…×█")...)
}

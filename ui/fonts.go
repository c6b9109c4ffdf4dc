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
				return fonts{font: f, loaded: true}
			}
		}
	}
	return fonts{font: rl.GetFontDefault()}
}

func (f fonts) unload() {
	if f.loaded {
		rl.UnloadFont(f.font)
	}
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
	return append(cs, []rune("→—–·…×")...)
}

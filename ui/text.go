package ui

import (
	_ "embed"
	"strings"
	"unicode/utf8"

	"golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// The window draws every text in one font, DejaVu Sans, built into the
// program so that it looks the same on every system. Its widths are read
// here, in pure Go, the way raylib reads them, so that the layout can be
// planned and tested without a window: a text's width is known before it
// is drawn.

//go:embed font/DejaVuSans.ttf
var fontData []byte

// atlasSize is the pixel height raylib rasterises the font at: the
// largest text drawn, so that smaller text is scaled down, never up.
const atlasSize = 48

// glyphs are the characters the window draws.
func glyphs() []rune {
	var cs []rune
	for r := rune(32); r < 127; r++ {
		cs = append(cs, r)
	}
	return append(cs, []rune("→←↑↓—–−·…×█✓✗★▶⏸≤≥µ§")...)
}

// advances is each glyph's advance at atlasSize, in whole pixels as raylib
// keeps it (stb_truetype scales by ascent minus descent, and truncates).
var advances = readAdvances()

func readAdvances() map[rune]float32 {
	f, err := sfnt.Parse(fontData)
	if err != nil {
		panic("the built-in font does not parse: " + err.Error())
	}
	var buf sfnt.Buffer
	em := fixed.Int26_6(f.UnitsPerEm()) << 6 // ppem in font units: values come out in units
	m, err := f.Metrics(&buf, em, font.HintingNone)
	if err != nil {
		panic(err)
	}
	scale := float64(atlasSize) / float64((m.Ascent + m.Descent).Round())
	out := map[rune]float32{}
	for _, r := range glyphs() {
		i, err := f.GlyphIndex(&buf, r)
		if err != nil || i == 0 {
			continue
		}
		adv, err := f.GlyphAdvance(&buf, i, em, font.HintingNone)
		if err == nil {
			out[r] = float32(int(float64(adv.Round()) * scale))
		}
	}
	return out
}

// textWidth is how wide s is at pixel size size, as raylib draws it.
func textWidth(s string, size float32) float32 {
	var w float32
	for _, r := range s {
		a, ok := advances[r]
		if !ok {
			a = advances['?']
		}
		w += a
	}
	return w * size / atlasSize
}

// fitText returns s shortened with "…" so that it is at most width wide
// at size; s itself if it fits.
func fitText(s string, size, width float32) string {
	if textWidth(s, size) <= width {
		return s
	}
	for len(s) > 0 {
		_, n := utf8.DecodeLastRuneInString(s)
		s = strings.TrimRight(s[:len(s)-n], " ")
		if textWidth(s+"…", size) <= width {
			return s + "…"
		}
	}
	return ""
}

// wrap breaks text into lines no wider than width at size.
func wrap(text string, size, width float32) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(text) {
		try := word
		if line != "" {
			try = line + " " + word
		}
		if line != "" && textWidth(try, size) > width {
			lines = append(lines, line)
			line = word
			continue
		}
		line = try
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

// firstFit returns the first of texts that fits width at size (the
// fullest words first, shorter ones after), or the last.
func firstFit(width, size float32, texts ...string) string {
	for _, t := range texts {
		if textWidth(t, size) <= width {
			return t
		}
	}
	return texts[len(texts)-1]
}

package ui

import (
	"strings"
	"testing"

	"github.com/raftian/raftian/lesson"
)

// Every character the window may draw is in the font's atlas: a missing
// glyph is drawn as a box. The lessons' captions and questions, the help,
// the legend and the key bar are checked.
func TestEveryCharacterHasAGlyph(t *testing.T) {
	have := map[rune]bool{}
	for _, r := range glyphs() {
		have[r] = true
	}
	var texts []string
	for _, n := range lesson.Names() {
		l, err := lesson.Load(n)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range l.Steps {
			texts = append(texts, s.Caption, s.Then, s.Instead)
			if s.Ask != nil {
				texts = append(texts, s.Ask.Question)
			}
		}
	}
	for _, r := range helpRows {
		texts = append(texts, r[0], r[1])
	}
	texts = append(texts, legend...)
	texts = append(texts, keys...)
	for _, text := range texts {
		for _, r := range text {
			if !have[r] && r != '\n' {
				t.Errorf("%q has no glyph, in %q", r, strings.TrimSpace(text)[:min(len(text), 40)])
			}
		}
	}
}

package ui

import (
	"fmt"
	"testing"
)

// The sizes a class meets: the common projector, a laptop, full HD, 1440p.
var screenSizes = [][2]float32{{1280, 720}, {1600, 900}, {1920, 1080}, {2560, 1440}}

func overlap(a, b Rect) bool {
	return a.X < b.X+b.W-0.01 && b.X < a.X+a.W-0.01 && a.Y < b.Y+b.H-0.01 && b.Y < a.Y+a.H-0.01
}

func inside(in, out Rect) bool {
	return in.X >= out.X-0.01 && in.Y >= out.Y-0.01 && in.X+in.W <= out.X+out.W+0.01 && in.Y+in.H <= out.Y+out.H+0.01
}

// noOverlaps fails the test if two of the named regions overlap or one
// leaves its parent.
func noOverlaps(t *testing.T, where string, parent Rect, regions map[string]Rect) {
	t.Helper()
	var names []string
	for name, r := range regions {
		if r.Empty() {
			continue
		}
		if !inside(r, parent) {
			t.Errorf("%s: %s %v is outside %v", where, name, r, parent)
		}
		for _, other := range names {
			if overlap(r, regions[other]) {
				t.Errorf("%s: %s %v overlaps %s %v", where, name, r, other, regions[other])
			}
		}
		names = append(names, name)
	}
}

// fits fails the test if text at size is wider than box or taller.
func fits(t *testing.T, where, text string, size float32, box Rect) {
	t.Helper()
	if w := textWidth(text, size); w > box.W+0.01 || size > box.H+0.01 {
		t.Errorf("%s: %q at %.1f px is %.0f×%.0f, its box %.0f×%.0f", where, text, size, w, size, box.W, box.H)
	}
}

// At every size, with or without a lesson's caption, no region overlaps
// another, every part is inside its pane, and the texts a class reads fit
// their boxes at a readable size.
func TestLayoutAtClassroomSizes(t *testing.T) {
	for _, sz := range screenSizes {
		for _, lesson := range []bool{false, true} {
			where := fmt.Sprintf("%.0f×%.0f lesson=%v", sz[0], sz[1], lesson)
			s := LayoutScreen(sz[0], sz[1], 5, 1, lesson)
			sc := s.Scale
			regions := map[string]Rect{"bar": s.Bar, "side": s.Side, "caption": s.Caption, "timeline": s.Timeline, "keys": s.Keys}
			for i, p := range s.Panes {
				regions[fmt.Sprintf("pane %d", i+1)] = p
			}
			noOverlaps(t, where, Rect{0, 0, sz[0], sz[1]}, regions)
			if lesson == s.Caption.Empty() {
				t.Errorf("%s: caption band %v", where, s.Caption)
			}
			for r := TextRole(0); r < textRoles; r++ {
				if sc.Text(r) < MinText {
					t.Errorf("%s: text role %d is %.1f px, under %d", where, r, sc.Text(r), MinText)
				}
			}
			checkPane(t, where, s.Panes[0], sc, 5)
			fits(t, where+" key bar", "? help   Esc quit", sc.Text(TextKeys), s.Keys)
			lanes := (s.Timeline.H - sc.line(TextMarker)) / 5
			if lanes < sc.Text(TextLane) {
				t.Errorf("%s: timeline lanes %.1f px high for %.1f px text", where, lanes, sc.Text(TextLane))
			}
			if !lesson {
				continue
			}
			if lines := (s.Caption.H - sc.Px(34)) / (sc.Text(TextCaption) * 1.25); lines < 1.9 {
				t.Errorf("%s: the caption band holds %.1f lines", where, lines)
			}
		}
	}
}

// checkPane checks one pane's parts and the texts they hold.
func checkPane(t *testing.T, where string, pane Rect, sc Scale, n int) {
	t.Helper()
	p := LayoutPane(pane, sc)
	noOverlaps(t, where+" pane", pane, map[string]Rect{"title": p.Title, "ring": p.Ring, "info": p.Info,
		"message": p.Message, "cities": p.Cities, "log": p.Log})
	// The widest title line: number and name, badge with votes, isolation.
	title := textWidth("5 Emeka", sc.Text(TextTitle)) + sc.Px(10) +
		textWidth("PRE-CANDIDATE 5/5", sc.Text(TextBadge)) + sc.Px(18) + textWidth("ISOLATED", sc.Text(TextBadge)) + sc.Px(18)
	if title > p.Title.W {
		t.Errorf("%s: the widest title line needs %.0f px, has %.0f", where, title, p.Title.W)
	}
	if !fullInfo(p.Info.W, sc.Text(TextInfo)) {
		fits(t, where+" info (short)", "t999 · ldr none · c99999 · a99999", sc.Text(TextInfo), p.Info)
	}
	fits(t, where+" message", "Boris destroyed Chen!", sc.Text(TextMessage), p.Message)
	fits(t, where+" log entry", "9999 t99 new game", sc.Text(TextLog), p.Log.Inset(sc.Px(4)))
	if rows := logRows(p.Log, sc); rows < 4 {
		t.Errorf("%s: only %d log entries fit", where, rows)
	} else if bottom := p.Log.Y + sc.line(TextLog) + float32(rows)*(sc.line(TextLog)+sc.Px(2)); bottom > p.Log.Y+p.Log.H+0.01 {
		t.Errorf("%s: %d log rows end at %.0f, below the log at %.0f", where, rows, bottom, p.Log.Y+p.Log.H)
	}
	cities := LayoutCities(p.Cities, n, sc)
	for i, c := range cities {
		cw := fmt.Sprintf("%s city %d", where, i+1)
		if !inside(c.Cell, p.Cities) {
			t.Errorf("%s: cell %v outside the cities %v", cw, c.Cell, p.Cities)
		}
		noOverlaps(t, cw, c.Cell, map[string]Rect{"town": c.Town, "bar": c.Bar, "label": c.Label})
		if c.Town != cities[0].Town.atOf(c.Town) {
			t.Errorf("%s: town %v is not the size of the first %v", cw, c.Town, cities[0].Town)
		}
		if c.Bar.W != cities[0].Bar.W {
			t.Errorf("%s: HP bar %.0f wide, the first %.0f: the same HP must look the same", cw, c.Bar.W, cities[0].Bar.W)
		}
		fits(t, cw, "Emeka 100", sc.Text(TextCity), c.Label)
		if c.Town.W < sc.Px(30) {
			t.Errorf("%s: town %.0f px wide", cw, c.Town.W)
		}
		for j := 0; j < i; j++ {
			if overlap(c.Cell, cities[j].Cell) {
				t.Errorf("%s overlaps city %d", cw, j+1)
			}
		}
	}
}

// atOf is r's size at other's place: to compare sizes.
func (r Rect) atOf(other Rect) Rect { return Rect{other.X, other.Y, r.W, r.H} }

// Every pane is the same size, whatever the number of replicas; the
// grid's spare cells are left for the side panel.
func TestPanesAreOneSizeAndFillTheirArea(t *testing.T) {
	for _, sz := range screenSizes {
		area := Rect{0, 30, sz[0], sz[1] * 0.7}
		for n := 1; n <= 9; n++ {
			panes, spare := Grid(area, n)
			if len(panes) != n {
				t.Fatalf("%d panes: got %d", n, len(panes))
			}
			total := spare.W * spare.H
			for i, p := range panes {
				if p.W != panes[0].W || p.H != panes[0].H || !inside(p, area) {
					t.Fatalf("%v, %d panes: pane %d %v (the first %v)", sz, n, i+1, p, panes[0])
				}
				for j := 0; j < i; j++ {
					if overlap(p, panes[j]) || overlap(p, spare) {
						t.Fatalf("%v, %d panes: pane %d overlaps", sz, n, i+1)
					}
				}
				total += p.W * p.H
			}
			if d := total - area.W*area.H; d > 1 || d < -1 {
				t.Fatalf("%v, %d panes and the spare cover %.0f of %.0f", sz, n, total, area.W*area.H)
			}
		}
	}
	p, spare := Grid(Rect{0, 0, 1600, 700}, 5)
	if p[0].Y != p[2].Y || p[3].Y == p[0].Y || spare.Empty() || spare.Y != p[3].Y {
		t.Fatalf("five panes: want 3 over 2 and a spare cell, got %v, %v", p, spare)
	}
}

func TestWindowFitsTheScreen(t *testing.T) {
	cases := []struct{ w, h, sw, sh, ww, wh int }{
		{1600, 900, 1280, 720, 1152, 648}, // 90 % of the projector
		{1600, 900, 1920, 1080, 1600, 900},
		{1600, 900, 2560, 1440, 1600, 900},
		{1600, 900, 1024, 768, 921, 518}, // the width limits
		{1600, 900, 0, 0, 1600, 900},     // no monitor known
	}
	for _, c := range cases {
		if w, h := FitWindow(c.w, c.h, c.sw, c.sh); w != c.ww || h != c.wh {
			t.Errorf("%d×%d on %d×%d: %d×%d, want %d×%d", c.w, c.h, c.sw, c.sh, w, h, c.ww, c.wh)
		}
	}
}

func TestHitCityFindsEveryCityAndNothingElse(t *testing.T) {
	s := LayoutScreen(1600, 900, 5, 1, false)
	for pi, p := range s.Panes {
		parts := LayoutPane(p, s.Scale)
		for ci, c := range LayoutCities(parts.Cities, 5, s.Scale) {
			cx, cy := c.Town.X+c.Town.W/2, c.Town.Y+c.Town.H/2
			if pane, city := HitCity(s, 5, cx, cy); pane != pi+1 || city != ci+1 {
				t.Errorf("centre of pane %d city %d hit (%d, %d)", pi+1, ci+1, pane, city)
			}
		}
		// The title is in the pane but on no city.
		if pane, city := HitCity(s, 5, parts.Title.X+5, parts.Title.Y+5); pane != pi+1 || city != 0 {
			t.Errorf("title of pane %d hit (%d, %d)", pi+1, pane, city)
		}
	}
	if pane, _ := HitCity(s, 5, 10, s.Timeline.Y+5); pane != 0 {
		t.Errorf("the timeline hit pane %d", pane)
	}
	if pane, _ := HitCity(s, 5, s.Side.X+5, s.Side.Y+5); pane != 0 {
		t.Errorf("the side panel hit pane %d", pane)
	}
}

// Text widths are the font's as raylib measures them: raylib's
// MeasureTextEx of the built-in DejaVu Sans gives 145 for "Raftian" and
// 331 for "PRE-CANDIDATE" at 48 px, 99.3 at 14.4 px (read off raylib in a
// window once); these are the numbers the layout plans with.
func TestTextWidthsAreTheFonts(t *testing.T) {
	for _, c := range []struct {
		s          string
		size, want float32
	}{{"Raftian", 48, 145}, {"PRE-CANDIDATE", 48, 331}, {"PRE-CANDIDATE", 14.4, 99.3}} {
		if got := textWidth(c.s, c.size); got < c.want-0.05 || got > c.want+0.05 {
			t.Errorf("%q at %.1f px: %.2f, want %.2f", c.s, c.size, got, c.want)
		}
	}
	if got := fitText("a very long player name indeed", 20, 100); textWidth(got, 20) > 100 || got[len(got)-3:] != "…" {
		t.Errorf("fitText: %q", got)
	}
}

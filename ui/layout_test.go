package ui

import "testing"

func TestPanesFillTheAreaWithoutOverlap(t *testing.T) {
	sizes := []Rect{{0, 0, 1600, 900}, {0, 0, 1280, 1024}, {0, 0, 800, 600}, {0, 0, 640, 1000}, {10, 20, 1920, 1080}}
	for _, area := range sizes {
		for n := 1; n <= 9; n++ {
			panes := Panes(area, n)
			if len(panes) != n {
				t.Fatalf("%v, %d panes: got %d", area, n, len(panes))
			}
			var total float32
			for i, p := range panes {
				if p.W <= 0 || p.H <= 0 || p.X < area.X || p.Y < area.Y ||
					p.X+p.W > area.X+area.W+0.01 || p.Y+p.H > area.Y+area.H+0.01 {
					t.Fatalf("%v, %d panes: pane %d %v is outside the area", area, n, i, p)
				}
				for j := 0; j < i; j++ {
					if overlap(p, panes[j]) {
						t.Fatalf("%v, %d panes: panes %d and %d overlap", area, n, j, i)
					}
				}
				total += p.W * p.H
			}
			if d := total - area.W*area.H; d > 1 || d < -1 {
				t.Fatalf("%v, %d panes cover %.0f of %.0f", area, n, total, area.W*area.H)
			}
		}
	}
}

func TestFivePanesAreThreeOverTwoOnAWideWindow(t *testing.T) {
	p := Panes(Rect{0, 0, 1600, 900}, 5)
	if p[0].Y != p[2].Y || p[3].Y == p[0].Y || p[3].Y != p[4].Y {
		t.Fatalf("want 3 over 2, got %v", p)
	}
}

func overlap(a, b Rect) bool {
	return a.X < b.X+b.W-0.01 && b.X < a.X+a.W-0.01 && a.Y < b.Y+b.H-0.01 && b.Y < a.Y+a.H-0.01
}

func TestScreenLayoutAtSeveralSizes(t *testing.T) {
	for _, sz := range [][2]float32{{1600, 900}, {1280, 720}, {800, 600}, {3840, 2160}} {
		s := LayoutScreen(sz[0], sz[1], 5)
		bottom := s.Hint.Y + s.Hint.H
		if bottom != sz[1] || s.Timeline.Y < s.Panes[4].Y+s.Panes[4].H-0.01 {
			t.Fatalf("%v: strips misplaced: %+v", sz, s)
		}
		for _, p := range s.Panes {
			parts := LayoutPane(p)
			for _, part := range []Rect{parts.Header, parts.Message, parts.Cities, parts.Log} {
				if part.X < p.X || part.Y < p.Y || part.X+part.W > p.X+p.W+0.01 || part.Y+part.H > p.Y+p.H+0.01 {
					t.Fatalf("%v: part %v outside pane %v", sz, part, p)
				}
			}
			if overlap(parts.Cities, parts.Log) || overlap(parts.Header, parts.Cities) {
				t.Fatalf("%v: pane parts overlap: %+v", sz, parts)
			}
			if parts.Cities.W < 100 || parts.Cities.H < 60 {
				t.Errorf("%v: cities area too small: %v", sz, parts.Cities)
			}
		}
	}
}

func TestHitCityFindsEveryCityAndNothingElse(t *testing.T) {
	s := LayoutScreen(1600, 900, 5)
	for pi, p := range s.Panes {
		for ci, c := range CityRects(LayoutPane(p).Cities, 5) {
			cx, cy := c.X+c.W/2, c.Y+c.H/2
			if pane, city := HitCity(s, 5, cx, cy); pane != pi+1 || city != ci+1 {
				t.Errorf("centre of pane %d city %d hit (%d, %d)", pi+1, ci+1, pane, city)
			}
		}
		// The header is in the pane but on no city.
		h := LayoutPane(p).Header
		if pane, city := HitCity(s, 5, h.X+5, h.Y+5); pane != pi+1 || city != 0 {
			t.Errorf("header of pane %d hit (%d, %d)", pi+1, pane, city)
		}
	}
	if pane, _ := HitCity(s, 5, 10, s.Timeline.Y+5); pane != 0 {
		t.Errorf("the timeline hit pane %d", pane)
	}
}

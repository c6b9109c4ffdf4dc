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

package ui

import (
	"fmt"
	"testing"
)

// A class of 32 on the projector (1280×720, presenter view) and on a
// laptop's window: five voters as panes, the 27 non-voting seats as rows
// of the seats' table, with and without a seat's pane opened and a
// lesson's caption. Every row is drawn, none overlaps another or a pane,
// the widest texts of each column fit at a size the back row reads, and
// each voter's pane is whole, its 32 cities readable.
func TestAClassOf32FitsTheProjector(t *testing.T) {
	const n = 32
	names := make([]string, n)
	rows := make([]bool, n)
	for i := range names {
		names[i] = fiveNames[i%5]
		rows[i] = i >= 5
	}
	for _, sz := range [][2]float32{{1280, 720}, {1600, 900}} {
		for _, open := range []int{0, 17} {
			for _, lesson := range []bool{false, true} {
				where := fmt.Sprintf("%.0f×%.0f open=%d lesson=%v", sz[0], sz[1], open, lesson)
				s := LayoutScreen(sz[0], sz[1], n, View{Presenter: Presents(sz[0], sz[1]), Lesson: lesson, Names: names, Rows: rows, Open: open})
				sc := s.Scale
				regions := map[string]Rect{"bar": s.Bar, "side": s.Side, "caption": s.Caption, "timeline": s.Timeline,
					"keys": s.Keys, "seats": s.Seats.Box}
				for i, p := range s.Panes {
					if wantPane := !rows[i] || i+1 == open; p.Empty() == wantPane {
						t.Errorf("%s: replica %d has pane %v, want one: %v", where, i+1, p, wantPane)
					}
					regions[fmt.Sprintf("pane %d", i+1)] = p
				}
				noOverlaps(t, where, Rect{0, 0, sz[0], sz[1]}, regions)
				if s.Seats.Blocks == 0 { // collapsed to its summary: only with a lesson's caption
					if !lesson {
						t.Errorf("%s: the seats' table is collapsed", where)
					}
					for i := range s.Panes {
						if !s.Panes[i].Empty() {
							checkPane(t, fmt.Sprintf("%s pane %d", where, i+1), s, i, n)
						}
					}
					continue
				}
				rowsOnly := map[string]Rect{}
				for i, r := range s.Seats.Rows {
					if rows[i] == r.Empty() {
						t.Errorf("%s: replica %d's row %v", where, i+1, r)
					}
					rowsOnly[fmt.Sprintf("row %d", i+1)] = r
				}
				noOverlaps(t, where, s.Seats.Box, rowsOnly)
				size := sc.Text(TextInfo)
				if sc.Presenter && size < PresenterText {
					t.Errorf("%s: the table's text is %.1f px", where, size)
				}
				cells := s.Seats.cells(s.Seats.Rows[n-1])
				fits(t, where+" seat", "32 Emeka", size, Rect{W: cells[0].W - size*0.8, H: cells[0].H})
				for k, widest := range seatWidest {
					fits(t, where+" "+seatHeads[k+1], widest, size, cells[k+1])
				}
				for i, p := range s.Panes {
					if !p.Empty() {
						checkPane(t, fmt.Sprintf("%s pane %d", where, i+1), s, i, n)
					}
				}
				if hit := HitSeat(s, s.Seats.Rows[9].X+2, s.Seats.Rows[9].Y+2); hit != 10 {
					t.Errorf("%s: a click on seat 10's row hits %d", where, hit)
				}
			}
		}
	}
}

// A student's screen: its own pane large, the class's card, and under
// it the other seats as rows (five seats), or summed up where 31 rows
// would not fit; nothing overlaps.
func TestAStudentsScreenListsTheOtherSeats(t *testing.T) {
	for _, n := range []int{5, 32} {
		names := make([]string, n)
		rows := make([]bool, n)
		for i := range names {
			names[i] = fiveNames[i%5]
			rows[i] = i != 1
		}
		for _, sz := range [][2]float32{{1280, 720}, {1600, 900}} {
			where := fmt.Sprintf("%.0f×%.0f, %d seats", sz[0], sz[1], n)
			s := LayoutScreen(sz[0], sz[1], n, View{Presenter: Presents(sz[0], sz[1]), Names: names, Rows: rows, Focus: 2})
			regions := map[string]Rect{"bar": s.Bar, "timeline": s.Timeline, "keys": s.Keys, "card": s.Card,
				"title": s.Seats.Title, "seats": s.Seats.Box, "own pane": s.Panes[1]}
			noOverlaps(t, where, Rect{0, 0, sz[0], sz[1]}, regions)
			for i, p := range s.Panes {
				if p.Empty() != (i != 1) {
					t.Errorf("%s: pane %d is %v", where, i+1, p)
				}
			}
			checkPane(t, where+" own pane", s, 1, n)
			if s.Seats.Title.Empty() || s.Seats.Box.Y < s.Card.Y+s.Card.H {
				t.Errorf("%s: the seats' table %v (title %v) is not under the card %v", where, s.Seats.Box, s.Seats.Title, s.Card)
			}
			for i, r := range s.Seats.Rows {
				if n == 5 && r.Empty() == rows[i] {
					t.Errorf("%s: seat %d's row %v", where, i+1, r)
				}
			}
			if n == 32 && s.Seats.Blocks != 0 {
				t.Errorf("%s: 31 rows fit beside the student's pane? %d blocks", where, s.Seats.Blocks)
			}
		}
	}
}

package ui

// How a pane lays out the cities of its replica's world: towns where they
// fit, a list of names where towns would be too small, chips where even
// names would not fit.

// CityParts are the regions of one city.
type CityParts struct {
	Cell  Rect // all of it: what a click hits
	Town  Rect // the walls and houses, square; empty in a list of cities
	Bar   Rect // the HP bar
	Label Rect // name and HP
}

// LayoutCities lays out n cities in a pane's city area, whose labels are
// at most label wide: a grid of equal cells, the last row centred, every
// town the same size in every pane of the same size. Where towns would be
// too small to see, or their labels would not fit, the cities are a list
// instead: name and HP, and a bar under them, in as many columns as fit.
func LayoutCities(area Rect, n int, sc Scale, label float32) []CityParts {
	if n <= 0 || area.Empty() {
		return nil
	}
	if out, ok := townGrid(area, n, sc, label); ok {
		return out
	}
	if out, ok := cityList(area, n, sc, label); ok {
		return out
	}
	return cityChips(area, n, sc)
}

// townGrid lays the cities out as towns, if they fit: in the number of
// columns that gives the largest towns with every label whole.
func townGrid(area Rect, n int, sc Scale, label float32) ([]CityParts, bool) {
	lh := sc.line(TextCity)
	bar := max(sc.Px(7), 4)
	best, bestSide := 0, float32(0)
	for cols := 1; cols <= n; cols++ {
		rows := (n + cols - 1) / cols
		cw, ch := area.W/float32(cols), area.H/float32(rows)
		if cw-sc.Px(4) < label {
			break // more columns are narrower still
		}
		in := min(cw, ch) * 0.05
		if side := min(cw-2*in, ch-2*in-lh-bar-sc.Px(4)); side > bestSide {
			best, bestSide = cols, side
		}
	}
	if best == 0 || bestSide < max(sc.Px(30), 20) {
		return nil, false
	}
	cols, rows := best, (n+best-1)/best
	cw, ch := area.W/float32(cols), area.H/float32(rows)
	out := make([]CityParts, n)
	for i := range out {
		r, c := i/cols, i%cols
		inRow := min(cols, n-r*cols)
		x0 := area.X + (area.W-float32(inRow)*cw)/2 // the last row is centred
		cell := Rect{x0 + float32(c)*cw, area.Y + float32(r)*ch, cw, ch}
		in := cell.Inset(min(cw, ch) * 0.05)
		townH := max(in.H-lh-bar-sc.Px(4), 0)
		side := min(in.W, townH)
		town := Rect{in.X + (in.W-side)/2, in.Y + (townH-side)/2, side, side}
		barW := min(in.W*0.9, max(side*1.4, in.W*0.6))
		out[i] = CityParts{
			Cell:  cell,
			Town:  town,
			Bar:   Rect{in.X + (in.W-barW)/2, in.Y + townH + sc.Px(2), barW, bar},
			Label: Rect{cell.X + sc.Px(2), in.Y + in.H - lh, cell.W - sc.Px(4), lh}, // the cell's width: names whole
		}
	}
	return out, true
}

// cityList lays the cities out as a list, row by row: a name over its HP
// bar, the bar under the letters, never through them; not if the rows
// would squeeze the names into each other.
func cityList(area Rect, n int, sc Scale, label float32) ([]CityParts, bool) {
	bar := max(sc.Px(4), 3)
	lh := sc.line(TextCity)
	cols := min(max(int(area.W/(label+sc.Px(6))), 1), n)
	rows := (n + cols - 1) / cols
	cw, ch := area.W/float32(cols), min(area.H/float32(rows), lh+bar)
	if ch < sc.Text(TextCity)+bar {
		return nil, false
	}
	out := make([]CityParts, n)
	for i := range out {
		r, c := i/cols, i%cols
		cell := Rect{area.X + float32(c)*cw, area.Y + float32(r)*ch, cw, ch}
		out[i] = CityParts{
			Cell:  cell,
			Label: Rect{cell.X, cell.Y, cell.W, ch - bar - 1},
			Bar:   Rect{cell.X + sc.Px(2), cell.Y + ch - bar, min(label, cell.W-sc.Px(4)), bar},
		}
	}
	return out, true
}

// cityChips lays the cities out as chips, where a list of names would not
// fit (a class of 32 in a voter's pane): a square per city, its number in
// it, its colour fading with its HP. Label is the chip; Town and Bar are
// empty.
func cityChips(area Rect, n int, sc Scale) []CityParts {
	size := sc.Text(TextCity)
	in := sc.Px(2)
	wide := textWidth("32", size) + 2*in + sc.Px(4)
	// The shape with the largest chips that hold their numbers; if none
	// does, the one whose chips come closest.
	cols, best := 1, float32(-1e9)
	for c := 1; c <= n; c++ {
		r := (n + c - 1) / c
		cw, ch := area.W/float32(c), area.H/float32(r)
		score := min(cw/1.3, ch)
		if short := min(cw-wide, ch-size-2*in); short < 0 {
			score = short - 1000
		}
		if score > best {
			cols, best = c, score
		}
	}
	rows := (n + cols - 1) / cols
	cw, ch := area.W/float32(cols), area.H/float32(rows)
	out := make([]CityParts, n)
	for i := range out {
		r, c := i/cols, i%cols
		cell := Rect{area.X + float32(c)*cw, area.Y + float32(r)*ch, cw, ch}
		out[i] = CityParts{Cell: cell, Label: cell.Inset(min(in, cw/8, ch/8))}
	}
	return out
}

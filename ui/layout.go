package ui

// Rect is a rectangle in window pixels.
type Rect struct{ X, Y, W, H float32 }

// Contains reports whether the point (x, y) is inside r.
func (r Rect) Contains(x, y float32) bool {
	return x >= r.X && x < r.X+r.W && y >= r.Y && y < r.Y+r.H
}

// Inset returns r shrunk by d on every side.
func (r Rect) Inset(d float32) Rect {
	return Rect{r.X + d, r.Y + d, max(r.W-2*d, 0), max(r.H-2*d, 0)}
}

// Panes lays out n panes to fill the area: as many rows as needed with up
// to ceil(n/rows) panes per row, the last row's panes widened to fill it
// (5 panes: 3 over 2).
func Panes(area Rect, n int) []Rect {
	if n <= 0 {
		return nil
	}
	rows := 1
	for rows*rows < n && area.H > 0 {
		rows++
	}
	// Prefer fewer, wider rows on a wide window.
	if rows > 1 && area.W >= 1.5*area.H && (n+rows-2)/(rows-1) <= 4 {
		rows--
	}
	perRow := (n + rows - 1) / rows
	out := make([]Rect, 0, n)
	h := area.H / float32(rows)
	for r := 0; r < rows; r++ {
		inRow := min(perRow, n-len(out))
		w := area.W / float32(inRow)
		for c := 0; c < inRow; c++ {
			out = append(out, Rect{area.X + float32(c)*w, area.Y + float32(r)*h, w, h})
		}
	}
	return out
}

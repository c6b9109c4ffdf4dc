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

// Screen is the window's layout: the replicas' panes, the timeline strip
// under them and a one-line hint at the bottom.
type Screen struct {
	Panes    []Rect
	Timeline Rect
	Hint     Rect
}

const hintHeight = 26

// LayoutScreen lays out a w×h window for n replicas.
func LayoutScreen(w, h float32, n int) Screen {
	tl := min(max(h*0.15, 60), 170)
	panes := Rect{0, 0, w, max(h-tl-hintHeight, 0)}
	return Screen{
		Panes:    Panes(panes, n),
		Timeline: Rect{0, panes.H, w, tl},
		Hint:     Rect{0, panes.H + tl, w, hintHeight},
	}
}

// PaneParts are the regions of one pane.
type PaneParts struct {
	Header  Rect // name, role badge, term, leader, indices
	Message Rect // the pane's last message line
	Cities  Rect // the replica's view of every city
	Log     Rect // the tail of its Raft log
}

// LayoutPane splits a pane into its parts; the log column takes about a
// quarter of the width.
func LayoutPane(r Rect) PaneParts {
	r = r.Inset(4)
	header := min(max(r.H*0.12, 22), 40)
	msg := min(max(r.H*0.07, 16), 26)
	logW := min(max(r.W*0.27, 90), 240)
	body := Rect{r.X, r.Y + header + msg, r.W, max(r.H-header-msg, 0)}
	return PaneParts{
		Header:  Rect{r.X, r.Y, r.W, header},
		Message: Rect{r.X, r.Y + header, r.W, msg},
		Cities:  Rect{body.X, body.Y, max(body.W-logW, 0), body.H},
		Log:     Rect{body.X + max(body.W-logW, 0), body.Y, min(logW, body.W), body.H},
	}
}

// CityRects lays out n cities in a pane's city area, each a cell of the
// same grid as the panes, with a margin.
func CityRects(area Rect, n int) []Rect {
	cells := Panes(area, n)
	for i := range cells {
		cells[i] = cells[i].Inset(min(cells[i].W, cells[i].H) * 0.06)
	}
	return cells
}

// HitCity returns the pane and city under (x, y), both 1-based: city 0
// means the pane but no city; pane 0 means no pane at all.
func HitCity(s Screen, n int, x, y float32) (pane, city int) {
	for i, p := range s.Panes {
		if !p.Contains(x, y) {
			continue
		}
		for j, c := range CityRects(LayoutPane(p).Cities, n) {
			if c.Contains(x, y) {
				return i + 1, j + 1
			}
		}
		return i + 1, 0
	}
	return 0, 0
}

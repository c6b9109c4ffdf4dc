package ui

import "math"

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

// Empty reports whether r has no area.
func (r Rect) Empty() bool { return r.W <= 0 || r.H <= 0 }

// cut takes h from the top of r and returns it and the rest.
func (r Rect) cut(h float32) (top, rest Rect) {
	h = min(h, r.H)
	return Rect{r.X, r.Y, r.W, h}, Rect{r.X, r.Y + h, r.W, r.H - h}
}

// cutBottom takes h from the bottom of r and returns the rest and it.
func (r Rect) cutBottom(h float32) (rest, bottom Rect) {
	h = min(h, r.H)
	return Rect{r.X, r.Y, r.W, r.H - h}, Rect{r.X, r.Y + r.H - h, r.W, h}
}

// Scale is the one number every size in the window derives from: 1 at
// 1600×900 with no zoom, less on a smaller window, more with Ctrl +.
type Scale struct{ U float32 }

// NewScale is the scale of a w×h window zoomed by zoom (1 = none).
func NewScale(w, h, zoom float32) Scale { return Scale{U: min(w/1600, h/900) * zoom} }

// Px is a length of base pixels at 1600×900.
func (s Scale) Px(base float32) float32 { return base * s.U }

// TextRole is what a text is for; each has its size.
type TextRole int

const (
	TextTitle   TextRole = iota // a pane's number and player
	TextBadge                   // the role badge
	TextInfo                    // term, leader, commit, applied
	TextMessage                 // a pane's message line
	TextCity                    // a city's name and HP
	TextLog                     // a log entry
	TextLane                    // the timeline's lane names and terms
	TextMarker                  // the timeline's fault markers
	TextBar                     // the top bar and its banners
	TextKeys                    // the key bar
	TextCaption                 // a lesson's caption
	textRoles
)

var textBase = [textRoles]float32{
	TextTitle: 24, TextBadge: 19, TextInfo: 18, TextMessage: 18, TextCity: 17, TextLog: 17,
	TextLane: 16, TextMarker: 15, TextBar: 18, TextKeys: 15, TextCaption: 28,
}

// MinText is the smallest size a text a class must read is drawn at,
// however small the window: a projector's back row needs it.
const MinText = 14

// Text is the pixel size of a text of role r.
func (s Scale) Text(r TextRole) float32 { return max(textBase[r]*s.U, MinText) }

// line is the height of a line of text of role r.
func (s Scale) line(r TextRole) float32 { return s.Text(r) * 1.35 }

// Screen is the window's layout, top to bottom: a bar saying what the
// cluster and the last command did, the replicas' panes (with the grid's
// spare cell, if any, for details), a lesson's caption when one plays, the
// timeline strip and the key bar. Nothing is drawn over another region
// but the help and menu overlays.
type Screen struct {
	Scale    Scale
	Bar      Rect
	Panes    []Rect // one per replica, all the same size
	Side     Rect   // the grid's spare cells; empty when the grid is full
	Caption  Rect   // empty when no lesson plays
	Timeline Rect
	Keys     Rect
}

// LayoutScreen lays out a w×h window for n replicas, zoomed by zoom, with
// room for a lesson's caption if lesson is true.
func LayoutScreen(w, h float32, n int, zoom float32, lesson bool) Screen {
	s := Screen{Scale: NewScale(w, h, zoom)}
	sc := s.Scale
	area := Rect{0, 0, w, h}
	s.Bar, area = area.cut(sc.line(TextBar) + sc.Px(6))
	area, s.Keys = area.cutBottom(sc.line(TextKeys) + sc.Px(4))
	lanes := sc.line(TextMarker) + float32(n)*sc.line(TextLane) + sc.Px(8)
	area, s.Timeline = area.cutBottom(min(lanes, area.H*0.3))
	if lesson {
		area, s.Caption = area.cutBottom(min(sc.Px(34)+3*sc.Text(TextCaption)*1.3+sc.Px(16), area.H*0.3))
	}
	s.Panes, s.Side = Grid(area, n)
	return s
}

// Grid lays out n panes of one size in rows over area, and returns the
// cells left over at the end of the last row as one rectangle.
func Grid(area Rect, n int) (panes []Rect, spare Rect) {
	if n <= 0 {
		return nil, area
	}
	cols, rows := gridShape(n, area.W/max(area.H, 1), paneAspect)
	cw, ch := area.W/float32(cols), area.H/float32(rows)
	for i := 0; i < n; i++ {
		r, c := i/cols, i%cols
		panes = append(panes, Rect{area.X + float32(c)*cw, area.Y + float32(r)*ch, cw, ch})
	}
	if left := cols*rows - n; left > 0 {
		spare = Rect{area.X + float32(cols-left)*cw, area.Y + float32(rows-1)*ch, float32(left) * cw, ch}
	}
	return panes, spare
}

// The shapes panes and city cells like best, width over height.
const (
	paneAspect = 1.7
	cityAspect = 1.1
)

// gridShape chooses columns and rows for n cells in an area of the given
// width/height aspect: the shape whose cells come closest to the liked
// aspect, with few cells unused.
func gridShape(n int, aspect, liked float32) (cols, rows int) {
	best := math.Inf(1)
	for c := 1; c <= n; c++ {
		r := (n + c - 1) / c
		if (c-1)*r >= n { // a column would be empty
			continue
		}
		cell := float64(aspect) * float64(r) / float64(c)
		cost := math.Abs(math.Log(cell/float64(liked))) + 0.25*float64(c*r-n)
		if cost < best {
			best, cols, rows = cost, c, r
		}
	}
	return cols, rows
}

// PaneParts are the regions of one pane.
type PaneParts struct {
	Title   Rect // number and player, role badge and tags
	Ring    Rect // the follower's election timer, at the right of the title
	Info    Rect // term, leader, commit, applied
	Message Rect // the pane's last message line
	Cities  Rect // the replica's view of every city
	Log     Rect // the tail of its Raft log
}

// LayoutPane splits a pane into its parts.
func LayoutPane(r Rect, sc Scale) PaneParts {
	r = r.Inset(sc.Px(14)) // inside the border and an isolated replica's wall
	var p PaneParts
	p.Title, r = r.cut(sc.line(TextTitle))
	ring := p.Title.H
	p.Ring = Rect{p.Title.X + p.Title.W - ring, p.Title.Y, ring, ring}
	p.Title.W -= ring + sc.Px(4)
	p.Info, r = r.cut(sc.line(TextInfo))
	p.Message, r = r.cut(sc.line(TextMessage))
	r.Y, r.H = r.Y+sc.Px(4), max(r.H-sc.Px(4), 0)
	logW := min(max(textWidth("0000 t00 new game", sc.Text(TextLog))+sc.Px(16), r.W*0.3), r.W*0.45)
	p.Cities = Rect{r.X, r.Y, max(r.W-logW-sc.Px(6), 0), r.H}
	p.Log = Rect{r.X + r.W - logW, r.Y, logW, r.H}
	return p
}

// CityParts are the regions of one city.
type CityParts struct {
	Cell  Rect // all of it: what a click hits
	Town  Rect // the walls and houses, square
	Bar   Rect // the HP bar
	Label Rect // name and HP
}

// LayoutCities lays out n cities in a pane's city area: a grid of equal
// cells, the last row centred, every town the same size in every pane of
// the same size.
func LayoutCities(area Rect, n int, sc Scale) []CityParts {
	if n <= 0 || area.Empty() {
		return nil
	}
	cols, rows := gridShape(n, area.W/max(area.H, 1), cityAspect)
	cw, ch := area.W/float32(cols), area.H/float32(rows)
	label := sc.line(TextCity)
	bar := max(sc.Px(7), 4)
	out := make([]CityParts, n)
	for i := range out {
		r, c := i/cols, i%cols
		inRow := min(cols, n-r*cols)
		x0 := area.X + (area.W-float32(inRow)*cw)/2 // the last row is centred
		cell := Rect{x0 + float32(c)*cw, area.Y + float32(r)*ch, cw, ch}
		in := cell.Inset(min(cw, ch) * 0.05)
		townH := max(in.H-label-bar-sc.Px(4), 0)
		side := min(in.W, townH)
		town := Rect{in.X + (in.W-side)/2, in.Y + (townH-side)/2, side, side}
		barW := min(in.W*0.9, max(side*1.4, in.W*0.6))
		out[i] = CityParts{
			Cell:  cell,
			Town:  town,
			Bar:   Rect{in.X + (in.W-barW)/2, in.Y + townH + sc.Px(2), barW, bar},
			Label: Rect{in.X, in.Y + in.H - label, in.W, label},
		}
	}
	return out
}

// LogRowsMax is the most log entries a pane shows.
const LogRowsMax = 8

// logRows is how many log entries fit in a pane's log area, under a title
// row; at most LogRowsMax.
func logRows(log Rect, sc Scale) int {
	return max(min(int((log.H-sc.line(TextLog))/(sc.line(TextLog)+sc.Px(2))), LogRowsMax), 0)
}

// HitCity returns the pane and city under (x, y), both 1-based: city 0
// means the pane but no city; pane 0 means no pane at all.
func HitCity(s Screen, n int, x, y float32) (pane, city int) {
	for i, p := range s.Panes {
		if !p.Contains(x, y) {
			continue
		}
		for j, c := range LayoutCities(LayoutPane(p, s.Scale).Cities, n, s.Scale) {
			if c.Cell.Contains(x, y) {
				return i + 1, j + 1
			}
		}
		return i + 1, 0
	}
	return 0, 0
}

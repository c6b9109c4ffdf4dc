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
// 1600×900 with no zoom, less on a smaller window, more with Ctrl +; and
// whether the window is in the presenter view, whose texts are never
// smaller than a back row can read.
type Scale struct {
	U         float32
	Presenter bool
	// Lean: panes without a message line, which the presenter view leaves
	// out with seven replicas or more and a lesson's band, to keep names,
	// HP and logs whole.
	Lean bool
}

// NewScale is the scale of a w×h window zoomed by zoom (1 = none).
func NewScale(w, h, zoom float32, presenter bool) Scale {
	return Scale{U: min(w/1600, h/900) * zoom, Presenter: presenter}
}

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

// The smallest sizes texts are drawn at, however small the window: MinText
// in the full view; in the presenter view, what the back row of a class
// reads on a 1280×720 projector, and larger for a lesson's caption.
const (
	MinText          = 14
	PresenterText    = 16
	PresenterCaption = 24
)

// Text is the pixel size of a text of role r.
func (s Scale) Text(r TextRole) float32 {
	least := float32(MinText)
	switch {
	case s.Presenter && r == TextCaption:
		least = PresenterCaption
	case s.Presenter:
		least = PresenterText
	}
	return max(textBase[r]*s.U, least)
}

// line is the height of a line of text of role r.
func (s Scale) line(r TextRole) float32 { return s.Text(r) * 1.35 }

// Presents reports whether a w×h window starts in the presenter view: a
// projector's size or smaller (F5 switches views).
func Presents(w, h float32) bool { return w <= 1280 && h <= 720 }

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
	// Card is a class's card (the join code, or this laptop's seat): empty
	// outside a class.
	Card Rect
	// CityLabel is how wide the widest city label ("Emeka 100") is.
	CityLabel float32
	// Seats is the table of the seats drawn as rows, not panes (a
	// class's non-voting seats on the projector); empty when none.
	Seats SeatTable
}

// View is how the window is shown: zoomed (1 = not), with a lesson's
// caption or not, in the presenter view or the full one, and the players'
// names (for the width of the city labels).
type View struct {
	Zoom      float32
	Lesson    bool
	Presenter bool
	Names     []string
	// Focus, in a class, is this laptop's seat: its pane is drawn large,
	// the others in a column beside it under the class's card.
	Focus int
	// Rows marks the replicas drawn as a row of the seats' table, not a
	// pane ([i-1]: replica i); nil when every replica is a pane. Open is a
	// replica drawn as a pane too, though it has a row (clicked); 0 if none.
	Rows []bool
	Open int
}

// LayoutScreen lays out a w×h window for n replicas.
func LayoutScreen(w, h float32, n int, v View) Screen {
	if v.Zoom == 0 {
		v.Zoom = 1
	}
	s := Screen{Scale: NewScale(w, h, v.Zoom, v.Presenter)}
	s.Scale.Lean = v.Presenter && n >= 7 && v.Lesson
	sc := s.Scale
	s.CityLabel = cityLabelWidth(v.Names, sc)
	area := Rect{0, 0, w, h}
	s.Bar, area = area.cut(sc.line(TextBar) + sc.Px(6))
	area, s.Keys = area.cutBottom(sc.line(TextKeys) + sc.Px(4))
	lanes := sc.line(TextMarker) + float32(n)*sc.line(TextLane) + sc.Px(8)
	most := area.H * 0.3
	if sc.Presenter {
		most = area.H * 0.18 // the panes first: lanes too thin for names show none
	}
	if sc.Presenter && n > 5 || n > 9 { // thin lanes told apart by colour, no names
		lanes = sc.line(TextMarker) + float32(min(n, 6))*sc.Px(9) + sc.Px(8) // nine share six lanes' room
	}
	area, s.Timeline = area.cutBottom(min(lanes, most))
	if v.Lesson { // room for its head and lines of caption (the presenter's: a reveal and a caption)
		lines := float32(3)
		if sc.Presenter {
			lines = 4
		}
		band := 2*sc.Px(18) + sc.Text(TextMarker)*1.3 + lines*sc.Text(TextCaption)*1.25 + sc.Px(6)
		area, s.Caption = area.cutBottom(min(band, area.H*0.35))
	}
	if v.Focus >= 1 && v.Focus <= n {
		s.Panes, s.Card, s.Seats = focusLayout(area, n, v.Focus, v.Rows, nameWidth(v.Names, sc), sc)
		return s
	}
	cols := 0
	if sc.Presenter {
		cols = 3 // panes wide enough for a whole info line
	}
	var full []int // the replicas drawn as panes
	for i := range n {
		if i >= len(v.Rows) || !v.Rows[i] || v.Open == i+1 {
			full = append(full, i)
		}
	}
	if len(full) < n {
		cols = 3 // a class's voters: panes wide enough for their titles
		most := area.H - float32((len(full)+cols-1)/cols)*paneLeast(sc)
		area, s.Seats = layoutSeats(area, n, v.Rows, nameWidth(v.Names, sc), sc, most)
	}
	panes, side := Grid(area, len(full), cols)
	s.Panes, s.Side = make([]Rect, n), side
	for k, i := range full {
		s.Panes[i] = panes[k]
	}
	return s
}

// cityLabelWidth is how wide the widest city label is: a name and "100".
func cityLabelWidth(names []string, sc Scale) float32 {
	if len(names) == 0 {
		names = []string{"Emeka"}
	}
	widest := float32(0)
	for _, n := range names {
		widest = max(widest, textWidth(n+" 100", sc.Text(TextCity)))
	}
	return widest
}

// Grid lays out n panes of one size in rows over area, in at most
// maxCols columns (0: any number), and returns the cells left over at the
// end of the last row as one rectangle.
func Grid(area Rect, n, maxCols int) (panes []Rect, spare Rect) {
	if n <= 0 {
		return nil, area
	}
	cols, rows := gridShape(n, area.W/max(area.H, 1), paneAspect)
	if maxCols > 0 && cols > maxCols {
		cols, rows = maxCols, (n+maxCols-1)/maxCols
	}
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
	r = r.Inset(sc.margin()) // inside the border and an isolated replica's wall
	var p PaneParts
	p.Title, r = r.cut(sc.line(TextTitle))
	ring := p.Title.H
	p.Ring = Rect{p.Title.X + p.Title.W - ring, p.Title.Y, ring, ring}
	p.Title.W -= ring + sc.Px(4)
	p.Info, r = r.cut(sc.line(TextInfo))
	if !sc.Lean {
		p.Message, r = r.cut(sc.line(TextMessage))
	}
	r.Y, r.H = r.Y+sc.Px(4), max(r.H-sc.Px(4), 0)
	// As wide as its usual entries, whole (an entry's text is inset by
	// 4 on each side and 4 more on the right); the cities have the rest.
	logW := textWidth(logWidest, sc.Text(TextLog)) + sc.Px(12)
	if !sc.Presenter {
		logW = max(logW, r.W*0.3)
	}
	p.Cities = Rect{r.X, r.Y, max(r.W-logW-sc.Px(6), 0), r.H}
	p.Log = Rect{r.X + r.W - logW, r.Y, logW, r.H}
	return p
}

// paneLeast is the least height of a pane with every part: its title,
// info and message lines and a log of two entries (four in the full view).
func paneLeast(sc Scale) float32 {
	h := 2*sc.margin() + sc.line(TextTitle) + sc.line(TextInfo) + sc.Px(4) + sc.line(TextLog)
	if !sc.Lean {
		h += sc.line(TextMessage)
	}
	entries := float32(4)
	if sc.Presenter {
		entries = 2
	}
	return h + entries*(sc.line(TextLog)+sc.Px(2)) + 1
}

// logWidest is the widest log entry a pane plans for: the usual entries of
// a run of a few hundred are as wide or narrower, whole, and longer runs'
// in shorter words (a test checks them).
const logWidest = "999 t99 members +9"

// DotRadius is a message dot's radius: it travels in the middle of the
// panes' margins, and overflows them only into the space above a line's
// letters.
func (s Scale) DotRadius() float32 { return s.margin() * 0.7 }

// margin is the width of a pane's margin inside its border: nothing but
// the border and message dots is drawn there.
func (s Scale) margin() float32 {
	if s.Presenter {
		return s.Px(12)
	}
	return s.Px(14)
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
		for j, c := range LayoutCities(LayoutPane(p, s.Scale).Cities, n, s.Scale, s.CityLabel) {
			if c.Cell.Contains(x, y) {
				return i + 1, j + 1
			}
		}
		return i + 1, 0
	}
	return 0, 0
}

package ui

import (
	"strconv"
	"strings"

	rl "github.com/gen2brain/raylib-go/raylib"

	"github.com/raftian/raftian/lesson"
)

// drawCaption draws the lesson's band in its own place above the
// timeline, hiding no pane and no lane: the step and what the lesson waits
// for; then a question and its choices, or what happened (the reveal,
// green when the class was right, red when not) and the caption. The text
// shrinks to fit, but not below the smallest size a class can read.
func (w *Window) drawCaption(s Screen) {
	if s.Caption.Empty() {
		return
	}
	c := w.caption
	sc := s.Scale
	box := s.Caption.Inset(sc.Px(6))
	rl.DrawRectangleRounded(rect(box), 0.08, 8, rl.NewColor(8, 10, 16, 255))
	rl.DrawRectangleRoundedLinesEx(rect(box), 0.08, 8, max(sc.Px(2), 2), accent)
	in, body := captionParts(s)
	headSize := sc.Text(TextMarker)
	head := "Lesson: " + c.Title
	if c.Step > 0 {
		head += "   step " + strconv.Itoa(c.Step) + " of " + strconv.Itoa(c.Of)
	}
	hint := c.Waiting
	if hint == "" {
		hint = "N: go on · B: back a step · Backspace: start again"
	}
	if w.lesson != nil && w.lesson.intro { // the window's welcome, not a lesson
		head = c.Title
		if c.Waiting == "" {
			hint = "N: go on · Esc: skip"
		}
	}
	headRow := Rect{in.X, in.Y, in.W, headSize * 1.3}
	w.fonts.inBox(head, headRow, headSize, 0, accent)
	hw := min(textWidth(hint, headSize), in.W*0.55)
	w.fonts.inBox(hint, Rect{in.X + in.W - hw, in.Y, hw, headRow.H}, headSize, 1, textColor)

	type para struct {
		text string
		col  rl.Color
	}
	var paras []para
	switch {
	case c.Question != "":
		paras = append(paras, para{"Predict: " + c.Question, accent}, para{choicesText(c), textColor})
		if w.poll != "" { // the students' answers, on the projector
			paras = append(paras, para{"the class, on their laptops: " + w.poll, dimText})
		}
	default:
		if c.Reveal != "" {
			col := accent
			switch c.Right {
			case 1:
				col = rl.NewColor(90, 210, 120, 255)
			case -1:
				col = alarmText
			}
			paras = append(paras, para{c.Reveal, col})
		}
		paras = append(paras, para{c.Text, textColor})
		if c.Score != "" {
			paras = append(paras, para{c.Score, accent})
		}
	}
	size := sc.Text(TextCaption)
	var lines []para
	layout := func() {
		lines = lines[:0]
		for _, p := range paras {
			for _, l := range wrap(p.text, size, body.W) {
				lines = append(lines, para{l, p.col})
			}
		}
	}
	layout()
	for size > captionLeast(sc) && float32(len(lines))*size*1.25 > body.H {
		size--
		layout()
	}
	for i, l := range lines {
		y := body.Y + float32(i)*size*1.25
		if y+size > body.Y+body.H+size*0.3 {
			break // more than fits: the window is too small
		}
		w.fonts.text(l.text, body.X, y, size, l.col)
	}
}

// captionParts are the inside of the lesson's band and, under its head
// row, the body its text is written in.
func captionParts(s Screen) (in, body Rect) {
	sc := s.Scale
	in = s.Caption.Inset(sc.Px(6)).Inset(sc.Px(12))
	head := sc.Text(TextMarker) * 1.3
	return in, Rect{in.X, in.Y + head, in.W, in.H - head}
}

// captionLeast is the smallest a caption shrinks to when it is long.
func captionLeast(sc Scale) float32 {
	if sc.Presenter {
		return PresenterCaption
	}
	return MinText
}

// choicesText writes a question's choices with their keys: digits only,
// never a key that also moves the lesson on.
func choicesText(c lesson.Caption) string {
	var parts []string
	for i, ch := range c.Choices {
		key := strconv.Itoa(i + 1)
		if ch == key { // a number, answered by its digit
			parts = append(parts, ch)
			continue
		}
		parts = append(parts, key+": "+ch)
	}
	return strings.Join(parts, " · ") // the caption is wrapped at spaces: a dot keeps them apart
}

// openMenu opens the lesson menu, reading every lesson's title once.
func (w *Window) openMenu() {
	w.menu = w.menu[:0]
	for _, n := range lesson.Names() {
		title := n
		if l, err := lesson.Load(n); err == nil {
			title = l.Title
		}
		w.menu = append(w.menu, title)
	}
}

// drawMenu draws the lesson menu: press a number to start one.
func (w *Window) drawMenu(s Screen) {
	sc := s.Scale
	width, height := float32(rl.GetScreenWidth()), float32(rl.GetScreenHeight())
	size := sc.Text(TextBar)
	box, head, rows := MenuLayout(s, width, height, len(w.menu))
	rl.DrawRectangleRec(rect(Rect{0, 0, width, height}), rl.NewColor(0, 0, 0, 170))
	rl.DrawRectangleRounded(rect(box), 0.05, 8, rl.NewColor(34, 38, 50, 250))
	w.fonts.inBox("Lessons: press its number (0 for 10) or click it; Esc closes", head, size, 0, textColor)
	w.menuRows = append(w.menuRows[:0], rows...)
	for i, title := range w.menu {
		key := "    "
		if i < 10 {
			key = strconv.Itoa((i+1)%10) + "   "
		}
		w.fonts.inBox(key+title, rows[i], size, 0, accent)
	}
}

// MenuLayout lays out the lesson menu of n lessons on a width×height
// window: its box, its heading and a row for each lesson (a click on one
// picks it).
func MenuLayout(s Screen, width, height float32, n int) (box, head Rect, rows []Rect) {
	sc := s.Scale
	row := sc.Text(TextBar) * 1.8
	bw := min(width*0.9, sc.Px(760))
	bh := row*float32(n+1) + sc.Px(40)
	box = Rect{(width - bw) / 2, (height - bh) / 2, bw, bh}
	in := box.Inset(sc.Px(20))
	for i := range n {
		rows = append(rows, Rect{in.X, in.Y + row*float32(i+1), in.W, row})
	}
	return box, Rect{in.X, in.Y, in.W, row}, rows
}

package ui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	rl "github.com/gen2brain/raylib-go/raylib"

	"github.com/raftian/raftian/record"
	"github.com/raftian/raftian/timeline"
)

// drawBar draws the top bar: what the replicas agree on at the moment
// shown at the left; at the right, where the player is (paused, playing,
// how far behind live, how fast) or what the last command did.
func (w *Window) drawBar(s Screen, now time.Time) {
	b := s.Bar
	sc := s.Scale
	rl.DrawRectangleRec(rect(b), stripBG)
	size := sc.Text(TextBar)
	inner := b.Inset(sc.Px(3))
	inner.X, inner.W = inner.X+sc.Px(8), inner.W-sc.Px(16)
	left := "Raftian · " + w.summary()
	lw := min(textWidth(left, size), inner.W*0.45)
	w.fonts.inBox(left, Rect{inner.X, inner.Y, lw, inner.H}, size, 0, textColor)

	right := Rect{inner.X + lw + sc.Px(16), inner.Y, inner.W - lw - sc.Px(16), inner.H}
	if msg := w.playerText(); msg != "" {
		tw := min(textWidth(msg, size)+sc.Px(20), right.W)
		box := Rect{right.X + right.W - tw, right.Y, tw, right.H}
		rl.DrawRectangleRounded(rect(box), 0.3, 6, rl.NewColor(30, 110, 200, 255))
		w.fonts.inBox(msg, box.Inset(sc.Px(4)), size, 0.5, textColor)
		right.W -= tw + sc.Px(12)
	}
	if a := noteAlpha(w.banner.text, now.Sub(w.banner.at)); a > 0 {
		c := textColor
		if w.banner.alarm {
			c = alarmText
		}
		w.fonts.inBox(w.banner.text, right, size, 1, fade(c, a))
	}
}

// playerText says where the picture is, unless it is live.
func (w *Window) playerText() string {
	p := w.player
	at := fmt.Sprintf("%.3f s", float64(w.t)/1e6) // a class reads milliseconds; the arrows still step by message
	behind := ""
	if w.link.live {
		behind = fmt.Sprintf(" · %s behind live", seconds(w.live()-w.t))
	}
	speed := Speeds[p.Speed].String()
	switch p.Mode {
	case Paused:
		return "PAUSED at " + at + behind + " · " + speed + " · ←/→ step · Enter play · End live"
	case Playing:
		return "PLAYING " + speed + " at " + at + behind + " · Space pause · End live"
	}
	if w.st.Net.Slow > 0 {
		return fmt.Sprintf("SLOW MOTION: every message %s on its way · S for normal", seconds(w.st.Net.Slow))
	}
	return ""
}

// seconds writes µs as seconds, briefly.
func seconds(us int64) string {
	switch {
	case us < 1000:
		return fmt.Sprintf("%d µs", us)
	case us < 1_000_000:
		return fmt.Sprintf("%.1f ms", float64(us)/1e3)
	}
	return fmt.Sprintf("%.1f s", float64(us)/1e6)
}

// summary says in a few words what the replicas agree on.
func (w *Window) summary() string {
	if w.seat != 0 {
		return w.seatSummary()
	}
	up := 0
	for _, r := range w.st.Replicas {
		if r.Up {
			up++
		}
	}
	quorum := fmt.Sprintf("a majority is %d", w.st.Majority())
	if v := w.st.Voters(); v != w.n { // replicas added or removed
		quorum = fmt.Sprintf("%d voters, quorum %d of %d", v, w.st.Majority(), v)
	}
	l := w.st.LeaderOf()
	if l == 0 {
		return fmt.Sprintf("no leader · %d of %d up · %s", up, w.n, quorum)
	}
	return fmt.Sprintf("leader %d in term %d · %d of %d up · %s", l, w.st.Replicas[l-1].Term, up, w.n, quorum)
}

// drawSide draws the grid's spare cell, when there is one: what was
// clicked, or what the colours and marks on screen mean.
func (w *Window) drawSide(s Screen) {
	if s.Side.Empty() {
		w.drawDetailOverlay(s)
		return
	}
	sc := s.Scale
	r := s.Side.Inset(sc.Px(10))
	if w.picked.open() {
		w.drawDetail(r, sc)
		return
	}
	size := sc.Text(TextLog)
	row := sc.line(TextLog)
	y := r.Y
	line := func(draw func(x, y float32), text string) {
		if y+row > r.Y+r.H {
			return
		}
		draw(r.X+sc.Px(10), y+row/2)
		w.fonts.inBox(text, Rect{r.X + sc.Px(28), y, r.W - sc.Px(28), row}, size, 0, dimText)
		y += row
	}
	w.fonts.inBox("What you see", Rect{r.X, y, r.W, row}, size, 0, textColor)
	y += row
	for _, k := range record.Families {
		line(func(x, y float32) { rl.DrawCircleV(rl.Vector2{X: x, Y: y}, sc.Px(6), msgColor(k)) }, k.Family())
	}
	line(func(x, y float32) { rl.DrawRing(rl.Vector2{X: x, Y: y}, sc.Px(3.3), sc.Px(6), 0, 360, 16, dimText) }, "a hollow dot: a reply")
	line(func(x, y float32) {
		rl.DrawRing(rl.Vector2{X: x, Y: y}, sc.Px(3.3), sc.Px(6), 0, 360, 16, dimText)
		refusal(rl.Vector2{X: x, Y: y}, sc.Px(6))
	}, "crossed in red: a refusal")
	line(func(x, y float32) {
		k := sc.Px(6)
		rl.DrawLineEx(rl.Vector2{X: x - k, Y: y - k}, rl.Vector2{X: x + k, Y: y + k}, 3, alarmText)
		rl.DrawLineEx(rl.Vector2{X: x - k, Y: y + k}, rl.Vector2{X: x + k, Y: y - k}, 3, alarmText)
	}, "a message lost at a wall")
	line(func(x, y float32) {
		rl.DrawRectangleRec(rl.Rectangle{X: x - sc.Px(8), Y: y - sc.Px(6), Width: sc.Px(16), Height: sc.Px(12)}, rl.NewColor(58, 64, 80, 255))
	}, "log entry committed")
	line(func(x, y float32) {
		rl.DrawRectangleLinesEx(rl.Rectangle{X: x - sc.Px(8), Y: y - sc.Px(6), Width: sc.Px(16), Height: sc.Px(12)}, 1.5, dimText)
	}, "log entry not yet committed")
	for _, text := range []string{"Space pause, ←/→ step; click a dot or entry", "? for every key and more"} {
		if y+row > r.Y+r.H {
			return // a short cell: the help says it all
		}
		w.fonts.inBox(text, Rect{r.X, y, r.W, row}, size, 0, dimText)
		y += row
	}
}

// drawTimeline draws one lane per replica over a minute of the record:
// coloured by role, the term written where it changes; fault markers in a
// row of their own above the lanes, so that no label covers a term. A line
// marks the moment shown; dragging on the strip moves it.
func (w *Window) drawTimeline(s Screen) {
	r := s.Timeline
	sc := s.Scale
	rl.DrawRectangleRec(rect(r), stripBG)
	laneText, markText := sc.Text(TextLane), sc.Text(TextMarker)
	x0, x1, marks, top, laneH := stripGeometry(s, w.n)
	win := w.stripWindow()
	if w.drag {
		win = w.dragWin
	}
	xAt := func(t int64) float32 {
		f := float32(t-win[0]) / float32(max(win[1]-win[0], 1))
		return x0 + (x1-x0)*min(max(f, 0), 1)
	}
	label := "last 60 s"
	if win[1]-win[0] < stripSpan {
		label = "so far"
	}
	if w.player.Mode != Live {
		label = "drag"
	}
	w.fonts.inBox(label, Rect{r.X + sc.Px(6), marks.Y, x0 - r.X - sc.Px(6), marks.H}, markText, 0, dimText)
	segs, markers := w.model.Lanes()
	// Lanes too thin for a name (the presenter view's, with many
	// replicas) are told apart by their player's colour, and show no terms.
	words := laneH >= laneText
	for i, lane := range segs {
		y := top + float32(i)*laneH
		own := playerColor(w.playerOf(i + 1).Color)
		if words {
			name := fmt.Sprintf("%d %s", i+1, w.playerOf(i+1).Name)
			w.fonts.inBox(name, Rect{r.X + sc.Px(6), y, x0 - r.X - sc.Px(12), laneH}, laneText, 0, own)
		} else {
			rl.DrawRectangleRec(rl.Rectangle{X: x0 - sc.Px(24), Y: y + 1, Width: sc.Px(16), Height: max(laneH-2, 1)}, own)
		}
		var prevTerm uint64
		for _, seg := range lane {
			end := seg.End
			if end < 0 {
				end = w.live()
			}
			if end < win[0] || seg.Start > win[1] {
				continue
			}
			a, b := xAt(seg.Start), xAt(end)
			if b-a < 0.5 {
				continue
			}
			rgb := timeline.RoleRGB(seg.Role)
			rl.DrawRectangleRec(rl.Rectangle{X: a, Y: y + 1, Width: b - a, Height: laneH - 2}, color(rgb))
			if seg.Isolated { // a brick band along the top
				rl.DrawRectangleRec(rl.Rectangle{X: a, Y: y + 1, Width: b - a, Height: max(laneH*0.2, 3)}, wallColor)
			}
			term := strconv.FormatUint(seg.Term, 10)
			if words && seg.Term != prevTerm && seg.Term != 0 && b-a > textWidth(term, laneText)+4 {
				w.fonts.text(term, a+2, y+(laneH-laneText)/2, laneText, onColor(rgb))
			}
			if seg.Term != 0 {
				prevTerm = seg.Term
			}
		}
	}
	// Markers: a line across their lane (or all lanes), the label above.
	nextFree := float32(-1e9)
	// In a lesson the class predicts what comes next: what the record
	// holds after the moment shown is veiled, its markers left out.
	veiled := w.lesson != nil && w.player.Mode != Live
	for _, m := range markers {
		if m.At < win[0] || m.At > win[1] || veiled && m.At > w.t {
			continue
		}
		x := xAt(m.At)
		y, h := top, laneH*float32(w.n)
		if m.Node >= 1 && m.Node <= w.n {
			y, h = top+float32(m.Node-1)*laneH, laneH
		}
		c := color(timeline.MarkerRGB(m.Kind))
		rl.DrawLineEx(rl.Vector2{X: x, Y: y}, rl.Vector2{X: x, Y: y + h}, max(sc.Px(2.5), 2), c)
		label := m.Label
		if m.Node >= 1 && !strings.ContainsAny(m.Label, "0123456789") { // "transfer 4→1" names it already
			label = fmt.Sprintf("%s %d", m.Label, m.Node)
		}
		lw := textWidth(label, markText)
		lx := min(max(x-lw/2, x0), x1-lw)
		if lx < nextFree { // the row is taken: skip this label, its line stays
			continue
		}
		w.fonts.text(label, lx, marks.Y+(marks.H-markText)/2, markText, c)
		nextFree = lx + lw + sc.Px(8)
	}
	if w.player.Mode != Live {
		x := xAt(w.t)
		if veiled {
			rl.DrawRectangleRec(rl.Rectangle{X: x, Y: top, Width: x1 - x + sc.Px(4), Height: r.Y + r.H - top}, fade(stripBG, 0.85))
		}
		// Under the marker row: its labels stay whole.
		rl.DrawLineEx(rl.Vector2{X: x, Y: top}, rl.Vector2{X: x, Y: r.Y + r.H}, max(sc.Px(3), 2), rl.NewColor(30, 110, 200, 255))
	}
}

// stripGeometry is where the timeline's lanes go: x0 to x1 across, the
// marker row, the lanes' top and height.
func stripGeometry(s Screen, n int) (x0, x1 float32, marks Rect, top, laneH float32) {
	r, sc := s.Timeline, s.Scale
	labelW := min(textWidth("9 Emeka", sc.Text(TextLane))+sc.Px(24), r.W*0.2)
	x0, x1 = r.X+labelW, r.X+r.W-sc.Px(8)
	marks = Rect{x0, r.Y + sc.Px(2), x1 - x0, sc.line(TextMarker)}
	top = marks.Y + marks.H
	laneH = (r.Y + r.H - top - sc.Px(4)) / float32(n)
	return x0, x1, marks, top, laneH
}

// stripSpan is how much of the record the strip shows.
const stripSpan = 60_000_000

// stripWindow is the stretch of the record the strip shows: the last
// minute, or a minute around a moment further back.
func (w *Window) stripWindow() [2]int64 {
	live := w.live()
	start, _ := w.model.Range()
	switch {
	case live-start < stripSpan: // a young record fills the strip
		return [2]int64{start, max(live, start+1)}
	case w.player.Mode == Live || w.t >= live-stripSpan*3/4:
		return [2]int64{live - stripSpan, live}
	}
	return [2]int64{w.t - stripSpan/2, w.t + stripSpan/2}
}

// stripTime is the moment at x on the strip showing win.
func stripTime(s Screen, win [2]int64, x float32) (int64, bool) {
	x0, x1, _, _, _ := stripGeometry(s, 1)
	if x1 <= x0 {
		return 0, false
	}
	f := min(max((x-x0)/(x1-x0), 0), 1)
	return win[0] + int64(float64(f)*float64(win[1]-win[0])), true
}

// keys are the key bar's hints, in the order they are dropped when the
// bar is too narrow: the first ones always show.
var keys = []string{"? help", "Esc quit", "Space pause", "←/→ step", "click a rival city: attack", "1-9 select",
	"C crash", "R restart", "L crash leader", "T transfer", "+/- replicas", "I isolate", "P partition", "H heal", "A auto-play", "[ ] speed",
	"S slow", "F2 lessons", "F4 class", "F5 presenter view", "M messages", "Ctrl S save", "F11 full screen", "Ctrl +/- size"}

// drawKeys draws the key bar and, with F3, the frame statistics.
func (w *Window) drawKeys(s Screen) {
	r := s.Keys
	sc := s.Scale
	rl.DrawRectangleRec(rect(r), background)
	size := sc.Text(TextKeys)
	inner := Rect{r.X + sc.Px(8), r.Y, r.W - sc.Px(16), r.H}
	if w.showStats {
		frame, build, p99 := w.stats.summary()
		stats := fmt.Sprintf("frame %.1f ms · build %.2f ms (p99 %.2f)", ms(frame), ms(build), ms(p99))
		sw := textWidth(stats, size)
		w.fonts.inBox(stats, Rect{inner.X + inner.W - sw, inner.Y, sw, inner.H}, size, 1, dimText)
		inner.W -= sw + sc.Px(16)
	}
	var on []string
	if w.auto {
		on = append(on, "AUTO-PLAY")
	}
	if !w.showMsgs {
		on = append(on, "messages off")
	}
	hint := strings.Join(on, " · ")
	if hint != "" {
		hint += "   "
	}
	shown := keys
	switch {
	case w.teaching:
		shown = teacherKeys
	case w.seat != 0:
		shown = seatKeys
	}
	for _, k := range shown {
		if textWidth(hint+k, size) > inner.W {
			break
		}
		hint += k + "   "
	}
	w.fonts.inBox(strings.TrimSpace(hint), inner, size, 0, dimText)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

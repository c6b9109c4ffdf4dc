package ui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	rl "github.com/gen2brain/raylib-go/raylib"

	"github.com/raftian/raftian/node"
	"github.com/raftian/raftian/node/wire"
	"github.com/raftian/raftian/timeline"
)

// drawBar draws the top bar: what the cluster agrees on at the left, what
// the last command did (or FROZEN) at the right. It has its own place, so
// it covers no pane header and no timeline lane.
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
	switch {
	case !w.frozen.IsZero():
		msg := "FROZEN: the cluster runs on · Space resumes"
		tw := min(textWidth(msg, size)+sc.Px(20), right.W)
		box := Rect{right.X + right.W - tw, right.Y, tw, right.H}
		rl.DrawRectangleRounded(rect(box), 0.3, 6, rl.NewColor(30, 110, 200, 255))
		w.fonts.inBox(msg, box.Inset(sc.Px(4)), size, 0.5, textColor)
	default:
		if a := noteAlpha(w.banner, now); a > 0 {
			c := textColor
			if w.banner.alarm {
				c = alarmText
			}
			w.fonts.inBox(w.banner.text, right, size, 1, fade(c, a))
		}
	}
}

// summary says in a few words what the replicas agree on.
func (w *Window) summary() string {
	if w.snap == nil {
		return "starting"
	}
	up := 0
	for _, st := range w.snap.status {
		if st.Up {
			up++
		}
	}
	majority := w.n/2 + 1
	l := node.LeaderOf(w.snap.status)
	if l == 0 {
		return fmt.Sprintf("no leader · %d of %d up · a majority is %d", up, w.n, majority)
	}
	return fmt.Sprintf("leader %d in term %d · %d of %d up · a majority is %d", l, w.snap.status[l-1].Term, up, w.n, majority)
}

// drawSide draws the grid's spare cell, when there is one: what the
// colours and marks on screen mean.
func (w *Window) drawSide(s Screen) {
	if s.Side.Empty() {
		return
	}
	sc := s.Scale
	r := s.Side.Inset(sc.Px(10))
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
	for _, k := range []wire.Kind{wire.KindHeartbeat, wire.KindAppend, wire.KindVote, wire.KindPreVote, wire.KindSnapshot} {
		line(func(x, y float32) { rl.DrawCircleV(rl.Vector2{X: x, Y: y}, sc.Px(6), msgColor(k)) }, k.String())
	}
	line(func(x, y float32) { rl.DrawRing(rl.Vector2{X: x, Y: y}, sc.Px(3.3), sc.Px(6), 0, 360, 16, dimText) }, "a hollow dot: a reply")
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
	w.fonts.inBox("? for every key and more", Rect{r.X, y, r.W, row}, size, 0, dimText)
}

// drawTimeline draws one lane per replica over the last timeline.Span:
// coloured by role, the term written where it changes; fault markers in a
// row of their own above the lanes, so that no label covers a term.
func (w *Window) drawTimeline(s Screen, now time.Time) {
	r := s.Timeline
	sc := s.Scale
	rl.DrawRectangleRec(rect(r), stripBG)
	laneText, markText := sc.Text(TextLane), sc.Text(TextMarker)
	labelW := min(textWidth("9 Emeka", laneText)+sc.Px(24), r.W*0.2)
	x0, x1 := r.X+labelW, r.X+r.W-sc.Px(8)
	marks := Rect{x0, r.Y + sc.Px(2), x1 - x0, sc.line(TextMarker)}
	top := marks.Y + marks.H
	laneH := (r.Y + r.H - top - sc.Px(4)) / float32(w.n)
	xAt := func(t time.Time) float32 {
		f := 1 - float32(now.Sub(t))/float32(timeline.Span)
		return x0 + (x1-x0)*min(max(f, 0), 1)
	}
	w.fonts.inBox("last 60 s", Rect{r.X + sc.Px(6), marks.Y, labelW - sc.Px(6), marks.H}, markText, 0, dimText)
	for i, lane := range w.timeline.Lanes {
		y := top + float32(i)*laneH
		name := fmt.Sprintf("%d %s", i+1, w.cfg.Players[i].Name)
		w.fonts.inBox(name, Rect{r.X + sc.Px(6), y, labelW - sc.Px(12), laneH}, laneText, 0, playerColor(w.cfg.Players[i].Color))
		var prevTerm uint64
		for _, seg := range lane {
			end := seg.End
			if end.IsZero() {
				end = now
			}
			a, b := xAt(seg.Start), xAt(end)
			if b-a < 0.5 {
				continue
			}
			rgb := timeline.RoleRGB(seg.State.Role)
			rl.DrawRectangleRec(rl.Rectangle{X: a, Y: y + 1, Width: b - a, Height: laneH - 2}, color(rgb))
			if seg.State.Isolated { // a brick band along the top
				rl.DrawRectangleRec(rl.Rectangle{X: a, Y: y + 1, Width: b - a, Height: max(laneH*0.2, 3)}, wallColor)
			}
			term := strconv.FormatUint(seg.State.Term, 10)
			if seg.State.Term != prevTerm && seg.State.Term != 0 && b-a > textWidth(term, laneText)+4 {
				w.fonts.text(term, a+2, y+(laneH-laneText)/2, laneText, onColor(rgb))
			}
			if seg.State.Term != 0 {
				prevTerm = seg.State.Term
			}
		}
	}
	// Markers: a line across their lane (or all lanes), the label above.
	nextFree := float32(-1e9)
	for _, m := range w.timeline.Markers {
		x := xAt(m.At)
		y, h := top, laneH*float32(w.n)
		if m.Lane >= 1 && m.Lane <= w.n {
			y, h = top+float32(m.Lane-1)*laneH, laneH
		}
		c := color(timeline.MarkerRGB(m.Type))
		rl.DrawLineEx(rl.Vector2{X: x, Y: y}, rl.Vector2{X: x, Y: y + h}, max(sc.Px(2.5), 2), c)
		label := m.Label
		if m.Lane >= 1 {
			label = fmt.Sprintf("%s %d", m.Label, m.Lane)
		}
		lw := textWidth(label, markText)
		lx := min(max(x-lw/2, x0), x1-lw)
		if lx < nextFree { // the row is taken: skip this label, its line stays
			continue
		}
		w.fonts.text(label, lx, marks.Y+(marks.H-markText)/2, markText, c)
		nextFree = lx + lw + sc.Px(8)
	}
}

// keys are the key bar's hints, in the order they are dropped when the
// bar is too narrow: the first ones always show.
var keys = []string{"? help", "Esc quit", "click a rival city: attack", "1-9 select", "C crash", "R restart",
	"L crash leader", "I isolate", "P partition", "H heal", "A auto-play", "Space freeze", "F2 lessons",
	"M messages", "S slow", "F11 full screen", "Ctrl +/- size"}

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
	for _, k := range keys {
		if textWidth(hint+k, size) > inner.W {
			break
		}
		hint += k + "   "
	}
	w.fonts.inBox(strings.TrimSpace(hint), inner, size, 0, dimText)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

var helpRows = [][2]string{
	{"click a rival city", "that pane's player attacks it (through its own replica)"},
	{"1 - 9", "select a replica (or click its pane)"},
	{"C / R", "crash / restart the selected replica"},
	{"L", "crash the current leader"},
	{"I", "isolate the selected replica, or let it rejoin"},
	{"P", "next partition: {1,2}|{3,4,5}, {1}|{2,3}|{4,5}, ... then heal"},
	{"H", "heal every isolation, partition and link"},
	{"A / M", "auto-play on or off / message dots on or off"},
	{"Space", "freeze the picture (the cluster runs on); again to resume"},
	{"S", "slow motion: a 200 ms round trip; again for normal"},
	{"F2", "lessons; N: next step, Backspace: start the lesson again"},
	{"F11 / F12", "full screen on or off / save a screenshot"},
	{"Ctrl + / - / 0", "everything larger / smaller / as it was"},
	{"F3", "frame times"},
	{"Esc", "close this help; in the main view: quit"},
}

// legend explains what the window draws.
var legend = []string{
	"Each pane is one replica's own view: two panes may disagree, that is the point.",
	"Border: double = leader, dashed = candidate, dotted = pre-candidate, plain = follower.",
	"term · leader · commit · applied (short: t, ldr, c, a): commit is the last entry it knows",
	"  is committed; applied the last game command its world applied (a new leader's no-op and",
	"  membership entries are in the log but not in the game, so applied may trail commit).",
	"Log: solid = committed, hollow = not yet; no-op = a new leader's first entry;",
	"  members = a membership entry (the five at the start make the cluster).",
	"Ring: time since the follower heard a leader; it stands somewhere between the tick and",
	"  the full circle (its timeout is random in that range), amber once past the tick.",
	"Dots: messages in flight (hollow: replies); a cross: a message lost at a wall.",
	"Timeline: gold leader, white candidate, light grey pre-candidate, grey follower, dark",
	"  down; a brick band: isolated; numbers are terms; markers are faults and their ends.",
}

// drawHelp draws the help overlay: keys and what the picture means.
func (w *Window) drawHelp(s Screen) {
	sc := s.Scale
	width, height := float32(rl.GetScreenWidth()), float32(rl.GetScreenHeight())
	rl.DrawRectangleRec(rect(Rect{0, 0, width, height}), rl.NewColor(0, 0, 0, 170))
	size := sc.Text(TextLog)
	row := size * 1.35
	box := Rect{width * 0.04, height * 0.04, width * 0.92, height * 0.92}
	rl.DrawRectangleRounded(rect(box), 0.03, 8, rl.NewColor(34, 38, 50, 250))
	in := box.Inset(sc.Px(20))
	y := in.Y
	w.fonts.inBox("Raftian: five Raft replicas; each pane is one replica's own view    (Esc closes)", Rect{in.X, y, in.W, sc.line(TextBar)}, sc.Text(TextBar), 0, textColor)
	y += sc.line(TextBar) + sc.Px(6)
	var keyW float32
	for _, hr := range helpRows {
		keyW = max(keyW, textWidth(hr[0], size)+sc.Px(20))
	}
	for _, hr := range helpRows {
		w.fonts.inBox(hr[0], Rect{in.X, y, keyW, row}, size, 0, accent)
		w.fonts.inBox(hr[1], Rect{in.X + keyW, y, in.W - keyW, row}, size, 0, textColor)
		y += row
	}
	y += sc.Px(8)
	for _, l := range legend {
		w.fonts.inBox(l, Rect{in.X, y, in.W, row}, size, 0, dimText)
		y += row
	}
}

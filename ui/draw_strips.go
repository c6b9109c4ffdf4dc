package ui

import (
	"fmt"
	"strings"
	"time"

	rl "github.com/gen2brain/raylib-go/raylib"

	"github.com/raftian/raftian/node"
	"github.com/raftian/raftian/node/wire"
	"github.com/raftian/raftian/timeline"
)

// drawTimeline draws one lane per replica over the last timeline.Span:
// coloured by role, the term written where it changes, fault markers.
func (w *Window) drawTimeline(r Rect, now time.Time) {
	rl.DrawRectangleRec(rect(r), stripBG)
	labelW := min(r.W*0.08, 110)
	top := r.Y + 16
	laneH := (r.H - 20) / float32(w.n)
	x0, x1 := r.X+labelW, r.X+r.W-8
	xAt := func(t time.Time) float32 {
		f := 1 - float32(now.Sub(t))/float32(timeline.Span)
		return x0 + (x1-x0)*min(max(f, 0), 1)
	}
	ts := min(laneH*0.7, 14)
	w.fonts.text("last 60 s", x0, r.Y+1, 12, dimText)
	for i, lane := range w.timeline.Lanes {
		y := top + float32(i)*laneH
		w.fonts.text(fmt.Sprintf("%d %s", i+1, w.cfg.Players[i].Name), r.X+6, y+(laneH-ts)/2, ts, playerColor(w.cfg.Players[i].Color))
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
			rl.DrawRectangleRec(rl.Rectangle{X: a, Y: y + 1, Width: b - a, Height: laneH - 2}, roleColor(seg.State.Role, seg.State.Isolated))
			if seg.State.Term != prevTerm && seg.State.Term != 0 && b-a > 14 {
				w.fonts.text(fmt.Sprintf("%d", seg.State.Term), a+2, y+(laneH-ts)/2, ts, background)
			}
			if seg.State.Term != 0 {
				prevTerm = seg.State.Term
			}
		}
	}
	for _, m := range w.timeline.Markers {
		x := xAt(m.At)
		y, h := top, laneH*float32(w.n)
		if m.Lane >= 1 && m.Lane <= w.n {
			y, h = top+float32(m.Lane-1)*laneH, laneH
		}
		c := markerColor(m.Type)
		rl.DrawLineEx(rl.Vector2{X: x, Y: y}, rl.Vector2{X: x, Y: y + h}, 2.5, c)
		lx := x + 3
		if lw := w.fonts.measure(m.Label, 11); lx+lw > x1 { // near "now": label to the left
			lx = x - 3 - lw
		}
		w.fonts.text(m.Label, lx, y+1, 11, c)
	}
}

func markerColor(t string) rl.Color { return color(timeline.MarkerRGB(t)) }

// drawHint draws the one-line key summary and the frame statistics.
func (w *Window) drawHint(r Rect) {
	rl.DrawRectangleRec(rect(r), background)
	hint := fmt.Sprintf("1-%d select (%d)  click a rival city: attack  C crash  R restart  L crash leader  I isolate  P partition  H heal  A auto  M messages  S slow  Space freeze  F2 lessons  ? help  Esc quit",
		w.n, w.selected)
	w.fonts.text(hint, r.X+8, r.Y+5, 15, dimText)
	frame, build, p99 := w.stats.summary()
	var on []string
	if w.auto {
		on = append(on, "auto")
	}
	if !w.showMsgs {
		on = append(on, "messages off")
	}
	stats := fmt.Sprintf("%s  frame %.1f ms  build %.2f ms (p99 %.2f)", strings.Join(on, " "),
		ms(frame), ms(build), ms(p99))
	w.fonts.text(stats, r.X+r.W-w.fonts.measure(stats, 14)-8, r.Y+6, 14, dimText)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// drawBanner draws the latest operation's result across the top.
func (w *Window) drawBanner(s Screen, now time.Time) {
	a := noteAlpha(w.banner, now)
	if a == 0 {
		return
	}
	size := float32(22)
	tw := w.fonts.measure(w.banner.text, size)
	// Over the timeline strip: it hides no pane. A lesson's caption takes
	// the strip, so then just above it.
	y := s.Timeline.Y + 4
	if w.lesson != nil && w.caption.text != "" {
		y = s.Timeline.Y - size - 20
	}
	box := rl.Rectangle{X: s.Timeline.X + (s.Timeline.W-tw)/2 - 14, Y: y, Width: tw + 28, Height: size + 14}
	rl.DrawRectangleRounded(box, 0.3, 8, fade(rl.NewColor(8, 8, 12, 230), a))
	c := textColor
	if w.banner.alarm {
		c = alarmText
	}
	w.fonts.text(w.banner.text, box.X+14, box.Y+7, size, fade(c, a))
}

var helpRows = [][2]string{
	{"click a rival city", "that pane's player attacks it (through its own replica)"},
	{"1 - 9", "select a replica (or click its pane)"},
	{"C / R", "crash / restart the selected replica"},
	{"L", "crash the current leader"},
	{"I", "isolate the selected replica, or let it rejoin"},
	{"P", "next partition: {1,2}|{3,4,5}, {1}|{2,3}|{4,5}, ... then heal"},
	{"H", "heal every isolation, partition and link"},
	{"A", "auto-play: every live player attacks once a second"},
	{"M", "show or hide messages flying between replicas"},
	{"F12", "save a screenshot"},
	{"Space", "freeze the picture (the cluster runs on); again to resume"},
	{"S", "slow motion: restart in place with a 200 ms round trip; again for normal"},
	{"F2", "lessons; N: next step, Backspace: start the lesson again"},
	{"? or F1", "this help"},
	{"Esc", "quit: every replica is closed cleanly"},
}

// drawHelp draws the help overlay: keys and what the colours mean.
func (w *Window) drawHelp(s Screen) {
	width, height := float32(rl.GetScreenWidth()), float32(rl.GetScreenHeight())
	box := Rect{width*0.5 - 430, height*0.5 - 300, 860, 600}
	rl.DrawRectangleRec(rect(Rect{0, 0, width, height}), rl.NewColor(0, 0, 0, 150))
	rl.DrawRectangleRounded(rect(box), 0.04, 8, rl.NewColor(34, 38, 50, 250))
	y := box.Y + 20
	w.fonts.text("Raftian: five Raft replicas, each pane is one replica's own view", box.X+24, y, 22, textColor)
	y += 40
	for _, row := range helpRows {
		w.fonts.text(row[0], box.X+24, y, 17, rl.NewColor(245, 190, 40, 255))
		w.fonts.text(row[1], box.X+200, y, 17, textColor)
		y += 26
	}
	y += 12
	x := box.X + 24
	for _, r := range []node.Role{node.RoleLeader, node.RoleFollower, node.RoleCandidate, node.RolePreCandidate, node.RoleDown} {
		rl.DrawRectangleRec(rl.Rectangle{X: x, Y: y + 3, Width: 16, Height: 14}, roleColor(r, false))
		w.fonts.text(r.String(), x+22, y, 16, textColor)
		x += 150
	}
	y += 28
	x = box.X + 24
	rl.DrawRectangleRec(rl.Rectangle{X: x, Y: y + 3, Width: 16, Height: 14}, wallColor)
	w.fonts.text("isolated", x+22, y, 16, textColor)
	x += 150
	for _, k := range []wire.Kind{wire.KindHeartbeat, wire.KindAppend, wire.KindVote, wire.KindPreVote, wire.KindSnapshot} {
		rl.DrawCircleV(rl.Vector2{X: x + 8, Y: y + 10}, 6, msgColor(k))
		w.fonts.text(k.String(), x+22, y, 16, textColor)
		x += 120
	}
	y += 28
	w.fonts.text("hollow dot: a reply;  red cross: a message lost at a partition;  log: solid = committed, hollow = not yet",
		box.X+24, y, 15, dimText)
	y += 24
	w.fonts.text("ring in a follower's header: its election timer since it last heard from the leader",
		box.X+24, y, 15, dimText)
}

// drawFrozen says that the picture is frozen.
func (w *Window) drawFrozen() {
	width := float32(rl.GetScreenWidth())
	msg := "FROZEN: the cluster runs on; Space resumes"
	size := float32(26)
	tw := w.fonts.measure(msg, size)
	box := rl.Rectangle{X: (width-tw)/2 - 16, Y: 6, Width: tw + 32, Height: size + 12}
	rl.DrawRectangleRounded(box, 0.3, 8, rl.NewColor(30, 120, 220, 235))
	w.fonts.text(msg, box.X+16, box.Y+6, size, textColor)
}

package ui

import (
	"fmt"
	"time"

	rl "github.com/gen2brain/raylib-go/raylib"

	"github.com/raftian/raftian/node"
	"github.com/raftian/raftian/timeline"
)

// drawPane draws replica i's pane (0-based) from its own status.
func (w *Window) drawPane(s Screen, r Rect, i int, now time.Time) {
	st := w.snap.status[i]
	sc := s.Scale
	own := playerColor(w.cfg.Players[i].Color)
	parts := LayoutPane(r, sc)
	box := r.Inset(sc.Px(3))

	bg := paneBG
	if partitioned(w.snap.status) && !st.Isolated {
		bg = groupTints[st.Group%len(groupTints)]
	}
	rl.DrawRectangleRec(rect(box), bg)
	w.drawTitle(parts, i, st, own, sc, now)
	w.drawInfo(parts.Info, st, sc)
	if a := noteAlpha(w.notes[i], now); a > 0 {
		c := dimText
		if w.notes[i].alarm {
			c = alarmText
		}
		w.fonts.inBox(w.notes[i].text, parts.Message, sc.Text(TextMessage), 0, fade(c, a))
	}
	if st.World != nil {
		cities := LayoutCities(parts.Cities, w.n, sc)
		for q, c := range cities {
			w.drawCity(c, q+1, st.World.HP(q+1), q == i, sc)
		}
		for _, p := range w.pending {
			if p.from == i+1 && p.to >= 1 && p.to <= len(cities) {
				ghostArrow(center(cities[p.from-1].Town), center(cities[p.to-1].Town), own, sc, now)
			}
		}
	}
	w.drawLog(parts.Log, w.snap.tails[i], st, sc)
	roleBorder(box, st, own, sc, now)
	if st.Up && st.Isolated {
		brickWall(box, sc.Px(10))
	}
	if i+1 == w.selected {
		rl.DrawRectangleLinesEx(rect(r.Inset(1)), max(sc.Px(2), 2), textColor)
	}
	if !st.Up {
		w.drawCrashed(box, i+1, sc)
	}
}

// partitioned reports whether the replicas are split into groups.
func partitioned(status []node.ReplicaStatus) bool {
	for _, st := range status {
		if st.Group != status[0].Group {
			return true
		}
	}
	return false
}

// roleBorder draws the pane's border in its player's colour, in the
// pattern of its role, so that roles are told apart without colour too:
// a leader's is double, a candidate's dashed and pulsing, a
// pre-candidate's dotted, a follower's plain.
func roleBorder(box Rect, st node.ReplicaStatus, own rl.Color, sc Scale, now time.Time) {
	th := max(sc.Px(3), 2)
	corners := [4]rl.Vector2{{X: box.X, Y: box.Y}, {X: box.X + box.W, Y: box.Y},
		{X: box.X + box.W, Y: box.Y + box.H}, {X: box.X, Y: box.Y + box.H}}
	edges := func(f func(a, b rl.Vector2)) {
		for k := range corners {
			f(corners[k], corners[(k+1)%4])
		}
	}
	switch {
	case !st.Up:
		rl.DrawRectangleLinesEx(rect(box), th, fade(own, 0.4))
	case st.Role == node.RoleLeader:
		rl.DrawRectangleLinesEx(rect(box), th*1.5, own)
		rl.DrawRectangleLinesEx(rect(box.Inset(th*2.5)), max(th*0.6, 1.5), own)
	case st.Role == node.RoleCandidate:
		c := fade(own, 0.5+0.5*pulse(now, 2.5))
		edges(func(a, b rl.Vector2) { dashedLine(a, b, th*1.8, sc.Px(16), c) })
	case st.Role == node.RolePreCandidate:
		c := fade(own, 0.5+0.5*pulse(now, 2.5))
		edges(func(a, b rl.Vector2) { dashedLine(a, b, th*1.5, sc.Px(4), c) })
	default:
		rl.DrawRectangleLinesEx(rect(box), th, own)
	}
}

// drawTitle draws the title line: the number and player, the role badge
// (a candidate's with its votes), tags for isolation and partition, and a
// follower's election timer.
func (w *Window) drawTitle(p PaneParts, i int, st node.ReplicaStatus, own rl.Color, sc Scale, now time.Time) {
	h := p.Title
	size := sc.Text(TextTitle)
	title := fitText(fmt.Sprintf("%d %s", i+1, w.cfg.Players[i].Name), size, h.W*0.4)
	w.fonts.text(title, h.X, h.Y+(h.H-size)/2, size, own)
	x := h.X + textWidth(title, size) + sc.Px(10)

	badge := roleWord(st)
	if st.Up && st.Role == node.RoleCandidate {
		badge += fmt.Sprintf(" %d/%d", w.msgs.Votes(i+1, st.Term, false), w.n)
	}
	if st.Up && st.Role == node.RolePreCandidate {
		badge += fmt.Sprintf(" %d/%d", w.msgs.Votes(i+1, st.Term+1, true), w.n)
	}
	rgb := timeline.RoleRGB(st.Role)
	if !st.Up {
		rgb = timeline.DownRGB
	}
	x = w.tag(badge, x, h, rgb, sc)
	if st.Up && st.Isolated {
		x = w.tag("ISOLATED", x, h, timeline.IsolatedRGB, sc)
	}
	if st.Up && st.Role == node.RoleFollower && !st.LastContact.IsZero() {
		w.drawTimer(p.Ring, now.Sub(st.LastContact), sc)
	}
}

// tag draws a rounded label at x on line h and returns where the next
// one goes.
func (w *Window) tag(text string, x float32, h Rect, c timeline.RGB, sc Scale) float32 {
	size := sc.Text(TextBadge)
	text = fitText(text, size, max(h.X+h.W-x-sc.Px(12), 0))
	if text == "" {
		return x
	}
	tw := textWidth(text, size) + sc.Px(12)
	pad := (h.H - size*1.25) / 2
	rl.DrawRectangleRounded(rl.Rectangle{X: x, Y: h.Y + pad, Width: tw, Height: h.H - 2*pad}, 0.4, 6, color(c))
	w.fonts.text(text, x+sc.Px(6), h.Y+(h.H-size)/2, size, onColor(c))
	return x + tw + sc.Px(6)
}

// drawTimer draws a follower's election timer as honestly as it can be
// known: the time since it last heard from a leader, against the range its
// timeout is drawn from (one to two election timeouts). The ring fills
// grey up to the tick at one timeout; past it the follower may stand at any
// moment, and the ring turns amber.
func (w *Window) drawTimer(r Rect, since time.Duration, sc Scale) {
	base := w.c.ElectionTimeout()
	frac := min(float32(since)/float32(2*base), 1)
	c := rl.Vector2{X: r.X + r.W/2, Y: r.Y + r.H/2}
	outer, inner := r.H*0.42, r.H*0.28
	rl.DrawRing(c, inner, outer, 0, 360, 32, fade(dimText, 0.25))
	fill := dimText
	if since > base {
		fill = rl.NewColor(240, 170, 40, 255)
	}
	rl.DrawRing(c, inner, outer, -90, -90+360*frac, 32, fill)
	// The tick at one election timeout: the earliest it may stand.
	rl.DrawLineEx(rl.Vector2{X: c.X, Y: c.Y + inner - 2}, rl.Vector2{X: c.X, Y: c.Y + outer + 2}, max(sc.Px(2), 2), textColor)
}

// drawInfo writes the replica's term, the leader it believes in, its
// commit and applied index, the same words in every pane.
func (w *Window) drawInfo(r Rect, st node.ReplicaStatus, sc Scale) {
	size := sc.Text(TextInfo)
	if !st.Up {
		w.fonts.inBox(fmt.Sprintf("down · last applied %d", st.Applied), r, size, 0, dimText)
		return
	}
	leader := "none"
	if st.Leader != 0 {
		leader = fmt.Sprint(st.Leader)
	}
	form := "term %d · leader %s · commit %d · applied %d"
	if !fullInfo(r.W, size) { // every pane has the same width: all take the short form
		form = "t%d · ldr %s · c%d · a%d"
	}
	w.fonts.inBox(fmt.Sprintf(form, st.Term, leader, st.Commit, st.Applied), r, size, 0, dimText)
}

// fullInfo reports whether the info line's full words fit in width at
// size, with the longest numbers a run will see; otherwise every pane uses
// the short form, which the help explains.
func fullInfo(width, size float32) bool {
	return textWidth("term 999 · leader none · commit 99999 · applied 99999", size) <= width
}

// drawLog draws the tail of the replica's own Raft log, newest on top:
// committed entries solid, the rest hollow, so that an unreplicated entry
// and its later overwrite can be seen.
func (w *Window) drawLog(r Rect, tail []node.Entry, st node.ReplicaStatus, sc Scale) {
	size := sc.Text(TextLog)
	row := sc.line(TextLog)
	w.fonts.text("log", r.X+sc.Px(4), r.Y+(row-size)/2, size, dimText)
	rows := logRows(r, sc)
	y := r.Y + row
	for k := len(tail) - 1; k >= 0 && k >= len(tail)-rows; k-- {
		e := tail[k]
		box := Rect{r.X, y, r.W - sc.Px(4), row}
		text := fmt.Sprintf("%d t%d %s", e.Index, e.Term, entryText(e))
		if e.Index <= st.Commit {
			rl.DrawRectangleRec(rect(box), rl.NewColor(58, 64, 80, 255))
			w.fonts.inBox(text, box.Inset(sc.Px(4)), size, 0, textColor)
		} else {
			rl.DrawRectangleLinesEx(rect(box), max(sc.Px(1.5), 1.5), dimText)
			w.fonts.inBox(text, box.Inset(sc.Px(4)), size, 0, dimText)
		}
		y += row + sc.Px(2)
	}
}

// entryText says what a log entry is, briefly.
func entryText(e node.Entry) string {
	switch e.Kind {
	case "attack":
		return fmt.Sprintf("%d→%d", e.From, e.To)
	case "config":
		return "members"
	}
	return e.Kind
}

func (w *Window) drawCrashed(r Rect, id int, sc Scale) {
	rl.DrawRectangleRec(rect(r), rl.NewColor(10, 10, 12, 190))
	big := sc.Text(TextCaption)
	msg := "CRASHED"
	w.fonts.text(msg, r.X+(r.W-textWidth(msg, big))/2, r.Y+r.H/2-big, big, textColor)
	hint := fmt.Sprintf("press %d then R to restart", id)
	if id == w.selected {
		hint = "press R to restart"
	}
	w.fonts.inBox(hint, Rect{r.X, r.Y + r.H/2 + sc.Px(4), r.W, sc.line(TextMessage)}, sc.Text(TextMessage), 0.5, dimText)
}

// brickWall draws a wall of bricks around r: the replica is cut off.
func brickWall(r Rect, t float32) {
	rl.DrawRectangleLinesEx(rect(r), t, wallColor)
	brick := t * 1.8
	for row := float32(0); row < 2; row++ {
		y := r.Y + row*t/2
		off := row * brick / 2
		for x := r.X + off; x < r.X+r.W; x += brick {
			rl.DrawLineEx(rl.Vector2{X: x, Y: y}, rl.Vector2{X: x, Y: y + t/2}, 1.5, mortar)
			rl.DrawLineEx(rl.Vector2{X: x, Y: r.Y + r.H - t + y - r.Y}, rl.Vector2{X: x, Y: r.Y + r.H - t + y - r.Y + t/2}, 1.5, mortar)
		}
		yl := r.Y + row*brick/2
		for yy := yl; yy < r.Y+r.H; yy += brick {
			rl.DrawLineEx(rl.Vector2{X: r.X, Y: yy}, rl.Vector2{X: r.X + t, Y: yy}, 1.5, mortar)
			rl.DrawLineEx(rl.Vector2{X: r.X + r.W - t, Y: yy}, rl.Vector2{X: r.X + r.W, Y: yy}, 1.5, mortar)
		}
	}
	rl.DrawLineEx(rl.Vector2{X: r.X, Y: r.Y + t/2}, rl.Vector2{X: r.X + r.W, Y: r.Y + t/2}, 1.5, mortar)
	rl.DrawLineEx(rl.Vector2{X: r.X, Y: r.Y + r.H - t/2}, rl.Vector2{X: r.X + r.W, Y: r.Y + r.H - t/2}, 1.5, mortar)
}

// ghostArrow is an attack waiting to commit: a pulsing arrow.
func ghostArrow(a, b rl.Vector2, c rl.Color, sc Scale, now time.Time) {
	col := fade(c, 0.35+0.45*pulse(now, 3))
	rl.DrawLineEx(a, b, max(sc.Px(4), 3), col)
	d := rl.Vector2Normalize(rl.Vector2Subtract(b, a))
	n := rl.Vector2{X: -d.Y, Y: d.X}
	tip := rl.Vector2Subtract(b, rl.Vector2Scale(d, sc.Px(18)))
	l := rl.Vector2Add(tip, rl.Vector2Scale(n, sc.Px(10)))
	r := rl.Vector2Subtract(tip, rl.Vector2Scale(n, sc.Px(10)))
	// raylib fills only counter-clockwise triangles: draw both windings.
	rl.DrawTriangle(b, l, r, col)
	rl.DrawTriangle(b, r, l, col)
}

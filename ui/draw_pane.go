package ui

import (
	"fmt"
	"time"

	rl "github.com/gen2brain/raylib-go/raylib"

	"github.com/raftian/raftian/node"
)

// drawPane draws replica i's pane (0-based) from its own status.
func (w *Window) drawPane(r Rect, i int, now time.Time) {
	st := w.snap.status[i]
	player := w.cfg.Players[i]
	own := playerColor(player.Color)
	parts := LayoutPane(r)

	rl.DrawRectangleRec(rect(r.Inset(2)), paneBG)
	w.drawHeader(parts.Header, i, st, own, now)
	if a := noteAlpha(w.notes[i], now); a > 0 {
		c := dimText
		if w.notes[i].alarm {
			c = alarmText
		}
		w.fonts.text(w.notes[i].text, parts.Message.X+6, parts.Message.Y+2, parts.Message.H*0.8, fade(c, a))
	}
	if st.World != nil {
		cities := CityRects(parts.Cities, w.n)
		for q, c := range cities {
			w.drawCity(c, q+1, st.World.HP(q+1), q == i)
		}
		for _, p := range w.pending {
			if p.from == i+1 && p.to >= 1 && p.to <= len(cities) {
				ghostArrow(center(cities[p.from-1]), center(cities[p.to-1]), own, now)
			}
		}
	}
	w.drawLog(parts.Log, w.snap.tails[i], st)

	// The border says what the replica is going through.
	border := own
	thick := float32(3)
	if st.Up && (st.Role == node.RoleCandidate || st.Role == node.RolePreCandidate) {
		border = fade(roleColor(st.Role, false), 0.4+0.6*pulse(now, 2.5))
		thick = 6
	}
	rl.DrawRectangleLinesEx(rect(r.Inset(2)), thick, border)
	if st.Up && st.Isolated {
		brickWall(r.Inset(2), 12)
	}
	if i+1 == w.selected {
		rl.DrawRectangleLinesEx(rect(r), 2, textColor)
	}
	if !st.Up {
		w.drawCrashed(r, i+1)
	}
}

func (w *Window) drawHeader(h Rect, i int, st node.ReplicaStatus, own rl.Color, now time.Time) {
	size := h.H * 0.62
	x := h.X + 6
	title := fmt.Sprintf("%d %s", i+1, w.cfg.Players[i].Name)
	w.fonts.text(title, x, h.Y+(h.H-size)/2, size, own)
	x += w.fonts.measure(title, size) + 10

	badge := roleBadge(st)
	if st.Up && st.Role == node.RoleCandidate {
		badge += fmt.Sprintf(" %d/%d", w.msgs.Votes(i+1, st.Term, false), w.n)
	}
	if st.Up && st.Role == node.RolePreCandidate {
		badge += fmt.Sprintf(" %d/%d", w.msgs.Votes(i+1, st.Term+1, true), w.n)
	}
	bs := size * 0.8
	bw := w.fonts.measure(badge, bs) + 12
	rl.DrawRectangleRounded(rl.Rectangle{X: x, Y: h.Y + 4, Width: bw, Height: h.H - 8}, 0.4, 6, roleColor(st.Role, st.Isolated))
	w.fonts.text(badge, x+6, h.Y+(h.H-bs)/2, bs, background)
	x += bw + 10

	if !st.Up {
		return
	}
	info := fmt.Sprintf("term %d  leader %s  commit %d  applied %d", st.Term, w.leaderText(st.Leader), st.Commit, st.Applied)
	is := size * 0.72
	right := h.X + h.W - h.H - 4 // room for the election timer
	if iw := w.fonts.measure(info, is); x+iw <= right {
		w.fonts.text(info, right-iw, h.Y+(h.H-is)/2, is, dimText)
	} else {
		short := fmt.Sprintf("t%d L%s c%d a%d", st.Term, w.leaderText(st.Leader), st.Commit, st.Applied)
		w.fonts.text(short, max(x, right-w.fonts.measure(short, is)), h.Y+(h.H-is)/2, is, dimText)
	}
	if st.Role == node.RoleFollower && !st.LastContact.IsZero() {
		// How far the follower's election timer has run since it last heard
		// from its leader: when the ring closes, it stands for election.
		frac := float32(now.Sub(st.LastContact)) / float32(w.c.ElectionTimeout())
		c := rl.Vector2{X: h.X + h.W - h.H/2 - 2, Y: h.Y + h.H/2}
		rl.DrawRing(c, h.H*0.22, h.H*0.34, 0, 360, 24, fade(dimText, 0.25))
		rl.DrawRing(c, h.H*0.22, h.H*0.34, -90, -90+360*min(frac, 1), 24, lerpColor(dimText, alarmText, min(frac, 1)))
	}
}

func (w *Window) leaderText(l int) string {
	if l == 0 {
		return "-"
	}
	return fmt.Sprintf("%d", l)
}

// drawLog draws the tail of the replica's own Raft log: committed entries
// solid, the rest hollow, so an unreplicated entry and its later
// overwrite can be seen.
func (w *Window) drawLog(r Rect, tail []node.Entry, st node.ReplicaStatus) {
	if r.W < 40 || r.H < 40 {
		return
	}
	row := min(r.H/float32(LogTailSize+1), 26)
	ts := row * 0.62
	w.fonts.text("log", r.X+4, r.Y, ts, dimText)
	y := r.Y + row
	for k := len(tail) - 1; k >= 0; k-- { // newest on top
		e := tail[k]
		box := rl.Rectangle{X: r.X + 2, Y: y + 1, Width: r.W - 8, Height: row - 3}
		text := fmt.Sprintf("%d t%d %s", e.Index, e.Term, w.entryText(e))
		if e.Index <= st.Commit {
			rl.DrawRectangleRec(box, rl.NewColor(58, 64, 80, 255))
			w.fonts.text(text, box.X+4, box.Y+(box.Height-ts)/2, ts, textColor)
		} else {
			rl.DrawRectangleLinesEx(box, 1.5, dimText)
			w.fonts.text(text, box.X+4, box.Y+(box.Height-ts)/2, ts, dimText)
		}
		y += row
	}
}

func (w *Window) entryText(e node.Entry) string {
	if e.Kind == "attack" {
		return fmt.Sprintf("%d→%d", e.From, e.To)
	}
	return e.Kind
}

func (w *Window) drawCrashed(r Rect, id int) {
	rl.DrawRectangleRec(rect(r.Inset(2)), rl.NewColor(10, 10, 12, 190))
	big := min(r.H*0.12, 48)
	msg := "CRASHED"
	w.fonts.text(msg, r.X+(r.W-w.fonts.measure(msg, big))/2, r.Y+r.H/2-big, big, textColor)
	hint := fmt.Sprintf("press %d then R to restart", id)
	if id == w.selected {
		hint = "press R to restart"
	}
	hs := big * 0.45
	w.fonts.text(hint, r.X+(r.W-w.fonts.measure(hint, hs))/2, r.Y+r.H/2+4, hs, dimText)
}

// brickWall draws a wall of bricks around r: the replica is cut off.
func brickWall(r Rect, t float32) {
	rl.DrawRectangleLinesEx(rect(r), t, wallColor)
	const brick = 22
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
func ghostArrow(a, b rl.Vector2, c rl.Color, now time.Time) {
	col := fade(c, 0.35+0.45*pulse(now, 3))
	rl.DrawLineEx(a, b, 4, col)
	d := rl.Vector2Normalize(rl.Vector2Subtract(b, a))
	n := rl.Vector2{X: -d.Y, Y: d.X}
	tip := rl.Vector2Subtract(b, rl.Vector2Scale(d, 18))
	l := rl.Vector2Add(tip, rl.Vector2Scale(n, 10))
	r := rl.Vector2Subtract(tip, rl.Vector2Scale(n, 10))
	// raylib fills only counter-clockwise triangles: draw both windings.
	rl.DrawTriangle(b, l, r, col)
	rl.DrawTriangle(b, r, l, col)
}

package ui

import (
	"math"
	"strconv"
	"time"

	rl "github.com/gen2brain/raylib-go/raylib"

	"github.com/raftian/raftian/node"
	"github.com/raftian/raftian/node/wire"
	"github.com/raftian/raftian/timeline"
)

var (
	background = rl.NewColor(16, 18, 24, 255)
	paneBG     = rl.NewColor(28, 31, 40, 255)
	stripBG    = rl.NewColor(22, 24, 31, 255)
	textColor  = rl.NewColor(232, 234, 240, 255)
	dimText    = rl.NewColor(150, 156, 172, 255)
	alarmText  = rl.NewColor(255, 110, 100, 255)
	wallColor  = color(timeline.RoleRGB(node.RoleFollower, true))
	mortar     = rl.NewColor(70, 30, 24, 255)
)

// roleColor is the colour of a role's badge and timeline lane.
func roleColor(r node.Role, isolated bool) rl.Color { return color(timeline.RoleRGB(r, isolated)) }

func color(c timeline.RGB) rl.Color { return rl.NewColor(c.R, c.G, c.B, 255) }

func roleBadge(st node.ReplicaStatus) string {
	switch {
	case !st.Up:
		return "CRASHED"
	case st.Isolated:
		return "ISOLATED"
	}
	switch st.Role {
	case node.RoleLeader:
		return "LEADER"
	case node.RoleCandidate:
		return "CANDIDATE"
	case node.RolePreCandidate:
		return "PRE-CANDIDATE"
	}
	return "FOLLOWER"
}

// msgColor is the colour of a message dot of a kind.
func msgColor(k wire.Kind) rl.Color {
	switch k {
	case wire.KindHeartbeat:
		return rl.NewColor(210, 214, 224, 255)
	case wire.KindAppend:
		return rl.NewColor(90, 230, 130, 255)
	case wire.KindVote:
		return rl.NewColor(255, 160, 40, 255)
	case wire.KindPreVote:
		return rl.NewColor(255, 225, 120, 255)
	case wire.KindSnapshot:
		return rl.NewColor(70, 200, 255, 255)
	}
	return rl.NewColor(150, 150, 160, 255)
}

// playerColor parses "#rrggbb" from the config (validated there).
func playerColor(hex string) rl.Color {
	v, _ := strconv.ParseUint(hex[1:], 16, 32)
	return rl.NewColor(uint8(v>>16), uint8(v>>8), uint8(v), 255)
}

func rect(r Rect) rl.Rectangle { return rl.Rectangle{X: r.X, Y: r.Y, Width: r.W, Height: r.H} }

func center(r Rect) rl.Vector2 { return rl.Vector2{X: r.X + r.W/2, Y: r.Y + r.H/2} }

func fade(c rl.Color, a float32) rl.Color {
	c.A = uint8(float32(c.A) * min(max(a, 0), 1))
	return c
}

func lerpColor(a, b rl.Color, t float32) rl.Color {
	l := func(x, y uint8) uint8 { return uint8(float32(x) + (float32(y)-float32(x))*t) }
	return rl.NewColor(l(a.R, b.R), l(a.G, b.G), l(a.B, b.B), l(a.A, b.A))
}

// noteAlpha fades a note out over its last second; 0 when gone.
func noteAlpha(n note, now time.Time) float32 {
	const show, out = 4 * time.Second, time.Second
	age := now.Sub(n.at)
	if n.text == "" || age > show {
		return 0
	}
	if age < show-out {
		return 1
	}
	return float32(show-age) / float32(out)
}

func pulse(now time.Time, hz float64) float32 {
	return float32(0.5 + 0.5*math.Sin(float64(now.UnixNano())/1e9*2*math.Pi*hz))
}

// draw draws a whole frame from the window's memory.
func (w *Window) draw(s Screen, now time.Time) {
	for i, p := range s.Panes {
		w.drawPane(p, i, now)
	}
	if w.showMsgs {
		w.drawDots(s, now)
	}
	w.drawTimeline(s.Timeline, now)
	w.drawHint(s.Hint)
	w.drawBanner(s, now)
	if w.showHelp {
		w.drawHelp(s)
	}
}

// drawDots draws the messages in flight between panes' city areas.
func (w *Window) drawDots(s Screen, now time.Time) {
	for _, d := range w.msgs.Dots {
		if d.From < 1 || d.To < 1 || d.From > len(s.Panes) || d.To > len(s.Panes) {
			continue
		}
		a := center(LayoutPane(s.Panes[d.From-1]).Cities)
		b := center(LayoutPane(s.Panes[d.To-1]).Cities)
		t := d.Progress(now)
		pos := rl.Vector2{X: a.X + (b.X-a.X)*t, Y: a.Y + (b.Y-a.Y)*t}
		c := msgColor(d.Kind)
		switch {
		case d.Dropped:
			// It dies at the wall: a red cross that fades.
			alpha := 1 - float32(now.Sub(d.Start))/float32(travelTime)
			r := float32(7)
			rl.DrawLineEx(rl.Vector2{X: pos.X - r, Y: pos.Y - r}, rl.Vector2{X: pos.X + r, Y: pos.Y + r}, 3, fade(alarmText, alpha))
			rl.DrawLineEx(rl.Vector2{X: pos.X - r, Y: pos.Y + r}, rl.Vector2{X: pos.X + r, Y: pos.Y - r}, 3, fade(alarmText, alpha))
		case d.Reply:
			rl.DrawCircleLinesV(pos, 5, c)
		default:
			rl.DrawCircleV(pos, 6, c)
		}
	}
}

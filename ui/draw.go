package ui

import (
	"math"
	"strconv"
	"time"

	rl "github.com/gen2brain/raylib-go/raylib"

	"github.com/raftian/raftian/record"
	"github.com/raftian/raftian/rewind"
	"github.com/raftian/raftian/timeline"
)

var (
	background = rl.NewColor(16, 18, 24, 255)
	paneBG     = rl.NewColor(28, 31, 40, 255)
	stripBG    = rl.NewColor(22, 24, 31, 255)
	textColor  = rl.NewColor(232, 234, 240, 255)
	dimText    = rl.NewColor(160, 166, 182, 255)
	alarmText  = rl.NewColor(255, 120, 90, 255)
	accent     = color(timeline.LeaderRGB)
	wallColor  = color(timeline.IsolatedRGB)
	mortar     = rl.NewColor(70, 30, 24, 255)
)

// groupTints tint the panes of each partition group alike, so that the
// groups can be told apart at a glance.
var groupTints = []rl.Color{
	rl.NewColor(24, 36, 58, 255),
	rl.NewColor(48, 34, 26, 255),
	rl.NewColor(28, 44, 34, 255),
	rl.NewColor(44, 28, 46, 255),
}

// roleColor is the colour of a role's badge and timeline lane.
func roleColor(r record.Role) rl.Color { return color(timeline.RoleRGB(r)) }

func color(c timeline.RGB) rl.Color { return rl.NewColor(c.R, c.G, c.B, 255) }

// onColor is the text colour that reads on a background of colour c.
func onColor(c timeline.RGB) rl.Color {
	if c.Luminance() > 0.3 {
		return background
	}
	return textColor
}

// roleWord is a role as the badge writes it.
func roleWord(r *rewind.Replica) string {
	switch {
	case r.Removed:
		return "REMOVED"
	case !r.Up:
		return "CRASHED"
	}
	switch r.Role {
	case record.RoleLeader:
		return "LEADER"
	case record.RoleCandidate:
		return "CANDIDATE"
	case record.RolePreCandidate:
		return "PRE-CANDIDATE"
	}
	return "FOLLOWER"
}

// msgColor is the colour of a message dot, by what it is for: a request
// and its reply alike.
func msgColor(m record.MsgType) rl.Color {
	switch m.Request() {
	case record.MsgHeartbeat:
		return rl.NewColor(210, 214, 224, 255)
	case record.MsgAppend:
		return rl.NewColor(60, 200, 140, 255)
	case record.MsgVote:
		return rl.NewColor(240, 170, 40, 255)
	case record.MsgPreVote:
		return rl.NewColor(250, 225, 130, 255)
	case record.MsgSnapshot:
		return rl.NewColor(70, 170, 255, 255)
	case record.MsgTimeoutNow:
		return rl.NewColor(230, 90, 220, 255)
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

// noteAlpha fades a note out over its last second; 0 when gone. age is
// how long it has been shown, in screen time.
func noteAlpha(text string, age time.Duration) float32 {
	const show, out = 6 * time.Second, time.Second
	if text == "" || age > show || age < 0 {
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

// draw draws a whole frame from the state at the moment shown.
func (w *Window) draw(s Screen, now time.Time) {
	w.hits.reset()
	w.badges = append(w.badges[:0], make([]Point, len(s.Panes))...)
	for i, p := range s.Panes {
		if !p.Empty() { // a seat of the table has a row instead
			w.drawPane(s, p, i, now)
		}
	}
	w.drawSeats(s)
	w.drawWalls(s)
	if w.showMsgs {
		w.drawDots(s)
	}
	w.drawSide(s)
	w.drawCard(s)
	w.drawBar(s, now)
	w.drawCaption(s)
	w.drawTimeline(s)
	w.drawKeys(s)
	if w.showHelp {
		w.drawHelp(s)
	}
}

// screenAge is how long ago, in screen time at the speed shown, the
// moment at (µs into the record) was.
func (w *Window) screenAge(at int64) time.Duration {
	if at < 0 {
		return time.Hour
	}
	s := Speeds[w.player.Speed]
	if w.player.Mode == Live {
		s = Speeds[0]
	}
	return time.Duration((w.t-at)*s.Den/s.Num) * time.Microsecond
}

// groupOf returns each replica's side of the network, 0-based: its
// partition group, or a group of its own when it is isolated. With no
// fault, every replica is in group 0.
func groupOf(net record.Net) []int {
	out := make([]int, len(net.Group))
	groups := map[int]int{}
	for i, g := range net.Group {
		key := g
		if net.Isolated[i] {
			key = 1000 + i
		}
		k, ok := groups[key]
		if !ok {
			k = len(groups)
			groups[key] = k
		}
		out[i] = k
	}
	return out
}

// drawWalls draws a partition as what it is: a red dashed wall along
// every edge between two panes on different sides.
func (w *Window) drawWalls(s Screen) {
	net := w.st.Net
	group := groupOf(net)
	th := max(s.Scale.Px(5), 3)
	for i, a := range s.Panes {
		for j := i + 1; j < len(s.Panes); j++ {
			if group[i] == group[j] || net.Isolated[i] || net.Isolated[j] || a.Empty() || s.Panes[j].Empty() {
				continue // isolation has its own brick wall
			}
			if e, ok := sharedEdge(a, s.Panes[j]); ok {
				dashedLine(e[0], e[1], th, s.Scale.Px(14), alarmText)
			}
		}
	}
}

// sharedEdge returns the edge two touching panes share, if they do.
func sharedEdge(a, b Rect) ([2]rl.Vector2, bool) {
	const eps = 0.5
	overlapX := min(a.X+a.W, b.X+b.W) - max(a.X, b.X)
	overlapY := min(a.Y+a.H, b.Y+b.H) - max(a.Y, b.Y)
	switch {
	case math.Abs(float64(a.X+a.W-b.X)) < eps && overlapY > 0:
		x, y0 := a.X+a.W, max(a.Y, b.Y)
		return [2]rl.Vector2{{X: x, Y: y0}, {X: x, Y: y0 + overlapY}}, true
	case math.Abs(float64(b.X+b.W-a.X)) < eps && overlapY > 0:
		x, y0 := a.X, max(a.Y, b.Y)
		return [2]rl.Vector2{{X: x, Y: y0}, {X: x, Y: y0 + overlapY}}, true
	case math.Abs(float64(a.Y+a.H-b.Y)) < eps && overlapX > 0:
		y, x0 := a.Y+a.H, max(a.X, b.X)
		return [2]rl.Vector2{{X: x0, Y: y}, {X: x0 + overlapX, Y: y}}, true
	case math.Abs(float64(b.Y+b.H-a.Y)) < eps && overlapX > 0:
		y, x0 := a.Y, max(a.X, b.X)
		return [2]rl.Vector2{{X: x0, Y: y}, {X: x0 + overlapX, Y: y}}, true
	}
	return [2]rl.Vector2{}, false
}

// dashedLine draws a dashed line from a to b.
func dashedLine(a, b rl.Vector2, thick, dash float32, c rl.Color) {
	d := rl.Vector2Subtract(b, a)
	length := rl.Vector2Length(d)
	if length == 0 {
		return
	}
	u := rl.Vector2Scale(d, 1/length)
	for t := float32(0); t < length; t += 2 * dash {
		e := min(t+dash, length)
		rl.DrawLineEx(rl.Vector2Add(a, rl.Vector2Scale(u, t)), rl.Vector2Add(a, rl.Vector2Scale(u, e)), thick, c)
	}
}

// wallAt is how far along its route a lost message dies: where the route
// first enters a pane on another side of a partition or an isolation (the
// wall between them), or halfway on a link that merely loses messages.
func wallAt(s Screen, group []int, from, to int, route Route) float32 {
	if group[from-1] == group[to-1] {
		return 0.5
	}
	own := group[from-1]
	for t := float32(0); t <= 1; t += 0.01 {
		q := route.At(t)
		for i, p := range s.Panes {
			if p.Contains(q.X, q.Y) && group[i] != own {
				return t
			}
		}
	}
	return 0.5
}

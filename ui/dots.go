package ui

import (
	rl "github.com/gen2brain/raylib-go/raylib"

	"github.com/raftian/raftian/record"
	"github.com/raftian/raftian/rewind"
)

// Messages are drawn as they travelled: a dot leaves its sender's badge
// when the message was sent and reaches its receiver's badge when it was
// delivered, so a vote lands when it is counted. It travels in the margins
// between the panes (MessageRoute), crossing no text. A lost one stops where it was lost (at
// the wall, for a cut link) and dies there as a cross. One that arrived
// lately leaves a short fading tail at its receiver: at full speed most
// messages take a fraction of a millisecond, and only the tails show.

// trailKey thins the tails at full speed: the newest per link and kind.
type trailKey struct {
	from, to int
	msg      record.MsgType
}

// drawDots draws the messages on their way at the moment shown, and the
// tails of those that arrived or were lost just before.
func (w *Window) drawDots(s Screen) {
	group := groupOf(w.st.Net)
	r := s.Scale.DotRadius()
	trail := w.trail()
	seen := map[trailKey]bool{}
	for i := len(w.flights) - 1; i >= 0; i-- { // newest first
		f := &w.flights[i]
		if f.From < 1 || f.To < 1 || f.From > len(s.Panes) || f.To > len(s.Panes) || f.Msg == record.MsgOther {
			continue
		}
		if s.Panes[f.From-1].Empty() || s.Panes[f.To-1].Empty() {
			continue // a seat of the table: its row says what it has, not its messages
		}
		route := MessageRoute(s, w.badges, f.From, f.To)
		c := msgColor(f.Msg)
		at := func(p float32) rl.Vector2 { q := route.At(p); return rl.Vector2{X: q.X, Y: q.Y} }
		if !f.Over(w.t) {
			pos := at(float32(f.Progress(w.t)))
			dot(pos, r, c, f.Msg.Reply())
			if f.Reject {
				refusal(pos, r)
			}
			w.hits.dot(pos, r, f)
			continue
		}
		k := trailKey{f.From, f.To, f.Msg}
		if seen[k] {
			continue // a newer one of the same kind on the same link is drawn
		}
		seen[k] = true
		alpha := 1 - float32(w.t-f.End)/float32(max(trail, 1))
		if f.Lost {
			p := float32(f.Progress(f.End))
			if f.End == f.Sent || group[f.From-1] != group[f.To-1] {
				p = wallAt(s, group, f.From, f.To, route)
			}
			pos := at(p)
			cross(pos, r*1.2, fade(alarmText, alpha))
			w.hits.dot(pos, r, f)
			continue
		}
		// A short tail behind the receiver's end of the way: a long one
		// along a margin reads as a line of its own.
		tail := route.Part(max(1-tailLength(s)/max(route.Length(), 1), 0), 1)
		for j := 1; j < len(tail); j++ {
			rl.DrawLineEx(rl.Vector2{X: tail[j-1].X, Y: tail[j-1].Y}, rl.Vector2{X: tail[j].X, Y: tail[j].Y}, max(r*0.6, 2), fade(c, alpha*0.8))
		}
		dot(at(1), r*0.8, fade(c, alpha), f.Msg.Reply())
		if f.Reject && alpha > 0.5 {
			refusal(at(1), r*0.8)
		}
		w.hits.dot(at(1), r, f)
	}
}

// tailLength is how long an arrived message's tail is drawn.
func tailLength(s Screen) float32 { return s.Scale.Px(60) }

// dot draws a message: filled for a request, a ring for a reply.
func dot(pos rl.Vector2, r float32, c rl.Color, reply bool) {
	if reply {
		rl.DrawRing(pos, r*0.55, r, 0, 360, 16, c)
		return
	}
	rl.DrawCircleV(pos, r, c)
}

// refusal marks a reply that says no (an append that does not fit the
// follower's log, a vote denied): a red cross over its ring, so a
// class can tell a rejection from an agreement.
func refusal(pos rl.Vector2, r float32) {
	cross(pos, r*0.9, alarmText)
}

// cross draws a lost message.
func cross(pos rl.Vector2, k float32, c rl.Color) {
	rl.DrawLineEx(rl.Vector2{X: pos.X - k, Y: pos.Y - k}, rl.Vector2{X: pos.X + k, Y: pos.Y + k}, k*0.45, c)
	rl.DrawLineEx(rl.Vector2{X: pos.X - k, Y: pos.Y + k}, rl.Vector2{X: pos.X + k, Y: pos.Y - k}, k*0.45, c)
}

// hits are where the last frame drew what a click can pick: message dots
// and log entries.
type hits struct {
	dots    []dotHit
	entries []entryHit
}

type dotHit struct {
	pos    rl.Vector2
	r      float32
	flight rewind.Flight
}

type entryHit struct {
	box     Rect
	replica int
	ent     record.Ent
}

func (h *hits) reset() {
	h.dots, h.entries = h.dots[:0], h.entries[:0]
}

func (h *hits) dot(pos rl.Vector2, r float32, f *rewind.Flight) {
	h.dots = append(h.dots, dotHit{pos: pos, r: r, flight: *f})
}

// at returns what was drawn at (x, y), the topmost first.
func (h *hits) at(x, y float32) (*dotHit, *entryHit) {
	for i := len(h.dots) - 1; i >= 0; i-- {
		d := &h.dots[i]
		if dx, dy := x-d.pos.X, y-d.pos.Y; dx*dx+dy*dy <= (d.r*2)*(d.r*2) {
			return d, nil
		}
	}
	for i := range h.entries {
		if e := &h.entries[i]; e.box.Contains(x, y) {
			return nil, e
		}
	}
	return nil, nil
}

package ui

import "math"

// The way a message dot travels between panes.

// Point is a point in window pixels.
type Point struct{ X, Y float32 }

// Route is the way a message dot travels, as a polyline.
type Route []Point

// MessageRoute is the way a message travels from pane from to pane to
// (1-based), given where each pane's role badge is: up from the sender's
// badge into the margin above its title, along the margins between the
// panes, where no text is, and down into the receiver's badge. A dot on it
// never crosses a text, so no trail can pass for an entry struck through.
func MessageRoute(s Screen, badges []Point, from, to int) Route {
	a, b := badges[from-1], badges[to-1]
	pa, pb := s.Panes[from-1], s.Panes[to-1]
	m := s.Scale.margin() / 2 // the middle of a pane's margin
	ya, yb := pa.Y+m, pb.Y+m
	if pa.Y == pb.Y { // the same row: along its margin
		return Route{a, {a.X, ya}, {b.X, ya}, b}
	}
	x := gutter(s, pa, pb)
	return Route{a, {a.X, ya}, {x, ya}, {x, yb}, {b.X, yb}, b}
}

// gutter is the x of the line between two columns of panes that a message
// from pane a to pane b (in other rows) goes along: the one between their
// columns, or one beside their column if they share it.
func gutter(s Screen, a, b Rect) float32 {
	switch {
	case a.X < b.X:
		return b.X
	case b.X < a.X:
		return a.X
	}
	for _, p := range s.Panes {
		if p.X > a.X { // a column on the right
			return a.X + a.W
		}
	}
	if a.X > s.Panes[0].X { // the last column: the line on its left
		return a.X
	}
	return a.X + s.Scale.margin()/2 // a single column: its own margin
}

// Length is the route's length in pixels.
func (r Route) Length() float32 {
	var l float32
	for i := 1; i < len(r); i++ {
		l += dist(r[i-1], r[i])
	}
	return l
}

// At is the point a fraction p (0 to 1) of the way along the route.
func (r Route) At(p float32) Point {
	if len(r) == 0 {
		return Point{}
	}
	left := min(max(p, 0), 1) * r.Length()
	for i := 1; i < len(r); i++ {
		d := dist(r[i-1], r[i])
		if left <= d && d > 0 {
			f := left / d
			return Point{r[i-1].X + (r[i].X-r[i-1].X)*f, r[i-1].Y + (r[i].Y-r[i-1].Y)*f}
		}
		left -= d
	}
	return r[len(r)-1]
}

// Part is the route from fraction p0 to p1 of the way, as a polyline.
func (r Route) Part(p0, p1 float32) Route {
	out := Route{r.At(p0)}
	total, run := r.Length(), float32(0)
	for i := 1; i < len(r); i++ {
		run += dist(r[i-1], r[i])
		if total > 0 && run/total > p0 && run/total < p1 {
			out = append(out, r[i])
		}
	}
	return append(out, r.At(p1))
}

func dist(a, b Point) float32 {
	return float32(math.Hypot(float64(b.X-a.X), float64(b.Y-a.Y)))
}

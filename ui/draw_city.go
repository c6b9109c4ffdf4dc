package ui

import (
	"fmt"
	"strconv"

	rl "github.com/gen2brain/raylib-go/raylib"

	"github.com/raftian/raftian/timeline"
	"github.com/raftian/raftian/world"
)

// drawCity draws player p's city as this replica sees it: a walled town
// whose colour fades and whose buildings crumble with its HP, rubble when
// destroyed, with an HP bar and its name and HP. you marks the pane
// owner's city.
func (w *Window) drawCity(c CityParts, p, hp int, you bool, sc Scale) {
	own := playerColor(w.playerOf(p).Color)
	health := float32(hp) / world.StartHP
	grey := rl.NewColor(72, 74, 82, 255)
	col := lerpColor(grey, own, 0.25+0.75*health)
	if c.Bar.Empty() { // a chip
		w.drawChip(c, p, col, you, sc)
		return
	}
	if c.Town.Empty() { // a list: the name in the city's colour, fading with its HP
		w.drawListedCity(c, p, hp, col, you, sc)
		return
	}
	if hp <= 0 {
		drawRubble(c.Town)
	} else {
		drawTown(c.Town, col, health)
	}
	rl.DrawRectangleRec(rect(c.Bar), rl.NewColor(12, 12, 16, 255))
	fill := c.Bar
	fill.W *= health
	rl.DrawRectangleRec(rect(fill), lerpColor(rl.NewColor(230, 90, 40, 255), rl.NewColor(60, 180, 230, 255), health))
	text := fmt.Sprintf("%s %d", w.playerOf(p).Name, hp) // 0: the rubble says the rest
	size := sc.Text(TextCity)
	w.fonts.inBox(text, c.Label, size, 0.5, lerpColor(dimText, textColor, health))
	if you && c.Town.W > 0 {
		ys := sc.Text(TextCity) * 0.8
		yw := textWidth("you", ys) + sc.Px(8)
		tag := rl.Rectangle{X: c.Town.X + c.Town.W - yw, Y: c.Town.Y - sc.Px(2), Width: yw, Height: ys + sc.Px(4)}
		rl.DrawRectangleRounded(tag, 0.5, 6, textColor)
		w.fonts.text("you", tag.X+sc.Px(4), tag.Y+sc.Px(2), ys, background)
	}
}

// drawListedCity draws a city in a list: its name and HP in its colour,
// greyer as it takes damage and dark when destroyed, over its HP bar; the
// pane owner's framed.
func (w *Window) drawListedCity(c CityParts, p, hp int, col rl.Color, you bool, sc Scale) {
	health := float32(hp) / world.StartHP
	size := sc.Text(TextCity)
	text := fmt.Sprintf("%s %d", w.playerOf(p).Name, hp)
	// The name stays readable at any HP: its colour fades to grey, never
	// to the background; the bar and the number say how much is left.
	name := lerpColor(dimText, lerpColor(playerColor(w.playerOf(p).Color), textColor, 0.3), health)
	in := Rect{c.Label.X + sc.Px(2), c.Label.Y, c.Label.W - sc.Px(4), c.Label.H}
	w.fonts.inBox(text, in, size, 0, name)
	rl.DrawRectangleRec(rect(c.Bar), rl.NewColor(12, 12, 16, 255))
	fill := c.Bar
	fill.W *= health
	rl.DrawRectangleRec(rect(fill), col)
	if you {
		box := Rect{c.Label.X, c.Label.Y, textWidth(text, size) + sc.Px(4), c.Label.H + c.Bar.H}
		rl.DrawRectangleLinesEx(rect(box.Inset(-1)), max(sc.Px(1.5), 1.5), textColor)
	}
}

// drawChip draws a city as a chip: a square in the city's colour, which
// fades with its HP and is dark when destroyed, with its number in it; the
// pane owner's framed.
func (w *Window) drawChip(c CityParts, p int, col rl.Color, you bool, sc Scale) {
	rl.DrawRectangleRec(rect(c.Label), col)
	w.fonts.inBox(strconv.Itoa(p), c.Label, sc.Text(TextCity), 0.5, onColor(timeline.RGB{R: col.R, G: col.G, B: col.B}))
	if you {
		rl.DrawRectangleLinesEx(rect(c.Label.Inset(-1)), max(sc.Px(2), 2), textColor)
	}
}

// drawTown draws walls with crenellations and buildings inside; damage
// lowers the buildings.
func drawTown(b Rect, col rl.Color, health float32) {
	dark := lerpColor(col, rl.Black, 0.45)
	wall := b.W * 0.07
	ground := Rect{b.X, b.Y + b.H*0.3, b.W, b.H * 0.7}
	rl.DrawRectangleRec(rect(ground), lerpColor(col, rl.Black, 0.7))
	// Buildings: heights shrink as the city takes damage.
	heights := []float32{0.55, 0.8, 0.45, 0.65}
	bw := (ground.W - 2*wall) / float32(len(heights))
	for k, h := range heights {
		hh := ground.H * h * (0.35 + 0.65*health)
		x := ground.X + wall + float32(k)*bw + bw*0.1
		y := ground.Y + ground.H - wall - hh
		rl.DrawRectangleRec(rl.Rectangle{X: x, Y: y, Width: bw * 0.8, Height: hh}, col)
		if k%2 == 1 { // a pointed roof
			rl.DrawTriangle(rl.Vector2{X: x + bw*0.4, Y: y - bw*0.45}, rl.Vector2{X: x, Y: y}, rl.Vector2{X: x + bw*0.8, Y: y}, dark)
		}
		for wy := y + hh*0.2; wy < y+hh-wall; wy += hh * 0.3 { // windows
			rl.DrawRectangleRec(rl.Rectangle{X: x + bw*0.3, Y: wy, Width: bw * 0.2, Height: bw * 0.15}, lerpColor(col, rl.White, 0.5*health))
		}
	}
	// Walls with crenellations.
	rl.DrawRectangleLinesEx(rect(ground), wall, dark)
	merlon := ground.W / 9
	for k := 0; k < 9; k += 2 {
		rl.DrawRectangleRec(rl.Rectangle{X: ground.X + float32(k)*merlon, Y: ground.Y - wall*0.9, Width: merlon, Height: wall}, dark)
	}
	gate := Rect{ground.X + ground.W*0.42, ground.Y + ground.H - wall*2.2, ground.W * 0.16, wall * 2.2}
	rl.DrawRectangleRec(rect(gate), rl.NewColor(20, 16, 14, 255))
}

// drawRubble draws a destroyed city: dark ground and fallen stones.
func drawRubble(b Rect) {
	ground := Rect{b.X, b.Y + b.H*0.55, b.W, b.H * 0.45}
	rl.DrawRectangleRec(rect(ground), rl.NewColor(24, 22, 22, 255))
	stones := [][4]float32{{0.05, 0.5, 0.18, 0.2}, {0.25, 0.3, 0.14, 0.35}, {0.42, 0.6, 0.2, 0.18},
		{0.6, 0.35, 0.12, 0.3}, {0.74, 0.55, 0.2, 0.22}, {0.15, 0.15, 0.1, 0.12}, {0.55, 0.1, 0.16, 0.14}}
	for k, s := range stones {
		c := rl.NewColor(uint8(52+k*6), uint8(50+k*5), uint8(50+k*4), 255)
		rl.DrawRectangleRec(rl.Rectangle{X: ground.X + s[0]*ground.W, Y: ground.Y + s[1]*ground.H,
			Width: s[2] * ground.W, Height: s[3] * ground.H}, c)
	}
	// A broken wall stump at each side.
	rl.DrawRectangleRec(rl.Rectangle{X: ground.X, Y: ground.Y - b.H*0.12, Width: b.W * 0.07, Height: b.H * 0.12}, rl.NewColor(60, 56, 54, 255))
	rl.DrawRectangleRec(rl.Rectangle{X: ground.X + ground.W*0.93, Y: ground.Y - b.H*0.06, Width: b.W * 0.07, Height: b.H * 0.06}, rl.NewColor(60, 56, 54, 255))
}

// drawLot draws the empty lot where player p's city will stand: the
// replica has not applied p's joining yet.
func (w *Window) drawLot(c CityParts, p int, sc Scale) {
	if c.Bar.Empty() { // a chip: its outline and number, dim
		rl.DrawRectangleLinesEx(rect(c.Label), 1, dimText)
		w.fonts.inBox(strconv.Itoa(p), c.Label, sc.Text(TextCity), 0.5, dimText)
		return
	}
	if c.Town.Empty() { // a list: the name alone, dim, over an empty bar
		w.fonts.inBox(w.playerOf(p).Name, Rect{c.Label.X + sc.Px(2), c.Label.Y, c.Label.W - sc.Px(4), c.Label.H}, sc.Text(TextCity), 0, dimText)
		rl.DrawRectangleLinesEx(rect(c.Bar), 1, dimText)
		return
	}
	rl.DrawRectangleLinesEx(rect(c.Town), max(sc.Px(1.5), 1.5), dimText)
	w.fonts.inBox(firstFit(c.Label.W, sc.Text(TextCity), w.playerOf(p).Name+" (not yet)", w.playerOf(p).Name), c.Label, sc.Text(TextCity), 0.5, dimText)
}

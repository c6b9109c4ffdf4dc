package ui

import (
	"fmt"
	"strconv"

	rl "github.com/gen2brain/raylib-go/raylib"

	"github.com/raftian/raftian/node"
	"github.com/raftian/raftian/world"
)

var (
	background = rl.NewColor(18, 20, 26, 255)
	paneBG     = rl.NewColor(30, 33, 42, 255)
	textColor  = rl.NewColor(230, 232, 238, 255)
	dimText    = rl.NewColor(150, 155, 170, 255)
)

// playerColor parses "#rrggbb" from the config (validated there).
func playerColor(hex string) rl.Color {
	v, _ := strconv.ParseUint(hex[1:], 16, 32)
	return rl.NewColor(uint8(v>>16), uint8(v>>8), uint8(v), 255)
}

func rect(r Rect) rl.Rectangle { return rl.Rectangle{X: r.X, Y: r.Y, Width: r.W, Height: r.H} }

func (w *Window) drawPane(r Rect, st node.ReplicaStatus) {
	p := w.cfg.Players[st.ID-1]
	rl.DrawRectangleRec(rect(r), paneBG)
	rl.DrawRectangleLinesEx(rect(r), 3, playerColor(p.Color))
	header := fmt.Sprintf("%d %s  %s  term %d  leader %s  commit %d  applied %d",
		st.ID, p.Name, st.Role, st.Term, leaderName(st.Leader), st.Commit, st.Applied)
	w.fonts.text(header, r.X+10, r.Y+8, 20, textColor)
	if st.World == nil {
		return
	}
	bar := Rect{r.X + 10, r.Y + 40, r.W - 20, 18}
	for q := 1; q <= st.World.Players(); q++ {
		hp := st.World.HP(q)
		rl.DrawRectangleRec(rect(bar), background)
		fill := bar
		fill.W = bar.W * float32(hp) / world.StartHP
		rl.DrawRectangleRec(rect(fill), playerColor(w.cfg.Players[q-1].Color))
		w.fonts.text(fmt.Sprintf("%s %d", w.cfg.Players[q-1].Name, hp), bar.X+4, bar.Y, 16, textColor)
		bar.Y += 24
	}
}

func leaderName(id int) string {
	if id == 0 {
		return "-"
	}
	return strconv.Itoa(id)
}

package timeline

import (
	"fmt"
	"html"
	"io"
	"strings"

	"github.com/raftian/raftian/record"
	"github.com/raftian/raftian/rewind"
)

// SVG draws the replay model's whole run as an SVG picture: one lane per
// replica (named by names) coloured by role, terms where they change,
// fault markers, and a time axis in seconds.
func SVG(w io.Writer, m *rewind.Model, names []string) error {
	lanes, markers := m.Lanes()
	start, end := m.Range()
	if end <= start {
		end = start + 1_000_000
	}
	const left, laneH, top, width = 110.0, 34.0, 40.0, 1400.0
	n := len(lanes)
	height := top + laneH*float64(n) + 50
	x := func(at int64) float64 {
		return left + (width-left-20)*float64(at-start)/float64(end-start)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" font-family="DejaVu Sans, sans-serif" font-size="12">`+"\n", width, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="#16181f"/>`+"\n")
	for i, lane := range lanes {
		y := top + laneH*float64(i)
		name := fmt.Sprintf("%d", i+1)
		if i < len(names) {
			name += " " + names[i]
		}
		fmt.Fprintf(&b, `<text x="8" y="%.1f" fill="#e8eaf0">%s</text>`+"\n", y+laneH/2+4, html.EscapeString(name))
		var prevTerm uint64
		for _, s := range lane {
			e := s.End
			if e < 0 {
				e = end
			}
			x0, x1 := x(s.Start), x(e)
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s term %d</title></rect>`+"\n",
				x0, y+2, max(x1-x0, 0.5), laneH-4, RoleRGB(s.Role).Hex(), s.Role, s.Term)
			if s.Isolated { // a brick band along the top
				fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="5" fill="%s"/>`+"\n",
					x0, y+2, max(x1-x0, 0.5), IsolatedRGB.Hex())
			}
			if s.Term != 0 && s.Term != prevTerm && x1-x0 > 12 {
				fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" fill="#101218">%d</text>`+"\n", x0+3, y+laneH/2+4, s.Term)
			}
			if s.Term != 0 {
				prevTerm = s.Term
			}
		}
	}
	for _, m := range markers {
		y0, y1 := top, top+laneH*float64(n)
		if m.Node >= 1 && m.Node <= n {
			y0, y1 = top+laneH*float64(m.Node-1), top+laneH*float64(m.Node)
		}
		c := MarkerRGB(m.Kind).Hex()
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="2"/>`+"\n", x(m.At), y0, x(m.At), y1, c)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" fill="%s" font-size="10">%s</text>`+"\n", x(m.At)+3, y0+10, c, html.EscapeString(m.Label))
	}
	axis := top + laneH*float64(n) + 18
	secs := float64(end-start) / 1e6
	step := max(1, int(secs/15))
	for s := 0; float64(s) <= secs; s += step {
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" fill="#969cac">%ds</text>`+"\n", x(start+int64(s)*1_000_000), axis, s)
	}
	lx := left
	for _, k := range []struct {
		role     record.Role
		isolated bool
		name     string
	}{{record.RoleLeader, false, "leader"}, {record.RoleFollower, false, "follower"}, {record.RoleCandidate, false, "candidate"},
		{record.RolePreCandidate, false, "pre-candidate"}, {record.RoleDown, false, "down"}, {record.RoleFollower, true, "isolated"}} {
		c := RoleRGB(k.role)
		if k.isolated {
			c = IsolatedRGB
		}
		fmt.Fprintf(&b, `<rect x="%.0f" y="12" width="14" height="14" fill="%s"/><text x="%.0f" y="24" fill="#e8eaf0">%s</text>`+"\n",
			lx, c.Hex(), lx+18, k.name)
		lx += 120
	}
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

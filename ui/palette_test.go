package ui

import (
	"math"
	"strconv"
	"testing"

	"github.com/raftian/raftian/config"
	"github.com/raftian/raftian/internal/testenv"
	"github.com/raftian/raftian/record"
	"github.com/raftian/raftian/timeline"
)

// Colour-blind sight, simulated with the matrices of Machado, Oliveira and
// Fernandes (2009) at full severity, in linear RGB.
var sights = map[string][3][3]float64{
	"normal":       {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}},
	"protanopia":   {{0.152286, 1.052583, -0.204868}, {0.114503, 0.786281, 0.099216}, {-0.003882, -0.048116, 1.051998}},
	"deuteranopia": {{0.367322, 0.860646, -0.227968}, {0.280085, 0.672501, 0.047413}, {-0.011820, 0.042940, 0.968881}},
	"tritanopia":   {{1.255528, -0.076749, -0.178779}, {-0.078411, 0.930809, 0.147602}, {0.004733, 0.691367, 0.303900}},
}

func toLinear(v uint8) float64 {
	x := float64(v) / 255
	if x <= 0.04045 {
		return x / 12.92
	}
	return math.Pow((x+0.055)/1.055, 2.4)
}

// lab is the colour as seen with sight m, in CIE L*a*b*.
func lab(c timeline.RGB, m [3][3]float64) [3]float64 {
	in := [3]float64{toLinear(c.R), toLinear(c.G), toLinear(c.B)}
	var l [3]float64
	for i := range l {
		l[i] = min(max(m[i][0]*in[0]+m[i][1]*in[1]+m[i][2]*in[2], 0), 1)
	}
	x := (0.4124*l[0] + 0.3576*l[1] + 0.1805*l[2]) / 0.95047
	y := 0.2126*l[0] + 0.7152*l[1] + 0.0722*l[2]
	z := (0.0193*l[0] + 0.1192*l[1] + 0.9505*l[2]) / 1.08883
	f := func(t float64) float64 {
		if t > 0.008856 {
			return math.Cbrt(t)
		}
		return 7.787*t + 16.0/116
	}
	return [3]float64{116*f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))}
}

// distance is the smallest CIE76 colour difference between a and b, for
// normal sight and the three kinds of colour blindness.
func distance(a, b timeline.RGB) (float64, string) {
	best, who := math.Inf(1), ""
	for name, m := range sights {
		la, lb := lab(a, m), lab(b, m)
		if d := math.Sqrt((la[0]-lb[0])*(la[0]-lb[0]) + (la[1]-lb[1])*(la[1]-lb[1]) + (la[2]-lb[2])*(la[2]-lb[2])); d < best {
			best, who = d, name
		}
	}
	return best, who
}

func rgbOf(hex string) timeline.RGB {
	v, _ := strconv.ParseUint(hex[1:], 16, 32)
	return timeline.RGB{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v)}
}

// No player's colour may be taken for a role's (the role palette is gold,
// white and greys; the players' are hues), for normal and colour-blind
// sight; and the roles must be apart from each other. A CIE76 difference
// of 20 is well past "clearly different".
func TestPlayerColoursAreNotRoleColours(t *testing.T) {
	const apart = 20
	roles := map[string]timeline.RGB{}
	for _, r := range []record.Role{record.RoleLeader, record.RoleCandidate, record.RolePreCandidate, record.RoleFollower} {
		roles[r.String()] = timeline.RoleRGB(r)
	}
	cfg := testenv.Config(t, config.StorageMemory)
	for _, p := range cfg.Players {
		for role, c := range roles {
			if d, sight := distance(rgbOf(p.Color), c); d < apart {
				t.Errorf("player %s's %s and the %s colour differ by %.1f for %s sight", p.Name, p.Color, role, d, sight)
			}
		}
	}
	for a, ca := range roles {
		for b, cb := range roles {
			if a < b {
				if d, sight := distance(ca, cb); d < apart {
					t.Errorf("the %s and %s colours differ by %.1f for %s sight", a, b, d, sight)
				}
			}
		}
	}
}

package timeline

import (
	"fmt"
	"math"

	"github.com/raftian/raftian/record"
)

// RGB is a colour of the timeline, shared by the window and the SVG
// export so that a picture of a run looks like the run.
type RGB struct{ R, G, B uint8 }

// Hex writes the colour as "#rrggbb".
func (c RGB) Hex() string { return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B) }

// The role palette: gold, white and greys, so that every saturated hue is
// left to the players (config.toml) and a role is never mistaken for a
// player, also with red-green or blue-yellow colour blindness (see
// ui.TestPlayerColoursAreNotRoleColours). Roles are told apart by more than
// colour: the window writes them out and draws each pane's border in its
// own pattern.
var (
	LeaderRGB       = RGB{242, 193, 78}  // gold
	CandidateRGB    = RGB{240, 240, 240} // white
	PreCandidateRGB = RGB{180, 180, 180} // light grey
	FollowerRGB     = RGB{110, 110, 120} // grey
	DownRGB         = RGB{52, 52, 58}    // almost the background
	IsolatedRGB     = RGB{158, 74, 58}   // brick
)

// RoleRGB is the colour of a role.
func RoleRGB(r record.Role) RGB {
	switch r {
	case record.RoleLeader:
		return LeaderRGB
	case record.RoleCandidate:
		return CandidateRGB
	case record.RolePreCandidate:
		return PreCandidateRGB
	case record.RoleFollower:
		return FollowerRGB
	}
	return DownRGB
}

// Luminance is the colour's relative luminance (0 black, 1 white), to
// choose dark or light text on it.
func (c RGB) Luminance() float64 {
	lin := func(v uint8) float64 {
		x := float64(v) / 255
		if x <= 0.04045 {
			return x / 12.92
		}
		return math.Pow((x+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(c.R) + 0.7152*lin(c.G) + 0.0722*lin(c.B)
}

// MarkerRGB is the colour of a marker of an observation of kind k:
// vermillion for a crash, sky blue for what mends (apart also for
// red-green colour blindness), white for the rest. Every marker is
// labelled too.
func MarkerRGB(k record.Kind) RGB {
	switch k {
	case record.Down:
		return RGB{230, 100, 60}
	case record.Up, record.Heal, record.Rejoin:
		return RGB{86, 180, 233}
	case record.Transfer:
		return RGB{240, 200, 80} // the leader's gold: leadership moves
	}
	return RGB{240, 240, 255}
}

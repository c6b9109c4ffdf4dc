package timeline

import (
	"fmt"

	"github.com/raftian/raftian/node"
)

// RGB is a colour of the timeline, shared by the window and the SVG
// export so that a picture of a run looks like the run.
type RGB struct{ R, G, B uint8 }

// Hex writes the colour as "#rrggbb".
func (c RGB) Hex() string { return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B) }

// RoleRGB is the colour of a role; an isolated replica that is up is
// drawn as a wall.
func RoleRGB(r node.Role, isolated bool) RGB {
	if isolated && r != node.RoleDown {
		return RGB{150, 58, 44}
	}
	switch r {
	case node.RoleLeader:
		return RGB{245, 190, 40}
	case node.RoleCandidate:
		return RGB{255, 120, 40}
	case node.RolePreCandidate:
		return RGB{230, 170, 110}
	case node.RoleFollower:
		return RGB{80, 110, 150}
	}
	return RGB{70, 70, 76} // down
}

// MarkerRGB is the colour of a fault marker: red for a crash, green for
// what mends, white for the rest.
func MarkerRGB(eventType string) RGB {
	switch eventType {
	case node.EvCrash:
		return RGB{255, 110, 100}
	case node.EvRestart, node.EvHeal, node.EvRejoin:
		return RGB{120, 230, 140}
	}
	return RGB{240, 240, 255}
}

package chaos

import (
	"fmt"

	"github.com/anishathalye/porcupine"

	"github.com/raftian/raftian/world"
)

// state is the model's world: every city's HP, how many players there
// are (players join as replicas are added) and which left (replicas
// removed: their cities are ruins for good).
type state struct {
	hp   [world.MaxPlayers]int
	n    int
	left uint64
}

// modelInput is an operation's request: a command, or a read.
type modelInput struct {
	read bool
	cmd  world.Command
}

// modelOutput is what the operation saw: the world's verdict on a
// command, or the cities' HP for a read.
type modelOutput struct {
	reason world.Reason
	hp     int
	read   state
}

// model is the game's specification, written apart from package world so
// that the check does not trust the code it checks.
func model(n int) porcupine.Model {
	return porcupine.Model{
		Init: func() any {
			s := state{n: n}
			for i := 0; i < n; i++ {
				s.hp[i] = world.StartHP
			}
			return s
		},
		Step: func(st, in, out any) (bool, any) {
			s, i, o := st.(state), in.(modelInput), out.(modelOutput)
			if i.read {
				return o.read == s, s
			}
			next, reason, hp := step(s, i.cmd)
			if reason != o.reason || (reason == world.ReasonNone && i.cmd.Kind == world.KindAttack && hp != o.hp) {
				return false, s
			}
			return true, next
		},
		DescribeOperation: func(in, out any) string {
			i, o := in.(modelInput), out.(modelOutput)
			if i.read {
				return fmt.Sprintf("read → %v", o.read.hp[:o.read.n])
			}
			switch i.cmd.Kind {
			case world.KindNewGame:
				return "new game"
			case world.KindJoin, world.KindLeave:
				return fmt.Sprintf("player %d: %v → %v", i.cmd.To, i.cmd.Kind, o.reason)
			}
			if o.reason != world.ReasonNone {
				return fmt.Sprintf("%d attacks %d → %v", i.cmd.From, i.cmd.To, o.reason)
			}
			return fmt.Sprintf("%d attacks %d → HP %d", i.cmd.From, i.cmd.To, o.hp)
		},
		DescribeState: func(st any) string { s := st.(state); return fmt.Sprint(s.hp[:s.n]) },
	}
}

// step applies a command to the model: 100 HP, 30 damage, no self-attack,
// destroyed cities neither attack nor are attacked; a player joins as the
// next one with a full city, and one who leaves keeps ruins that no new
// game rebuilds.
func step(s state, c world.Command) (state, world.Reason, int) {
	gone := func(p int) bool { return s.left&(1<<(p-1)) != 0 }
	switch c.Kind {
	case world.KindNewGame:
		for p := 1; p <= s.n; p++ {
			if !gone(p) {
				s.hp[p-1] = world.StartHP
			}
		}
		return s, world.ReasonNone, 0
	case world.KindJoin:
		if c.To <= s.n || c.To > world.MaxPlayers {
			return s, world.ReasonNoSuchPlayer, 0
		}
		s = ruins(s, c.To-1) // numbers whose replica never joined
		s.n++
		s.hp[c.To-1] = world.StartHP
		return s, world.ReasonNone, world.StartHP
	case world.KindLeave:
		if c.To < 1 || c.To > world.MaxPlayers || (c.To <= s.n && gone(c.To)) {
			return s, world.ReasonNoSuchPlayer, 0
		}
		s = ruins(s, c.To)
		s.hp[c.To-1], s.left = 0, s.left|1<<(c.To-1)
		return s, world.ReasonNone, 0
	}
	switch {
	case c.From < 1 || c.From > s.n || c.To < 1 || c.To > s.n:
		return s, world.ReasonNoSuchPlayer, 0
	case c.From == c.To:
		return s, world.ReasonSelfAttack, 0
	case s.hp[c.From-1] <= 0:
		return s, world.ReasonAttackerDestroyed, 0
	case s.hp[c.To-1] <= 0:
		return s, world.ReasonTargetDestroyed, 0
	}
	s.hp[c.To-1] = max(s.hp[c.To-1]-world.Damage, 0)
	return s, world.ReasonNone, s.hp[c.To-1]
}

// ruins adds ruined cities for the numbers up to p that never joined.
func ruins(s state, p int) state {
	for ; s.n < p; s.n++ {
		s.hp[s.n], s.left = 0, s.left|1<<s.n
	}
	return s
}

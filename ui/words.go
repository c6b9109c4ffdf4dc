package ui

import (
	"fmt"

	"github.com/raftian/raftian/cluster"
	"github.com/raftian/raftian/record"
	"github.com/raftian/raftian/world"
)

// What the panes say in words: players' names, results, failures.

// failText says why a proposal failed (as the record has it), in a few
// words.
func failText(why string) string {
	switch why {
	case cluster.ErrTimeout.Error():
		return "no quorum (timed out)"
	case cluster.ErrDown.Error():
		return "this replica is down"
	}
	return why
}

func (w *Window) name(p int) string {
	if p < 1 || p > w.n {
		return fmt.Sprintf("player %d", p)
	}
	return w.playerOf(p).Name
}

// playerOf returns player p (replica p's): the record's header names the
// first ones, the record itself those of replicas added since.
func (w *Window) playerOf(p int) record.Player {
	if p >= 1 && p <= len(w.st.Players) {
		return w.st.Players[p-1]
	}
	return record.Player{Name: fmt.Sprintf("player %d", p), Color: "#808080"}
}

func (w *Window) resultText(r world.Result) string {
	switch {
	case r.Kind == world.KindNewGame && r.Applied():
		return "New game: every city rebuilt"
	case r.Kind == world.KindJoin && r.Applied():
		return fmt.Sprintf("%s joined the game: a new city", w.name(r.To))
	case r.Kind == world.KindLeave && r.Applied():
		return fmt.Sprintf("%s left the game: the city is ruins", w.name(r.To))
	case r.Applied() && r.HP == 0:
		return fmt.Sprintf("%s destroyed %s!", w.name(r.From), w.name(r.To))
	case r.Applied():
		return fmt.Sprintf("%s attacked %s (%d HP left)", w.name(r.From), w.name(r.To), r.HP)
	case r.Reason == world.ReasonTargetDestroyed:
		return fmt.Sprintf("%s is already destroyed", w.name(r.To))
	case r.Reason == world.ReasonAttackerDestroyed:
		return fmt.Sprintf("%s is destroyed and cannot attack", w.name(r.From))
	case r.Reason == world.ReasonDuplicate:
		return "a retried proposal came twice: applied once"
	}
	return "rejected: " + r.Reason.String()
}

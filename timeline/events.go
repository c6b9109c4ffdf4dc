package timeline

import (
	"math"
	"slices"

	"github.com/raftian/raftian/record"
	"github.com/raftian/raftian/rewind"
)

// FromEvents is the replay model of a run told by its events file: each
// event that leaves a mark on a lane turned back into the observation it
// came from (record.Event.Obs), every replica started at the beginning.
// An events file older than the events' role field tells only who led.
func FromEvents(h record.Header, evs []record.Event) *rewind.Model {
	log := record.NewLog(h, math.MaxInt64, math.MaxInt) // keep everything
	at := int64(0)
	add := func(o record.Obs) {
		o.At = max(o.At, at+1) // strictly rising
		at = o.At
		log.Add(o)
	}
	for i := range h.Players {
		add(record.Obs{Kind: record.Up, Node: uint8(i + 1)})
	}
	evs = slices.Clone(evs)
	slices.SortStableFunc(evs, func(a, b record.Event) int { return int(a.TMs - b.TMs) })
	for _, e := range evs {
		if o, ok := e.Obs(); ok && int(o.Node) <= len(h.Players) {
			add(o)
		}
	}
	m := rewind.New(log)
	m.Update()
	return m
}

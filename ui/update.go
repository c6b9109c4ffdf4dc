package ui

import (
	"fmt"
	"time"

	"github.com/raftian/raftian/command"
	"github.com/raftian/raftian/node"
	"github.com/raftian/raftian/session"
	"github.com/raftian/raftian/timeline"
	"github.com/raftian/raftian/world"
)

// autoInterval is how often auto-play makes every live player attack.
const autoInterval = time.Second

// update brings the window's memory up to date with the cluster: the
// latest status, new messages and events, finished proposals.
func (w *Window) update(now time.Time) {
	w.snap = w.poll.latest.Load()
	states := make([]timeline.LaneState, w.n)
	for i, st := range w.snap.status {
		states[i] = timeline.StateOf(st)
		w.describeWorld(i, st)
	}
	w.timeline.Observe(now, states)

	// The buffers are kept between frames: a frame allocates as little as
	// it can.
	w.msgBuf, w.tapSeq = w.c.Tap().Since(w.tapSeq, w.msgBuf[:0])
	msgs := w.msgBuf
	w.msgs.Add(msgs, now, w.showMsgs)

	w.evBuf, w.evSeq = w.c.Events().Since(w.evSeq, w.evBuf[:0])
	evs := w.evBuf
	for _, e := range evs {
		w.markEvent(now, e)
	}

	k := 0
	for _, p := range w.pending {
		select {
		case <-p.ticket.Done():
			w.finished(p.ticket.Wait())
		default:
			w.pending[k] = p
			k++
		}
	}
	w.pending = w.pending[:k]

	for done := false; !done; {
		select {
		case r := <-w.results:
			w.banner = resultNote(r, now)
		case cmd := <-w.commands:
			w.windowCommand(cmd)
		default:
			done = true
		}
	}
	if w.auto {
		w.autoPlay(now)
	}
}

// resultNote is a command's result as the banner shows it.
func resultNote(r session.Result, now time.Time) note {
	if r.Err != nil {
		return note{text: "error: " + r.Err.Error(), at: now, alarm: true}
	}
	return note{text: r.Text, at: now}
}

// windowCommand carries out a command only the window has.
func (w *Window) windowCommand(cmd command.Command) {
	switch cmd := cmd.(type) {
	case command.Autoplay:
		w.auto = cmd.On
		w.banner = note{text: cmd.String(), at: time.Now()}
	case command.Messages:
		w.showMsgs = cmd.On
	}
}

// describeWorld sets pane i's message line from the newest result in
// replica i's OWN world: a stale replica shows stale news.
func (w *Window) describeWorld(i int, st node.ReplicaStatus) {
	if st.World == nil {
		return
	}
	last, ok := st.World.Last()
	if !ok || last.Index <= w.seen[i] {
		return
	}
	w.seen[i] = last.Index
	w.notes[i] = note{text: w.resultText(last), at: time.Now(), alarm: !last.Applied()}
}

func (w *Window) name(p int) string {
	if p < 1 || p > w.n {
		return fmt.Sprintf("player %d", p)
	}
	return w.cfg.Players[p-1].Name
}

func (w *Window) resultText(r world.Result) string {
	switch {
	case r.Kind == world.KindNewGame && r.Applied():
		return "New game: every city rebuilt"
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

// finished notes a proposal's failure in the pane it was made from; a
// success shows up by itself when the replica applies it.
func (w *Window) finished(o node.Outcome) {
	if o.OK {
		return
	}
	why := map[string]string{
		node.FailTimeout:  "no quorum (timed out)",
		node.FailNoLeader: "no leader",
		node.FailDown:     "this replica is down",
		node.FailClosing:  "shutting down",
	}[o.Err]
	if why == "" {
		why = o.Err
	}
	w.notes[o.Via-1] = note{text: "attack failed: " + why, at: time.Now(), alarm: true}
}

// markEvent puts fault events on the timeline.
func (w *Window) markEvent(now time.Time, e node.Event) {
	if m, ok := timeline.MarkerOf(e, now); ok {
		w.timeline.Mark(m)
	}
}

// autoPlay makes every live player attack a random rival it believes is
// still standing, each about once an autoInterval at its own moment; when
// only one city stands, a new game starts.
func (w *Window) autoPlay(now time.Time) {
	inFlight := make([]int, w.n+1)
	for _, p := range w.pending {
		inFlight[p.from]++
	}
	for i, st := range w.snap.status {
		p := i + 1
		if now.Before(w.nextAuto[i]) {
			continue
		}
		jitter := time.Duration(w.rng.Int64N(int64(autoInterval) / 2))
		w.nextAuto[i] = now.Add(autoInterval*3/4 + jitter)
		// Leave a stuck replica alone rather than pile up proposals there.
		if !st.Up || st.World == nil || !st.World.Alive(p) || inFlight[p] > 2 {
			continue
		}
		var rivals []int
		for q := 1; q <= w.n; q++ {
			if q != p && st.World.Alive(q) {
				rivals = append(rivals, q)
			}
		}
		if len(rivals) > 0 {
			w.attack(p, rivals[w.rng.IntN(len(rivals))])
		}
	}
	if l := node.LeaderOf(w.snap.status); l != 0 && now.After(w.nextGame) {
		if wd := w.snap.status[l-1].World; wd != nil && alive(wd) <= 1 {
			w.job(command.NewGame{})
			w.nextGame = now.Add(autoInterval) // let the winner be seen
		}
	}
}

func alive(wd *world.World) int {
	n := 0
	for p := 1; p <= wd.Players(); p++ {
		if wd.Alive(p) {
			n++
		}
	}
	return n
}

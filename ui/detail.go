package ui

import (
	"fmt"

	rl "github.com/gen2brain/raylib-go/raylib"

	"github.com/raftian/raftian/record"
	"github.com/raftian/raftian/rewind"
)

// A click on a message dot or a log entry, while the picture is not live,
// shows its fields in the grid's spare cell (or a box over the timeline
// when the grid has none). Esc or a click elsewhere closes it.

// picked is what was clicked: a message (by its Send's number) or a log
// entry of a replica. Its description is written anew every frame, so it
// follows the moment shown.
type picked struct {
	seq   uint64 // a message; 0 if an entry
	entry entryHit
}

func (p picked) open() bool { return p.seq != 0 || p.entry.replica != 0 }

// detail is a picked thing's description, as lines of text.
type detail struct {
	what  string
	lines []string
}

// click picks a dot or an entry at (x, y) when the picture is not live;
// it reports whether it did.
func (w *Window) click(x, y float32) bool {
	if w.player.Mode == Live {
		return false
	}
	d, e := w.hits.at(x, y)
	switch {
	case d != nil:
		w.picked = picked{seq: d.flight.Seq}
	case e != nil:
		w.picked = picked{entry: *e}
	default:
		had := w.picked.open()
		w.picked = picked{}
		return had
	}
	return true
}

// detail describes what was picked, at the moment shown.
func (w *Window) detail() detail {
	if w.picked.seq != 0 {
		return w.flightDetail(w.picked.seq)
	}
	return w.entryDetail(&w.picked.entry)
}

// flightDetail describes the message whose Send is observation seq.
func (w *Window) flightDetail(seq uint64) detail {
	o, ok := w.model.Observation(seq)
	if !ok {
		return detail{what: "a message no longer in the record"}
	}
	d := detail{what: fmt.Sprintf("%s %d → %d", o.Msg, o.Node, o.Peer)}
	add := func(format string, a ...any) { d.lines = append(d.lines, fmt.Sprintf(format, a...)) }
	if o.Msg == record.MsgSnapshot {
		add("snapshot up to index %d (term %d)", o.Index, o.LogTerm)
	} else {
		add("term %d", o.Term)
	}
	switch o.Msg.Request() {
	case record.MsgAppend, record.MsgHeartbeat:
		if !o.Msg.Reply() {
			add("after index %d of term %d · leader's commit %d", o.Index, o.LogTerm, o.Commit)
		} else if o.Reject {
			add("REJECTED: no entry %d of term %d · its last index %d", o.Index, o.LogTerm, o.Hint)
		} else if o.Msg == record.MsgAppendResp {
			add("accepted: it holds everything up to index %d", o.Index)
		}
	case record.MsgVote, record.MsgPreVote:
		if !o.Msg.Reply() {
			add("its last entry: index %d of term %d", o.Index, o.LogTerm)
		} else if o.Reject {
			add("REFUSED")
		} else {
			add("GRANTED")
		}
	}
	if len(o.Ents) > 0 {
		add("%d entries:", len(o.Ents))
		for k, e := range o.Ents {
			if k == 4 {
				add("  … and %d more", len(o.Ents)-k)
				break
			}
			add("  %d t%d %s", e.Index, e.Term, e)
		}
	}
	add("sent at %.6f s", float64(o.At)/1e6)
	for _, f := range w.flights {
		if f.Seq != seq {
			continue
		}
		switch {
		case f.End < 0:
			add("on its way")
		case f.Lost && f.End == f.Sent:
			add("LOST: the link was cut when it left")
		case f.Lost:
			add("LOST at %.6f s, %s after it left", float64(f.End)/1e6, seconds(f.End-f.Sent))
		default:
			add("delivered at %.6f s, %s later", float64(f.End)/1e6, seconds(f.End-f.Sent))
		}
	}
	return d
}

// entryDetail describes a log entry as replica e.replica holds it at
// the moment shown.
func (w *Window) entryDetail(e *entryHit) detail {
	if e.replica < 1 || e.replica > len(w.st.Replicas) {
		return detail{what: "nothing"}
	}
	r := &w.st.Replicas[e.replica-1]
	d := detail{what: fmt.Sprintf("entry %d of term %d: %s", e.ent.Index, e.ent.Term, e.ent)}
	add := func(format string, a ...any) { d.lines = append(d.lines, fmt.Sprintf(format, a...)) }
	var gone *rewind.Overwritten
	for k := range r.Log.Gone {
		if g := &r.Log.Gone[k]; g.Ent == e.ent {
			gone = g
		}
	}
	held, ok := r.Log.Entry(e.ent.Index)
	switch {
	case gone != nil:
		add("in replica %d's log until %.6f s, when it was", e.replica, float64(gone.At)/1e6)
		add("OVERWRITTEN by an entry of term %d: a leader of a later", gone.ByTerm)
		add("term had another entry at this index (§5.3)")
	case !ok || held.Term != e.ent.Term:
		add("not in replica %d's log at this moment", e.replica)
	case e.ent.Index <= r.Commit:
		add("in replica %d's log, committed (its commit index is %d)", e.replica, r.Commit)
	default:
		add("in replica %d's log, not committed yet (its commit index is %d)", e.replica, r.Commit)
	}
	if r.Role == record.RoleLeader && r.Match != nil && gone == nil && ok {
		add("the leader knows %d of %d replicas hold it; a majority is %d", r.Holding(e.ent.Index), w.st.Voters(), w.st.Majority())
		if e.ent.Term != r.Term && e.ent.Index > r.Commit {
			add("of an older term: committed only with an entry of term %d (§5.4.2)", r.Term)
		}
	}
	holders := ""
	for _, o := range w.st.Replicas {
		if x, ok := o.Log.Entry(e.ent.Index); ok && x.Term == e.ent.Term {
			holders += fmt.Sprintf(" %d", o.ID)
		}
	}
	if holders != "" {
		add("held by replicas%s (as recorded)", holders)
	}
	return d
}

// drawDetail writes the detail of what was picked into r.
func (w *Window) drawDetail(r Rect, sc Scale) {
	d := w.detail()
	size := sc.Text(TextLog)
	row := sc.line(TextLog)
	y := r.Y
	w.fonts.inBox(d.what, Rect{r.X, y, r.W, row}, size, 0, accent)
	y += row
	for _, l := range d.lines {
		if y+row > r.Y+r.H-row {
			break
		}
		w.fonts.inBox(l, Rect{r.X, y, r.W, row}, size, 0, textColor)
		y += row
	}
	w.fonts.inBox("Esc closes", Rect{r.X, r.Y + r.H - row, r.W, row}, size, 0, dimText)
}

// drawDetailOverlay draws the detail in a box over the timeline, when the
// grid has no spare cell.
func (w *Window) drawDetailOverlay(s Screen) {
	if !w.picked.open() {
		return
	}
	sc := s.Scale
	h := sc.line(TextLog) * float32(len(w.detail().lines)+3)
	bw := min(s.Timeline.W*0.6, sc.Px(640))
	box := Rect{s.Timeline.X + s.Timeline.W - bw - sc.Px(8), s.Timeline.Y + s.Timeline.H - h, bw, h}
	rl.DrawRectangleRounded(rect(box), 0.05, 8, rl.NewColor(34, 38, 50, 245))
	w.drawDetail(box.Inset(sc.Px(10)), sc)
}

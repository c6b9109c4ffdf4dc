package ui

import (
	"fmt"
	"math/bits"
	"time"

	rl "github.com/gen2brain/raylib-go/raylib"

	"github.com/raftian/raftian/record"
	"github.com/raftian/raftian/rewind"
	"github.com/raftian/raftian/timeline"
)

// drawPane draws replica i's pane (0-based) from its own state at the
// moment shown.
func (w *Window) drawPane(s Screen, rr Rect, i int, now time.Time) {
	r := &w.st.Replicas[i]
	net := w.st.Net
	sc := s.Scale
	own := playerColor(w.playerOf(i + 1).Color)
	parts := LayoutPane(rr, sc)
	box := rr.Inset(sc.Px(3))
	if w.seat != 0 && i+1 != w.seat {
		w.drawRemote(box, i+1, own, sc)
		return
	}

	bg := paneBG
	if w.st.Partitioned() && !net.Isolated[i] {
		bg = groupTints[net.Group[i]%len(groupTints)]
	}
	rl.DrawRectangleRec(rect(box), bg)
	w.drawTitle(parts, i, r, own, sc, now)
	w.drawInfo(parts.Info, r, sc)
	if !parts.Message.Empty() { // a lean pane has none
		w.drawNote(parts.Message, r, sc)
	}
	cities := LayoutCities(parts.Cities, w.n, sc, s.CityLabel)
	for q, c := range cities {
		switch p := q + 1; {
		case p > r.World.Players(): // it has not applied the join yet
			w.drawLot(c, p, sc)
		case r.World.Left(p):
			w.drawCity(c, p, 0, q == i, sc) // ruins
		default:
			w.drawCity(c, p, r.World.HP(p), q == i, sc)
		}
	}
	for _, p := range w.st.Pending {
		if p.From == i+1 && p.To >= 1 && p.To <= len(cities) {
			from, to := cities[p.From-1], cities[p.To-1]
			if to.Town.Empty() { // a list: an arrow would cross names; the target is framed
				rl.DrawRectangleLinesEx(rect(to.Label.Inset(-sc.Px(2))), max(sc.Px(3), 2), fade(own, 0.35+0.45*pulse(now, 3)))
				continue
			}
			ghostArrow(center(from.Town), center(to.Town), own, sc, now)
		}
	}
	w.drawLog(parts.Log, r, sc)
	roleBorder(box, r, own, sc, now)
	if r.Up && net.Isolated[i] {
		brickWall(box, sc.Px(10))
	}
	if i+1 == w.selected {
		rl.DrawRectangleLinesEx(rect(rr.Inset(1)), max(sc.Px(2), 2), textColor)
	}
	if !r.Up {
		w.drawCrashed(box, i+1, sc)
	}
	if stale := w.t - r.Heard; stale > staleAfter.Microseconds() && !r.Removed {
		w.drawStale(box, stale, sc)
	}
}

// drawNote writes the pane's message line: the newest result in the
// replica's OWN world (a stale replica shows stale news), or its last
// failed attack if that came later.
func (w *Window) drawNote(box Rect, r *rewind.Replica, sc Scale) {
	text, at, alarm := "", r.AppliedAt, false
	if last, ok := r.World.Last(); ok && r.AppliedAt >= 0 {
		text, alarm = w.resultText(last), !last.Applied()
	}
	if r.Failed.At > at {
		text, at, alarm = "attack failed: "+failText(r.Failed.Why), r.Failed.At, true
	}
	if r.HandingTo != 0 && r.Role == record.RoleLeader {
		// Shown for as long as it lasts: proposals wait until it is over.
		text, at, alarm = fmt.Sprintf("handing over to %d: catching it up, then TimeoutNow", r.HandingTo), w.t, false
	}
	if a := noteAlpha(text, w.screenAge(at)); a > 0 {
		c := dimText
		if alarm {
			c = alarmText
		}
		w.fonts.inBox(text, box, sc.Text(TextMessage), 0, fade(c, a))
	}
}

// roleBorder draws the pane's border in its player's colour, in the
// pattern of its role, so that roles are told apart without colour too:
// a leader's is double, a candidate's dashed and pulsing, a
// pre-candidate's dotted, a follower's plain.
func roleBorder(box Rect, r *rewind.Replica, own rl.Color, sc Scale, now time.Time) {
	th := max(sc.Px(3), 2)
	corners := [4]rl.Vector2{{X: box.X, Y: box.Y}, {X: box.X + box.W, Y: box.Y},
		{X: box.X + box.W, Y: box.Y + box.H}, {X: box.X, Y: box.Y + box.H}}
	edges := func(f func(a, b rl.Vector2)) {
		for k := range corners {
			f(corners[k], corners[(k+1)%4])
		}
	}
	switch {
	case !r.Up:
		rl.DrawRectangleLinesEx(rect(box), th, fade(own, 0.4))
	case r.Role == record.RoleLeader:
		rl.DrawRectangleLinesEx(rect(box), th*1.5, own)
		rl.DrawRectangleLinesEx(rect(box.Inset(th*2.5)), max(th*0.6, 1.5), own)
	case r.Role == record.RoleCandidate:
		c := fade(own, 0.5+0.5*pulse(now, 2.5))
		edges(func(a, b rl.Vector2) { dashedLine(a, b, th*1.8, sc.Px(16), c) })
	case r.Role == record.RolePreCandidate:
		c := fade(own, 0.5+0.5*pulse(now, 2.5))
		edges(func(a, b rl.Vector2) { dashedLine(a, b, th*1.5, sc.Px(4), c) })
	default:
		rl.DrawRectangleLinesEx(rect(box), th, own)
	}
}

// drawTitle draws the title line: the number and player, the role badge
// (a candidate's with the votes delivered to it so far in this campaign),
// tags for isolation and partition, and a follower's election timer.
func (w *Window) drawTitle(p PaneParts, i int, r *rewind.Replica, own rl.Color, sc Scale, now time.Time) {
	h := p.Title
	size := sc.Text(TextTitle)
	title := fitText(fmt.Sprintf("%d %s", i+1, w.playerOf(i+1).Name), size, h.W*0.4)
	w.fonts.text(title, h.X, h.Y+(h.H-size)/2, size, own)
	x := h.X + textWidth(title, size) + sc.Px(10)

	badge := roleWord(r)
	if r.Up && r.Role.Campaigning() {
		badge += fmt.Sprintf(" %d/%d", r.Campaign.Votes(), w.st.Voters())
	}
	rgb := timeline.RoleRGB(r.Role)
	if !r.Up {
		rgb = timeline.DownRGB
	}
	bx := x
	x = w.tag(badge, x, h, rgb, sc)
	// Messages leave and arrive just above the badge: a dot there touches
	// no letter of it.
	w.badges[i] = Point{(bx + x - sc.Px(6)) / 2, h.Y + (h.H-sc.Text(TextBadge)*1.25)/2 - sc.DotRadius()}
	if r.Up && w.st.Net.Isolated[i] {
		x = w.tag("ISOLATED", x, h, timeline.IsolatedRGB, sc)
	}
	switch {
	case r.NonVoting && !r.Removed && (w.projector || w.seat != 0):
		x = w.tag("NON-VOTING", x, h, timeline.DownRGB, sc) // a class's seat, voting or not for good
	case r.NonVoting && !r.Removed:
		x = w.tag("JOINING…", x, h, timeline.DownRGB, sc) // non-voting, catching up: it does not count yet
	}
	if r.Gapped { // a class's record lost some of what it did: stale until its next checkpoint
		x = w.tag("STREAM GAP", x, h, timeline.DownRGB, sc)
	}
	if r.Up && r.Role == record.RoleFollower && r.Contact >= 0 {
		w.drawTimer(p.Ring, time.Duration(w.t-r.Contact)*time.Microsecond, sc)
	}
}

// tag draws a rounded label at x on line h and returns where the next
// one goes.
func (w *Window) tag(text string, x float32, h Rect, c timeline.RGB, sc Scale) float32 {
	size := sc.Text(TextBadge)
	text = fitText(text, size, max(h.X+h.W-x-sc.Px(12), 0))
	if text == "" {
		return x
	}
	tw := textWidth(text, size) + sc.Px(12)
	pad := (h.H - size*1.25) / 2
	rl.DrawRectangleRounded(rl.Rectangle{X: x, Y: h.Y + pad, Width: tw, Height: h.H - 2*pad}, 0.4, 6, color(c))
	w.fonts.text(text, x+sc.Px(6), h.Y+(h.H-size)/2, size, onColor(c))
	return x + tw + sc.Px(6)
}

// drawTimer draws a follower's election timer as honestly as it can be
// known: the time since it last heard from a leader, against the range its
// timeout is drawn from (one to two election timeouts). The ring fills
// grey up to the tick at one timeout; past it the follower may stand at any
// moment, and the ring turns amber.
func (w *Window) drawTimer(r Rect, since time.Duration, sc Scale) {
	base := w.header.ElectionTimeout(w.st.Net)
	frac := min(float32(since)/float32(2*base), 1)
	c := rl.Vector2{X: r.X + r.W/2, Y: r.Y + r.H/2}
	outer, inner := r.H*0.42, r.H*0.28
	rl.DrawRing(c, inner, outer, 0, 360, 32, fade(dimText, 0.25))
	fill := dimText
	if since > base {
		fill = rl.NewColor(240, 170, 40, 255)
	}
	rl.DrawRing(c, inner, outer, -90, -90+360*frac, 32, fill)
	// The tick at one election timeout: the earliest it may stand.
	rl.DrawLineEx(rl.Vector2{X: c.X, Y: c.Y + inner - 2}, rl.Vector2{X: c.X, Y: c.Y + outer + 2}, max(sc.Px(2), 2), textColor)
}

// drawInfo writes the replica's term, the leader it believes in, its
// commit and applied index, the same words in every pane.
func (w *Window) drawInfo(box Rect, r *rewind.Replica, sc Scale) {
	size := sc.Text(TextInfo)
	q, voters := w.quorum(r)
	text := infoText(r, q, voters, box.W, size)
	w.fonts.inBox(text, box, size, 0, dimText)
}

// quorum is how many votes the replica believes make a quorum, and of how
// many voters, once the membership has changed (0, 0 before): one that has
// not applied a change still counts the old quorum.
func (w *Window) quorum(r *rewind.Replica) (int, int) {
	if v := bits.OnesCount64(r.Believes); v > 0 && (v != len(w.header.Players) || w.n != len(w.header.Players)) {
		return record.Majority(v), v
	}
	return 0, 0
}

// infoText is the info line, in the widest form that fits width at size
// with the longest numbers a run sees, so that every pane (all of one
// width) uses the same form: whole words; with a quorum, whole words
// without applied; then (the full view's small panes) the short form the
// help explains. The presenter view's panes are wide enough for whole
// words (a test checks).
func infoText(r *rewind.Replica, q, voters int, width, size float32) string {
	if !r.Up {
		return fmt.Sprintf("down · last applied %d", r.RaftApplied())
	}
	quorum, short := "", ""
	if voters > 0 {
		quorum, short = fmt.Sprintf(" · quorum %d/%d", q, voters), fmt.Sprintf(" · q%d/%d", q, voters)
	}
	forms := []func(term uint64, leader string, commit, applied uint64) string{
		func(t uint64, l string, c, a uint64) string {
			return fmt.Sprintf("term %d · leader %s · commit %d · applied %d", t, l, c, a) + quorum
		},
		func(t uint64, l string, c, a uint64) string {
			return fmt.Sprintf("term %d · leader %s · commit %d", t, l, c) + quorum
		},
		func(t uint64, l string, c, a uint64) string {
			return fmt.Sprintf("t%d · ldr %s · c%d · a%d", t, l, c, a) + short
		},
	}
	if quorum == "" {
		forms = append(forms[:1], forms[2])
	}
	leader := "none"
	if r.Leader != 0 {
		leader = fmt.Sprint(r.Leader)
	}
	// The form the widest numbers of a long run fit in; a longer run's
	// pane takes the next form that fits.
	for i, f := range forms {
		if i == len(forms)-1 || textWidth(f(99, "none", 9999, 9999), size) <= width && textWidth(f(r.Term, leader, r.Commit, r.RaftApplied()), size) <= width {
			return f(r.Term, leader, r.Commit, r.RaftApplied())
		}
	}
	return ""
}

// drawLog draws the tail of the replica's own Raft log, newest on top:
// committed entries solid, the rest hollow. A leader's uncommitted entries
// say how many replicas it knows to hold them ("on 2/5"), and its header
// line each follower's match index: the commit rule, visible. Entries lately
// overwritten stay, struck through, under the entry that replaced them.
func (w *Window) drawLog(box Rect, r *rewind.Replica, sc Scale) {
	size := sc.Text(TextLog)
	row := sc.line(TextLog)
	head := "log"
	if r.Snapshot > 0 {
		head = fmt.Sprintf("log · snapshot ≤%d", r.Snapshot) // entries up to it may be compacted away
	}
	if r.Up && r.Role == record.RoleLeader && r.Match != nil {
		// What the leader knows of its followers' logs, if it fits whole.
		head = firstFit(box.W-sc.Px(8), size, head+" · "+matchText(r), matchText(r), head)
	}
	headColor := dimText
	if sc.Lean && r.Failed.At >= 0 && noteAlpha("failed", w.screenAge(r.Failed.At)) > 0 {
		// A lean pane has no message line: its failed attack is said here.
		head, headColor = "attack failed", alarmText
	}
	w.fonts.inBox(head, Rect{box.X + sc.Px(4), box.Y, box.W - sc.Px(8), row}, size, 0, headColor)
	fit := func(texts ...string) string { return firstFit(box.W-sc.Px(12), size, texts...) }
	y := box.Y + row
	rows := logRows(box, sc)
	line := func(text string, fill, solid bool) Rect {
		b := Rect{box.X, y, box.W - sc.Px(4), row}
		switch {
		case solid:
			rl.DrawRectangleRec(rect(b), rl.NewColor(58, 64, 80, 255))
			w.fonts.inBox(text, b.Inset(sc.Px(4)), size, 0, textColor)
		case fill:
			rl.DrawRectangleLinesEx(rect(b), max(sc.Px(1.5), 1.5), dimText)
			w.fonts.inBox(text, b.Inset(sc.Px(4)), size, 0, dimText)
		default: // overwritten: struck through
			in := b.Inset(sc.Px(4))
			w.fonts.inBox(text, in, size, 0, alarmText)
			mid := in.Y + in.H/2
			rl.DrawLineEx(rl.Vector2{X: in.X, Y: mid}, rl.Vector2{X: in.X + min(textWidth(text, size), in.W), Y: mid}, max(sc.Px(2), 1.5), alarmText)
		}
		y += row + sc.Px(2)
		return b
	}
	shown := 0
	formed := founding(r.Log)
	for k := len(r.Log.Ents) - 1; k >= 0 && shown < rows; k-- {
		e := r.Log.Ents[k]
		if k < formed { // the entries that made the cluster: one line
			first := r.Log.Ents[0]
			text := fit(fmt.Sprintf("%d–%d t%d cluster of %d formed", first.Index, e.Index, e.Term, formed),
				fmt.Sprintf("%d–%d t%d cluster formed", first.Index, e.Index, e.Term))
			w.hits.entries = append(w.hits.entries, entryHit{box: line(text, true, e.Index <= r.Commit), replica: r.ID, ent: e})
			break
		}
		var forms []string
		for _, words := range entryWords(e) {
			forms = append(forms, fmt.Sprintf("%d t%d %s", e.Index, e.Term, words))
		}
		text := fit(forms...)
		committed := e.Index <= r.Commit
		if !committed && r.Role == record.RoleLeader && r.Match != nil {
			text = fit(text+fmt.Sprintf("  on %d/%d", r.Holding(e.Index), w.st.Voters()), text)
		}
		if duplicate(r.Log.Ents[:k], e) { // said if it fits: a click on it says more
			text = fit(text+"  retry: the game ignores it", text+"  retry", text)
		}
		w.hits.entries = append(w.hits.entries, entryHit{box: line(text, true, committed), replica: r.ID, ent: e})
		shown++
		for g := len(r.Log.Gone) - 1; g >= 0 && shown < rows; g-- {
			if gone := &r.Log.Gone[g]; gone.Ent.Index == e.Index {
				text := fmt.Sprintf("%d t%d %s", gone.Ent.Index, gone.Ent.Term, gone.Ent)
				text = fit(text+" overwritten", text) // struck through says it too
				w.hits.entries = append(w.hits.entries, entryHit{box: line(text, false, false), replica: r.ID, ent: gone.Ent})
				shown++
			}
		}
	}
}

// entryWords says what an entry is, in fewer words each time, for a
// narrow log: the first that fits is drawn, whole.
func entryWords(e record.Ent) []string {
	if e.What != record.WhatMembers || e.From < 1 || e.From > 3 {
		return []string{e.String()}
	}
	sign := [...]string{"+", "−", "+"}[e.From-1]
	if e.From == 3 {
		return []string{e.String(), fmt.Sprintf("+%d non-voting", e.To), fmt.Sprintf("+%d", e.To)}
	}
	return []string{e.String(), fmt.Sprintf("%s%d", sign, e.To)}
}

// founding is how many entries at the start of the log made the cluster:
// the membership entries, one per first replica, that every log begins
// with. The log shows them as one line.
func founding(l rewind.Log) int {
	n := 0
	for n < len(l.Ents) && l.Ents[n].Index == uint64(n+1) && l.Ents[n].What == record.WhatMembers && l.Ents[n].From == 1 && l.Ents[n].Term == l.Ents[0].Term {
		n++
	}
	return n
}

// duplicate reports whether an earlier entry holds e's command: a
// proposal retried after its first attempt was lost (or thought lost).
func duplicate(earlier []record.Ent, e record.Ent) bool {
	if e.ID == 0 {
		return false
	}
	for _, x := range earlier {
		if x.ID == e.ID {
			return true
		}
	}
	return false
}

// matchText is a leader's knowledge of its followers' logs, briefly:
// "all match 9" when every follower holds its last entry, else the match
// index of each that lags, and the next index the leader will send it
// when that is not just after ("match 2:7 5:3 next 9").
func matchText(r *rewind.Replica) string {
	last := r.Log.Last()
	lag := ""
	for k, m := range r.Match {
		if k+1 != r.ID && m < last {
			lag += fmt.Sprintf(" %d:%d", k+1, m)
			if k < len(r.Next) && r.Next[k] != m+1 {
				lag += fmt.Sprintf(" next %d", r.Next[k])
			}
		}
	}
	if lag == "" {
		return fmt.Sprintf("all match %d", last)
	}
	return "match" + lag
}

// staleAfter is how long a replica's laptop may say nothing before its
// pane says when it was last heard: a live one says something every
// heartbeat, and a checkpoint every second.
const staleAfter = 1500 * time.Millisecond

// drawStale greys a pane whose laptop has not been heard from for stale
// µs (its stream to the teacher's laptop stopped): it shows what the
// replica last said, and says how old that is.
func (w *Window) drawStale(r Rect, stale int64, sc Scale) {
	rl.DrawRectangleRec(rect(r), rl.NewColor(30, 30, 36, 200)) // what it last said shows through
	big := sc.Text(TextCaption)
	msg := fmt.Sprintf("last heard %s ago", seconds(stale))
	band := Rect{r.X, r.Y + r.H/2 - big*1.4, r.W, big*1.4 + sc.line(TextMessage) + sc.Px(8)}
	rl.DrawRectangleRec(rect(band), rl.NewColor(10, 10, 12, 235))
	w.fonts.text(msg, r.X+(r.W-textWidth(msg, big))/2, band.Y+sc.Px(4), big, textColor)
	w.fonts.inBox("its laptop is silent: asleep, or off the network",
		Rect{r.X, band.Y + big*1.4, r.W, sc.line(TextMessage)}, sc.Text(TextMessage), 0.5, dimText)
}

func (w *Window) drawCrashed(r Rect, id int, sc Scale) {
	rl.DrawRectangleRec(rect(r), rl.NewColor(10, 10, 12, 235)) // its words must not mix with the pane's
	big := sc.Text(TextCaption)
	msg := "CRASHED"
	hint := fmt.Sprintf("press %d then R to restart", id)
	if id == w.selected {
		hint = "press R to restart"
	}
	if w.st.Replicas[id-1].CrashedBy != 0 && id == w.seat {
		msg, hint = "THE TEACHER CRASHED YOUR REPLICA", "press R to restart it"
	}
	if w.lesson != nil {
		hint = "" // the lesson restarts it when it means to: no key for the class to press
	}
	if w.st.Replicas[id-1].Removed {
		msg, hint = "REMOVED", "deleted from the cluster for good: Raft never takes it back"
	}
	w.fonts.text(msg, r.X+(r.W-textWidth(msg, big))/2, r.Y+r.H/2-big, big, textColor)
	w.fonts.inBox(hint, Rect{r.X, r.Y + r.H/2 + sc.Px(4), r.W, sc.line(TextMessage)}, sc.Text(TextMessage), 0.5, dimText)
}

// brickWall draws a wall of bricks around r: the replica is cut off.
func brickWall(r Rect, t float32) {
	rl.DrawRectangleLinesEx(rect(r), t, wallColor)
	brick := t * 1.8
	for row := float32(0); row < 2; row++ {
		y := r.Y + row*t/2
		off := row * brick / 2
		for x := r.X + off; x < r.X+r.W; x += brick {
			rl.DrawLineEx(rl.Vector2{X: x, Y: y}, rl.Vector2{X: x, Y: y + t/2}, 1.5, mortar)
			rl.DrawLineEx(rl.Vector2{X: x, Y: r.Y + r.H - t + y - r.Y}, rl.Vector2{X: x, Y: r.Y + r.H - t + y - r.Y + t/2}, 1.5, mortar)
		}
		yl := r.Y + row*brick/2
		for yy := yl; yy < r.Y+r.H; yy += brick {
			rl.DrawLineEx(rl.Vector2{X: r.X, Y: yy}, rl.Vector2{X: r.X + t, Y: yy}, 1.5, mortar)
			rl.DrawLineEx(rl.Vector2{X: r.X + r.W - t, Y: yy}, rl.Vector2{X: r.X + r.W, Y: yy}, 1.5, mortar)
		}
	}
	rl.DrawLineEx(rl.Vector2{X: r.X, Y: r.Y + t/2}, rl.Vector2{X: r.X + r.W, Y: r.Y + t/2}, 1.5, mortar)
	rl.DrawLineEx(rl.Vector2{X: r.X, Y: r.Y + r.H - t/2}, rl.Vector2{X: r.X + r.W, Y: r.Y + r.H - t/2}, 1.5, mortar)
}

// ghostArrow is an attack waiting to commit: a pulsing arrow.
func ghostArrow(a, b rl.Vector2, c rl.Color, sc Scale, now time.Time) {
	col := fade(c, 0.35+0.45*pulse(now, 3))
	rl.DrawLineEx(a, b, max(sc.Px(4), 3), col)
	d := rl.Vector2Normalize(rl.Vector2Subtract(b, a))
	n := rl.Vector2{X: -d.Y, Y: d.X}
	tip := rl.Vector2Subtract(b, rl.Vector2Scale(d, sc.Px(18)))
	l := rl.Vector2Add(tip, rl.Vector2Scale(n, sc.Px(10)))
	r := rl.Vector2Subtract(tip, rl.Vector2Scale(n, sc.Px(10)))
	// raylib fills only counter-clockwise triangles: draw both windings.
	rl.DrawTriangle(b, l, r, col)
	rl.DrawTriangle(b, r, l, col)
}

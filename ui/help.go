package ui

import (
	rl "github.com/gen2brain/raylib-go/raylib"
)

// The help overlay: every key, and what the picture means.

var helpRows = [][2]string{
	{"click a rival city", "that pane's player attacks it (through its own replica)"},
	{"1 - 9", "select a replica (or click its pane)"},
	{"C / R", "crash / restart the selected replica"},
	{"L", "crash the current leader"},
	{"T", "hand leadership to the selected replica (no election timeout)"},
	{"+", "add a replica (up to 9): non-voting until caught up, then a voter; its player joins"},
	{"-", "remove the selected replica for good; its city stays as ruins"},
	{"I", "isolate the selected replica, or let it rejoin"},
	{"P", "next partition: {1,2}|{3,4,5}, {1}|{2,3}|{4,5}, ... then heal"},
	{"H", "heal every isolation, partition and link"},
	{"A / M", "auto-play on or off / message dots on or off"},
	{"Space", "pause the picture at this moment (the cluster runs on); again to play on"},
	{"← / →", "paused: the previous / next message, vote, append, commit; Shift: 1 s"},
	{"[ / ]", "slower / faster: 1×, 1/2 … 1/1000; Enter plays from here; End: back to live"},
	{"drag the timeline", "move to any moment of the last ten minutes; Home: the first"},
	{"click a dot or entry", "its fields: kind, from → to, term, index, when sent and delivered"},
	{"S", "slow motion: messages delayed, a 200 ms round trip; again: off"},
	{"Ctrl S", "save the record to a file: raftian view FILE plays it, here or in class"},
	{"F2", "lessons; N or Page Down: next step, B or Page Up: the step before, digits answer, Backspace: start again"},
	{"F4", "a class: start one (this laptop is the teacher's seat), or join one with its code"},
	{"G / V / O", "the teacher's window of a class: start the game / the selected seat votes / enrolment on or off"},
	{"F5", "presenter view (large text for a projector, fewer words) or the full one"},
	{"F11 / F12", "full screen on or off / save a screenshot"},
	{"Ctrl + / - / 0", "everything larger / smaller / as it was"},
	{"F3", "frame times"},
	{"Esc", "close this help; stop a lesson; else twice: quit"},
}

// legend explains what the window draws.
var legend = []string{
	"Each pane is one replica's own view: two panes may disagree, that is the point.",
	"Border: double = leader, dashed = candidate, dotted = pre-candidate, plain = follower.",
	"term · leader · commit · applied (short: t, ldr, c, a): commit is the last log entry it knows " +
		"is committed; applied the last it has carried out (attacks on its own cities; no-ops and " +
		"membership entries in Raft itself). Both count log entries: up to date, they are equal.",
	"Log: solid = committed, hollow = not yet, struck through = overwritten; no-op = a new " +
		"leader's first entry; members = a membership entry (\"cluster of 5 formed\": the first five). " +
		"A leader's log says which followers lag and how many replicas hold an entry not yet committed.",
	"Ring: time since the follower heard a leader; it stands somewhere between the tick and " +
		"the full circle (its timeout is random in that range), amber once past the tick.",
	"Dots: messages on their way, from sending to delivery (hollow: replies); a cross: one lost. " +
		"A candidate's votes are those delivered to it.",
	"Timeline: gold leader, white candidate, light grey pre-candidate, grey follower, dark " +
		"down; a brick band: isolated; numbers are terms; markers are faults and their ends.",
}

// drawHelp draws the help overlay: keys and what the picture means, in
// two columns when one does not fit.
func (w *Window) drawHelp(s Screen) {
	sc := s.Scale
	width, height := float32(rl.GetScreenWidth()), float32(rl.GetScreenHeight())
	rl.DrawRectangleRec(rect(Rect{0, 0, width, height}), rl.NewColor(0, 0, 0, 170))
	size := sc.Text(TextLog)
	row := size * 1.35
	box := Rect{width * 0.03, height * 0.03, width * 0.94, height * 0.94}
	rl.DrawRectangleRounded(rect(box), 0.03, 8, rl.NewColor(34, 38, 50, 250))
	in := box.Inset(sc.Px(18))
	w.fonts.inBox("Raftian: five Raft replicas; each pane is one replica's own view    (Esc closes)", Rect{in.X, in.Y, in.W, sc.line(TextBar)}, sc.Text(TextBar), 0, textColor)
	top := in.Y + sc.line(TextBar) + sc.Px(6)
	keys := Rect{in.X, top, in.W, in.Y + in.H - top}
	notes := Rect{in.X, top + float32(len(helpRows))*row + sc.Px(8), in.W, 0}
	var lines int
	for _, l := range legend {
		lines += len(wrap(l, size, in.W))
	}
	if notes.Y+(float32(lines)+0.3*float32(len(legend)))*row > in.Y+in.H { // side by side
		gap := sc.Px(24)
		keys.W = (in.W - gap) * 0.58
		notes = Rect{keys.X + keys.W + gap, top, in.W - keys.W - gap, 0}
	}
	var keyW float32
	for _, hr := range helpRows {
		keyW = max(keyW, textWidth(hr[0], size)+sc.Px(16))
	}
	y := keys.Y
	for _, hr := range helpRows {
		w.fonts.inBox(hr[0], Rect{keys.X, y, keyW, row}, size, 0, accent)
		w.fonts.inBox(hr[1], Rect{keys.X + keyW, y, keys.W - keyW, row}, size, 0, textColor)
		y += row
	}
	y = notes.Y
	for _, l := range legend {
		for _, line := range wrap(l, size, notes.W) {
			w.fonts.inBox(line, Rect{notes.X, y, notes.W, row}, size, 0, dimText)
			y += row
		}
		y += row * 0.3
	}
}

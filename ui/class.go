package ui

import (
	"fmt"
	"slices"
	"time"

	rl "github.com/gen2brain/raylib-go/raylib"

	"github.com/raftian/raftian/command"
	"github.com/raftian/raftian/record"
)

// A class's window (raftian class, raftian join, F4): this laptop's own
// seat drawn large, the class's card, the other seats as this replica
// believes them, and the teacher's keys.

// focusLayout lays out a class's window: this laptop's pane (focus) large
// at the left; at the right the class's card, and under it the other
// seats: rows of the seats' table where rows marks them (as the
// teacher's laptop relays them), else panes, as many columns as they
// need.
func focusLayout(area Rect, n, focus int, rows []bool, nameW float32, sc Scale) (panes []Rect, card Rect, seats SeatTable) {
	big := Rect{area.X, area.Y, area.W * 0.62, area.H}
	right := Rect{big.X + big.W, area.Y, area.W - big.W, area.H}
	card, right = right.cut(sc.line(TextCaption)*1.6 + 3*sc.line(TextInfo) + sc.Px(32))
	if len(rows) > 0 {
		panes = make([]Rect, n)
		panes[focus-1] = big
		title, right := right.cut(sc.line(TextInfo) + sc.Px(6))
		rest, t := layoutSeats(right, n, rows, nameW, sc, right.H)
		t.Title = Rect{title.X + sc.Px(6), title.Y + sc.Px(6), title.W - sc.Px(12), sc.line(TextInfo)}
		up := rest.H // the table under the card, not at the bottom
		t.Box.Y -= up
		for i := range t.Rows {
			if !t.Rows[i].Empty() {
				t.Rows[i].Y -= up
			}
		}
		return panes, card, t
	}
	cols := 1
	if n-1 > 3 {
		cols = 2
	}
	others, _ := Grid(right, n-1, cols)
	panes = make([]Rect, 0, n)
	for i, k := 1, 0; i <= n; i++ {
		if i == focus {
			panes = append(panes, big)
			continue
		}
		panes = append(panes, others[k])
		k++
	}
	return panes, card, SeatTable{}
}

// drawRemote draws, in a class, another laptop's seat: this laptop knows
// only what its own replica believes of it, and says no more.
func (w *Window) drawRemote(box Rect, id int, own rl.Color, sc Scale) {
	rl.DrawRectangleRec(rect(box), paneBG)
	r := box.Inset(sc.Px(8))
	size := sc.Text(TextTitle)
	w.fonts.text(fitText(fmt.Sprintf("%d %s", id, w.playerOf(id).Name), size, r.W), r.X, r.Y, size, own)
	y := r.Y + sc.line(TextTitle)
	line := func(text string, c rl.Color) {
		if y+sc.line(TextInfo) <= r.Y+r.H {
			w.fonts.inBox(text, Rect{r.X, y, r.W, sc.line(TextInfo)}, sc.Text(TextInfo), 0, c)
			y += sc.line(TextInfo)
		}
	}
	them, me := &w.st.Replicas[id-1], &w.st.Replicas[w.seat-1]
	switch {
	case them.Removed:
		line("removed from the class", alarmText)
		return
	case them.NonVoting:
		line("on its own laptop · non-voting", dimText)
	default:
		line("on its own laptop · a voter", dimText)
	}
	if me.Up && me.Role == record.RoleLeader && id <= len(me.Match) { // what the leader knows of it
		line(fmt.Sprintf("holds your log up to %d", me.Match[id-1]), textColor)
	}
	if me.Up && me.Leader == id && me.Role != record.RoleLeader {
		line(fmt.Sprintf("your replica's leader, term %d", me.Term), textColor)
		if me.Contact >= 0 {
			line(fmt.Sprintf("last heard %s ago", seconds(max(w.t-me.Contact, 0))), dimText)
		}
	}
	rl.DrawRectangleLinesEx(rect(box), max(sc.Px(2), 1), fade(own, 0.5))
}

// seatSummary says, in a class, what this laptop's replica believes.
func (w *Window) seatSummary() string {
	me := w.st.Replicas[w.seat-1]
	seats := fmt.Sprintf("quorum %d of %d · Raft round trip %d ms", w.st.Majority(), w.st.Voters(), w.header.RoundTrip(w.st.Net).Milliseconds())
	switch {
	case !me.Up:
		return "your replica is down · " + seats
	case me.Role == record.RoleLeader:
		return fmt.Sprintf("you lead in term %d · %s", me.Term, seats)
	case me.Leader != 0:
		return fmt.Sprintf("you follow seat %d in term %d · %s", me.Leader, me.Term, seats)
	}
	return fmt.Sprintf("you know no leader (term %d) · %s", me.Term, seats)
}

// teacherKeys are the keys of the teacher's window in a class.
var teacherKeys = []string{"? help", "Esc quit", "G start the game", "1-9 select", "V the selected seat votes",
	"- remove the selected seat", "O enrolment on/off", "click a rival city in your pane: attack", "Space pause", "←/→ step",
	"C crash your replica", "R restart it", "[ ] speed", "M messages", "F5 presenter view"}

// seatKeys are the keys of a class's window: faults on other laptops are
// not carried out from this one.
var seatKeys = []string{"? help", "Esc quit", "click a rival city in your pane: attack", "Space pause", "←/→ step",
	"C crash your replica", "R restart it", "[ ] speed", "M messages", "F5 presenter view", "Ctrl +/- size"}

// drawCard draws a class's card: its first line large (the join code on
// the teacher's laptop), the others under it.
func (w *Window) drawCard(s Screen) {
	if s.Card.Empty() || len(w.card) == 0 {
		return
	}
	sc := s.Scale
	r := s.Card.Inset(sc.Px(8))
	rl.DrawRectangleRounded(rect(r), 0.08, 6, stripBG)
	r = r.Inset(sc.Px(8))
	big := sc.line(TextCaption) * 1.6
	w.fonts.inBox(w.card[0], Rect{r.X, r.Y, r.W, big}, sc.Text(TextCaption)*1.4, 0.5, textColor)
	y := r.Y + big
	for _, line := range w.card[1:] {
		w.fonts.inBox(line, Rect{r.X, y, r.W, sc.line(TextInfo)}, sc.Text(TextInfo), 0.5, dimText)
		y += sc.line(TextInfo)
	}
}

// classIntent carries out the teacher's keys in a class's window.
func (w *Window) classIntent(in Intent) {
	if !w.teaching {
		w.banner = note{text: "only the teacher's window, in a class, has that key", at: time.Now(), alarm: true}
		return
	}
	switch in.Kind {
	case StartGame:
		w.job(command.StartGame{})
		w.card = slices.DeleteFunc(w.card, func(l string) bool { return l == HeldLine })
	case Promote:
		w.job(command.Promote{Replica: in.N})
	case ToggleEnrolment:
		w.enrolmentShut = !w.enrolmentShut
		w.job(command.Enrolment{On: !w.enrolmentShut})
	}
}

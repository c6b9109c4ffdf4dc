package ui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	rl "github.com/gen2brain/raylib-go/raylib"

	"github.com/raftian/raftian/rewind"
)

// The seats' table. A class of thirty laptops has more seats than a
// projector has room for panes: its voters are panes, and each non-voting
// seat is a row of this table under them, saying what its own laptop
// told: its name, its city's HP in its own world, its role, the last
// entry it applied, how many entries it is behind the leader's commit,
// and when its laptop was last heard. A click on a row opens the seat's
// full pane beside the voters'; a second click or Esc closes it.

// SeatTable is where the seats' table is drawn.
type SeatTable struct {
	Title  Rect                 // on a student's screen: where it says whose the rows are
	Box    Rect                 // all of it
	Blocks int                  // blocks of rows side by side, each under its headings
	Rows   []Rect               // per replica ([i-1]): its row; empty for a replica without one
	Widths [SeatColumns]float32 // each column's least width in a block
}

// SeatColumns is how many columns the seats' table has.
const SeatColumns = 6

var seatHeads = [SeatColumns]string{"seat", "HP", "role", "applied", "behind", "last heard"}

// seatWidest are the widest texts of the columns after the first.
var seatWidest = [SeatColumns - 1]string{"100", "follower", "applied", "behind", "99.9 s ago"}

// nameWidth is how wide the widest "32 Name" of the table is; longer
// names are cut.
func nameWidth(names []string, sc Scale) float32 {
	size := sc.Text(TextInfo)
	w := textWidth("32 Emeka", size)
	for _, n := range names {
		w = max(w, textWidth("32 "+n, size))
	}
	return min(w, textWidth("32 Wanjiru", size))
}

// seatWidths are the least widths of the table's columns: the first has
// the role's swatch, the number and the name.
func seatWidths(nameW float32, sc Scale) (w [SeatColumns]float32) {
	pad := sc.Px(10)
	w[0] = sc.Text(TextInfo)*0.8 + nameW + pad
	for k, widest := range seatWidest {
		w[k+1] = textWidth(widest, sc.Text(TextInfo)) + pad
	}
	return w
}

// layoutSeats takes the seats' table from the bottom of area, for the
// replicas marked in rows: in as many blocks side by side as fit, each
// filled top to bottom, so that the seats read in order down each block.
// A table higher than most collapses to two lines that sum the seats up
// (a lesson's caption on a projector leaves no more room).
func layoutSeats(area Rect, n int, rows []bool, nameW float32, sc Scale, most float32) (Rect, SeatTable) {
	k := 0
	for i := range min(n, len(rows)) {
		if rows[i] {
			k++
		}
	}
	t := SeatTable{Rows: make([]Rect, n), Widths: seatWidths(nameW, sc)}
	rowW := sc.Px(12)
	for _, w := range t.Widths {
		rowW += w
	}
	t.Blocks = min(max(int(area.W/rowW), 1), k)
	per := (k + t.Blocks - 1) / t.Blocks
	lh := sc.line(TextInfo)
	if h := float32(per+1)*lh + sc.Px(12); h > most {
		t.Blocks = 0
		area, t.Box = area.cutBottom(2*lh + sc.Px(12))
		return area, t
	}
	area, t.Box = area.cutBottom(float32(per+1)*lh + sc.Px(12))
	bw := t.Box.W / float32(t.Blocks)
	j := 0
	for i := range min(n, len(rows)) {
		if !rows[i] {
			continue
		}
		b, r := j/per, j%per
		j++
		row := Rect{t.Box.X + float32(b)*bw + sc.Px(6), t.Box.Y + sc.Px(6) + float32(r+1)*lh, bw - sc.Px(12), lh}
		if row.Y+row.H <= t.Box.Y+t.Box.H+0.01 { // a row that does not fit is not drawn
			t.Rows[i] = row
		}
	}
	return area, t
}

// cells are where a row's (or a heading's) columns are: the least widths,
// with what the row has more shared among them.
func (t SeatTable) cells(row Rect) (out [SeatColumns]Rect) {
	var sum float32
	for _, w := range t.Widths {
		sum += w
	}
	extra := max(row.W-sum, 0) / SeatColumns
	x := row.X
	for k, w := range t.Widths {
		out[k] = Rect{x, row.Y, w + extra, row.H}
		x += w + extra
	}
	return out
}

// HitSeat returns the replica whose row of the seats' table is under
// (x, y), or 0.
func HitSeat(s Screen, x, y float32) int {
	for i, r := range s.Seats.Rows {
		if r.Contains(x, y) {
			return i + 1
		}
	}
	return 0
}

// SeatRow is what seat i's row of the seats' table says of it (seen,
// name its player's): seat, HP, role, applied, behind, last heard; stale
// says its laptop has not been heard for a while, which greys the row.
func SeatRow(seen rewind.Seen, i int, name string) (cells [SeatColumns]string, stale bool) {
	cells = [SeatColumns]string{fmt.Sprintf("%d %s", i+1, name), "–", seenRole(seen), "–", "–", "–"}
	if seen.HP >= 0 {
		cells[1] = strconv.Itoa(seen.HP)
	}
	if seen.Removed {
		return cells, false
	}
	cells[3] = strconv.FormatUint(seen.Applied, 10)
	if seen.Led {
		cells[4] = strconv.FormatUint(seen.Behind, 10)
	}
	stale = seen.Silent > staleAfter
	switch s := seen.Silent.Seconds(); {
	case !stale:
		cells[5] = "now"
	case s < 100:
		cells[5] = fmt.Sprintf("%.1f s ago", s)
	default:
		cells[5] = fmt.Sprintf("%.0f min ago", s/60)
	}
	return cells, stale
}

// seenRole is a seat's role as its row says it.
func seenRole(s rewind.Seen) string {
	switch {
	case s.Removed:
		return "removed"
	case !s.Up:
		return "down"
	case s.Isolated:
		return "cut off"
	}
	return s.Role.String()
}

// drawSeats draws the seats' table: the headings of each block, and a
// row for each seat that has one.
func (w *Window) drawSeats(s Screen) {
	t := s.Seats
	if t.Box.Empty() {
		return
	}
	sc := s.Scale
	size, lh := sc.Text(TextInfo), sc.line(TextInfo)
	if !t.Title.Empty() {
		w.fonts.inBox(fitText("the other seats, as the teacher's laptop relays them", size, t.Title.W), t.Title, size, 0, dimText)
	}
	rl.DrawRectangleRec(rect(t.Box.Inset(sc.Px(2))), stripBG)
	if t.Blocks == 0 { // collapsed: two lines sum the seats up
		in := t.Box.Inset(sc.Px(6))
		for k, line := range wrap(w.sumSeats(w.seatRows()), size, in.W) {
			if k < 2 {
				w.fonts.inBox(fitText(line, size, in.W), Rect{in.X, in.Y + float32(k)*lh, in.W, lh}, size, 0, textColor)
			}
		}
		return
	}
	bw := t.Box.W / float32(t.Blocks)
	for b := range t.Blocks {
		head := Rect{t.Box.X + float32(b)*bw + sc.Px(6), t.Box.Y + sc.Px(6), bw - sc.Px(12), lh}
		for k, c := range t.cells(head) {
			w.fonts.inBox(seatHeads[k], c, size, 0, dimText)
		}
	}
	for i, row := range t.Rows {
		if !row.Empty() && i < w.n {
			w.drawSeatRow(t, row, i, sc)
		}
	}
}

// drawSeatRow draws seat i's row: its role's swatch, its texts, dim
// when its laptop is silent; framed when selected, lit when its pane is
// open. On a student's laptop, a row says nothing once the teacher's
// relays stop: "not heard".
func (w *Window) drawSeatRow(t SeatTable, row Rect, i int, sc Scale) {
	seen, ok := w.seenOf(i)
	texts, stale := SeatRow(seen, i, w.playerOf(i+1).Name)
	if !ok {
		texts = [SeatColumns]string{texts[0], "–", "–", "–", "–", "not heard"}
		stale = true
	}
	if i+1 == w.open {
		rl.DrawRectangleRec(rect(row), paneBG)
	}
	size := sc.Text(TextInfo)
	cells := t.cells(row)
	sw := size * 0.6
	swatch := roleColor(seen.Role)
	if !ok || !seen.Up || seen.Removed {
		swatch = dimText
	}
	rl.DrawRectangleRec(rl.Rectangle{X: row.X + sc.Px(2), Y: row.Y + (row.H-sw)/2, Width: sw, Height: sw}, swatch)
	first := cells[0]
	first.X += size * 0.8
	first.W -= size * 0.8
	cells[0] = first
	ink := lerpColor(playerColor(w.playerOf(i+1).Color), textColor, 0.3)
	for k, c := range cells {
		col := textColor
		switch {
		case k == 5 && stale:
			col = alarmText
		case stale:
			col = dimText
		case k == 0:
			col = ink
		case k == 2 && (texts[2] == "down" || texts[2] == "cut off"):
			col = alarmText
		}
		w.fonts.inBox(fitText(texts[k], size, c.W-sc.Px(4)), c, size, 0, col)
	}
	if i+1 == w.selected {
		rl.DrawRectangleLinesEx(rect(row.Inset(-1)), max(sc.Px(1.5), 1.5), textColor)
	}
}

// relayLost is how old the teacher's last relay may be before a
// student's screen says nothing of the other seats: relays come every
// second.
const relayLost = 3 * time.Second

// seenOf is seat i ([i-1]) as this window knows it: on a student's
// laptop, as the teacher last relayed it, its silence grown by the
// relay's age (never what its own replica believes); elsewhere, as the
// record shows it at the moment shown. ok is false when there is nothing
// to say: the teacher's laptop has not been heard for relayLost.
func (w *Window) seenOf(i int) (seen rewind.Seen, ok bool) {
	if w.seat == 0 {
		return rewind.SeenOf(w.st, i, w.t), true
	}
	rel := w.relayed
	age := time.Since(rel.At)
	if rel.At.IsZero() || age > relayLost || i >= len(rel.Seats) {
		return rewind.Seen{}, false
	}
	seen = rel.Seats[i]
	seen.Silent += age
	return seen, true
}

// openSeat opens seat id's pane beside the voters', or closes it if it is
// open, and selects the seat: the teacher's keys act on it.
func (w *Window) openSeat(id int) {
	w.selected = id
	if w.open == id {
		w.open = 0
		fmt.Printf("seat %d: its pane closed\n", id)
		return
	}
	w.open = id
	fmt.Printf("seat %d: its pane opened\n", id)
}

// sumSeats sums up, in a line or two, the seats marked in rows: how many
// are caught up, and which are behind, silent, down or cut off.
func (w *Window) sumSeats(rows []bool) string {
	var all, current int
	var behind, silent, down, cut, unheard []string
	for i := range min(len(rows), w.n) {
		if !rows[i] {
			continue
		}
		seen, ok := w.seenOf(i)
		if seen.Removed {
			continue
		}
		all++
		cells, stale := SeatRow(seen, i, "")
		id := strconv.Itoa(i + 1)
		switch {
		case !ok:
			unheard = append(unheard, id)
		case stale:
			silent = append(silent, id)
		case cells[2] == "down":
			down = append(down, id)
		case cells[2] == "cut off":
			cut = append(cut, id)
		case cells[4] == "0":
			current++
		default:
			behind = append(behind, id+" ("+cells[4]+")")
		}
	}
	what := "non-voting seats"
	if w.seat != 0 {
		what = "other seats, as the teacher's laptop relays"
	}
	if len(unheard) == all {
		return fmt.Sprintf("%d %s · not heard: the teacher's laptop is silent", all, what)
	}
	out := fmt.Sprintf("%d %s · %d caught up", all, what, current)
	for _, part := range []struct {
		what string
		ids  []string
	}{{"behind", behind}, {"silent", silent}, {"down", down}, {"cut off", cut}, {"not heard", unheard}} {
		if len(part.ids) > 0 {
			out += " · " + part.what + ": " + strings.Join(part.ids, ", ")
		}
	}
	return out
}

// seatRows marks the replicas drawn as rows of the seats' table: on the
// projector, or where there are more replicas than nine panes (a class's
// record), the seats that do not vote.
func (w *Window) seatRows() []bool {
	switch {
	case w.st == nil:
		return nil
	case w.seat != 0 && w.relay != nil: // a student's: every other seat, as the teacher relays
		rows := make([]bool, len(w.st.Replicas))
		for i := range rows {
			rows[i] = i+1 != w.seat
		}
		return rows
	case w.seat != 0 || !w.projector && w.n <= 9:
		return nil
	}
	rows := make([]bool, len(w.st.Replicas))
	for i, r := range w.st.Replicas {
		rows[i] = r.NonVoting || r.Removed
	}
	return rows
}

// takeRelay takes the teacher's newest relay, on a student's laptop, and
// says when they stop coming and when they come again.
func (w *Window) takeRelay() {
	if w.relay == nil {
		return
	}
	w.relayed = w.relay()
	unheard := w.relayed.At.IsZero() || time.Since(w.relayed.At) > relayLost
	switch {
	case unheard == w.unheard:
	case unheard:
		fmt.Println("the teacher's laptop: not heard; the other seats are not shown")
	default:
		fmt.Printf("the teacher's laptop: heard, relaying %d seats\n", len(w.relayed.Seats))
	}
	w.unheard = unheard
}

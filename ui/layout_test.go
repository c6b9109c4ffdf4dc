package ui

import (
	"fmt"
	"strings"
	"testing"

	"github.com/raftian/raftian/lesson"
	"github.com/raftian/raftian/rewind"
)

// The sizes a class meets: the common projector, a laptop, full HD, 1440p.
var screenSizes = [][2]float32{{1280, 720}, {1600, 900}, {1920, 1080}, {2560, 1440}}

func overlap(a, b Rect) bool {
	return a.X < b.X+b.W-0.01 && b.X < a.X+a.W-0.01 && a.Y < b.Y+b.H-0.01 && b.Y < a.Y+a.H-0.01
}

func inside(in, out Rect) bool {
	return in.X >= out.X-0.01 && in.Y >= out.Y-0.01 && in.X+in.W <= out.X+out.W+0.01 && in.Y+in.H <= out.Y+out.H+0.01
}

// noOverlaps fails the test if two of the named regions overlap or one
// leaves its parent.
func noOverlaps(t *testing.T, where string, parent Rect, regions map[string]Rect) {
	t.Helper()
	var names []string
	for name, r := range regions {
		if r.Empty() {
			continue
		}
		if !inside(r, parent) {
			t.Errorf("%s: %s %v is outside %v", where, name, r, parent)
		}
		for _, other := range names {
			if overlap(r, regions[other]) {
				t.Errorf("%s: %s %v overlaps %s %v", where, name, r, other, regions[other])
			}
		}
		names = append(names, name)
	}
}

// fits fails the test if text at size is wider than box or taller.
func fits(t *testing.T, where, text string, size float32, box Rect) {
	t.Helper()
	if w := textWidth(text, size); w > box.W+0.01 || size > box.H+0.01 {
		t.Errorf("%s: %q at %.1f px is %.0f×%.0f, its box %.0f×%.0f", where, text, size, w, size, box.W, box.H)
	}
}

// At every size, with or without a lesson's caption, no region overlaps
// another, every part is inside its pane, and the texts a class reads fit
// their boxes at a readable size.
func TestLayoutAtClassroomSizes(t *testing.T) {
	for _, sz := range screenSizes {
		for _, lesson := range []bool{false, true} {
			where := fmt.Sprintf("%.0f×%.0f lesson=%v", sz[0], sz[1], lesson)
			s := LayoutScreen(sz[0], sz[1], 5, View{Lesson: lesson, Names: fiveNames})
			sc := s.Scale
			checkRegions(t, where, s, sz, lesson)
			for r := TextRole(0); r < textRoles; r++ {
				if sc.Text(r) < MinText {
					t.Errorf("%s: text role %d is %.1f px, under %d", where, r, sc.Text(r), MinText)
				}
			}
			checkPane(t, where, s, 0, 5)
			fits(t, where+" key bar", "? help   Esc quit", sc.Text(TextKeys), s.Keys)
			lanes := (s.Timeline.H - sc.line(TextMarker)) / 5
			if lanes < sc.Text(TextLane) {
				t.Errorf("%s: timeline lanes %.1f px high for %.1f px text", where, lanes, sc.Text(TextLane))
			}
		}
	}
}

var (
	fiveNames = []string{"Aria", "Boris", "Chen", "Dalia", "Emeka"}
	nineNames = append(fiveNames[:5:5], "Farid", "Greta", "Hiro", "Ines")
)

// checkRegions checks that the screen's regions tile it, and that a
// lesson's band holds two lines of caption at least.
func checkRegions(t *testing.T, where string, s Screen, sz [2]float32, lesson bool) {
	t.Helper()
	regions := map[string]Rect{"bar": s.Bar, "side": s.Side, "caption": s.Caption, "timeline": s.Timeline, "keys": s.Keys}
	for i, p := range s.Panes {
		regions[fmt.Sprintf("pane %d", i+1)] = p
	}
	noOverlaps(t, where, Rect{0, 0, sz[0], sz[1]}, regions)
	if lesson == s.Caption.Empty() {
		t.Errorf("%s: caption band %v", where, s.Caption)
	}
	sc := s.Scale
	if lines := (s.Caption.H - sc.Px(34)) / (sc.Text(TextCaption) * 1.25); lesson && lines < 1.9 {
		t.Errorf("%s: the caption band holds %.1f lines", where, lines)
	}
}

// In the presenter view, at a projector's 1280×720 with five replicas and
// with nine, and with five at the 1152×648 of a smaller window, with and
// without a lesson: every text a class must read (a pane's number and
// player, its role, term, leader, commit and applied, its message, every
// city's name and HP, its log entries, the top bar, a lesson's caption)
// is at least 16 px high (a caption 24), and none is cut.
func TestPresenterViewIsReadableFromTheBackRow(t *testing.T) {
	for _, sz := range [][2]float32{{1280, 720}, {1152, 648}} {
		for _, names := range [][]string{fiveNames, nineNames} {
			if sz[0] < 1280 && len(names) > 5 {
				continue // nine panes need the projector's whole screen, which the window takes
			}
			for _, lesson := range []bool{false, true} {
				n := len(names)
				where := fmt.Sprintf("presenter %.0f×%.0f, %d panes, lesson=%v", sz[0], sz[1], n, lesson)
				s := LayoutScreen(sz[0], sz[1], n, View{Lesson: lesson, Presenter: true, Names: names})
				sc := s.Scale
				checkRegions(t, where, s, sz, lesson)
				for _, r := range []TextRole{TextTitle, TextBadge, TextInfo, TextMessage, TextCity, TextLog, TextBar, TextMarker, TextKeys} {
					if sc.Text(r) < PresenterText {
						t.Errorf("%s: text role %d is %.1f px, under %d", where, r, sc.Text(r), PresenterText)
					}
				}
				if sc.Text(TextCaption) < PresenterCaption {
					t.Errorf("%s: captions are %.1f px", where, sc.Text(TextCaption))
				}
				for i := range s.Panes {
					checkPane(t, fmt.Sprintf("%s pane %d", where, i+1), s, i, n)
				}
				// The top bar says who leads, in which term, how many are up.
				fits(t, where+" bar", "Raftian · leader 9 in term 99 · 9 of 9 up · a majority is 5", sc.Text(TextBar), s.Bar)
				// Lanes too thin for names show none (their colours say whose).
				x0, _, _, _, laneH := stripGeometry(s, n)
				if laneH >= sc.Text(TextLane) {
					fits(t, where+" lane name", "9 Emeka", sc.Text(TextLane), Rect{s.Timeline.X, 0, x0 - s.Timeline.X - sc.Px(12), laneH})
				}
			}
		}
	}
}

// checkPane checks pane i's parts and the texts they hold: each fits
// whole, at its size.
func checkPane(t *testing.T, where string, s Screen, i, n int) {
	t.Helper()
	sc := s.Scale
	pane := s.Panes[i]
	p := LayoutPane(pane, sc)
	noOverlaps(t, where+" pane", pane, map[string]Rect{"title": p.Title, "ring": p.Ring, "info": p.Info,
		"message": p.Message, "cities": p.Cities, "log": p.Log})
	// The widest title line: number and name, badge with votes, isolation.
	title := textWidth("5 Emeka", sc.Text(TextTitle)) + sc.Px(10) +
		textWidth("PRE-CANDIDATE 5/5", sc.Text(TextBadge)) + sc.Px(18) + textWidth("ISOLATED", sc.Text(TextBadge)) + sc.Px(18)
	if title > p.Title.W {
		t.Errorf("%s: the widest title line needs %.0f px, has %.0f", where, title, p.Title.W)
	}
	// The info line in the widest numbers a run sees, with a quorum once
	// the membership changed: in whole words in the presenter view.
	for _, voters := range []int{0, 9} {
		r := &rewind.Replica{Up: true, Term: 99, Commit: 9999, Applied: 9999}
		info := infoText(r, 5, voters, p.Info.W, sc.Text(TextInfo))
		fits(t, where+" info", info, sc.Text(TextInfo), p.Info)
		if sc.Presenter && !strings.HasPrefix(info, "term ") {
			t.Errorf("%s: the info line is short: %q", where, info)
		}
	}
	for _, m := range []string{"Boris destroyed Chen!", "Emeka attacked Dalia (10 HP left)", "attack failed: no quorum (timed out)",
		"handing over to 3: catching it up, then TimeoutNow"} {
		if !sc.Lean { // a lean pane has no message line
			fits(t, where+" message", m, sc.Text(TextMessage), p.Message)
		}
	}
	in := p.Log.Inset(sc.Px(4))
	in.W -= sc.Px(4)
	for _, e := range logSamples {
		fits(t, where+" log entry", firstFit(p.Log.W-sc.Px(12), sc.Text(TextLog), e...), sc.Text(TextLog), in)
	}
	if rows := logRows(p.Log, sc); rows < 2 || !sc.Presenter && rows < 4 {
		t.Errorf("%s: only %d log entries fit", where, rows)
	} else if bottom := p.Log.Y + sc.line(TextLog) + float32(rows)*(sc.line(TextLog)+sc.Px(2)); bottom > p.Log.Y+p.Log.H+0.01 {
		t.Errorf("%s: %d log rows end at %.0f, below the log at %.0f", where, rows, bottom, p.Log.Y+p.Log.H)
	}
	cities := LayoutCities(p.Cities, n, sc, s.CityLabel)
	for i, c := range cities {
		cw := fmt.Sprintf("%s city %d", where, i+1)
		if !inside(c.Cell, p.Cities) {
			t.Errorf("%s: cell %v outside the cities %v", cw, c.Cell, p.Cities)
		}
		if c.Bar.Empty() { // a chip: its number in it, every chip one size
			fits(t, cw, fmt.Sprint(n), sc.Text(TextCity), c.Label)
			if c.Label.atOf(cities[0].Label) != cities[0].Label {
				t.Errorf("%s: chip %v is not the size of the first %v", cw, c.Label, cities[0].Label)
			}
			continue
		}
		if c.Town.Empty() { // a list: the bar is under the letters of the name
			noOverlaps(t, cw, c.Cell, map[string]Rect{"bar": c.Bar, "name": ink(c.Label, sc.Text(TextCity))})
		} else {
			noOverlaps(t, cw, c.Cell, map[string]Rect{"town": c.Town, "bar": c.Bar, "label": c.Label})
		}
		if c.Town.atOf(cities[0].Town) != cities[0].Town {
			t.Errorf("%s: town %v is not the size of the first %v", cw, c.Town, cities[0].Town)
		}
		if c.Bar.W != cities[0].Bar.W {
			t.Errorf("%s: HP bar %.0f wide, the first %.0f: the same HP must look the same", cw, c.Bar.W, cities[0].Bar.W)
		}
		label := c.Label
		if c.Town.Empty() { // a list's names are inset (drawListedCity)
			label = Rect{c.Label.X + sc.Px(2), c.Label.Y, c.Label.W - sc.Px(4), c.Label.H}
		}
		fits(t, cw, "Emeka 100", sc.Text(TextCity), label)
		if !c.Town.Empty() && c.Town.W < sc.Px(30) {
			t.Errorf("%s: town %.0f px wide", cw, c.Town.W)
		}
		for j := 0; j < i; j++ {
			if overlap(c.Cell, cities[j].Cell) {
				t.Errorf("%s overlaps city %d", cw, j+1)
			}
		}
	}
}

// logSamples are log entries as drawn, each with its shorter forms, with
// numbers as large as a long run gives: each must fit whole in one of its
// forms.
var logSamples = [][]string{
	{"999 t99 3→4  on 9/9"}, {"9999 t99 3→4  on 9/9", "9999 t99 3→4"}, {"9999 t99 new game"}, {"9999 t99 no-op"},
	{"999 t99 members +9"}, {"9999 t99 members +9", "9999 t99 +9"},
	{"999 t99 members +9 non-voting", "999 t99 +9 non-voting", "999 t99 +9"}, {"9999 t99 join 9"}, {"9999 t99 garbage"},
	{"1–9 t1 cluster of 9 formed", "1–9 t1 cluster formed"},
	{"999 t99 3→4 overwritten", "999 t99 3→4"},
	{"999 t99 3→4  retry: the game ignores it", "999 t99 3→4  retry", "999 t99 3→4"},
}

// atOf is r's size at other's place: to compare sizes.
func (r Rect) atOf(other Rect) Rect { return Rect{other.X, other.Y, r.W, r.H} }

// Every pane is the same size, whatever the number of replicas; the
// grid's spare cells are left for the side panel.
func TestPanesAreOneSizeAndFillTheirArea(t *testing.T) {
	for _, sz := range screenSizes {
		area := Rect{0, 30, sz[0], sz[1] * 0.7}
		for n := 1; n <= 9; n++ {
			panes, spare := Grid(area, n, 0)
			if len(panes) != n {
				t.Fatalf("%d panes: got %d", n, len(panes))
			}
			total := spare.W * spare.H
			for i, p := range panes {
				if p.W != panes[0].W || p.H != panes[0].H || !inside(p, area) {
					t.Fatalf("%v, %d panes: pane %d %v (the first %v)", sz, n, i+1, p, panes[0])
				}
				for j := 0; j < i; j++ {
					if overlap(p, panes[j]) || overlap(p, spare) {
						t.Fatalf("%v, %d panes: pane %d overlaps", sz, n, i+1)
					}
				}
				total += p.W * p.H
			}
			if d := total - area.W*area.H; d > 1 || d < -1 {
				t.Fatalf("%v, %d panes and the spare cover %.0f of %.0f", sz, n, total, area.W*area.H)
			}
		}
	}
	p, spare := Grid(Rect{0, 0, 1600, 700}, 5, 0)
	if p[0].Y != p[2].Y || p[3].Y == p[0].Y || spare.Empty() || spare.Y != p[3].Y {
		t.Fatalf("five panes: want 3 over 2 and a spare cell, got %v, %v", p, spare)
	}
}

func TestWindowFitsTheScreen(t *testing.T) {
	cases := []struct{ w, h, sw, sh, ww, wh int }{
		{1600, 900, 1280, 720, 1280, 720}, // all of a projector
		{1600, 900, 1366, 768, 1228, 691}, // 90 % of a laptop
		{1600, 900, 1920, 1080, 1600, 900},
		{1600, 900, 2560, 1440, 1600, 900},
		{1600, 900, 1024, 768, 921, 518}, // the width limits
		{1600, 900, 0, 0, 1600, 900},     // no monitor known
	}
	for _, c := range cases {
		if w, h := FitWindow(c.w, c.h, c.sw, c.sh); w != c.ww || h != c.wh {
			t.Errorf("%d×%d on %d×%d: %d×%d, want %d×%d", c.w, c.h, c.sw, c.sh, w, h, c.ww, c.wh)
		}
	}
}

func TestHitCityFindsEveryCityAndNothingElse(t *testing.T) {
	s := LayoutScreen(1600, 900, 5, View{})
	for pi, p := range s.Panes {
		parts := LayoutPane(p, s.Scale)
		for ci, c := range LayoutCities(parts.Cities, 5, s.Scale, s.CityLabel) {
			cx, cy := c.Town.X+c.Town.W/2, c.Town.Y+c.Town.H/2
			if pane, city := HitCity(s, 5, cx, cy); pane != pi+1 || city != ci+1 {
				t.Errorf("centre of pane %d city %d hit (%d, %d)", pi+1, ci+1, pane, city)
			}
		}
		// The title is in the pane but on no city.
		if pane, city := HitCity(s, 5, parts.Title.X+5, parts.Title.Y+5); pane != pi+1 || city != 0 {
			t.Errorf("title of pane %d hit (%d, %d)", pi+1, pane, city)
		}
	}
	if pane, _ := HitCity(s, 5, 10, s.Timeline.Y+5); pane != 0 {
		t.Errorf("the timeline hit pane %d", pane)
	}
	if pane, _ := HitCity(s, 5, s.Side.X+5, s.Side.Y+5); pane != 0 {
		t.Errorf("the side panel hit pane %d", pane)
	}
}

// Text widths are the font's as raylib measures them: raylib's
// MeasureTextEx of the built-in DejaVu Sans gives 145 for "Raftian" and
// 331 for "PRE-CANDIDATE" at 48 px, 99.3 at 14.4 px (read off raylib in a
// window once); these are the numbers the layout plans with.
func TestTextWidthsAreTheFonts(t *testing.T) {
	for _, c := range []struct {
		s          string
		size, want float32
	}{{"Raftian", 48, 145}, {"PRE-CANDIDATE", 48, 331}, {"PRE-CANDIDATE", 14.4, 99.3}} {
		if got := textWidth(c.s, c.size); got < c.want-0.05 || got > c.want+0.05 {
			t.Errorf("%q at %.1f px: %.2f, want %.2f", c.s, c.size, got, c.want)
		}
	}
	if got := fitText("a very long player name indeed", 20, 100); textWidth(got, 20) > 100 || got[len(got)-3:] != "…" {
		t.Errorf("fitText: %q", got)
	}
}

// A message dot goes from its sender's badge to its receiver's along the
// panes' margins: between its two ends it crosses no text of any pane (the
// title, info and message lines, the cities and their names, the log),
// so no trail can be read as an entry struck through.
func TestMessagesCrossNoText(t *testing.T) {
	for _, sz := range screenSizes {
		for _, n := range []int{3, 5, 7, 9} {
			for _, presenter := range []bool{false, true} {
				where := fmt.Sprintf("%.0f×%.0f, %d panes, presenter %v", sz[0], sz[1], n, presenter)
				var names []string
				for i := 0; i < n; i++ {
					names = append(names, nineNames[i])
				}
				s := LayoutScreen(sz[0], sz[1], n, View{Presenter: presenter, Names: names})
				r := s.Scale.DotRadius()
				// Badges at the left, middle and right of the title line.
				for _, along := range []float32{0.2, 0.5, 0.8} {
					badges := make([]Point, n)
					for i, p := range s.Panes {
						title := LayoutPane(p, s.Scale).Title
						badges[i] = Point{title.X + title.W*along, title.Y + title.H/2}
					}
					for from := 1; from <= n; from++ {
						for to := 1; to <= n; to++ {
							if from != to {
								checkRoute(t, where, s, badges, from, to, r)
							}
						}
					}
				}
			}
		}
	}
}

// ink is where a line's letters are in its box: text is drawn centred
// in a box taller than its size.
func ink(r Rect, size float32) Rect {
	if r.Empty() {
		return r
	}
	return Rect{r.X, r.Y + (r.H-size)/2, r.W, size}
}

func checkRoute(t *testing.T, where string, s Screen, badges []Point, from, to int, r float32) {
	t.Helper()
	route := MessageRoute(s, badges, from, to)
	if route[0] != badges[from-1] || route[len(route)-1] != badges[to-1] {
		t.Fatalf("%s: %d→%d does not go from badge to badge: %v", where, from, to, route)
	}
	// The ends: straight up from the badge into the margin, inside the pane.
	for _, end := range [][2]Point{{route[0], route[1]}, {route[len(route)-1], route[len(route)-2]}} {
		if end[0].X != end[1].X || end[1].Y > end[0].Y {
			t.Fatalf("%s: %d→%d: its end %v is not straight up from the badge", where, from, to, end)
		}
	}
	body := route[1 : len(route)-1]
	for k := float32(0); k <= 1; k += 0.002 {
		q := body.At(k)
		dot := Rect{q.X - r, q.Y - r, 2 * r, 2 * r}
		if dot.X < -0.01 || dot.X+dot.W > s.Keys.X+s.Keys.W+0.01 {
			t.Fatalf("%s: %d→%d leaves the window at %v", where, from, to, q)
		}
		sc := s.Scale
		for i, p := range s.Panes {
			parts := LayoutPane(p, sc)
			for name, box := range map[string]Rect{"title": ink(parts.Title, sc.Text(TextTitle)), "info": ink(parts.Info, sc.Text(TextInfo)),
				"message": ink(parts.Message, sc.Text(TextMessage)), "cities": parts.Cities, "log": parts.Log} {
				if !box.Empty() && overlap(dot, box) {
					t.Fatalf("%s: the dot of %d→%d at %v covers pane %d's %s %v", where, from, to, q, i+1, name, box)
				}
			}
		}
		if overlap(dot, ink(s.Bar, sc.Text(TextBar))) || overlap(dot, s.Caption) || overlap(dot, s.Timeline) {
			t.Fatalf("%s: the dot of %d→%d at %v covers the bar, caption or timeline", where, from, to, q)
		}
	}
}

// Every text of every built-in lesson (and of the window's intro), its
// placeholders filled with the longest names and numbers, fits the
// presenter view's band whole at 24 px at 1280×720: a caption at its
// moment; what followed its play under the longest reveal of its question;
// a question with its choices.
func TestLessonTextsFitThePresenterBand(t *testing.T) {
	s := LayoutScreen(1280, 720, 9, View{Lesson: true, Presenter: true, Names: nineNames})
	_, body := captionParts(s)
	size := s.Scale.Text(TextCaption)
	fill := func(text string) string {
		for _, p := range rewind.Placeholders() {
			v := "replica 9 (Emeka)"
			switch p {
			case "term", "old-term", "holders", "votes", "voters", "majority", "down", "up":
				v = "99"
			case "entry":
				v = "entry 999 of term 99 (9→8)"
			case "crashed", "isolated":
				v = "replica 8 (Dalia), replica 9 (Emeka)"
			case "delay":
				v = "100.0 ms"
			}
			text = strings.ReplaceAll(text, "{"+p+"}", v)
		}
		return text
	}
	// The longest reveal of each kind of question (lesson/reveal.go).
	reveals := map[string]string{
		"leader": "Not this time: you said Emeka. Replica 9 (Emeka) won term 99. Who wins is partly chance: a follower " +
			"stands when its election timer runs out, and each timer is random, between 500ms and 1s here.",
		"term": "Not this time: you said term 99 or more. Replica 9 (Emeka) leads term 99: a candidate raises its term " +
			"by one each time it stands, so the term shows how many elections it took.",
		"term-returned": "Not this time: you said term 99 or more. Replica 9 (Emeka) leads term 99: replica 8 (Dalia) " +
			"came back in term 99, above the leader's 99, so the election that followed was above 99.",
		"commits": "Not this time: you said yes. The attack did not commit: no majority stored it, so it could never be applied.",
		"quorum": "Not this time: you said 5. 9 replicas vote now, so 5 must agree: a majority, and any two majorities " +
			"share a replica (that is what keeps two leaders from committing different entries).",
		"survives": "Not this time: you said yes. Entry 999 of term 99, 9→8, on replica 9 (Emeka) was overwritten: it was " +
			"never on a majority, so it was never committed, and the new leader's log wins (§5.3).",
	}
	lessons := []lesson.Lesson{lesson.Intro()}
	for _, name := range lesson.Names() {
		l, err := lesson.Load(name)
		if err != nil {
			t.Fatal(err)
		}
		lessons = append(lessons, l)
	}
	for _, l := range lessons {
		for i, st := range l.Steps {
			// The caption alone, at its moment; what followed a play (or,
			// without one, the caption) under the reveal; or instead.
			last := fill(st.Caption)
			if st.Then != "" {
				last = fill(st.Then)
			}
			texts := [][]string{{fill(st.Caption)}, {fill(st.Instead)}, {last}}
			if st.Ask != nil {
				texts = append(texts, []string{reveals[st.Ask.Answer], last})
				if st.Ask.Answer == "term" {
					texts = append(texts, []string{reveals["term-returned"], last})
				}
			}
			for _, paras := range texts {
				lines := 0
				for _, p := range paras {
					lines += len(wrap(p, size, body.W))
				}
				if h := float32(lines) * size * 1.25; h > body.H+size*0.3 {
					t.Errorf("%s step %d: %d lines at %.0f px need %.0f px, the band has %.0f: %q", l.Name, i+1, lines, size, h, body.H, paras)
				}
			}
			if st.Ask != nil {
				q := "Predict: " + fill(st.Ask.Question)
				if lines := len(wrap(q, size, body.W)) + 1; float32(lines)*size*1.25 > body.H+size*0.3 {
					t.Errorf("%s step %d: the question takes %d lines", l.Name, i+1, lines)
				}
			}
		}
	}
}

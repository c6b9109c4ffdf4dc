package ui

import (
	"unicode"

	rl "github.com/gen2brain/raylib-go/raylib"
)

// The class form (F4): start a class from the window, or join one by
// typing what the teacher's projector shows. The window then ends, and
// the program carries the choice out in the same window.

// ClassChoice is what the class form asked for; Run returns it.
type ClassChoice struct {
	Start bool   // start a class: this laptop becomes the teacher's seat
	Join  string // join the class at CODE@HOST[:PORT] ...
	Name  string // ... playing under this name
}

// Chosen reports whether the form asked for anything.
func (c ClassChoice) Chosen() bool { return c.Start || c.Join != "" }

// classForm is the form's state: a pure part the window feeds keys and
// typed characters.
type classForm struct {
	joining  bool
	fields   [2][]rune // what CODE@HOST to join, and the name
	at       int       // the field typed into
	err      string
	validate func(where, name string) error
}

// maxField bounds what a field takes.
const maxField = 64

// typed takes a typed character.
func (f *classForm) typed(r rune) (choice ClassChoice, done bool) {
	if !f.joining {
		switch unicode.ToLower(r) {
		case '1', 's':
			return ClassChoice{Start: true}, true
		case '2', 'j':
			f.joining = true
		}
		return ClassChoice{}, false
	}
	if unicode.IsPrint(r) && len(f.fields[f.at]) < maxField {
		f.fields[f.at] = append(f.fields[f.at], r)
		f.err = ""
	}
	return ClassChoice{}, false
}

// Form keys: what the form does with a key that is not a character.
type formKey int

const (
	formNone formKey = iota
	formEnter
	formBack
	formNext
	formEsc
)

func formKeyOf(k int32) formKey {
	switch k {
	case rl.KeyEnter, rl.KeyKpEnter:
		return formEnter
	case rl.KeyBackspace:
		return formBack
	case rl.KeyTab, rl.KeyDown, rl.KeyUp:
		return formNext
	case rl.KeyEscape:
		return formEsc
	}
	return formNone
}

// pressed takes a key; closed: Esc left the form.
func (f *classForm) pressed(k formKey) (choice ClassChoice, done, closed bool) {
	switch {
	case k == formEsc && f.joining:
		f.joining, f.err = false, ""
	case k == formEsc:
		return ClassChoice{}, false, true
	case !f.joining:
	case k == formBack && len(f.fields[f.at]) > 0:
		f.fields[f.at] = f.fields[f.at][:len(f.fields[f.at])-1]
	case k == formNext:
		f.at = 1 - f.at
	case k == formEnter && f.at == 0:
		f.at = 1
	case k == formEnter:
		where, name := string(f.fields[0]), string(f.fields[1])
		if f.validate != nil {
			if err := f.validate(where, name); err != nil {
				f.err = err.Error()
				return ClassChoice{}, false, false
			}
		}
		return ClassChoice{Join: where, Name: name}, true, false
	}
	return ClassChoice{}, false, false
}

// drawForm draws the class form over the window.
func (w *Window) drawForm(s Screen) {
	f := w.form
	sc := s.Scale
	width, height := float32(rl.GetScreenWidth()), float32(rl.GetScreenHeight())
	size := sc.Text(TextBar)
	row := size * 1.8
	bw := min(width*0.9, sc.Px(820))
	bh := row*6 + sc.Px(40)
	box := Rect{(width - bw) / 2, (height - bh) / 2, bw, bh}
	rl.DrawRectangleRec(rect(Rect{0, 0, width, height}), rl.NewColor(0, 0, 0, 170))
	rl.DrawRectangleRounded(rect(box), 0.05, 8, rl.NewColor(34, 38, 50, 250))
	in := box.Inset(sc.Px(20))
	line := func(i int, text string, c rl.Color) {
		w.fonts.inBox(text, Rect{in.X, in.Y + row*float32(i), in.W, row}, size, 0, c)
	}
	if !f.joining {
		line(0, "A class: each laptop is a replica (Esc closes)", textColor)
		line(1, "1   Start a class: this laptop is the teacher's seat", accent)
		line(2, "2   Join a class: type what the teacher's screen shows", accent)
		line(4, "This window's five replicas stop first.", dimText)
		return
	}
	line(0, "Join a class (Tab: the other field, Enter: join, Esc: back)", textColor)
	labels := [2]string{"class   ", "name    "}
	hints := [2]string{"CODE@HOST:PORT, as the teacher's screen shows", "the name you play under"}
	for i := range f.fields {
		text := labels[i] + string(f.fields[i])
		c := textColor
		if i == f.at {
			text += "_"
			c = accent
		}
		if len(f.fields[i]) == 0 {
			text += "   " + hints[i]
		}
		line(1+i*2, text, c)
	}
	if f.err != "" {
		line(5, f.err, alarmText)
	}
}

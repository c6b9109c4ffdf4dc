package ui

import (
	"testing"

	rl "github.com/gen2brain/raylib-go/raylib"
)

func TestHotkeys(t *testing.T) {
	cases := []struct {
		key  int32
		want Intent
	}{
		{rl.KeyThree, Intent{Kind: Select, N: 3}},
		{rl.KeyKp5, Intent{Kind: Select, N: 5}},
		{rl.KeySix, Intent{}}, // only five replicas
		{rl.KeyC, Intent{Kind: Crash, N: 2}},
		{rl.KeyR, Intent{Kind: Restart, N: 2}},
		{rl.KeyL, Intent{Kind: CrashLeader}},
		{rl.KeyI, Intent{Kind: ToggleIsolate, N: 2}},
		{rl.KeyP, Intent{Kind: NextPartition}},
		{rl.KeyH, Intent{Kind: Heal}},
		{rl.KeyA, Intent{Kind: ToggleAuto}},
		{rl.KeyM, Intent{Kind: ToggleMessages}},
		{rl.KeyF12, Intent{Kind: Screenshot}},
		{rl.KeyF1, Intent{Kind: ToggleHelp}},
		{rl.KeySlash, Intent{Kind: ToggleHelp}},
		{rl.KeyEscape, Intent{Kind: Quit}},
		{rl.KeySpace, Intent{Kind: Freeze}},
		{rl.KeyF2, Intent{Kind: LessonMenu}},
		{rl.KeyN, Intent{Kind: NextStep}},
		{rl.KeyBackspace, Intent{Kind: RestartLesson}},
		{rl.KeyS, Intent{Kind: SlowMotion}},
		{rl.KeyZ, Intent{}},
	}
	for _, c := range cases {
		if got := KeyIntent(c.key, 2, 5); got != c.want {
			t.Errorf("key %d: %+v, want %+v", c.key, got, c.want)
		}
	}
}

func TestClicks(t *testing.T) {
	s := LayoutScreen(1600, 900, 5)
	city := func(pane, c int) (float32, float32) {
		r := CityRects(LayoutPane(s.Panes[pane-1]).Cities, 5)[c-1]
		return r.X + r.W/2, r.Y + r.H/2
	}
	x, y := city(2, 4)
	if got := ClickIntent(s, 5, x, y); got != (Intent{Kind: Attack, From: 2, To: 4}) {
		t.Errorf("rival city: %+v", got)
	}
	x, y = city(3, 3)
	if got := ClickIntent(s, 5, x, y); got != (Intent{Kind: Select, N: 3}) {
		t.Errorf("own city: %+v, want select", got)
	}
	if got := ClickIntent(s, 5, 5, s.Hint.Y+5); got != (Intent{}) {
		t.Errorf("outside the panes: %+v", got)
	}
}

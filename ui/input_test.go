package ui

import (
	"slices"
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
		{rl.KeyT, Intent{Kind: Transfer, N: 2}},
		{rl.KeyEqual, Intent{Kind: AddReplica}},
		{rl.KeyKpAdd, Intent{Kind: AddReplica}},
		{rl.KeyMinus, Intent{Kind: RemoveReplica, N: 2}},
		{rl.KeyI, Intent{Kind: ToggleIsolate, N: 2}},
		{rl.KeyP, Intent{Kind: NextPartition}},
		{rl.KeyH, Intent{Kind: Heal}},
		{rl.KeyA, Intent{Kind: ToggleAuto}},
		{rl.KeyM, Intent{Kind: ToggleMessages}},
		{rl.KeyF12, Intent{Kind: Screenshot}},
		{rl.KeyF1, Intent{Kind: ToggleHelp}},
		{rl.KeySlash, Intent{Kind: ToggleHelp}},
		{rl.KeyEscape, Intent{Kind: Quit}},
		{rl.KeySpace, Intent{Kind: Pause}},
		{rl.KeyLeft, Intent{Kind: StepBack}},
		{rl.KeyRight, Intent{Kind: StepForward}},
		{rl.KeyLeftBracket, Intent{Kind: Slower}},
		{rl.KeyRightBracket, Intent{Kind: Faster}},
		{rl.KeyEnter, Intent{Kind: Play}},
		{rl.KeyEnd, Intent{Kind: GoLive}},
		{rl.KeyHome, Intent{Kind: GoStart}},
		{rl.KeyF2, Intent{Kind: LessonMenu}},
		{rl.KeyN, Intent{Kind: NextStep}},
		{rl.KeyBackspace, Intent{Kind: RestartLesson}},
		{rl.KeyS, Intent{Kind: SlowMotion}},
		{rl.KeyF3, Intent{Kind: ToggleStats}},
		{rl.KeyF11, Intent{Kind: FullScreen}},
		{rl.KeyF5, Intent{Kind: TogglePresenter}},
		{rl.KeyZ, Intent{}},
	}
	for _, c := range cases {
		if got := KeyIntent(c.key, 2, 5, Mods{}); got != c.want {
			t.Errorf("key %d: %+v, want %+v", c.key, got, c.want)
		}
	}
	// With Control: the size of everything, and saving the record;
	// digits do not select.
	for key, want := range map[int32]Intent{rl.KeyEqual: {Kind: ZoomIn}, rl.KeyKpAdd: {Kind: ZoomIn},
		rl.KeyMinus: {Kind: ZoomOut}, rl.KeyZero: {Kind: ZoomReset}, rl.KeyThree: {}, rl.KeyC: {},
		rl.KeyS: {Kind: SaveRecord}} {
		if got := KeyIntent(key, 2, 5, Mods{Ctrl: true}); got != want {
			t.Errorf("Ctrl+key %d: %+v, want %+v", key, got, want)
		}
	}
	// With Shift, the arrows move a second at a time.
	for key, want := range map[int32]Intent{rl.KeyLeft: {Kind: JumpBack}, rl.KeyRight: {Kind: JumpForward}} {
		if got := KeyIntent(key, 2, 5, Mods{Shift: true}); got != want {
			t.Errorf("Shift+key %d: %+v, want %+v", key, got, want)
		}
	}
}

// A frame slower than a keystroke gets the whole of it from the queue at
// once: Ctrl then S, both released. That is Ctrl+S, not S (slow motion).
func TestModifiersFromTheFramesQueue(t *testing.T) {
	if got := KeyIntents([]int32{rl.KeyLeftControl, rl.KeyS}, 2, 5, Mods{}); !slices.Equal(got, []Intent{{Kind: SaveRecord}}) {
		t.Errorf("Ctrl, S queued: %+v, want save", got)
	}
	if got := KeyIntents([]int32{rl.KeyRightShift, rl.KeyLeft}, 2, 5, Mods{}); !slices.Equal(got, []Intent{{Kind: JumpBack}}) {
		t.Errorf("Shift, Left queued: %+v, want a second back", got)
	}
	if got := KeyIntents([]int32{rl.KeyS}, 2, 5, Mods{}); !slices.Equal(got, []Intent{{Kind: SlowMotion}}) {
		t.Errorf("S alone: %+v, want slow motion", got)
	}
	if got := KeyIntents([]int32{rl.KeyS}, 2, 5, Mods{Ctrl: true}); !slices.Equal(got, []Intent{{Kind: SaveRecord}}) {
		t.Errorf("S with Ctrl down: %+v, want save", got)
	}
}

func TestClicks(t *testing.T) {
	s := LayoutScreen(1600, 900, 5, View{})
	city := func(pane, c int) (float32, float32) {
		r := LayoutCities(LayoutPane(s.Panes[pane-1], s.Scale).Cities, 5, s.Scale, s.CityLabel)[c-1].Cell
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
	if got := ClickIntent(s, 5, 5, s.Keys.Y+5); got != (Intent{}) {
		t.Errorf("outside the panes: %+v", got)
	}
}

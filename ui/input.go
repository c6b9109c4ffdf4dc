package ui

import rl "github.com/gen2brain/raylib-go/raylib"

// IntentKind is what the user asked for.
type IntentKind int

const (
	NoIntent        IntentKind = iota
	Select                     // select replica N
	Attack                     // player From attacks player To through replica From
	Crash                      // crash the selected replica
	Restart                    // restart the selected replica
	CrashLeader                // crash whichever replica leads
	ToggleIsolate              // isolate the selected replica, or let it rejoin
	NextPartition              // the next partition preset; after the last, heal
	Heal                       // end every network fault
	ToggleAuto                 // auto-play on or off
	ToggleMessages             // the message view on or off
	Screenshot                 // save a screenshot
	ToggleHelp                 // the help overlay on or off
	Quit                       // close the window and every replica
	Pause                      // pause the picture (the cluster runs on), or play it on
	LessonMenu                 // open the lesson menu
	NextStep                   // a lesson goes on (N, Page Down: a presentation clicker)
	RestartLesson              // the lesson starts again from scratch
	SlowMotion                 // slow every message down, or back
	ToggleStats                // the frame statistics on or off
	FullScreen                 // borderless full screen on or off
	TogglePresenter            // the presenter view (large text, fewer words) or the full one
	ZoomIn                     // everything larger
	ZoomOut                    // everything smaller
	ZoomReset                  // everything as the window's size makes it
	StepBack                   // the previous observation in the record
	StepForward                // the next one
	JumpBack                   // one second back
	JumpForward                // one second on
	Slower                     // the next slower playback speed
	Faster                     // the next faster one
	Play                       // play from the moment shown
	GoLive                     // back to the newest moment
	GoStart                    // to the record's first moment
	SaveRecord                 // write the record to a file
	StepAgain                  // a lesson: the step before again (B, Page Up)
	Transfer                   // hand leadership to the selected replica
	AddReplica                 // grow the cluster by a replica
	RemoveReplica              // remove the selected replica for good
	ClassForm                  // start or join a class (F4)
	StartGame                  // the teacher's window: every seat gets its city (G)
	Promote                    // the teacher's window: the selected seat votes (V)
	ToggleEnrolment            // the teacher's window: students may join, or not (O)
)

// Mods are the modifier keys held.
type Mods struct{ Ctrl, Shift bool }

// Intent is one thing the user asked for, from a key or a click.
type Intent struct {
	Kind     IntentKind
	N        int // Select, Crash, Restart, ToggleIsolate: the replica
	From, To int // Attack
}

// KeyIntents maps a frame's queued key presses, in order, to intents. A
// modifier counts as held if it is down at the frame (mods) or was pressed
// before in the queue: on a frame slower than the keystroke, Ctrl+S comes
// as Ctrl then S, both released already, and must not read as S.
func KeyIntents(keys []int32, selected, n int, mods Mods) []Intent {
	var out []Intent
	for _, k := range keys {
		switch k {
		case rl.KeyLeftControl, rl.KeyRightControl:
			mods.Ctrl = true
		case rl.KeyLeftShift, rl.KeyRightShift:
			mods.Shift = true
		}
		if in := KeyIntent(k, selected, n, mods); in.Kind != NoIntent {
			out = append(out, in)
		}
	}
	return out
}

// KeyIntent maps a key to an intent; selected is the selected replica, n
// the number of replicas and mods the modifier keys held.
func KeyIntent(key int32, selected, n int, mods Mods) Intent {
	if mods.Ctrl {
		switch key {
		case rl.KeyEqual, rl.KeyKpAdd:
			return Intent{Kind: ZoomIn}
		case rl.KeyMinus, rl.KeyKpSubtract:
			return Intent{Kind: ZoomOut}
		case rl.KeyZero, rl.KeyKp0:
			return Intent{Kind: ZoomReset}
		case rl.KeyS:
			return Intent{Kind: SaveRecord}
		}
		return Intent{}
	}
	switch key {
	case rl.KeyLeft:
		if mods.Shift {
			return Intent{Kind: JumpBack}
		}
		return Intent{Kind: StepBack}
	case rl.KeyRight:
		if mods.Shift {
			return Intent{Kind: JumpForward}
		}
		return Intent{Kind: StepForward}
	case rl.KeyLeftBracket:
		return Intent{Kind: Slower}
	case rl.KeyRightBracket:
		return Intent{Kind: Faster}
	case rl.KeyEnter, rl.KeyKpEnter:
		return Intent{Kind: Play}
	case rl.KeyEnd:
		return Intent{Kind: GoLive}
	case rl.KeyHome:
		return Intent{Kind: GoStart}
	}
	if key >= rl.KeyOne && key <= rl.KeyNine {
		if k := int(key-rl.KeyOne) + 1; k <= n {
			return Intent{Kind: Select, N: k}
		}
		return Intent{}
	}
	if key >= rl.KeyKp1 && key <= rl.KeyKp9 {
		return KeyIntent(key-rl.KeyKp1+rl.KeyOne, selected, n, Mods{})
	}
	switch key {
	case rl.KeyC:
		return Intent{Kind: Crash, N: selected}
	case rl.KeyR:
		return Intent{Kind: Restart, N: selected}
	case rl.KeyL:
		return Intent{Kind: CrashLeader}
	case rl.KeyT:
		return Intent{Kind: Transfer, N: selected}
	case rl.KeyEqual, rl.KeyKpAdd: // + (with or without Shift)
		return Intent{Kind: AddReplica}
	case rl.KeyMinus, rl.KeyKpSubtract:
		return Intent{Kind: RemoveReplica, N: selected}
	case rl.KeyI:
		return Intent{Kind: ToggleIsolate, N: selected}
	case rl.KeyP:
		return Intent{Kind: NextPartition}
	case rl.KeyH:
		return Intent{Kind: Heal}
	case rl.KeyA:
		return Intent{Kind: ToggleAuto}
	case rl.KeyM:
		return Intent{Kind: ToggleMessages}
	case rl.KeyF12:
		return Intent{Kind: Screenshot}
	case rl.KeyF1, rl.KeySlash:
		return Intent{Kind: ToggleHelp}
	case rl.KeyEscape:
		return Intent{Kind: Quit}
	case rl.KeySpace:
		return Intent{Kind: Pause}
	case rl.KeyF2:
		return Intent{Kind: LessonMenu}
	case rl.KeyF4:
		return Intent{Kind: ClassForm}
	case rl.KeyG:
		return Intent{Kind: StartGame}
	case rl.KeyV:
		return Intent{Kind: Promote, N: selected}
	case rl.KeyO:
		return Intent{Kind: ToggleEnrolment}
	case rl.KeyN, rl.KeyPageDown:
		return Intent{Kind: NextStep}
	case rl.KeyB, rl.KeyPageUp:
		return Intent{Kind: StepAgain}
	case rl.KeyBackspace:
		return Intent{Kind: RestartLesson}
	case rl.KeyS:
		return Intent{Kind: SlowMotion}
	case rl.KeyF3:
		return Intent{Kind: ToggleStats}
	case rl.KeyF11:
		return Intent{Kind: FullScreen}
	case rl.KeyF5:
		return Intent{Kind: TogglePresenter}
	}
	return Intent{}
}

// ClickIntent maps a click: on a rival's city in pane i, player i attacks
// it; anywhere else in pane i, replica i is selected.
func ClickIntent(s Screen, n int, x, y float32) Intent {
	pane, city := HitCity(s, n, x, y)
	switch {
	case pane == 0:
		return Intent{}
	case city == 0 || city == pane:
		return Intent{Kind: Select, N: pane}
	}
	return Intent{Kind: Attack, From: pane, To: city}
}

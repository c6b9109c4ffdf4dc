package ui

import (
	"fmt"
	"time"

	rl "github.com/gen2brain/raylib-go/raylib"

	"github.com/raftian/raftian/command"
)

// What each intent does: the player's and the window's own here, the
// cluster's through the session.

// apply carries out an intent: the window's own ones here, cluster
// commands through the session on the worker.
func (w *Window) apply(in Intent) {
	if w.lessonInput(in) || w.playerIntent(in) || w.viewIntent(in) {
		return
	}
	if !w.link.live {
		w.banner = note{text: "viewing a record: there is no cluster to change", at: time.Now(), alarm: true}
		return
	}
	switch in.Kind {
	case Attack:
		w.session.Do(command.Attack{From: in.From, To: in.To, Via: command.Replica(in.From), NoWait: true})
	case Crash:
		w.job(command.Crash{Replica: command.Replica(in.N)})
	case Restart:
		w.job(command.Restart{Replica: in.N})
	case CrashLeader:
		w.job(command.Crash{Replica: command.Ref{Role: command.Leader}})
	case Transfer:
		w.job(command.Transfer{Replica: command.Replica(in.N)})
	case AddReplica:
		w.job(command.Add{})
	case RemoveReplica:
		// A joining replica's addition is cancelled at once: the worker
		// is busy with that addition.
		if !w.session.CancelAdd(in.N) {
			w.job(command.Remove{Replica: command.Replica(in.N)})
		} else {
			w.banner = note{text: fmt.Sprintf("cancelled the addition of replica %d: it is being undone", in.N), at: time.Now()}
		}
	case ToggleIsolate:
		if w.model.Head().Net.Isolated[in.N-1] {
			w.job(command.Rejoin{Replica: command.Replica(in.N)})
		} else {
			w.job(command.Isolate{Replica: command.Replica(in.N)})
		}
	case NextPartition:
		presets := command.Presets(w.n)
		if w.preset >= len(presets) {
			w.preset = 0
			w.job(command.Heal{})
			return
		}
		w.job(command.Partition{Groups: presets[w.preset]})
		w.preset++
	case Heal:
		w.preset = 0
		w.job(command.Heal{})
	case ToggleAuto:
		w.session.Do(command.Autoplay{On: !w.auto})
	case ToggleMessages:
		w.session.Do(command.Messages{On: !w.showMsgs})
	case StartGame, Promote, ToggleEnrolment:
		w.classIntent(in)
	case ClassForm:
		if w.formCheck != nil && w.link.live && w.seat == 0 {
			w.form = &classForm{validate: w.formCheck}
		}
	case LessonMenu:
		w.openMenu()
	case RestartLesson:
		if w.lesson != nil {
			w.startLesson(w.lesson.l.Name)
		}
	case SlowMotion:
		w.job(command.Slow{On: w.model.Head().Net.Slow == 0})
	case SaveRecord:
		w.saveRecord()
	}
}

// playerIntent carries out the player's keys; it reports whether in was one.
func (w *Window) playerIntent(in Intent) bool {
	p, live := &w.player, w.live()
	switch in.Kind {
	case Pause:
		p.Toggle(live)
	case StepBack, StepForward:
		dir := 1
		if in.Kind == StepBack {
			dir = -1
		}
		p.Step(w.model, dir, live)
	case JumpBack:
		p.Jump(w.model, -1_000_000, live)
	case JumpForward:
		p.Jump(w.model, 1_000_000, live)
	case Slower:
		p.Slower(live)
	case Faster:
		p.Faster()
	case Play:
		p.Play(live)
	case GoLive:
		if w.link.live {
			p.GoLive()
		} else {
			p.Seek(w.model, live, live)
		}
	case GoStart:
		start, _ := w.model.Range()
		p.Pause(live)
		p.Seek(w.model, start, live)
	default:
		return false
	}
	return true
}

// viewIntent carries out what changes only the window; it reports whether
// in was such.
func (w *Window) viewIntent(in Intent) bool {
	switch in.Kind {
	case Select:
		w.selected = in.N
	case ToggleHelp:
		w.showHelp = !w.showHelp
	case ToggleStats:
		w.showStats = !w.showStats
	case FullScreen:
		// Borderless: safer on projectors than changing the monitor's mode.
		rl.ToggleBorderlessWindowed()
	case TogglePresenter:
		w.presenter = !w.presenter
		fmt.Printf("view: %s\n", viewName(w.presenter))
	case ZoomIn:
		w.zoom = min(w.zoom+0.1, 1.6)
	case ZoomOut:
		w.zoom = max(w.zoom-0.1, 0.6)
	case ZoomReset:
		w.zoom = 1
	default:
		return false
	}
	return true
}

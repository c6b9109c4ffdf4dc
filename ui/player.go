package ui

import (
	"fmt"
	"time"
)

// The player moves the picture through the record: live (the newest
// moment), paused at a moment, or playing from one at a chosen speed. The
// cluster runs on whatever the picture does. Times are the record's, in
// µs since it began.

// PlayMode is what the player is doing.
type PlayMode int

const (
	Live PlayMode = iota
	Paused
	Playing
)

// Speed is a playback speed, a fraction of real time.
type Speed struct{ Num, Den int64 }

// Speeds are the speeds [ and ] choose from, on a log scale.
var Speeds = []Speed{{1, 1}, {1, 2}, {1, 5}, {1, 10}, {1, 20}, {1, 50}, {1, 100}, {1, 1000}}

func (s Speed) String() string {
	if s.Den == 1 {
		return fmt.Sprintf("%d×", s.Num)
	}
	return fmt.Sprintf("1/%d×", s.Den)
}

// Player is where in the record the picture is.
type Player struct {
	Mode  PlayMode
	T     int64 // the moment shown, when not live
	Speed int   // index into Speeds
	rest  int64 // playing: screen µs × Num not yet turned into record time
}

// Stepper finds the observations around a moment (a rewind.Model).
type Stepper interface {
	Next(t int64) (int64, bool)
	Prev(t int64) (int64, bool)
	Range() (start, end int64)
}

// maxFrameStep is the most screen time one frame plays.
const maxFrameStep = 100 * time.Millisecond

// At returns the moment shown, given the newest moment live.
func (p *Player) At(live int64) int64 {
	if p.Mode == Live {
		return live
	}
	return p.T
}

// Advance moves a playing picture on by dt of screen time; a picture that
// reaches live at full speed becomes live again, and one that reaches
// the end of a finished record pauses there. A frame that took long (a
// loaded laptop) moves it on by maxFrameStep at most: played slower, the
// picture still shows every state, where a jump would skip some (the
// intro's candidate, on a stalled frame).
func (p *Player) Advance(dt time.Duration, live int64, finished bool) {
	if p.Mode != Playing {
		return
	}
	dt = min(dt, maxFrameStep)
	s := Speeds[p.Speed]
	p.rest += dt.Microseconds() * s.Num
	p.T += p.rest / s.Den
	p.rest %= s.Den
	if p.T >= live {
		p.T = live
		switch {
		case finished:
			p.Mode = Paused
		case s.Den == 1:
			p.Mode = Live
		}
	}
}

// Pause stops the picture where it is.
func (p *Player) Pause(live int64) {
	p.T, p.Mode = p.At(live), Paused
}

// Toggle is Space: pause a moving picture, play a paused one.
func (p *Player) Toggle(live int64) {
	if p.Mode == Paused {
		p.Play(live)
		return
	}
	p.Pause(live)
}

// Play plays from the moment shown at the chosen speed.
func (p *Player) Play(live int64) {
	p.T, p.Mode, p.rest = p.At(live), Playing, 0
}

// GoLive returns to the newest moment.
func (p *Player) GoLive() { p.Mode = Live }

// Step pauses and moves to the next (dir > 0) or previous observation.
func (p *Player) Step(m Stepper, dir int, live int64) {
	p.Pause(live)
	var t int64
	var ok bool
	if dir > 0 {
		t, ok = m.Next(p.T)
	} else {
		t, ok = m.Prev(p.T)
	}
	if ok {
		p.Seek(m, t, live)
	}
}

// Jump pauses and moves by d µs, within the record.
func (p *Player) Jump(m Stepper, d int64, live int64) {
	p.Pause(live)
	p.Seek(m, p.T+d, live)
}

// Seek shows moment t (paused, unless playing), kept within the record.
func (p *Player) Seek(m Stepper, t int64, live int64) {
	start, _ := m.Range()
	if p.Mode == Live {
		p.Mode = Paused
	}
	p.T = min(max(t, start), live)
}

// Slower and Faster choose the next speed down or up; a live picture
// starts playing from now at the slower speed.
func (p *Player) Slower(live int64) {
	p.Speed = min(p.Speed+1, len(Speeds)-1)
	if p.Mode == Live {
		p.Play(live)
	}
}

func (p *Player) Faster() { p.Speed = max(p.Speed-1, 0) }

// SpeedIndex returns the index in Speeds of 1/den×, or 0 (full speed).
func SpeedIndex(den int64) int {
	for i, s := range Speeds {
		if s.Num == 1 && s.Den == den {
			return i
		}
	}
	return 0
}

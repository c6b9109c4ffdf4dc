package lesson

import (
	"errors"
	"strings"
	"time"

	"github.com/raftian/raftian/command"
	"github.com/raftian/raftian/rewind"
)

// Env is where a lesson plays: the window, the headless console, a test.
// The lesson runs on its own goroutine; Env's methods may block.
type Env interface {
	// Do carries out a command on the cluster.
	Do(cmd command.Command)
	// Show shows the caption band as it is now, and the picture at its
	// moment: paused at Caption.At, or live when At is Live.
	Show(c Caption)
	// Record is the cluster's record, which the lesson reads to find its
	// moments and to reveal answers; Now is its time now (µs).
	Record() rewind.Source
	Now() int64
	// Play plays the picture from one moment to another at 1/speed and
	// stays at the second; it returns when it is there (at once where
	// nothing is drawn), or when the lesson is stopped.
	Play(from, to int64, speed int)
	// Wait waits at most d for the class: it returns the first input (N,
	// B, stop), or a Timeout once d has passed, and how long it waited; d
	// is Forever at a pause, which only N (or B, or stop) ends. A
	// headless console returns at once (Waited 0), a Timeout or at a pause
	// Next: nothing there needs time to read.
	Wait(d time.Duration) Input
	// Answer waits for the class's answer to the question on screen, one
	// of n choices: an Answer or Stop. Keys pressed before the question
	// was shown, and keys that move on, never answer. A headless console,
	// where nobody answers, returns a Timeout at once.
	Answer(n int) Input
}

// Forever is how long a pause waits: until N.
const Forever time.Duration = -1

// Live is a caption's At when the picture is live, not paused.
const Live int64 = -1

// Input is what ended a Wait.
type Input struct {
	Kind   InputKind
	Answer int // an Answer's choice, from 1
	// Step is the step whose caption was on screen when the key was
	// pressed (0: unknown): N and B act on what the class saw, so a key
	// pressed before a caption showed does not skip it.
	Step   int
	Waited time.Duration // how long the Wait took
}

// InputKind is what the class did.
type InputKind int

const (
	Timeout InputKind = iota
	Next              // N or PageDown: the next step
	Back              // B or PageUp: the step before again
	Answer            // a choice
	Stop              // the lesson ends
)

// Caption is the lesson's band on screen, and where the picture is.
type Caption struct {
	Title    string
	Step, Of int
	Text     string   // the step's caption
	Question string   // a question waiting for its answer
	Choices  []string // its choices, answered by their digits
	Reveal   string   // what happened, and whether the guess was right
	Right    int      // 1 right, -1 wrong, 0 not answered
	Waiting  string   // what the lesson waits for, as a key hint
	Score    string   // at the end, if it asked
	Done     bool
	// At is the moment the picture is paused at while the caption is up
	// (µs into the record), or Live.
	At int64
	// Moment is the kind of moment it is about ("" if live), and Found
	// where it was found: what a test checks the picture against.
	Moment string
	Found  rewind.Found
}

// Shot is how one step's caption went: the moment it was about, where it
// was found, whether its claim held there, and what was said.
type Shot struct {
	Step   int
	Moment string // "" for a caption shown live
	Found  rewind.Found
	At     int64 // where the picture was paused, or Live
	To     int64 // where its play ended, or At
	Held   bool  // the moment came, the caption was filled, and the moment holds there
	Why    string
	Text   string
	Then   string // said once the play ended
	start  int64  // the step's start and end, for B
	end    int64
	speed  int
}

// ErrStopped is returned by Run when the lesson is stopped.
var ErrStopped = errors.New("lesson stopped")

// ReadingTime is how long a text stays on screen at least: a quarter of
// a second a word, and never less than three seconds (two lines of a
// caption, about 25 words, stay six).
func ReadingTime(text string) time.Duration {
	return max(3*time.Second, time.Duration(len(strings.Fields(text)))*240*time.Millisecond)
}

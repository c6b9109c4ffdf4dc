package session

import (
	"encoding/json"
	"errors"
	"io"
	"sync"
	"time"

	"github.com/raftian/raftian/command"
	"github.com/raftian/raftian/internal/jsonl"
	"github.com/raftian/raftian/world"
)

// A Recorder writes the commands a run carried out, one JSON object a
// line: {"t_ms": 1234, "cmd": "crash 3"}. Commands are written as they
// were carried out, roles resolved ("crash leader" is written as the
// replica it crashed), so that a replay makes the same faults and attacks.
type Recorder struct {
	mu    sync.Mutex
	w     io.Writer
	start time.Time
}

// NewRecorder records to w, timing commands from now.
func NewRecorder(w io.Writer) *Recorder { return &Recorder{w: w, start: time.Now()} }

// Input is one recorded command and when, after the start, it was made.
type Input struct {
	At  time.Duration
	Cmd command.Command
}

// line is an Input as a line of the file.
type line struct {
	TMs int64  `json:"t_ms"`
	Cmd string `json:"cmd"`
}

// Record writes one command. A nil Recorder records nothing.
func (r *Recorder) Record(cmd command.Command) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	b, _ := json.Marshal(line{TMs: time.Since(r.start).Milliseconds(), Cmd: cmd.String()})
	r.w.Write(append(b, '\n'))
}

// ReadRecording reads a file a Recorder wrote.
func ReadRecording(r io.Reader) ([]Input, error) {
	var out []Input
	_, err := jsonl.Read(r, func(l *line) error {
		if l.TMs < 0 {
			return errors.New("a negative time")
		}
		cmd, err := command.Parse(l.Cmd, world.MaxPlayers)
		if err != nil {
			return err
		}
		if cmd == nil {
			return errors.New("no command")
		}
		out = append(out, Input{At: time.Duration(l.TMs) * time.Millisecond, Cmd: cmd})
		return nil
	})
	return out, err
}

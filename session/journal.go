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

// A Journal writes the commands a run carried out, one JSON object a
// line: {"t_ms": 1234, "cmd": "crash 3"} (--journal, raftian replay).
// Commands are written as they were carried out, roles resolved ("crash
// leader" is written as the replica it crashed), so that a replay makes
// the same faults and attacks. (The record, package record, is another
// thing: what the replicas did, message by message.)
type Journal struct {
	mu    sync.Mutex
	w     io.Writer
	start time.Time
	err   error // the first write error
}

// NewJournal writes to w, timing commands from now.
func NewJournal(w io.Writer) *Journal { return &Journal{w: w, start: time.Now()} }

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

// Note writes one command. A nil Journal writes nothing.
func (j *Journal) Note(cmd command.Command) {
	if j == nil {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	b, _ := json.Marshal(line{TMs: time.Since(j.start).Milliseconds(), Cmd: cmd.String()})
	if _, err := j.w.Write(append(b, '\n')); err != nil && j.err == nil {
		j.err = err
	}
}

// Err returns the first error met writing the journal.
func (j *Journal) Err() error {
	if j == nil {
		return nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.err
}

// ReadJournal reads a file a Journal wrote.
func ReadJournal(r io.Reader) ([]Input, error) {
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

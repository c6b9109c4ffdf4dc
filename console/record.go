package console

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/raftian/raftian/node"
)

// A Recorder writes the inputs of a run, one JSON object a line:
// {"t_ms": 1234, "cmd": "crash 3"}. Commands are written as they were
// carried out, with names resolved ("crash leader" is written as the
// replica it crashed), so that a replay makes the same faults and attacks.
type Recorder struct {
	mu    sync.Mutex
	w     io.Writer
	start time.Time
}

// NewRecorder records to w, timing inputs from now.
func NewRecorder(w io.Writer) *Recorder { return &Recorder{w: w, start: time.Now()} }

// Input is one recorded input.
type Input struct {
	TMs int64  `json:"t_ms"`
	Cmd string `json:"cmd"`
}

// Record writes one input. A nil Recorder records nothing.
func (r *Recorder) Record(format string, args ...any) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	b, _ := json.Marshal(Input{TMs: time.Since(r.start).Milliseconds(), Cmd: fmt.Sprintf(format, args...)})
	r.w.Write(append(b, '\n'))
}

// ReadInputs reads a recording.
func ReadInputs(r io.Reader) ([]Input, error) {
	var out []Input
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var in Input
		if err := json.Unmarshal(sc.Bytes(), &in); err != nil || in.Cmd == "" || in.TMs < 0 {
			return nil, fmt.Errorf("line %d is not a recorded input", n)
		}
		out = append(out, in)
	}
	return out, sc.Err()
}

// Replay carries out recorded inputs on c at the times they were made
// (counted from when c first has a leader), answering on out as the
// console does.
func Replay(c *node.Cluster, inputs []Input, out io.Writer) {
	s := newSession(c, out, nil)
	s.run(Command{Name: "wait", Until: "leader", Timeout: 30 * time.Second})
	start := time.Now()
	for _, in := range inputs {
		time.Sleep(time.Until(start.Add(time.Duration(in.TMs) * time.Millisecond)))
		cmd, err := Parse(in.Cmd, c.Size())
		if err != nil || cmd.Name == "" || cmd.Name == "quit" || cmd.Name == "lesson" {
			s.say("error: cannot replay %q", in.Cmd)
			continue
		}
		s.say("replay %6.2fs: %s", float64(in.TMs)/1000, in.Cmd)
		s.run(cmd)
	}
	s.run(Command{Name: "wait", Until: "converged", Timeout: 30 * time.Second})
	s.say("replayed %d inputs", len(inputs))
}

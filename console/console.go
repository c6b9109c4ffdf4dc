// Package console is raftian's headless mode: commands read from a
// reader, one a line, carried out by a session and answered on a writer.
// It also plays lessons headless (their captions printed) and replays
// journals of commands.
package console

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/raftian/raftian/command"
	"github.com/raftian/raftian/lesson"
	"github.com/raftian/raftian/rewind"
	"github.com/raftian/raftian/session"
)

// MaxLine is the longest command line read; a longer one is answered with
// an error, skipped to its end without being kept, and the session goes on.
const MaxLine = 4096

var errLineTooLong = fmt.Errorf("line too long (over %d bytes): ignored", MaxLine)

// Run reads commands from in, one a line, carries them out with s and
// answers each on out, until quit or the end of the input. An attack made
// with nowait is answered twice: "proposed: ..." at once, and its outcome
// ("committed: ...", "rejected: ...", "failed: ...") on a line of its own
// as soon as it is known; Run returns only once every such answer is out.
// prompt, when not "", is written before each line is read (a person at a
// terminal). It reports whether any command answered with an error or a
// failure, for scripts that stop on one.
func Run(s *session.Session, in io.Reader, out io.Writer, prompt string) (failed bool, err error) {
	a := &answers{out: out}
	defer a.wg.Wait()
	r := bufio.NewReaderSize(in, MaxLine)
	for {
		a.write(func(out io.Writer) { io.WriteString(out, prompt) })
		line, err := readLine(r)
		if errors.Is(err, errLineTooLong) {
			a.say(func(out io.Writer) bool { fmt.Fprintf(out, "error: %v\n", err); return true })
			continue
		}
		if err == io.EOF {
			a.wg.Wait()
			return a.failed(), nil
		}
		if err != nil {
			return a.failed(), err
		}
		cmd, err := command.Parse(line, s.Size()) // the cluster may have grown
		switch {
		case err != nil:
			a.say(func(out io.Writer) bool { fmt.Fprintf(out, "error: %v\n", err); return true })
		case cmd == nil:
		case cmd == command.Quit{}:
			a.wg.Wait()
			a.write(func(out io.Writer) { fmt.Fprintln(out, "bye") })
			return a.failed(), nil
		case isLesson(cmd):
			if _, err := RunLesson(s, cmd.(command.Lesson).Name, a, nil); err != nil {
				a.say(func(out io.Writer) bool { fmt.Fprintf(out, "error: %v\n", err); return true })
			}
		default:
			res := s.Do(cmd)
			a.say(func(out io.Writer) bool { return Say(out, res) })
			if res.Ticket != nil {
				a.later(func() session.Result { return s.Answer(res) })
			}
		}
	}
}

// answers writes a session's answers: those of each line in turn, and
// those that arrive later (nowait attacks) as they come, one whole line
// at a time.
type answers struct {
	mu  sync.Mutex
	out io.Writer
	bad bool // some answer was an error or a failure
	wg  sync.WaitGroup
}

// Write writes p whole among the other answers (a lesson's lines).
func (a *answers) Write(p []byte) (int, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.out.Write(p)
}

func (a *answers) write(f func(io.Writer)) {
	a.mu.Lock()
	defer a.mu.Unlock()
	f(a.out)
}

// say writes with f, which reports whether it wrote an error or failure.
func (a *answers) say(f func(io.Writer) bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.bad = f(a.out) || a.bad
}

// later writes the result get waits for, once it is in.
func (a *answers) later(get func() session.Result) {
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		r := get()
		a.say(func(out io.Writer) bool { return Say(out, r) })
	}()
}

func (a *answers) failed() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.bad
}

func isLesson(cmd command.Command) bool {
	_, ok := cmd.(command.Lesson)
	return ok
}

// Say writes a result for a person and reports whether it was an error or
// a failure.
func Say(out io.Writer, r session.Result) bool {
	switch {
	case r.Err != nil && r.Outcome != nil:
		fmt.Fprintf(out, "failed: %v\n", r.Err)
	case r.Err != nil:
		if r.Text != "" { // done in part
			fmt.Fprintln(out, r.Text)
		}
		fmt.Fprintf(out, "error: %v\n", r.Err)
	case r.Text != "":
		fmt.Fprintln(out, r.Text)
	}
	return r.Err != nil
}

// readLine reads one line from r, whose buffer is MaxLine long.
func readLine(r *bufio.Reader) (string, error) {
	line, err := r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		for errors.Is(err, bufio.ErrBufferFull) {
			_, err = r.ReadSlice('\n')
		}
		if err != nil && err != io.EOF {
			return "", err
		}
		return "", errLineTooLong
	}
	if err == io.EOF && len(line) > 0 {
		err = nil // a last line without its newline
	}
	return strings.TrimRight(string(line), "\r\n"), err
}

// RunLesson plays a lesson headless: each step's commands answer as usual,
// and its caption is printed as "caption N (moment at S s): ...", a
// question as "question N: ..." (nobody answers here) and its reveal as
// "reveal N: ...". Nothing waits to be read: a terminal keeps what it
// printed. Each result is also handed to seen, when not nil. The
// lesson's own failures (an attack it means to fail) are shown, not
// returned: the error is for a lesson that cannot be played. It returns
// how each step's caption went.
func RunLesson(s *session.Session, name string, out io.Writer, seen func(session.Result)) ([]lesson.Shot, error) {
	l, err := lesson.Load(name)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "lesson: %s\n", l.Title)
	shots, err := lesson.Run(l, &headless{s: s, out: out, seen: seen})
	if err != nil {
		return shots, err
	}
	fmt.Fprintf(out, "lesson done: %s\n", l.Title)
	return shots, nil
}

// headless is the console as a lesson plays in it (lesson.Env).
type headless struct {
	s    *session.Session
	out  io.Writer
	seen func(session.Result)
	last lesson.Caption // what was printed already
}

func (h *headless) Do(cmd command.Command) {
	r := h.s.Do(cmd)
	Say(h.out, r)
	if h.seen != nil {
		h.seen(r)
	}
}

func (h *headless) Show(c lesson.Caption) {
	if c.Question != "" && c.Question != h.last.Question {
		var choices []string
		for i, ch := range c.Choices {
			choices = append(choices, fmt.Sprintf("%d: %s", i+1, ch))
		}
		fmt.Fprintf(h.out, "question %d: %s [%s]\n", c.Step, c.Question, strings.Join(choices, " · "))
	}
	if c.Reveal != "" && c.Reveal != h.last.Reveal {
		fmt.Fprintf(h.out, "reveal %d: %s\n", c.Step, c.Reveal)
	}
	if c.Text != "" && (c.Text != h.last.Text || c.Step != h.last.Step) {
		at := ""
		if c.Moment != "" && c.At != lesson.Live {
			at = fmt.Sprintf(" (%s at %.3f s)", c.Moment, float64(c.At)/1e6)
		}
		fmt.Fprintf(h.out, "caption %d%s: %s\n", c.Step, at, c.Text)
	}
	if c.Score != "" && c.Score != h.last.Score {
		fmt.Fprintln(h.out, c.Score)
	}
	h.last = c
}

func (h *headless) Record() rewind.Source          { return h.s.Record() }
func (h *headless) Now() int64                     { return h.s.Record().Now() }
func (h *headless) Play(from, to int64, speed int) {}
func (h *headless) Answer(int) lesson.Input        { return lesson.Input{Kind: lesson.Timeout} }

func (h *headless) Wait(d time.Duration) lesson.Input {
	if d == lesson.Forever {
		return lesson.Input{Kind: lesson.Next} // a pause: nothing here needs time to read
	}
	return lesson.Input{Kind: lesson.Timeout}
}

// Replay carries out recorded commands at the times they were made
// (counted from when the cluster first has a leader), answering on out.
func Replay(s *session.Session, inputs []session.Input, out io.Writer) {
	Say(out, s.Do(command.Wait{Until: command.UntilLeader, Timeout: 30 * time.Second}))
	start := time.Now()
	for _, in := range inputs {
		time.Sleep(time.Until(start.Add(in.At)))
		if in.Cmd == (command.Quit{}) || isLesson(in.Cmd) {
			fmt.Fprintf(out, "error: cannot replay %q\n", in.Cmd)
			continue
		}
		fmt.Fprintf(out, "replay %6.2fs: %s\n", in.At.Seconds(), in.Cmd)
		Say(out, s.Do(in.Cmd))
	}
	Say(out, s.Do(command.Wait{Until: command.UntilConverged, Timeout: 30 * time.Second}))
	fmt.Fprintf(out, "replayed %d inputs\n", len(inputs))
}

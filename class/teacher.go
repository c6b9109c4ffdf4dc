package class

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/raftian/raftian/merge"
)

// Seats is what the teacher's class service asks of the cluster (a
// *node.Cluster running seat 1). Each call is idempotent: a student who
// comes back takes the same steps again.
type Seats interface {
	AddSeat(id int, addr, name string) error // a non-voting member
	Promote(id int) error                    // a voter
	JoinGame(id int) error                   // its player has a city
	Applied() uint64                         // the teacher's replica's last applied entry
}

// Teacher is the class service on the teacher's laptop: it enrols students
// by the join code, gives each a seat and brings it into the cluster.
type Teacher struct {
	dir   string
	ca    *CA
	guard *Guard
	code  string
	log   *slog.Logger

	mu       sync.Mutex
	roster   rosterData
	closed   bool              // enrolment closed by the teacher
	heard    map[int]time.Time // when each seat last read the roster
	merged   *merge.Record     // the class's merged record, if kept (Observe)
	conns    map[net.Conn]bool // open on the class port
	links    map[int]*seatLink // each seat's stream, while it is connected
	streamed map[int]*streamCount
	network  func() Network // the class's network faults (network.go)
	netSet   int64          // when they were last set, unix µs

	reopened bool  // the class existed: this is its teacher coming back
	held     bool  // the game waits for the teacher: seats get no city yet
	waiting  []int // seats that took their place while the game was held

	wrong limiter
	ln    net.Listener
	wg    sync.WaitGroup
	seats Seats
}

// ClassOptions make or reopen a class.
type ClassOptions struct {
	Dir      string // the class directory (kept in the data directory)
	Name     string // the teacher's player name
	RaftAddr string // the teacher's replica's address
	Voters   int    // seats 1..Voters vote (3–7)
	Log      *slog.Logger
}

// OpenClass makes a class in o.Dir, or reopens the one there: the same CA,
// seats and roster; a new join code (codes die with the program).
func OpenClass(o ClassOptions) (*Teacher, error) {
	if o.Voters < 3 || o.Voters > 7 {
		return nil, fmt.Errorf("a class has 3 to 7 voters, not %d", o.Voters)
	}
	if err := CheckName(o.Name); err != nil {
		return nil, err
	}
	t := &Teacher{dir: o.Dir, log: o.Log}
	if t.log == nil {
		t.log = slog.Default()
	}
	r, err := readRoster(o.Dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if err := t.create(o); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, err
	default:
		if r.Ended {
			return nil, fmt.Errorf("the class in %s has ended: start a new one with --fresh", o.Dir)
		}
		if t.ca, err = LoadCA(o.Dir); err != nil {
			return nil, err
		}
		if r.Seats[0].Addr != o.RaftAddr { // the teacher's laptop moved: the seats find it by its beacon
			t.log.Info("class: the teacher's laptop moved", "from", r.Seats[0].Addr, "to", o.RaftAddr)
			r.Seats[0].Addr = o.RaftAddr
			if err := writeRoster(o.Dir, r); err != nil {
				return nil, err
			}
		}
		t.roster, t.reopened = r, true
	}
	if t.guard, err = LoadGuard(o.Dir); err != nil {
		return nil, err
	}
	if t.guard.Seat() != 1 {
		return nil, fmt.Errorf("the class directory %s holds seat %d, not the teacher's", o.Dir, t.guard.Seat())
	}
	for _, s := range t.roster.Seats {
		if s.Removed {
			t.guard.Remove(s.Seat)
		}
	}
	if t.code, err = NewCode(); err != nil {
		return nil, err
	}
	return t, nil
}

func (t *Teacher) create(o ClassOptions) error {
	ca, err := NewCA(time.Now())
	if err != nil {
		return err
	}
	key, err := NewKey()
	if err != nil {
		return err
	}
	cert, err := ca.Issue(1, &key.PublicKey, time.Now())
	if err != nil {
		return err
	}
	if err := SaveCA(o.Dir, ca); err != nil {
		return err
	}
	if err := SaveSeat(o.Dir, ca.Cert, cert, key); err != nil {
		return err
	}
	t.ca = ca
	t.roster = rosterData{Voters: o.Voters, Seats: []Entry{{Seat: 1, Name: o.Name, Addr: o.RaftAddr}}}
	return writeRoster(o.Dir, t.roster)
}

// HoldGame makes seats wait for StartGame before their players get a
// city: the teacher's window starts the game when the class has joined.
func (t *Teacher) HoldGame() {
	t.mu.Lock()
	t.held = true
	t.mu.Unlock()
}

// Held reports whether the game still waits for the teacher.
func (t *Teacher) Held() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.held
}

// StartGame gives every seat waiting for the game its city; seats that
// come later get theirs at once.
func (t *Teacher) StartGame() error {
	t.mu.Lock()
	t.held = false
	waiting := t.waiting
	t.waiting = nil
	t.mu.Unlock()
	var errs []error
	for _, n := range waiting {
		if err := t.seats.JoinGame(n); err != nil {
			errs = append(errs, fmt.Errorf("seat %d: %w", n, err))
		}
	}
	return errors.Join(errs...)
}

// Reopened reports whether the class existed before this run.
func (t *Teacher) Reopened() bool { return t.reopened }

// Code is this run's join code.
func (t *Teacher) Code() string { return t.code }

// Guard is the teacher's own seat's guard.
func (t *Teacher) Guard() *Guard { return t.guard }

// Roster returns every seat, removed ones too, by number.
func (t *Teacher) Roster() []Entry {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]Entry(nil), t.roster.Seats...)
}

// RTT is the class's Raft round trip in milliseconds: every seat runs its
// replica with it.
func (t *Teacher) RTT() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return rttOf(t.roster.RTTMs)
}

func rttOf(ms int) int {
	if ms == 0 {
		return DefaultRTT
	}
	return ms
}

// SetRTT sets the class's Raft round trip: every seat restarts its
// replica in place with it when it next reads the roster (within
// rosterEvery), and a seat that was away when it comes back.
func (t *Teacher) SetRTT(ms int) error {
	if ms < 1 || ms > MaxRTT {
		return fmt.Errorf("rtt %d ms: want 1 to %d", ms, MaxRTT)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.roster.RTTMs = ms
	return writeRoster(t.dir, t.roster)
}

// Voters is how many seats vote.
func (t *Teacher) Voters() int { return t.roster.Voters }

// SetEnrolment opens or closes enrolment: closed, every join is refused.
func (t *Teacher) SetEnrolment(open bool) {
	t.mu.Lock()
	t.closed = !open
	t.mu.Unlock()
}

// Removed marks seat n removed: its certificate is refused from now on,
// here and (through the roster) on every seat.
func (t *Teacher) Removed(n int) error {
	t.guard.Remove(n)
	t.mu.Lock()
	defer t.mu.Unlock()
	if n < 1 || n > len(t.roster.Seats) {
		return nil
	}
	t.roster.Seats[n-1].Removed = true
	return writeRoster(t.dir, t.roster)
}

// End ends the class: every seat learns it from the roster and stops, and
// this class directory cannot be started again. It waits until every seat
// that was reading the roster has read that it ended (a few seconds at
// most), and says which were not told: a seat that is down learns it
// when it comes back, if the teacher's program still runs.
func (t *Teacher) End() error {
	t.mu.Lock()
	t.roster.Ended, t.closed = true, true
	err := writeRoster(t.dir, t.roster)
	since := time.Now()
	t.mu.Unlock()
	if err != nil {
		return err
	}
	var missed []int
	for deadline := since.Add(3 * rosterEvery); ; time.Sleep(20 * time.Millisecond) {
		missed = missed[:0]
		t.mu.Lock()
		for _, s := range t.roster.Seats {
			if heard, ok := t.heard[s.Seat]; ok && !s.Removed && heard.Before(since) && since.Sub(heard) < 3*rosterEvery {
				missed = append(missed, s.Seat)
			}
		}
		t.mu.Unlock()
		if len(missed) == 0 || time.Now().After(deadline) {
			break
		}
	}
	if len(missed) > 0 {
		return fmt.Errorf("the class has ended, but seats %v did not hear it in time (down or cut off)", missed)
	}
	return nil
}

// Serve answers the class port on ln until Close, bringing students into
// the cluster through seats.
func (t *Teacher) Serve(ln net.Listener, seats Seats) {
	t.ln, t.seats = ln, seats
	t.conns = map[net.Conn]bool{}
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		var conns sync.WaitGroup
		defer conns.Wait()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			t.mu.Lock()
			if t.conns == nil { // nil once Close began: no new connection
				t.mu.Unlock()
				c.Close()
				return
			}
			t.conns[c] = true
			t.mu.Unlock()
			conns.Add(1)
			go func() {
				defer conns.Done()
				defer func() {
					t.mu.Lock()
					delete(t.conns, c)
					t.mu.Unlock()
					c.Close()
				}()
				t.handle(c)
			}()
		}
	}()
}

// Close stops the class port and waits for its connections to end.
func (t *Teacher) Close() {
	if t.ln != nil {
		t.ln.Close()
	}
	t.mu.Lock()
	for c := range t.conns { // seats' streams last as long as the seats
		c.Close()
	}
	t.conns = nil
	t.mu.Unlock()
	t.wg.Wait()
}

func (t *Teacher) handle(c net.Conn) {
	l := newLines(c)
	var h hello
	if err := l.read(&h); err != nil {
		t.log.Warn("class port: dropped a connection sending no hello", "remote", c.RemoteAddr().String(), "err", err)
		return
	}
	if h.Raftian != Version {
		l.write(message{Raftian: Version, Error: fmt.Sprintf(
			"this class runs raftian %s and you run raftian %s: install the teacher's version", Version, h.Raftian)})
		return
	}
	switch h.Want {
	case "join":
		if err := t.enrol(l, h.Share); err != nil {
			t.log.Warn("class port: refused a student", "remote", c.RemoteAddr().String(), "err", err)
		}
	case "seat":
		// The hello's reader may hold the start of the handshake already.
		tc, n, err := t.guard.Server(bufConn{c, l.r})
		if err != nil {
			t.log.Warn("class port: refused a seat", "remote", c.RemoteAddr().String(), "err", err)
			return
		}
		defer tc.Close()
		t.serveSeat(newLines(tc), n)
	default:
		l.write(message{Error: fmt.Sprintf("unknown request %q", h.Want)})
	}
}

// catchUpWithin bounds how long a seat may take to catch up when it takes
// its place.
const catchUpWithin = 2 * time.Minute

// ErrNotTeacher refuses a membership request made with a student's
// certificate.
var ErrNotTeacher = errors.New("membership commands are accepted only from the teacher's certificate (seat 1)")

// serveSeat answers seat n's requests, proven by its certificate.
func (t *Teacher) serveSeat(l *lines, n int) {
	for {
		var m message
		if err := l.readWithin(&m, 5*time.Minute); err != nil {
			return
		}
		switch m.Op {
		case "take":
			if err := t.take(l, n, m.Addr); err != nil {
				l.write(message{Error: err.Error()})
				return
			}
		case "stream":
			err := t.stream(l, n, m.Started)
			t.log.Info("class: a seat's stream ended", "seat", n, "why", err)
			return
		case "roster":
			t.mu.Lock()
			if t.heard == nil {
				t.heard = map[int]time.Time{}
			}
			t.heard[n] = time.Now()
			reply := message{Roster: append([]Entry(nil), t.roster.Seats...), Ended: t.roster.Ended, RTTMs: rttOf(t.roster.RTTMs),
				Net: t.networkLocked()}
			t.mu.Unlock()
			if l.write(reply) != nil {
				return
			}
		case "add", "remove", "promote", "end", "enrolment":
			t.log.Warn("class port: refused a membership command from a student", "seat", n, "op", m.Op)
			if l.write(message{Error: fmt.Sprintf("%v; this is seat %d's: %s refused", ErrNotTeacher, n, m.Op)}) != nil {
				return
			}
		default:
			l.write(message{Error: fmt.Sprintf("unknown request %q", m.Op)})
			return
		}
	}
}

// take brings seat n, listening at addr, into the cluster: a non-voting
// member, caught up, then a voter if its seat votes, and a player.
func (t *Teacher) take(l *lines, n int, addr string) error {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return fmt.Errorf("seat %d's address %q: %v", n, addr, err)
	}
	t.mu.Lock()
	if n > len(t.roster.Seats) || t.roster.Seats[n-1].Removed {
		t.mu.Unlock()
		return fmt.Errorf("seat %d was removed from the class", n)
	}
	e := &t.roster.Seats[n-1]
	if e.Addr != "" && e.Addr != addr { // its certificate proves the seat: it moved
		t.log.Info("class: a seat's laptop moved", "seat", n, "from", e.Addr, "to", addr)
	}
	e.Addr = addr
	name := e.Name
	err := writeRoster(t.dir, t.roster)
	t.mu.Unlock()
	if err != nil {
		return err
	}
	if err := t.seats.AddSeat(n, addr, name); err != nil {
		return err
	}
	if err := l.write(message{Op: "catch-up", Index: t.seats.Applied()}); err != nil {
		return err
	}
	var m message
	if err := l.readWithin(&m, catchUpWithin); err != nil || m.Op != "caught-up" {
		return fmt.Errorf("seat %d did not catch up: %v", n, err)
	}
	voter := n <= t.roster.Voters
	if voter {
		if err := t.seats.Promote(n); err != nil {
			return err
		}
	}
	t.mu.Lock()
	held := t.held
	if held && !slices.Contains(t.waiting, n) {
		t.waiting = append(t.waiting, n)
	}
	t.mu.Unlock()
	if !held {
		if err := t.seats.JoinGame(n); err != nil {
			return err
		}
	}
	t.log.Info("class: a seat took its place", "seat", n, "voter", voter, "waiting", held)
	return l.write(message{Op: "seated", Voter: voter, Waiting: held})
}

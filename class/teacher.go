package class

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
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
	network  func() Network                         // the class's network faults (network.go)
	summary  func() (leader string, seats []string) // the class's summary, relayed to the seats (relay.go)
	relaySum relaySum
	asked    Asked       // the open question (poll.go)
	answers  map[int]int // each seat's answer to it
	netSet   int64       // when they were last set, unix µs

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

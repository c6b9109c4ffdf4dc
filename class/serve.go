package class

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"sync"
	"time"
)

// The class port: each connection, a join or a seat's requests.

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

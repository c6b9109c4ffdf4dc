package class

import (
	"crypto/hmac"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Student is a seat on a student's laptop: its certificate, and the way to
// the teacher's class port.
type Student struct {
	Seat    int
	Name    string
	Teacher string // the class port, HOST:PORT
	Guard   *Guard
	// First: the seat was just given: its replica has never run and joins
	// the cluster.
	First bool

	netMu  sync.Mutex
	netSet int64 // the newest state of the class's network applied here (network.go)

	relayMu    sync.Mutex // what the teacher last relayed of the class (relay.go)
	relayLead  string
	relaySeats []string
	relayAt    time.Time
	asked      Asked        // the teacher's open question (poll.go)
	outbox     chan message // answers for the teacher, sent on the stream
}

// studentFile keeps what a seat needs to come back: the class port and
// the name it plays under.
const studentFile = "seat.json"

type studentData struct {
	Teacher string `json:"teacher"`
	Name    string `json:"name"`
}

// HasSeat reports whether dir keeps a seat: a student coming back.
func HasSeat(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, seatFile))
	return err == nil
}

// Join gives a seat to the student whose data is in dir: the one kept
// there (a student coming back), or a new one from the teacher at addr,
// enrolled with code.
func Join(code, addr, name, dir string) (*Student, error) {
	if HasSeat(dir) {
		g, err := LoadGuard(dir)
		if err != nil {
			return nil, err
		}
		var d studentData
		b, err := os.ReadFile(filepath.Join(dir, studentFile))
		if err == nil {
			err = json.Unmarshal(b, &d)
		}
		if err != nil {
			return nil, fmt.Errorf("the seat in %s is damaged (%v): join again with another data directory", dir, err)
		}
		return &Student{Seat: g.Seat(), Name: d.Name, Teacher: d.Teacher, Guard: g, outbox: make(chan message, 4)}, nil
	}
	if err := CheckName(name); err != nil {
		return nil, err
	}
	g, err := enrol(code, addr, name, Version)
	if err != nil {
		return nil, err
	}
	if err := SaveSeat(dir, g.ca, g.cert.Leaf, g.key()); err != nil {
		return nil, err
	}
	g.dir = dir
	b, _ := json.Marshal(studentData{Teacher: addr, Name: name})
	if err := os.WriteFile(filepath.Join(dir, studentFile), b, 0o600); err != nil {
		return nil, fmt.Errorf("class directory: %w", err)
	}
	return &Student{Seat: g.Seat(), Name: name, Teacher: addr, Guard: g, First: true, outbox: make(chan message, 4)}, nil
}

// dialTeacher opens the class port and says hello.
func dialTeacher(addr string, h hello) (net.Conn, *lines, error) {
	c, err := net.DialTimeout("tcp", addr, ioTimeout)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot reach the class at %s: %w", addr, err)
	}
	l := newLines(c)
	if err := l.write(h); err != nil {
		c.Close()
		return nil, nil, fmt.Errorf("the class at %s: %w", addr, err)
	}
	return c, l, nil
}

// ErrWrongCode is the teacher's answer to a code it did not give.
var ErrWrongCode = errors.New("wrong join code")

// enrol asks the teacher at addr for a seat, proving the code by SPAKE2;
// version is the program version this student says it runs.
func enrol(code, addr, name, version string) (*Guard, error) {
	key, err := NewKey()
	if err != nil {
		return nil, err
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return nil, err
	}
	p, err := newPake(code, true)
	if err != nil {
		return nil, err
	}
	c, l, err := dialTeacher(addr, hello{Raftian: version, Want: "join", Share: p.mine})
	if err != nil {
		return nil, err
	}
	defer c.Close()
	var m message
	if err := l.read(&m); err != nil {
		return nil, fmt.Errorf("the class at %s did not answer: %w", addr, err)
	}
	if m.Error != "" {
		return nil, fmt.Errorf("the class at %s refused: %s", addr, m.Error)
	}
	keys, err := p.finish(m.Share)
	if err != nil {
		return nil, fmt.Errorf("the class at %s: %w", addr, err)
	}
	out, err := newSealer(keys.studentKey)
	if err != nil {
		return nil, err
	}
	in, err := newSealer(keys.teacher)
	if err != nil {
		return nil, err
	}
	sealed, err := out.seal(joinRequest{Name: name, PublicKey: pub})
	if err != nil {
		return nil, err
	}
	if err := l.write(message{Confirm: keys.confirmA, Sealed: sealed}); err != nil {
		return nil, err
	}
	// A wrong code is answered late, on purpose: wait for it.
	if err := l.readWithin(&m, time.Minute); err != nil {
		return nil, fmt.Errorf("the class at %s did not answer: %w", addr, err)
	}
	if m.Error != "" {
		if m.Error == "wrong join code: check it on the teacher's screen" {
			return nil, fmt.Errorf("%w: check it on the teacher's screen", ErrWrongCode)
		}
		return nil, fmt.Errorf("the class at %s refused: %s", addr, m.Error)
	}
	if !hmac.Equal(m.Confirm, keys.confirmB) {
		return nil, fmt.Errorf("%s is not the class whose code you typed", addr)
	}
	var grant joinGrant
	if err := in.open(m.Sealed, &grant); err != nil {
		return nil, err
	}
	ca, err := x509.ParseCertificate(grant.CA)
	if err != nil {
		return nil, fmt.Errorf("the class's certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(grant.Cert)
	if err != nil {
		return nil, fmt.Errorf("the seat's certificate: %w", err)
	}
	return NewGuard(ca, cert, key)
}

// seatConn opens a mutual-TLS connection to the teacher's class port as
// this seat; the teacher must prove it is seat 1.
func (s *Student) seatConn() (*lines, func(), error) {
	c, l, err := dialTeacher(s.Teacher, hello{Raftian: Version, Want: "seat"})
	if err != nil {
		return nil, nil, err
	}
	tc, err := s.Guard.Client(c, 1)
	if err != nil {
		c.Close()
		// A refusal in the version check comes before the handshake.
		var m message
		if l.read(&m) == nil && m.Error != "" {
			return nil, nil, fmt.Errorf("the class at %s refused: %s", s.Teacher, m.Error)
		}
		return nil, nil, fmt.Errorf("the class at %s: %w", s.Teacher, err)
	}
	return newLines(tc), func() { tc.Close() }, nil
}

// Take takes the seat's place in the cluster: the teacher adds its replica
// at addr (non-voting), the replica catches up (applied reports how far
// it got), and the teacher makes it a voter if its seat votes, and gives
// its player a city (or, while the teacher holds the game, waiting
// for it). It returns whether the seat votes, and whether its player
// waits for the game to start.
func (s *Student) Take(addr string, applied func() uint64) (voter, waiting bool, err error) {
	l, done, err := s.seatConn()
	if err != nil {
		return false, false, err
	}
	defer done()
	if err := l.write(message{Op: "take", Addr: addr}); err != nil {
		return false, false, err
	}
	var m message
	if err := l.readWithin(&m, catchUpWithin); err != nil {
		return false, false, fmt.Errorf("the teacher did not answer: %w", err)
	}
	if m.Error != "" {
		return false, false, errors.New(m.Error)
	}
	deadline := time.Now().Add(catchUpWithin)
	for applied() < m.Index {
		if time.Now().After(deadline) {
			return false, false, fmt.Errorf("this seat did not catch up within %v (at %d of %d)", catchUpWithin, applied(), m.Index)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := l.write(message{Op: "caught-up"}); err != nil {
		return false, false, err
	}
	if err := l.readWithin(&m, catchUpWithin); err != nil {
		return false, false, fmt.Errorf("the teacher did not answer: %w", err)
	}
	if m.Error != "" {
		return false, false, errors.New(m.Error)
	}
	return m.Voter, m.Waiting, nil
}

// Roster is the class as a seat reads it from the teacher.
type Roster struct {
	Seats []Entry  `json:"seats"`
	RTTMs int      `json:"rtt_ms"` // the class's Raft round trip
	Ended bool     `json:"-"`
	Net   *Network `json:"-"` // the class's network faults, if the teacher said
}

// Roster asks the teacher for every seat, the class's round trip, and
// whether the class ended.
func (s *Student) Roster() (Roster, error) {
	m, err := s.request(message{Op: "roster"})
	return Roster{Seats: m.Roster, RTTMs: rttOf(m.RTTMs), Ended: m.Ended, Net: m.Net}, err
}

// Ask asks the teacher for a membership change (op on seat n): the teacher
// refuses it, since only its own certificate may change membership.
func (s *Student) Ask(op string, n int) error {
	_, err := s.request(message{Op: op, Seat: n})
	return err
}

// request sends the teacher one request as this seat and returns its
// answer; an answer that refuses is an error.
func (s *Student) request(req message) (message, error) {
	l, done, err := s.seatConn()
	if err != nil {
		return message{}, err
	}
	defer done()
	if err := l.write(req); err != nil {
		return message{}, err
	}
	var m message
	if err := l.read(&m); err != nil {
		return message{}, err
	}
	if m.Error != "" {
		return message{}, errors.New(m.Error)
	}
	return m, nil
}

// relocate looks for the class's beacon and, if the class announces
// itself elsewhere now, reaches it there from then on.
func (s *Student) relocate() {
	found, err := Discover(2 * beaconEvery)
	if err != nil {
		return
	}
	for _, f := range found {
		if f.Class == ID(s.Guard.ca) && f.Addr != s.Teacher {
			s.Teacher = f.Addr
			b, _ := json.Marshal(studentData{Teacher: f.Addr, Name: s.Name})
			os.WriteFile(filepath.Join(s.Guard.dir, studentFile), b, 0o600)
			return
		}
	}
}

// Cluster is what a student's seat tells its replicas of the roster (a
// *node.Cluster in a class).
type Cluster interface {
	SetSeat(id int, name, addr string, removed bool)
	SetRTT(ms int) error // restarts the seat's replica in place if it changed
	// FollowNetwork sets the class's network faults on this laptop's
	// transport: isolated seats, partition groups, slow motion.
	FollowNetwork(isolated []int, groups [][]int, slow time.Duration)
	Offline() bool // this laptop is off the network: it reads no roster
}

// rosterCache keeps the last roster a student's laptop read, for a start
// while the teacher's laptop is away.
const rosterCache = "roster-cache.json"

// Seats returns the class's seats and round trip: from the teacher, or,
// when the teacher cannot be reached, as last read.
func (s *Student) Seats() (Roster, error) {
	r, err := s.Roster()
	if err == nil {
		if r.Ended {
			return Roster{}, errors.New("the teacher has ended this class")
		}
		b, _ := json.Marshal(r)
		os.WriteFile(filepath.Join(s.Guard.dir, rosterCache), b, 0o600)
		return r, nil
	}
	b, cerr := os.ReadFile(filepath.Join(s.Guard.dir, rosterCache))
	if cerr != nil || json.Unmarshal(b, &r) != nil || len(r.Seats) == 0 {
		return Roster{}, err
	}
	r.RTTMs = rttOf(r.RTTMs)
	return r, nil
}

// rosterEvery is how often a seat asks the teacher for the roster.
const rosterEvery = 2 * time.Second

// Follow keeps c up to date with the teacher's roster until stop closes:
// new seats, names, removals (whose certificates this seat then refuses
// too). gone is called once if the class ends or this seat is removed.
func (s *Student) Follow(c Cluster, stop <-chan struct{}, gone func(why string)) {
	t := time.NewTicker(rosterEvery)
	defer t.Stop()
	missed := 0
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		if c.Offline() {
			continue
		}
		r, err := s.Roster()
		if err != nil {
			// The teacher's laptop is away (the class plays on), or it
			// moved: after a few misses, look for its beacon.
			if missed++; missed%3 == 0 {
				s.relocate()
			}
			continue
		}
		missed = 0
		c.SetRTT(r.RTTMs) // an error (impossible timing) leaves it as it was
		if r.Net != nil && s.netApplied(r.Net.Set) {
			c.FollowNetwork(r.Net.Isolated, r.Net.Groups, time.Duration(r.Net.SlowMs)*time.Millisecond)
		}
		for _, e := range r.Seats {
			c.SetSeat(e.Seat, e.Name, e.Addr, e.Removed)
			if e.Removed {
				s.Guard.Remove(e.Seat)
			}
		}
		switch {
		case r.Ended:
			gone("the teacher ended the class")
			return
		case s.Seat <= len(r.Seats) && r.Seats[s.Seat-1].Removed:
			gone(fmt.Sprintf("the teacher removed seat %d from the class", s.Seat))
			return
		}
	}
}

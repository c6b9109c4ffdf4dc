package class

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"log/slog"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/raftian/raftian/internal/testenv"
)

// noSeats is a cluster that must not be asked for anything: the tests here
// never get as far as a seat taking its place.
type noSeats struct{ t *testing.T }

func (n noSeats) AddSeat(int, string, string) error { n.t.Error("AddSeat called"); return nil }
func (n noSeats) Promote(int) error                 { n.t.Error("Promote called"); return nil }
func (n noSeats) JoinGame(int) error                { n.t.Error("JoinGame called"); return nil }
func (n noSeats) Applied() uint64                   { return 0 }

// newClass starts a teacher's class service on a free loopback port.
func newClass(t *testing.T) (*Teacher, string, *testenv.Buffer) {
	t.Helper()
	logs := &testenv.Buffer{}
	tc, err := OpenClass(ClassOptions{Dir: t.TempDir(), Name: "Teacher", RaftAddr: "127.0.0.1:1", Voters: 5,
		Log: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tc.Serve(ln, noSeats{t})
	t.Cleanup(tc.Close)
	return tc, ln.Addr().String(), logs
}

func TestTheRightCodeGivesASeat(t *testing.T) {
	tc, addr, _ := newClass(t)
	s, err := Join(tc.Code(), addr, "Ada", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if s.Seat != 2 || !s.First {
		t.Errorf("seat %d (first %v), want seat 2, first", s.Seat, s.First)
	}
	// The seat's certificate is the class's: the teacher's guard knows it.
	if s.Guard.Deployment() != tc.Guard().Deployment() {
		t.Error("the student's class is not the teacher's")
	}
	if r := tc.Roster(); len(r) != 2 || r[1].Name != "Ada" {
		t.Errorf("roster %+v", r)
	}
}

// Issue 24, hostile cases: a wrong code tried 1,000 times is refused each
// time with a message naming the cause, the last attempts slowed; nothing
// is given (no seat), and the right code still works after.
func TestAWrongCodeIsRefusedAndSlowed(t *testing.T) {
	tc, addr, _ := newClass(t)
	wrong := "ABCD-EFGH"
	if NormalizeCode(wrong) == NormalizeCode(tc.Code()) {
		wrong = "HGFE-DCBA"
	}
	var took []time.Duration
	for i := 0; i < 1000; i++ {
		start := time.Now()
		_, err := enrol(wrong, addr, "Mallory", Version)
		took = append(took, time.Since(start))
		if !errors.Is(err, ErrWrongCode) {
			t.Fatalf("attempt %d: %v, want a wrong join code", i+1, err)
		}
	}
	median := func(d []time.Duration) time.Duration {
		d = slices.Clone(d)
		slices.Sort(d)
		return d[len(d)/2]
	}
	first, last := median(took[:100]), median(took[900:])
	t.Logf("median answer to a wrong code: %v for the first 100, %v for the last 100", first, last)
	// A lower bound only: a loaded machine answers slower, never faster.
	if quickest := slices.Min(took[900:]); quickest < wrongDelay {
		t.Errorf("a wrong code among the last 100 was answered in %v: not slowed to %v", quickest, wrongDelay)
	}
	if n := len(tc.Roster()); n != 1 {
		t.Fatalf("wrong codes took seats: %d in the roster", n)
	}
	if _, err := Join(tc.Code(), addr, "Ada", t.TempDir()); err != nil {
		t.Fatalf("the right code after the wrong ones: %v", err)
	}
}

// A student running another version is refused, with both versions named.
func TestAnotherVersionIsRefused(t *testing.T) {
	tc, addr, _ := newClass(t)
	_, err := enrol(tc.Code(), addr, "Ada", "v0.0.1-old")
	if err == nil || !strings.Contains(err.Error(), Version) || !strings.Contains(err.Error(), "v0.0.1-old") {
		t.Fatalf("another version: %v; want both versions named", err)
	}
	if len(tc.Roster()) != 1 {
		t.Error("another version took a seat")
	}
}

// A student's certificate cannot change membership: the teacher refuses,
// naming why, and the roster stays.
func TestAStudentCannotChangeMembers(t *testing.T) {
	tc, addr, logs := newClass(t)
	s, err := Join(tc.Code(), addr, "Ada", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range []string{"remove", "promote", "add", "end"} {
		err := s.Ask(op, 1)
		if err == nil || !strings.Contains(err.Error(), "only from the teacher's certificate") {
			t.Errorf("%s from a student: %v", op, err)
		}
	}
	if r := tc.Roster(); len(r) != 2 || r[0].Removed || r[1].Removed {
		t.Errorf("roster changed: %+v", r)
	}
	waitLog(t, logs, "refused a membership command from a student")
}

// A removed seat's certificate, and one from another class's CA, are
// refused at the handshake: neither reads the roster.
func TestRemovedAndForeignSeatsAreRefused(t *testing.T) {
	tc, addr, logs := newClass(t)
	s, err := Join(tc.Code(), addr, "Ada", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Roster(); err != nil {
		t.Fatalf("a seat of the class reads the roster: %v", err)
	}
	// Another class's seat, trusting anyone (so that only the teacher's
	// check can refuse it).
	other, _, _ := newClass(t)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	newLines(c).write(hello{Raftian: Version, Want: "seat"})
	cfg := other.Guard().config(func([]*x509.Certificate) error { return nil })
	cfg.InsecureSkipVerify = true
	tls.Client(c, cfg).Handshake()
	c.Close()
	waitLog(t, logs, ErrOtherClass.Error())

	tc.Removed(s.Seat)
	if _, err := s.Roster(); err == nil {
		t.Error("a removed seat read the roster")
	}
	waitLog(t, logs, ErrRemoved.Error())
}

// waitLog waits for the teacher's log to say what.
func waitLog(t *testing.T, logs *testenv.Buffer, what string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(logs.String(), what); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the teacher's log does not say %q:\n%s", what, logs.String())
		}
	}
}

// Garbage on the class port closes that connection with a log line; the
// class goes on enrolling.
func TestGarbageOnTheClassPort(t *testing.T) {
	tc, addr, logs := newClass(t)
	for _, junk := range [][]byte{[]byte("GET / HTTP/1.0\r\n\r\n"), bytes.Repeat([]byte{0x16, 3, 1}, 30000), {0}, []byte(`{"raftian":"` + Version + `","want":"join","share":"AAAA"}` + "\n")} {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		c.Write(junk)
		c.(*net.TCPConn).CloseWrite()
		c.SetReadDeadline(time.Now().Add(15 * time.Second))
		var buf [4096]byte
		for {
			if _, err := c.Read(buf[:]); err != nil {
				break
			}
		}
		c.Close()
	}
	if _, err := Join(tc.Code(), addr, "Ada", t.TempDir()); err != nil {
		t.Fatalf("after garbage: %v", err)
	}
	waitLog(t, logs, "dropped a connection")
}

func TestPakeNeedsTheSameCode(t *testing.T) {
	a, _ := newPake("ABCD-EFGH", true)
	b, _ := newPake("abcdefgh", false) // the same code, typed otherwise
	ka, err := a.finish(b.mine)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := b.finish(a.mine)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ka.confirmA, kb.confirmA) || !bytes.Equal(ka.studentKey, kb.studentKey) {
		t.Error("the same code gave different keys")
	}
	c, _ := newPake("ABCD-EFGJ", false)
	kc, err := c.finish(a.mine)
	if err != nil {
		t.Fatal(err)
	}
	ka2, _ := a.finish(c.mine)
	if bytes.Equal(ka2.confirmA, kc.confirmA) || bytes.Equal(ka2.studentKey, kc.studentKey) {
		t.Error("different codes gave the same keys")
	}
	if _, err := a.finish(make([]byte, 32)); err == nil {
		t.Error("a small-order share was taken")
	}
}

// The limiter answers the first freeWrong wrong codes at once and every
// later one after wrongDelay; codes older than the window are forgotten.
func TestTheLimiterSlowsAfterAHundred(t *testing.T) {
	var l limiter
	for i := 1; i <= freeWrong; i++ {
		if d := l.fail(); d != 0 {
			t.Fatalf("wrong code %d waits %v, want none", i, d)
		}
	}
	if d := l.fail(); d != wrongDelay {
		t.Fatalf("wrong code %d waits %v, want %v", freeWrong+1, d, wrongDelay)
	}
	for i := range l.wrong { // as if they were all tried long ago
		l.wrong[i] = l.wrong[i].Add(-wrongWindow)
	}
	if d := l.fail(); d != 0 {
		t.Errorf("after the window a wrong code waits %v, want none", d)
	}
}

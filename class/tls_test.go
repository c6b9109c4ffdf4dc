package class

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// seat makes seat n of ca, with its guard.
func seat(t *testing.T, ca *CA, n int) *Guard {
	t.Helper()
	key, err := NewKey()
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.Issue(n, &key.PublicKey, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	g, err := NewGuard(ca.Cert, cert, key)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func newCA(t *testing.T) *CA {
	t.Helper()
	ca, err := NewCA(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

// dial connects client to server over loopback TCP, as the Raft transport
// does, and returns both ends' results: the seat the server saw, and each
// side's error.
func dial(t *testing.T, server, client *Guard, want int) (seen int, serverErr, clientErr error) {
	t.Helper()
	return dialWith(t, server, func(c net.Conn) (net.Conn, error) { return client.Client(c, want) })
}

// impostor is a client that trusts any server and shows g's certificate:
// what an attacker would run.
func impostor(g *Guard) func(net.Conn) (net.Conn, error) {
	return func(c net.Conn) (net.Conn, error) {
		tc := tls.Client(c, &tls.Config{MinVersion: tls.VersionTLS13, InsecureSkipVerify: true,
			Certificates: []tls.Certificate{g.cert}})
		return tc, tc.Handshake()
	}
}

func dialWith(t *testing.T, server *Guard, client func(net.Conn) (net.Conn, error)) (seen int, serverErr, clientErr error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	type result struct {
		seat int
		err  error
	}
	done := make(chan result, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			done <- result{0, err}
			return
		}
		tc, n, err := server.Server(c)
		if err == nil {
			tc.Close()
		}
		done <- result{n, err}
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	tc, clientErr := client(c)
	if clientErr == nil {
		// TLS 1.3: the client finishes before the server has checked its
		// certificate; a refusal arrives on the first read.
		var b [1]byte
		tc.SetReadDeadline(time.Now().Add(HandshakeTimeout))
		if _, err := tc.Read(b[:]); err != nil && !errors.Is(err, net.ErrClosed) && err.Error() != "EOF" {
			clientErr = err
		}
		tc.Close()
	}
	r := <-done
	return r.seat, r.err, clientErr
}

func TestSeatsOfOneClassKnowEachOther(t *testing.T) {
	ca := newCA(t)
	one, two := seat(t, ca, 1), seat(t, ca, 2)
	seen, serr, cerr := dial(t, one, two, 1)
	if serr != nil || cerr != nil {
		t.Fatalf("server: %v, client: %v", serr, cerr)
	}
	if seen != 2 {
		t.Errorf("the server saw seat %d, want 2", seen)
	}
}

func TestAnotherClassIsRefused(t *testing.T) {
	ours, theirs := newCA(t), newCA(t)
	one, stranger := seat(t, ours, 1), seat(t, theirs, 2)
	_, serr, cerr := dialWith(t, one, impostor(stranger))
	if !errors.Is(serr, ErrOtherClass) {
		t.Errorf("server: %v, want %v", serr, ErrOtherClass)
	}
	if cerr == nil {
		t.Error("the stranger's handshake succeeded")
	}
	// And the other way round: a stranger posing as seat 1's server.
	two := seat(t, ours, 2)
	_, _, cerr = dial(t, stranger, two, 1)
	if !errors.Is(cerr, ErrOtherClass) {
		t.Errorf("client: %v, want %v", cerr, ErrOtherClass)
	}
}

func TestARemovedSeatIsRefused(t *testing.T) {
	ca := newCA(t)
	one, three := seat(t, ca, 1), seat(t, ca, 3)
	one.Remove(3)
	_, serr, cerr := dialWith(t, one, impostor(three))
	if !errors.Is(serr, ErrRemoved) {
		t.Errorf("server: %v, want %v", serr, ErrRemoved)
	}
	if cerr == nil {
		t.Error("the removed seat's handshake succeeded")
	}
	if _, serr, _ := dial(t, one, seat(t, ca, 2), 1); serr != nil {
		t.Errorf("seat 2, not removed, was refused: %v", serr)
	}
}

func TestASeatMustBeTheOneDialled(t *testing.T) {
	ca := newCA(t)
	one, two := seat(t, ca, 1), seat(t, ca, 2)
	_, _, cerr := dial(t, one, two, 4) // the address book said seat 4
	if !errors.Is(cerr, ErrWrongSeat) {
		t.Errorf("client: %v, want %v", cerr, ErrWrongSeat)
	}
}

func TestGarbageIsNotAHandshake(t *testing.T) {
	ca := newCA(t)
	one := seat(t, ca, 1)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			return
		}
		c.Write([]byte("GET / HTTP/1.0\r\n\r\n\x00\xff\x16\x03\x01garbage"))
		c.Close()
	}()
	c, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := one.Server(c); err == nil {
		t.Error("garbage made a connection")
	}
}

func TestSeatNames(t *testing.T) {
	for n := 1; n <= MaxSeats; n++ {
		got, err := SeatOf(&x509.Certificate{URIs: []*url.URL{SeatURI(n)}})
		if err != nil || got != n {
			t.Errorf("seat %d: got %d, %v", n, got, err)
		}
	}
	for _, bad := range []string{"raftian://seat/0", "raftian://seat/33", "raftian://seat/03",
		"raftian://seat/+3", "https://seat/3", "raftian://seat/3/x", "raftian://host/3", "raftian://seat/"} {
		u, err := url.Parse(bad)
		if err != nil {
			t.Fatal(err)
		}
		if n, err := SeatOf(&x509.Certificate{URIs: []*url.URL{u}}); !errors.Is(err, ErrNotASeat) {
			t.Errorf("%s: seat %d, %v; want %v", bad, n, err, ErrNotASeat)
		}
	}
	two := []*url.URL{SeatURI(1), SeatURI(2)}
	if _, err := SeatOf(&x509.Certificate{URIs: two}); !errors.Is(err, ErrNotASeat) {
		t.Errorf("a certificate naming two seats: %v", err)
	}
	ca := newCA(t)
	key, _ := NewKey()
	for _, n := range []int{0, -1, MaxSeats + 1} {
		if _, err := ca.Issue(n, &key.PublicKey, time.Now()); err == nil {
			t.Errorf("the CA signed seat %d", n)
		}
	}
}

func TestASeatIsKeptOnDisk(t *testing.T) {
	dir := t.TempDir()
	ca := newCA(t)
	if err := SaveCA(filepath.Join(dir, "teacher"), ca); err != nil {
		t.Fatal(err)
	}
	back, err := LoadCA(filepath.Join(dir, "teacher"))
	if err != nil {
		t.Fatal(err)
	}
	if !back.Cert.Equal(ca.Cert) || !back.Key.Equal(ca.Key) {
		t.Fatal("the CA read back differs")
	}
	key, _ := NewKey()
	cert, err := back.Issue(5, &key.PublicKey, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	seatDir := filepath.Join(dir, "student")
	if err := SaveSeat(seatDir, ca.Cert, cert, key); err != nil {
		t.Fatal(err)
	}
	g, err := LoadGuard(seatDir)
	if err != nil {
		t.Fatal(err)
	}
	if g.Seat() != 5 {
		t.Errorf("seat %d read back, want 5", g.Seat())
	}
	fi, err := os.Stat(filepath.Join(seatDir, seatKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("the seat's key has mode %v, want 0600", fi.Mode().Perm())
	}
	// Another seat's key beside this certificate: damaged, said so.
	other, _ := NewKey()
	if err := writeKey(filepath.Join(seatDir, seatKeyFile), other); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadGuard(seatDir); err == nil {
		t.Error("a key that is not the certificate's was taken")
	}
	os.WriteFile(filepath.Join(seatDir, seatFile), []byte("not a certificate"), 0o644)
	if _, err := LoadGuard(seatDir); err == nil {
		t.Error("a damaged certificate file was taken")
	}
	if _, err := LoadGuard(filepath.Join(dir, "nobody")); err == nil {
		t.Error("an empty directory gave a seat")
	}
}

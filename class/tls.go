package class

import (
	"context"
	"crypto/ecdsa"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
)

// HandshakeTimeout bounds a TLS handshake: a peer that connects and says
// nothing holds a connection only this long.
const HandshakeTimeout = 5 * time.Second

// Guard makes and checks the TLS connections of one seat: every Raft
// connection between seats is TLS 1.3, both ends show a certificate of the
// class's CA, and each end learns the other's seat from it.
type Guard struct {
	seat int
	cert tls.Certificate
	ca   *x509.Certificate
	pool *x509.CertPool

	dir string // where the seat is kept, if it was read from one

	mu      sync.Mutex
	removed map[int]bool
}

// NewGuard returns the guard of seat n, whose certificate (signed by ca)
// and key are given.
func NewGuard(ca, cert *x509.Certificate, key *ecdsa.PrivateKey) (*Guard, error) {
	n, err := SeatOf(cert)
	if err != nil {
		return nil, fmt.Errorf("this seat's certificate: %w", err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	g := &Guard{
		seat:    n,
		cert:    tls.Certificate{Certificate: [][]byte{cert.Raw}, PrivateKey: key, Leaf: cert},
		ca:      ca,
		pool:    pool,
		removed: map[int]bool{},
	}
	if _, err := g.verify([]*x509.Certificate{cert}); err != nil {
		return nil, fmt.Errorf("this seat's certificate: %w", err)
	}
	return g, nil
}

// Seat is the guard's own seat.
func (g *Guard) Seat() int { return g.seat }

// Remove refuses seat n's certificate from now on: the class removed it.
func (g *Guard) Remove(n int) {
	g.mu.Lock()
	g.removed[n] = true
	g.mu.Unlock()
}

// The reasons a handshake is refused, for errors.Is.
var (
	ErrOtherClass  = errors.New("a certificate this class's CA did not sign")
	ErrRemoved     = errors.New("a seat removed from the class")
	ErrWrongSeat   = errors.New("another seat than the one dialled")
	ErrNoCertShown = errors.New("no certificate shown")
)

// Server runs the server side of a handshake on an accepted connection and
// returns it with the seat at the other end.
func (g *Guard) Server(nc net.Conn) (net.Conn, int, error) {
	var seat int
	cfg := g.config(func(certs []*x509.Certificate) error {
		n, err := g.verify(certs)
		seat = n
		return err
	})
	cfg.ClientAuth = tls.RequireAnyClientCert // verified by VerifyConnection, in our words
	tc := tls.Server(nc, cfg)
	if err := handshake(tc); err != nil {
		return nil, 0, err
	}
	return tc, seat, nil
}

// Client runs the client side of a handshake on a dialled connection to
// seat want: the peer must prove it is that seat.
func (g *Guard) Client(nc net.Conn, want int) (net.Conn, error) {
	cfg := g.config(func(certs []*x509.Certificate) error {
		n, err := g.verify(certs)
		if err == nil && n != want {
			err = fmt.Errorf("%w: dialled seat %d, the certificate is seat %d's", ErrWrongSeat, want, n)
		}
		return err
	})
	// A seat is checked by its certificate, not by the address dialled
	// (which DHCP moves): Go's own host name check is replaced, not dropped.
	cfg.InsecureSkipVerify = true
	tc := tls.Client(nc, cfg)
	if err := handshake(tc); err != nil {
		return nil, err
	}
	return tc, nil
}

func (g *Guard) config(check func([]*x509.Certificate) error) *tls.Config {
	return &tls.Config{
		MinVersion:   tls.VersionTLS13,
		Certificates: []tls.Certificate{g.cert},
		// Raft sends in bursts after quiet spells (a heartbeat, then a
		// catch-up): full-size records from the first byte.
		DynamicRecordSizingDisabled: true,
		VerifyConnection: func(cs tls.ConnectionState) error {
			return check(cs.PeerCertificates)
		},
	}
}

func handshake(tc *tls.Conn) error {
	ctx, cancel := context.WithTimeout(context.Background(), HandshakeTimeout)
	defer cancel()
	if err := tc.HandshakeContext(ctx); err != nil {
		tc.Close()
		return fmt.Errorf("TLS handshake: %w", err)
	}
	return nil
}

// verify checks that certs is a seat certificate of this class for a seat
// not removed, and returns the seat.
func (g *Guard) verify(certs []*x509.Certificate) (int, error) {
	if len(certs) == 0 {
		return 0, ErrNoCertShown
	}
	leaf := certs[0]
	opts := x509.VerifyOptions{Roots: g.pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}
	if _, err := leaf.Verify(opts); err != nil {
		var unknown x509.UnknownAuthorityError
		if errors.As(err, &unknown) {
			return 0, fmt.Errorf("%w (%q)", ErrOtherClass, leaf.Subject.CommonName)
		}
		return 0, fmt.Errorf("%w: %v", ErrOtherClass, err)
	}
	n, err := SeatOf(leaf)
	if err != nil {
		return 0, err
	}
	g.mu.Lock()
	gone := g.removed[n]
	g.mu.Unlock()
	if gone {
		return 0, fmt.Errorf("%w: seat %d", ErrRemoved, n)
	}
	return n, nil
}

func (g *Guard) key() *ecdsa.PrivateKey { return g.cert.PrivateKey.(*ecdsa.PrivateKey) }

// Deployment is the guard's class's Raft deployment id.
func (g *Guard) Deployment() uint64 { return Deployment(g.ca) }

// MayChangeMembers reports whether seat n may propose membership changes:
// only the teacher's seat.
func (g *Guard) MayChangeMembers(n int) bool { return n == 1 }

// Package class makes a classroom's laptops one cluster: the class's own
// certificate authority, each seat's certificate, and the mutual TLS every
// Raft connection between seats is made with.
//
// A seat is known by its certificate, never by its address: laptops on a
// school network change addresses, and anyone on that network can send to
// a port. The class CA signs one certificate per seat, naming the seat's
// number as a URI (raftian://seat/3); a connection is accepted only from a
// certificate the class CA signed, for a seat the class has not removed.
package class

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"strconv"
	"time"
)

// MaxSeats is the highest seat number a certificate may carry.
const MaxSeats = 32

// Validity of what the CA signs: a class lasts a term, not years; a clock
// a few hours wrong must not refuse a seat.
const (
	caValidity   = 400 * 24 * time.Hour
	seatValidity = 400 * 24 * time.Hour
	clockSlack   = 24 * time.Hour
)

// CA is a class's certificate authority: only the teacher's laptop holds
// its key.
type CA struct {
	Cert *x509.Certificate
	Key  *ecdsa.PrivateKey
}

// ID names a class by its CA: the first bytes of the CA certificate's
// SHA-256, in hex. Two classes never share one.
func ID(ca *x509.Certificate) string {
	sum := sha256.Sum256(ca.Raw)
	return hex.EncodeToString(sum[:6])
}

// NewCA makes a new class's certificate authority.
func NewCA(now time.Time) (*CA, error) {
	key, err := NewKey()
	if err != nil {
		return nil, err
	}
	serial, err := serialNumber()
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{Organization: []string{"raftian"}, CommonName: "raftian class CA"},
		NotBefore:             now.Add(-clockSlack),
		NotAfter:              now.Add(caValidity),
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true, // it signs seats, never another CA
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("make the class CA: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("make the class CA: %w", err)
	}
	return &CA{Cert: cert, Key: key}, nil
}

// NewKey makes a seat's (or the CA's) private key: ECDSA P-256, which
// every TLS 1.3 peer speaks and Go signs with in constant time.
func NewKey() (*ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("make a key: %w", err)
	}
	return key, nil
}

// Issue signs a certificate for seat n's public key: a seat proves its
// number with it, both as a client and as a server.
func (ca *CA) Issue(n int, pub *ecdsa.PublicKey, now time.Time) (*x509.Certificate, error) {
	if n < 1 || n > MaxSeats {
		return nil, fmt.Errorf("seat %d: seats are numbered 1 to %d", n, MaxSeats)
	}
	serial, err := serialNumber()
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{Organization: []string{"raftian"}, CommonName: fmt.Sprintf("seat %d", n)},
		URIs:         []*url.URL{SeatURI(n)},
		NotBefore:    now.Add(-clockSlack),
		NotAfter:     now.Add(seatValidity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, pub, ca.Key)
	if err != nil {
		return nil, fmt.Errorf("sign seat %d: %w", n, err)
	}
	return x509.ParseCertificate(der)
}

// SeatURI is the name a seat's certificate carries.
func SeatURI(n int) *url.URL {
	return &url.URL{Scheme: "raftian", Host: "seat", Path: "/" + strconv.Itoa(n)}
}

// ErrNotASeat says a certificate names no seat of a class.
var ErrNotASeat = errors.New("the certificate names no seat")

// SeatOf returns the seat a certificate names. It checks the name only:
// Verify checks who signed it.
func SeatOf(cert *x509.Certificate) (int, error) {
	if len(cert.URIs) != 1 {
		return 0, ErrNotASeat
	}
	u := cert.URIs[0]
	if u.Scheme != "raftian" || u.Host != "seat" || len(u.Path) < 2 {
		return 0, fmt.Errorf("%w (it names %s)", ErrNotASeat, u)
	}
	n, err := strconv.Atoi(u.Path[1:])
	if err != nil || n < 1 || n > MaxSeats || u.Path[1:] != strconv.Itoa(n) {
		return 0, fmt.Errorf("%w (it names %s)", ErrNotASeat, u)
	}
	return n, nil
}

func serialNumber() (*big.Int, error) {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, fmt.Errorf("make a serial number: %w", err)
	}
	return n, nil
}

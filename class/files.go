package class

import (
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// A class's files in a data directory: the CA's certificate on every seat,
// its key only on the teacher's laptop, and each seat's own certificate and
// key. Keys are readable by their owner only.
const (
	caFile      = "ca.pem"
	caKeyFile   = "ca-key.pem"
	seatFile    = "seat.pem"
	seatKeyFile = "seat-key.pem"
)

// SaveCA writes the CA's certificate and key into dir.
func SaveCA(dir string, ca *CA) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("class directory: %w", err)
	}
	if err := writeCert(filepath.Join(dir, caFile), ca.Cert); err != nil {
		return err
	}
	return writeKey(filepath.Join(dir, caKeyFile), ca.Key)
}

// LoadCA reads the CA a teacher's laptop keeps in dir.
func LoadCA(dir string) (*CA, error) {
	cert, key, err := readPair(dir, caFile, caKeyFile, "the class directory %s is damaged; start a new class in another directory")
	if err != nil {
		return nil, err
	}
	return &CA{Cert: cert, Key: key}, nil
}

// SaveSeat writes a seat's CA certificate, its own certificate and its key
// into dir.
func SaveSeat(dir string, ca, cert *x509.Certificate, key *ecdsa.PrivateKey) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("class directory: %w", err)
	}
	if err := writeCert(filepath.Join(dir, caFile), ca); err != nil {
		return err
	}
	if err := writeCert(filepath.Join(dir, seatFile), cert); err != nil {
		return err
	}
	return writeKey(filepath.Join(dir, seatKeyFile), key)
}

// LoadGuard reads the seat kept in dir and returns its guard.
func LoadGuard(dir string) (*Guard, error) {
	ca, err := readCert(filepath.Join(dir, caFile))
	if err != nil {
		return nil, err
	}
	cert, key, err := readPair(dir, seatFile, seatKeyFile, "the seat in %s is damaged; join the class again with a new data directory")
	if err != nil {
		return nil, err
	}
	g, err := NewGuard(ca, cert, key)
	if g != nil {
		g.dir = dir
	}
	return g, err
}

// readPair reads a certificate and its key from dir; a key that is not the
// certificate's is an error saying, in damaged (a format taking dir), what
// to do.
func readPair(dir, certFile, keyFile, damaged string) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	cert, err := readCert(filepath.Join(dir, certFile))
	if err != nil {
		return nil, nil, err
	}
	key, err := readKey(filepath.Join(dir, keyFile))
	if err != nil {
		return nil, nil, err
	}
	if !key.PublicKey.Equal(cert.PublicKey) {
		return nil, nil, fmt.Errorf("%s does not belong to %s: "+damaged, keyFile, certFile, dir)
	}
	return cert, key, nil
}

func writeCert(path string, cert *x509.Certificate) error {
	return writePEM(path, &pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}, 0o644)
}

func writeKey(path string, key *ecdsa.PrivateKey) error {
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return writePEM(path, &pem.Block{Type: "EC PRIVATE KEY", Bytes: der}, 0o600)
}

// writePEM writes a file whole or not at all (a crash mid-write must not
// leave a seat with half a key).
func writePEM(path string, b *pem.Block, mode os.FileMode) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, pem.EncodeToMemory(b), mode); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func readPEM(path, kind string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s is missing: this directory holds no class seat", path)
		}
		return nil, err
	}
	b, _ := pem.Decode(data)
	if b == nil || b.Type != kind {
		return nil, fmt.Errorf("%s holds no %s: the file is damaged", path, kind)
	}
	return b.Bytes, nil
}

func readCert(path string) (*x509.Certificate, error) {
	der, err := readPEM(path, "CERTIFICATE")
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return cert, nil
}

func readKey(path string) (*ecdsa.PrivateKey, error) {
	der, err := readPEM(path, "EC PRIVATE KEY")
	if err != nil {
		return nil, err
	}
	key, err := x509.ParseECPrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return key, nil
}

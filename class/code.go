package class

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"runtime/debug"
	"strings"
)

// codeAlphabet has no letters a projector makes ambiguous (0/O, 1/I/L, U/V).
const codeAlphabet = "ABCDEFGHJKMNPQRSTWXYZ23456789"

// codeLength letters of 29 give 38.9 bits: with the teacher answering at
// most 25 wrong codes a second once slowed, guessing takes centuries.
const codeLength = 8

// NewCode returns a fresh join code, written ABCD-EFGH.
func NewCode() (string, error) {
	var b [codeLength]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	var out strings.Builder
	for i, v := range b {
		if i == codeLength/2 {
			out.WriteByte('-')
		}
		// 256 is not a multiple of 29: the bias (under 1 %) costs nothing.
		out.WriteByte(codeAlphabet[int(v)%len(codeAlphabet)])
	}
	return out.String(), nil
}

// NormalizeCode is a code as typed, in the one form both ends hash:
// upper case, without dashes or spaces.
func NormalizeCode(code string) string {
	code = strings.ToUpper(code)
	return strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' {
			return -1
		}
		return r
	}, code)
}

// DefaultPort is the class port when CODE@HOST names none.
const DefaultPort = "26100"

// ParseJoin reads what a student types: CODE@HOST[:PORT], or CODE alone
// (addr ""): the class is then found on the network (Discover).
func ParseJoin(s string) (code, addr string, err error) {
	code, host, ok := strings.Cut(s, "@")
	code = NormalizeCode(code)
	if ok && host == "" {
		return "", "", fmt.Errorf("%q: write CODE@HOST[:PORT], as the teacher's screen shows it", s)
	}
	if len(code) != codeLength || strings.Trim(code, codeAlphabet) != "" {
		return "", "", fmt.Errorf("%q is not a join code: it has %d letters and digits, as the teacher's screen shows", code, codeLength)
	}
	if !ok {
		return code, "", nil
	}
	if _, _, err := net.SplitHostPort(host); err != nil {
		host = net.JoinHostPort(host, DefaultPort)
	}
	return code, host, nil
}

// MaxName is the longest player name a student may choose.
const MaxName = 16

// CheckName refuses a name the window's font cannot draw or that is too
// long for a pane's header.
func CheckName(name string) error {
	if name == "" || len(name) > MaxName {
		return fmt.Errorf("a name has 1 to %d letters", MaxName)
	}
	for _, r := range name {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == ' ' || r == '-' || r == '_' || r == '.'
		if !ok {
			return fmt.Errorf("%q: a name has letters, digits, spaces and - _ . only (the window's font draws those)", name)
		}
	}
	if strings.TrimSpace(name) != name {
		return errors.New("a name does not start or end with a space")
	}
	return nil
}

// Deployment is the class's Raft deployment id, the same on every seat:
// messages of any other cluster are refused.
func Deployment(ca *x509.Certificate) uint64 {
	sum := sha256.Sum256(ca.Raw)
	return binary.BigEndian.Uint64(sum[:8]) | 1 // never 0
}

// Version is this program's version, as seats compare it: two seats of one
// class must run the same build, since they share a log format and rules.
var Version = version()

func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	v, dirty := info.Main.Version, false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			if len(s.Value) > 12 {
				v = s.Value[:12]
			} else {
				v = s.Value
			}
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if dirty {
		v += "+changes"
	}
	if v == "" {
		v = "devel"
	}
	return v
}

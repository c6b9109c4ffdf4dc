package class

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"errors"

	"filippo.io/edwards25519"
)

// The join code is short enough to type from a projector, so it must
// never cross the network in a form that can be guessed offline. SPAKE2
// (RFC 9382) over edwards25519 binds both ends to the code: someone who
// only listens learns nothing that lets them test guesses, and someone who
// talks to the teacher gets one guess per attempt, which the teacher
// counts and slows down (see limiter). Both ends then share a key that
// only holders of the code can have.
//
// M and N are points nobody knows the discrete logarithm of: hashed to
// the curve from fixed labels (try-and-increment, times the cofactor), so
// anyone can check that they hide nothing.

var pakeM, pakeN = hashToPoint("raftian SPAKE2 M"), hashToPoint("raftian SPAKE2 N")

func hashToPoint(label string) *edwards25519.Point {
	for i := uint32(0); ; i++ {
		h := sha256.New()
		h.Write([]byte(label))
		binary.Write(h, binary.BigEndian, i)
		p, err := new(edwards25519.Point).SetBytes(h.Sum(nil))
		if err != nil {
			continue
		}
		p.MultByCofactor(p)
		if p.Equal(edwards25519.NewIdentityPoint()) == 0 {
			return p
		}
	}
}

// pakeSide is one end of the exchange: the student (A) or the teacher (B).
type pakeSide struct {
	student bool
	w       *edwards25519.Scalar // from the code
	x       *edwards25519.Scalar // this end's secret
	mine    []byte               // this end's public share
}

// errPakeShare is a share that is not a point, or a small-order one.
var errPakeShare = errors.New("a malformed key exchange share")

// newPake starts an exchange bound to code, on the student's side or the
// teacher's.
func newPake(code string, student bool) (*pakeSide, error) {
	wh := sha512.Sum512([]byte("raftian join code: " + NormalizeCode(code)))
	w, _ := edwards25519.NewScalar().SetUniformBytes(wh[:])
	var seed [64]byte
	if _, err := rand.Read(seed[:]); err != nil {
		return nil, err
	}
	x, _ := edwards25519.NewScalar().SetUniformBytes(seed[:])
	blind := pakeN
	if student {
		blind = pakeM
	}
	share := new(edwards25519.Point).ScalarBaseMult(x)
	share.Add(share, new(edwards25519.Point).ScalarMult(w, blind))
	return &pakeSide{student: student, w: w, x: x, mine: share.Bytes()}, nil
}

// pakeKeys are what a finished exchange gives both ends.
type pakeKeys struct {
	session             []byte // for sealing what follows
	confirmA, confirmB  []byte // each end's proof that it holds the code
	studentKey, teacher []byte // sealing keys, one per direction
}

// finish takes the other end's share and returns the keys. Both ends get
// equal keys only if both used the same code.
func (p *pakeSide) finish(theirs []byte) (*pakeKeys, error) {
	q, err := new(edwards25519.Point).SetBytes(theirs)
	if err != nil {
		return nil, errPakeShare
	}
	if new(edwards25519.Point).MultByCofactor(q).Equal(edwards25519.NewIdentityPoint()) == 1 {
		return nil, errPakeShare
	}
	blind := pakeM
	if p.student {
		blind = pakeN
	}
	// K = h·x·(theirs − w·blind)
	k := new(edwards25519.Point).Subtract(q, new(edwards25519.Point).ScalarMult(p.w, blind))
	k.MultByCofactor(k)
	k.ScalarMult(p.x, k)

	a, b := p.mine, theirs
	if !p.student {
		a, b = theirs, p.mine
	}
	tt := transcript([]byte("student"), []byte("teacher"), a, b, k.Bytes(), p.w.Bytes())
	sum := sha256.Sum256(tt)
	ke, ka := sum[:16], sum[16:]
	kc, err := hkdf.Key(sha256.New, ka, nil, "ConfirmationKeys", 32)
	if err != nil {
		return nil, err
	}
	keys := &pakeKeys{session: ke, confirmA: mac(kc[:16], tt), confirmB: mac(kc[16:], tt)}
	if keys.studentKey, err = hkdf.Key(sha256.New, ke, nil, "raftian student to teacher", 32); err != nil {
		return nil, err
	}
	if keys.teacher, err = hkdf.Key(sha256.New, ke, nil, "raftian teacher to student", 32); err != nil {
		return nil, err
	}
	return keys, nil
}

// transcript is RFC 9382's TT: each part preceded by its 8-byte length.
func transcript(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = binary.LittleEndian.AppendUint64(out, uint64(len(p)))
		out = append(out, p...)
	}
	return out
}

func mac(key, msg []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write(msg)
	return h.Sum(nil)
}

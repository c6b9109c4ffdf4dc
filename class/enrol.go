package class

import (
	"crypto/ecdsa"
	"crypto/hmac"
	"crypto/x509"
	"errors"
	"fmt"
	"time"
)

// Enrolment: a student proves the join code by SPAKE2 (pake.go) and gets a
// seat, its certificate signed for the key it made.

// enrol runs one student's enrolment: SPAKE2 with the join code, then a
// certificate for a new seat, signed for the key the student made.
func (t *Teacher) enrol(l *lines, share []byte) error {
	t.mu.Lock()
	closed, full := t.closed, len(t.roster.Seats) >= MaxSeats
	t.mu.Unlock()
	refuse := func(why string) error { l.write(message{Error: why}); return errors.New(why) }
	switch {
	case closed:
		return refuse("enrolment is closed: ask the teacher to open it")
	case full:
		return refuse(fmt.Sprintf("the class is full: it has %d seats", MaxSeats))
	}
	p, err := newPake(t.code, false)
	if err != nil {
		return err
	}
	keys, err := p.finish(share)
	if err != nil {
		t.wrong.fail()
		return refuse(err.Error())
	}
	if err := l.write(message{Share: p.mine}); err != nil {
		return err
	}
	var m message
	err = l.read(&m)
	if err != nil || !hmac.Equal(m.Confirm, keys.confirmA) {
		// Every attempt that does not prove the code counts, answered or
		// not: one guess per attempt, and slower and slower.
		t.wrong.failSlowly()
		return refuse("wrong join code: check it on the teacher's screen")
	}
	in, err := newSealer(keys.studentKey)
	if err != nil {
		return err
	}
	out, err := newSealer(keys.teacher)
	if err != nil {
		return err
	}
	var req joinRequest
	if err := in.open(m.Sealed, &req); err != nil {
		return refuse(err.Error())
	}
	if err := CheckName(req.Name); err != nil {
		return refuse(err.Error())
	}
	pk, err := x509.ParsePKIXPublicKey(req.PublicKey)
	pub, ok := pk.(*ecdsa.PublicKey)
	if err != nil || !ok {
		return refuse("the seat's public key is not an ECDSA key")
	}
	seat, err := t.newSeat(req.Name)
	if err != nil {
		return refuse(err.Error())
	}
	cert, err := t.ca.Issue(seat, pub, time.Now())
	if err != nil {
		return refuse(err.Error())
	}
	sealed, err := out.seal(joinGrant{Seat: seat, Cert: cert.Raw, CA: t.ca.Cert.Raw, Teacher: t.Roster()[0].Addr})
	if err != nil {
		return err
	}
	t.log.Info("class: a student enrolled", "seat", seat, "name", req.Name)
	return l.write(message{Confirm: keys.confirmB, Sealed: sealed})
}

// newSeat takes the next seat number for a student named name.
func (t *Teacher) newSeat(name string) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := len(t.roster.Seats) + 1
	if n > MaxSeats {
		return 0, fmt.Errorf("the class is full: it has %d seats", MaxSeats)
	}
	t.roster.Seats = append(t.roster.Seats, Entry{Seat: n, Name: name})
	if err := writeRoster(t.dir, t.roster); err != nil {
		t.roster.Seats = t.roster.Seats[:n-1]
		return 0, err
	}
	return n, nil
}

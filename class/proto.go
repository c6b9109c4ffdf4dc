package class

import (
	"bufio"
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"time"
)

// The class port speaks JSON lines. A connection opens with a hello that
// names the program's version and what the seat wants: "join" (a new seat,
// by the join code, over SPAKE2) or "seat" (a seat with its certificate,
// over mutual TLS: take its place in the cluster, read the roster, ask for
// a membership change).

// maxLine bounds every line read on the class port.
const maxLine = 64 << 10

// ioTimeout bounds each exchange on the class port: a peer that stops
// answering holds a connection only this long.
const ioTimeout = 10 * time.Second

type hello struct {
	Raftian string `json:"raftian"`
	Want    string `json:"want"`
	Share   []byte `json:"share,omitempty"` // the student's SPAKE2 share
}

// message is every later line, each way; unused fields stay empty.
type message struct {
	Raftian string `json:"raftian,omitempty"`
	Error   string `json:"error,omitempty"`
	Share   []byte `json:"share,omitempty"`   // the teacher's SPAKE2 share
	Confirm []byte `json:"confirm,omitempty"` // proof of holding the code
	Sealed  []byte `json:"sealed,omitempty"`  // AES-GCM under the exchange's key

	Op      string  `json:"op,omitempty"`
	Seat    int     `json:"seat,omitempty"`
	Name    string  `json:"name,omitempty"`
	Addr    string  `json:"addr,omitempty"`
	Index   uint64  `json:"index,omitempty"`
	Voter   bool    `json:"voter,omitempty"`
	Waiting bool    `json:"waiting,omitempty"` // the game waits for the teacher
	Ended   bool    `json:"ended,omitempty"`
	Roster  []Entry `json:"roster,omitempty"`
	RTTMs   int     `json:"rtt_ms,omitempty"` // the class's Raft round trip

	// A seat's record, streamed (stream.go).
	Started time.Time         `json:"started,omitzero"` // the seat's record's time 0, on its clock
	Obs     []json.RawMessage `json:"obs,omitempty"`
	Lost    uint64            `json:"lost,omitempty"`
	T1      int64             `json:"t1,omitempty"` // a clock reading: the teacher asks (µs since 1970),
	T2      int64             `json:"t2,omitempty"` // the seat hears,
	T3      int64             `json:"t3,omitempty"` // the seat answers
	Version string            `json:"version,omitempty"`

	Now int64 `json:"now,omitempty"` // a stream's line: when the seat sent it (µs since 1970, its clock)

	// The teacher's orders to a seat (orders.go).
	ID   uint64 `json:"id,omitempty"`
	Cmd  string `json:"cmd,omitempty"`
	Said string `json:"said,omitempty"`
	// The class's network: a roster's state, an order's time (network.go).
	Net    *Network `json:"net,omitempty"`
	NetSet int64    `json:"net_set,omitempty"`
	// The class's summary, relayed to a seat (relay.go).
	Lead  string   `json:"lead,omitempty"`
	Relay []string `json:"relay,omitempty"`
	// A lesson's question, relayed; a seat's answer (poll.go).
	Ask    *Asked `json:"ask,omitempty"`
	Answer int    `json:"answer,omitempty"`
}

// joinRequest and joinGrant travel sealed.
type joinRequest struct {
	Name      string `json:"name"`
	PublicKey []byte `json:"public_key"` // PKIX DER: the student's key never leaves the laptop
}

type joinGrant struct {
	Seat    int    `json:"seat"`
	Cert    []byte `json:"cert"`
	CA      []byte `json:"ca"`
	Teacher string `json:"teacher"` // the teacher's Raft address
}

// lines reads and writes one connection's JSON lines.
type lines struct {
	c     net.Conn
	r     *bufio.Reader
	bytes int64 // read so far, newlines included
}

func newLines(c net.Conn) *lines { return &lines{c: c, r: bufio.NewReaderSize(c, 4096)} }

var errLineTooLong = fmt.Errorf("a line over %d bytes", maxLine)

func (l *lines) read(v any) error {
	l.c.SetReadDeadline(time.Now().Add(ioTimeout))
	var line []byte
	for {
		part, more, err := l.r.ReadLine()
		if err != nil {
			return err
		}
		line = append(line, part...)
		l.bytes += int64(len(part))
		if !more {
			l.bytes++
		}
		if len(line) > maxLine {
			return errLineTooLong
		}
		if !more {
			break
		}
	}
	if err := json.Unmarshal(line, v); err != nil {
		return fmt.Errorf("not a raftian class message: %w", err)
	}
	return nil
}

// readLong is read without the exchange's deadline: a step that takes as
// long as Raft needs (catching up), bounded by the caller.
func (l *lines) readWithin(v any, d time.Duration) error {
	l.c.SetReadDeadline(time.Now().Add(d))
	err := l.read(v)
	return err
}

func (l *lines) write(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	l.c.SetWriteDeadline(time.Now().Add(ioTimeout))
	_, err = l.c.Write(append(b, '\n'))
	return err
}

// bufConn is a connection whose first bytes were read into r already.
type bufConn struct {
	net.Conn
	r *bufio.Reader
}

func (b bufConn) Read(p []byte) (int, error) { return b.r.Read(p) }

// sealer seals one direction of an enrolment with AES-GCM; nonces count
// up, so nothing is ever sealed twice under one.
type sealer struct {
	aead cipher.AEAD
	n    uint64
}

func newSealer(key []byte) (*sealer, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &sealer{aead: aead}, nil
}

func (s *sealer) nonce() []byte {
	nonce := make([]byte, s.aead.NonceSize())
	binary.BigEndian.PutUint64(nonce[len(nonce)-8:], s.n)
	s.n++
	return nonce
}

func (s *sealer) seal(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return s.aead.Seal(nil, s.nonce(), b, nil), nil
}

var errUnsealed = errors.New("a sealed message that does not open: not the class whose code was typed")

func (s *sealer) open(b []byte, v any) error {
	plain, err := s.aead.Open(nil, s.nonce(), b, nil)
	if err != nil {
		return errUnsealed
	}
	return json.Unmarshal(plain, v)
}

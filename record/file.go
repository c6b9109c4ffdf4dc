package record

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
)

// A record file is gzip-compressed JSON lines: a header line, then one
// line per observation, oldest first. docs/record.md describes every
// field; Version changes whenever a field changes meaning.

// Format and Version identify a record file.
const (
	Format  = "raftian-record"
	Version = 1
)

// Limits on reading a file, which may come from anywhere. A record of the
// largest Log (Budget) is well under maxFileBytes uncompressed.
const (
	maxFileBytes = 256 << 20 // uncompressed
	maxLine      = 4 << 20
	maxEnts      = 1 << 16 // entries in one observation
)

type fileHeader struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
	Header
}

// line is an observation in a file: names for enums, so that the file
// reads without this program.
type line struct {
	At      int64       `json:"t"`
	Kind    string      `json:"k"`
	ID      uint64      `json:"id,omitempty"`
	Msg     string      `json:"msg,omitempty"`
	Node    uint8       `json:"node,omitempty"`
	Peer    uint8       `json:"peer,omitempty"`
	Role    string      `json:"role,omitempty"`
	Via     uint8       `json:"via,omitempty"`
	Lost    bool        `json:"lost,omitempty"`
	Reject  bool        `json:"reject,omitempty"`
	Term    uint64      `json:"term,omitempty"`
	LogTerm uint64      `json:"log_term,omitempty"`
	Index   uint64      `json:"index,omitempty"`
	Commit  uint64      `json:"commit,omitempty"`
	Hint    uint64      `json:"hint,omitempty"`
	Delay   int64       `json:"delay_us,omitempty"`
	Loss    uint32      `json:"loss_ppm,omitempty"`
	Ents    [][6]uint64 `json:"ents,omitempty"` // index, term, what, from, to, command id
	Data    []byte      `json:"data,omitempty"`
}

// Writer writes a record file.
type Writer struct {
	gz  *gzip.Writer
	buf *bufio.Writer
	enc *json.Encoder
}

// NewWriter starts a record file on w with its header.
func NewWriter(w io.Writer, h Header) (*Writer, error) {
	buf := bufio.NewWriterSize(w, 256<<10)
	gz := gzip.NewWriter(buf)
	wr := &Writer{gz: gz, buf: buf, enc: json.NewEncoder(gz)}
	return wr, wr.enc.Encode(fileHeader{Format: Format, Version: Version, Header: h})
}

// Write adds one observation.
func (w *Writer) Write(o *Obs) error { return w.enc.Encode(toLine(o)) }

// MarshalObs writes o as a line of a record file (without its newline):
// how a seat streams its observations to the teacher's laptop.
func MarshalObs(o *Obs) ([]byte, error) { return json.Marshal(toLine(o)) }

// UnmarshalObs reads an observation MarshalObs wrote, refusing what a
// record file's reader refuses.
func UnmarshalObs(b []byte) (Obs, error) { return parseLine(b) }

func toLine(o *Obs) *line {
	l := line{At: o.At, Kind: o.Kind.String(), ID: o.ID, Node: o.Node, Peer: o.Peer, Via: o.Via,
		Lost: o.Lost, Reject: o.Reject, Term: o.Term, LogTerm: o.LogTerm, Index: o.Index,
		Commit: o.Commit, Hint: o.Hint, Delay: o.Delay, Loss: o.Loss, Data: o.Data}
	if o.Kind.IsMessage() {
		l.Msg = o.Msg.String()
	}
	if o.Kind == State || o.Kind == Checkpoint {
		l.Role = o.Role.String()
	}
	for _, e := range o.Ents {
		l.Ents = append(l.Ents, [6]uint64{e.Index, e.Term, uint64(e.What), uint64(e.From), uint64(e.To), uint64(e.ID)})
	}
	return &l
}

// Flush makes everything written so far readable by any gzip reader,
// even if the file is never closed: a sync flush.
func (w *Writer) Flush() error {
	if err := w.gz.Flush(); err != nil {
		return err
	}
	return w.buf.Flush()
}

// Close finishes the file (it does not close the underlying writer).
func (w *Writer) Close() error {
	if err := w.gz.Close(); err != nil {
		return err
	}
	return w.buf.Flush()
}

// ErrNotRecord says a file is not a raftian record.
var ErrNotRecord = errors.New("not a raftian record (made with Ctrl+S in the window, or --observe)")

// ReadLog reads a record file into a log with the usual bounds: a file
// holding more keeps its newest part. Nothing in the file is trusted: its
// size, its lines and its fields are all checked.
func ReadLog(r io.Reader) (*Log, error) { return readLog(r, maxFileBytes) }

// ReadLogFile reads the record file at path, as ReadLog does; an error
// names the file.
func ReadLogFile(path string) (*Log, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err // it names the file
	}
	defer f.Close()
	log, err := ReadLog(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return log, nil
}

func readLog(r io.Reader, limit int64) (*Log, error) {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return nil, ErrNotRecord
	}
	defer gz.Close()
	in := &bounded{r: gz, left: limit}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	if !sc.Scan() {
		if sc.Err() != nil {
			return nil, fmt.Errorf("%w: %v", ErrNotRecord, sc.Err())
		}
		return nil, ErrNotRecord
	}
	var fh fileHeader
	if err := json.Unmarshal(sc.Bytes(), &fh); err != nil || fh.Format != Format {
		return nil, ErrNotRecord
	}
	if fh.Version != Version {
		return nil, fmt.Errorf("record version %d: this raftian reads version %d", fh.Version, Version)
	}
	if err := fh.check(); err != nil {
		return nil, fmt.Errorf("record header: %v", err)
	}
	log := NewLog(fh.Header, Keep, Budget)
	last := int64(-1)
	for n := 2; sc.Scan(); n++ {
		o, err := parseLine(sc.Bytes())
		if err != nil && in.left <= 0 { // the last line was cut at the limit
			return nil, fmt.Errorf("record: %v", errTooBig)
		}
		if err != nil && !sc.Scan() && errors.Is(sc.Err(), io.ErrUnexpectedEOF) {
			break // the last line, cut short with the file: see below
		}
		if err != nil {
			return nil, fmt.Errorf("record line %d: %v", n, err)
		}
		if o.At <= last {
			return nil, fmt.Errorf("record line %d: time %d µs is not after the line before (%d)", n, o.At, last)
		}
		last = o.At
		log.Add(o)
	}
	switch err := sc.Err(); {
	case errors.Is(err, io.ErrUnexpectedEOF):
		// The file was cut: its writer was killed before it finished it
		// (a stream flushes every second). What is in it is good.
		log.cut = true
	case err != nil:
		return nil, fmt.Errorf("record: %v", err)
	}
	return log, nil
}

// check refuses a header the window could not draw from.
func (h *fileHeader) check() error {
	if n := len(h.Players); n < 1 || n > MaxReplicas {
		return fmt.Errorf("%d players (1 to %d expected)", n, MaxReplicas)
	}
	for i, p := range h.Players {
		if !colorRE.MatchString(p.Color) || len(p.Name) == 0 || len(p.Name) > 64 {
			return fmt.Errorf("player %d: name %q, colour %q", i+1, p.Name, p.Color)
		}
	}
	if h.RTTMs < 1 || h.ElectionRTT < 1 || h.RTTMs > 1<<20 || h.ElectionRTT > 1<<20 {
		return fmt.Errorf("timing: rtt %d ms, election_rtt %d", h.RTTMs, h.ElectionRTT)
	}
	return nil
}

var (
	colorRE  = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)
	memberRE = regexp.MustCompile(`^(voter|removed|(non-voting|named) [^ ][^\x00-\x1f]{0,63} #[0-9a-fA-F]{6})$`)
)

// parseLine reads one observation. Replicas are numbered up to
// MaxReplicas, whatever the header says: a cluster grows while its record
// runs.
func parseLine(b []byte) (Obs, error) {
	const replicas = MaxReplicas
	var l line
	if err := json.Unmarshal(b, &l); err != nil {
		return Obs{}, err
	}
	o := Obs{At: l.At, ID: l.ID, Node: l.Node, Peer: l.Peer, Via: l.Via, Lost: l.Lost, Reject: l.Reject,
		Term: l.Term, LogTerm: l.LogTerm, Index: l.Index, Commit: l.Commit, Hint: l.Hint,
		Delay: l.Delay, Loss: l.Loss, Data: l.Data}
	var ok bool
	if o.Kind, ok = lookup(kindNames[:], l.Kind, Kind(0)); !ok || o.Kind == KindNone {
		return Obs{}, fmt.Errorf("unknown kind %q", l.Kind)
	}
	if l.Msg != "" {
		if o.Msg, ok = lookup(msgNames[:], l.Msg, MsgType(0)); !ok {
			return Obs{}, fmt.Errorf("unknown message type %q", l.Msg)
		}
	}
	if l.Role != "" {
		if o.Role, ok = lookup(roleNames[:], l.Role, Role(0)); !ok {
			return Obs{}, fmt.Errorf("unknown role %q", l.Role)
		}
	}
	if l.At < 0 || int(o.Node) > replicas || int(o.Peer) > replicas || int(o.Via) > replicas {
		return Obs{}, errors.New("time or replica out of range")
	}
	if o.Kind == Member && !memberRE.Match(o.Data) {
		return Obs{}, fmt.Errorf("membership change %q", o.Data)
	}
	if o.Kind == Voters && (len(o.Data) > replicas || slices.ContainsFunc(o.Data, func(v byte) bool { return v < 1 || v > replicas })) {
		return Obs{}, fmt.Errorf("voters %v", o.Data)
	}
	if len(l.Ents) > maxEnts {
		return Obs{}, fmt.Errorf("%d entries in one observation", len(l.Ents))
	}
	for _, e := range l.Ents {
		if e[2] >= uint64(whatCount) || e[3] > 255 || e[4] > 255 || e[5] > 1<<32-1 {
			return Obs{}, errors.New("bad entry")
		}
		o.Ents = append(o.Ents, Ent{Index: e[0], Term: e[1], What: What(e[2]), From: uint8(e[3]), To: uint8(e[4]), ID: uint32(e[5])})
	}
	return o, nil
}

// bounded reads at most left bytes from r, then fails: a file that
// decompresses to more is refused, not cut short.
type bounded struct {
	r    io.Reader
	left int64
}

var errTooBig = fmt.Errorf("it holds more than %d MiB uncompressed: not a record raftian wrote", maxFileBytes>>20)

func (b *bounded) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, errTooBig
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	return n, err
}

// lookup finds name among names and returns its position as a T.
func lookup[T ~uint8](names []string, name string, _ T) (T, bool) {
	for i, n := range names {
		if n == name {
			return T(i), true
		}
	}
	return 0, false
}

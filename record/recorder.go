package record

import (
	"io"
	"sync"
	"time"
)

// Recorder keeps a cluster's record as it is made: the messages its
// transport carries and what the replicas report. Every observation gets its time under one short lock, so times
// rise strictly and in the order things were seen. A nil Recorder records
// nothing.
type Recorder struct {
	mu     sync.Mutex
	start  time.Time
	last   int64
	log    *Log
	known  []Known // [i]: replica i
	nextID uint64
}

// MaxReplicas is the most replicas a record can tell of.
const MaxReplicas = 32

// NewRecorder returns a recorder of a cluster of len(h.Players) replicas
// keeping the usual bounds; time 0 is now.
func NewRecorder(h Header) *Recorder {
	r := &Recorder{start: time.Now(), known: make([]Known, MaxReplicas+1)} // room to grow
	h.Started = r.start.Add(clockOffset())
	r.log = NewLog(h, Keep, Budget)
	return r
}

// stamp returns the time of an observation made now; r.mu is held.
func (r *Recorder) stamp() int64 {
	t := time.Since(r.start).Microseconds()
	if t <= r.last {
		t = r.last + 1
	}
	r.last = t
	return t
}

func (r *Recorder) addLocked(o Obs) {
	o.At = r.stamp()
	r.log.Add(o)
}

// addNext records o a microsecond after the last observation, for the
// observations of a batch after its first: one clock reading a batch.
func (r *Recorder) addNext(o Obs) {
	r.last++
	o.At = r.last
	r.log.Add(o)
}

// Add records o now.
func (r *Recorder) Add(o Obs) {
	if r == nil {
		return
	}
	r.mu.Lock()
	r.addLocked(o)
	r.mu.Unlock()
}

// AddAll records obs together, nothing between them.
func (r *Recorder) AddAll(obs []Obs) {
	if r == nil {
		return
	}
	r.mu.Lock()
	for _, o := range obs {
		r.addLocked(o)
	}
	r.mu.Unlock()
}

// Reported records what dragonboat reported of replica id: it believes
// leader leads in term.
func (r *Recorder) Reported(id, leader int, term uint64) {
	if r == nil {
		return
	}
	r.mu.Lock()
	if st, ok := r.known[id].Reported(uint8(id), uint8(leader), term); ok {
		r.addLocked(st)
	}
	r.mu.Unlock()
}

// Up records that replica o.Node started (o is an Up observation).
func (r *Recorder) Up(o Obs) {
	if r == nil {
		return
	}
	r.mu.Lock()
	r.known[o.Node].Restarted(o.Term)
	r.addLocked(o)
	r.mu.Unlock()
}

// Down records that replica id crashed.
func (r *Recorder) Down(id int) { r.DownBy(id, 0) }

// DownBy records that replica id crashed on the order of seat by (in a
// class, the teacher's laptop; 0: no one's order).
func (r *Recorder) DownBy(id, by int) {
	if r == nil {
		return
	}
	r.mu.Lock()
	r.known[id].Crashed()
	r.addLocked(Obs{Kind: Down, Node: uint8(id), Peer: uint8(by)})
	r.mu.Unlock()
}

// Known returns what is known of replica id's role, term and leader.
func (r *Recorder) Known(id int) Known {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.known[id]
}

// Sent records a batch of messages from one replica to another (Send
// observations with the messages' fields; lost: the fault layer dropped
// them at once) and returns the id of the first, or 0 if it recorded
// nothing. A message may reveal something new about its sender (a
// campaign, a leader): that is recorded just before it.
func (r *Recorder) Sent(from, to int, msgs []Obs, lost bool) uint64 {
	if r == nil || len(msgs) == 0 {
		return 0
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	first := r.nextID + 1
	r.stamp()
	r.last--
	for _, o := range msgs {
		o.Kind, o.Node, o.Peer, o.Lost = Send, uint8(from), uint8(to), lost
		if st, ok := r.known[from].Sent(&o); ok {
			r.addNext(st)
		}
		r.nextID++
		o.ID = r.nextID
		r.addNext(o)
	}
	return first
}

// Arrived records a batch (whose first message has id first) that
// reached replica to: delivered to its Raft, or (lost) refused on arrival
// because the link was cut meanwhile.
func (r *Recorder) Arrived(from, to int, first uint64, msgs []Obs, lost bool) {
	if r == nil || first == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stamp()
	r.last--
	for k, o := range msgs {
		o.Kind, o.ID, o.Node, o.Peer = Deliver, first+uint64(k), uint8(from), uint8(to)
		if lost {
			o.Kind = Drop
		}
		r.addNext(o)
	}
}

// Lost records that n messages from the first id on were lost on the way
// from one replica to another.
func (r *Recorder) Lost(from, to int, first uint64, n int) {
	if r == nil || first == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for k := range n {
		r.addLocked(Obs{Kind: Drop, ID: first + uint64(k), Node: uint8(from), Peer: uint8(to)})
	}
}

// The recorder is a rewind.Source: the window reads it while the cluster
// writes it.

// Header says what cluster the record is of.
func (r *Recorder) Header() Header { return r.log.Header() }

// Bounds returns the numbers of the observations held.
func (r *Recorder) Bounds() (first, next uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.log.Bounds()
}

// Read appends to out at most limit observations from number from on.
func (r *Recorder) Read(from uint64, limit int, out []Obs) []Obs {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.log.Read(from, limit, out)
}

// Search returns the number of the first observation after time t.
func (r *Recorder) Search(t int64) uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.log.Search(t)
}

// Bytes is about how much memory the record holds.
func (r *Recorder) Bytes() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.log.Bytes()
}

// Now returns the record's time now, in µs.
func (r *Recorder) Now() int64 { return time.Since(r.start).Microseconds() }

// Save writes the record to w as a record file. The cluster goes on
// meanwhile: what is recorded while it writes is left out.
func (r *Recorder) Save(w io.Writer) error { return Save(w, r) }

// Save writes what src holds now to w as a record file: a recorder's
// record, or a class's merged one.
func Save(w io.Writer, src Reader) error {
	fw, err := NewWriter(w, src.Header())
	if err != nil {
		return err
	}
	first, next := src.Bounds()
	var buf []Obs
	for seq := first; seq < next; seq += uint64(len(buf)) {
		buf = src.Read(seq, 4096, buf[:0])
		if len(buf) == 0 {
			break
		}
		for i := range buf {
			if err := fw.Write(&buf[i]); err != nil {
				return err
			}
		}
	}
	return fw.Close()
}

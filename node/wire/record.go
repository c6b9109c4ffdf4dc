package wire

import (
	"io"
	"sync"
	"time"

	pb "github.com/lni/dragonboat/v4/raftpb"

	"github.com/raftian/raftian/record"
	"github.com/raftian/raftian/world"
)

// Recorder keeps the cluster's record (package record): the messages the
// transport carries, which it sees itself, and what the rest of node
// reports. Every observation gets its time under one short lock, so times
// rise strictly and in the order things were seen. A nil Recorder records
// nothing.
type Recorder struct {
	mu     sync.Mutex
	start  time.Time
	last   int64
	log    *record.Log
	known  []record.Known // [i]: replica i
	nextID uint64
	ents   []record.Ent // scratch: a message's entries, copied by the log
}

// NewRecorder returns a recorder of a cluster of len(h.Players) replicas
// keeping the usual bounds; time 0 is now.
func NewRecorder(h record.Header) *Recorder {
	r := &Recorder{start: time.Now(), known: make([]record.Known, MaxReplicas+1)} // room to grow
	h.Started = r.start
	r.log = record.NewLog(h, record.Keep, record.Budget)
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

func (r *Recorder) addLocked(o record.Obs) {
	o.At = r.stamp()
	r.log.Add(o)
}

// addNext records o a microsecond after the last observation, for the
// observations of a batch after its first: one clock reading a batch.
func (r *Recorder) addNext(o record.Obs) {
	r.last++
	o.At = r.last
	r.log.Add(o)
}

// Add records o now.
func (r *Recorder) Add(o record.Obs) {
	if r == nil {
		return
	}
	r.mu.Lock()
	r.addLocked(o)
	r.mu.Unlock()
}

// AddAll records obs together, nothing between them.
func (r *Recorder) AddAll(obs []record.Obs) {
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
func (r *Recorder) Up(o record.Obs) {
	if r == nil {
		return
	}
	r.mu.Lock()
	r.known[o.Node].Restarted(o.Term)
	r.addLocked(o)
	r.mu.Unlock()
}

// Down records that replica id crashed.
func (r *Recorder) Down(id int) {
	if r == nil {
		return
	}
	r.mu.Lock()
	r.known[id].Crashed()
	r.addLocked(record.Obs{Kind: record.Down, Node: uint8(id)})
	r.mu.Unlock()
}

// Known returns what is known of replica id's role, term and leader.
func (r *Recorder) Known(id int) record.Known {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.known[id]
}

// sent records a batch of messages from one replica to another and
// returns the id of the first; lost: the fault layer dropped them.
func (r *Recorder) sent(from, to int, msgs []pb.Message, lost bool) uint64 {
	if r == nil || len(msgs) == 0 {
		return 0
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	first := r.nextID + 1
	r.stamp()
	r.last--
	for _, m := range msgs {
		o := r.obsOf(m, from, to)
		o.Kind, o.Lost = record.Send, lost
		if st, ok := r.known[from].Sent(&o); ok {
			r.addNext(st)
		}
		r.nextID++
		o.ID = r.nextID
		r.addNext(o)
	}
	return first
}

// arrived records a batch that reached replica to: delivered to its Raft,
// or (lost) refused on arrival because the link was cut meanwhile.
func (r *Recorder) arrived(from, to int, first uint64, msgs []pb.Message, lost bool) {
	if r == nil || first == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stamp()
	r.last--
	for k, m := range msgs {
		o := r.obsOf(m, from, to)
		o.Kind, o.ID = record.Deliver, first+uint64(k)
		if lost {
			o.Kind = record.Drop
		}
		r.addNext(o)
	}
}

// lost records that n messages from the first id on were lost on the way
// from one replica to another.
func (r *Recorder) lost(from, to int, first uint64, n int) {
	if r == nil || first == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for k := range n {
		r.addLocked(record.Obs{Kind: record.Drop, ID: first + uint64(k), Node: uint8(from), Peer: uint8(to)})
	}
}

// The recorder is a rewind.Source: the window reads it while the cluster
// writes it.

// Header says what cluster the record is of.
func (r *Recorder) Header() record.Header { return r.log.Header() }

// Bounds returns the numbers of the observations held.
func (r *Recorder) Bounds() (first, next uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.log.Bounds()
}

// Read appends to out at most limit observations from number from on.
func (r *Recorder) Read(from uint64, limit int, out []record.Obs) []record.Obs {
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
func (r *Recorder) Save(w io.Writer) error {
	fw, err := record.NewWriter(w, r.Header())
	if err != nil {
		return err
	}
	first, next := r.Bounds()
	var buf []record.Obs
	for seq := first; seq < next; seq += uint64(len(buf)) {
		buf = r.Read(seq, 4096, buf[:0])
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

// obsOf is a message as the record keeps it; its entries are in r's
// scratch buffer until the log copies them. r.mu is held.
func (r *Recorder) obsOf(m pb.Message, from, to int) record.Obs {
	o := record.Obs{Msg: msgType(m.Type), Node: uint8(from), Peer: uint8(to), Term: m.Term,
		LogTerm: m.LogTerm, Index: m.LogIndex, Commit: m.Commit, Reject: m.Reject, Hint: m.Hint}
	if len(m.Entries) > 0 {
		r.ents = r.ents[:0]
		for _, e := range m.Entries {
			r.ents = append(r.ents, Ent(e))
		}
		o.Ents = r.ents
	}
	return o
}

func msgType(t pb.MessageType) record.MsgType {
	switch t {
	case pb.Heartbeat:
		return record.MsgHeartbeat
	case pb.HeartbeatResp:
		return record.MsgHeartbeatResp
	case pb.Replicate:
		return record.MsgAppend
	case pb.ReplicateResp:
		return record.MsgAppendResp
	case pb.RequestVote:
		return record.MsgVote
	case pb.RequestVoteResp:
		return record.MsgVoteResp
	case pb.RequestPreVote:
		return record.MsgPreVote
	case pb.RequestPreVoteResp:
		return record.MsgPreVoteResp
	case pb.InstallSnapshot:
		return record.MsgSnapshot
	case pb.TimeoutNow:
		return record.MsgTimeoutNow
	case pb.Propose:
		return record.MsgPropose
	}
	return record.MsgOther
}

// Ent is a log entry as the record keeps it: what it is, not its bytes.
func Ent(e pb.Entry) record.Ent {
	d := record.Ent{Index: e.Index, Term: e.Term}
	switch {
	case e.Type == pb.ConfigChangeEntry:
		d.What = record.WhatMembers
		var cc pb.ConfigChange
		if cc.Unmarshal(e.Cmd) == nil && cc.ReplicaID <= 255 && cc.Type <= pb.AddNonVoting {
			d.From, d.To = uint8(cc.Type)+1, uint8(cc.ReplicaID) // see record.Ent
		}
	case len(e.Cmd) == 0:
		d.What = record.WhatNoop
	default:
		cmd, err := world.Decode(Payload(e))
		switch {
		case err != nil:
			d.What = record.WhatGarbage
		case cmd.Kind == world.KindNewGame:
			d.What = record.WhatNewGame
		case cmd.Kind == world.KindJoin:
			d.What, d.To = record.WhatJoin, uint8(cmd.To)
		case cmd.Kind == world.KindLeave:
			d.What, d.To = record.WhatLeave, uint8(cmd.To)
		default:
			d.What, d.From, d.To = record.WhatAttack, uint8(cmd.From), uint8(cmd.To)
		}
		if err == nil {
			d.ID = commandHash(cmd.ID)
		}
	}
	return d
}

// commandHash is a command's id in 32 bits, never 0 (no id): the same
// for every attempt of one command, and (but for 1 in 2^32) different
// for any two commands.
func commandHash(id world.ID) uint32 {
	x := id.Client ^ id.Seq*0x9e3779b97f4a7c15 // splitmix64's finaliser
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	x ^= x >> 31
	return max(uint32(x), 1)
}

// Payload strips dragonboat's one-byte header from an uncompressed encoded
// entry (version 0, no compression, no session: the header is 0), which is
// what this program proposes.
func Payload(e pb.Entry) []byte {
	if e.Type == pb.EncodedEntry {
		if len(e.Cmd) == 0 || e.Cmd[0] != 0 {
			return nil // compressed: never written by raftian
		}
		return e.Cmd[1:]
	}
	return e.Cmd
}

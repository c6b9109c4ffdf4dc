package class

import (
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/raftian/raftian/merge"
	"github.com/raftian/raftian/record"
)

// A seat streams its record to the teacher's laptop over its mutual-TLS
// connection to the class port: {"op":"stream","started":…} opens it,
// then {"op":"obs","obs":[…]} lines carry observations (each as a record
// file's line), {"op":"gap","lost":N} says the stream lost N, and the
// teacher reads the seat's clock with {"op":"ping","t1":…}, answered by
// {"op":"pong","t1":…,"t2":…,"t3":…} (µs since 1970, each laptop's own
// clock).

// streamEvery is how often a seat sends what its record gained; pingEvery
// how often the teacher reads a seat's clock.
const (
	streamEvery = 25 * time.Millisecond
	pingEvery   = 500 * time.Millisecond
)

// streamBatch bounds a line of observations, under maxLine.
const streamBatch = 48 << 10

// maxBehind bounds how far a seat's stream may fall behind its record
// (a slow link): beyond it the oldest are dropped, and a gap says how
// many. It is a few seconds of a busy class's observations.
const maxBehind = 20_000

// Stream sends rec, this seat's record, to the teacher's laptop as it is
// made, from its first observation, until stop closes, and carries out
// the teacher's orders that come back on it (orders.go). When the
// connection fails it connects again and goes on where it was; while the
// laptop is off the network it does not. It never holds up the replica,
// which only appends to rec.
func (s *Student) Stream(rec record.Reader, stop <-chan struct{}, o Orders) {
	o.applied = s.netApplied
	first, _ := rec.Bounds()
	st := &streamer{rec: rec, next: first}
	for {
		err := s.streamOnce(st, stop, o)
		if err == nil || errors.Is(err, errNoObserver) {
			return
		}
		wait := time.Second
		if errors.Is(err, errOffline) {
			wait = 50 * time.Millisecond
		}
		for first := true; first || o.offline(); first = false {
			select {
			case <-stop:
				return
			case <-time.After(wait):
			}
		}
	}
}

// errOffline ends a stream when the laptop goes off the network.
var errOffline = errors.New("this laptop is off the network")

type streamer struct {
	rec  record.Reader
	next uint64 // the next observation to send
	buf  []record.Obs
}

// streamOnce streams on one connection; nil when stop closed it.
func (s *Student) streamOnce(st *streamer, stop <-chan struct{}, o Orders) error {
	if o.offline() {
		return errOffline
	}
	l, done, err := s.seatConn()
	if err != nil {
		return err
	}
	var reader sync.WaitGroup
	defer reader.Wait()
	defer done()      // first: ends the reader
	var mu sync.Mutex // one writer at a time: the stream, the pongs, the answers
	send := func(m message) error {
		mu.Lock()
		defer mu.Unlock()
		return l.write(m)
	}
	if err := send(message{Op: "stream", Started: st.rec.Header().Started}); err != nil {
		return err
	}
	// The teacher's first word: a clock reading, or a refusal (it keeps no
	// merged record): then this seat does not stream at all.
	var first message
	if err := l.read(&first); err != nil {
		return err
	}
	if first.Error != "" {
		return errNoObserver
	}
	if o.Checkpoint != nil { // what was lost while it was away is taken up again from here
		o.Checkpoint()
	}
	failed := make(chan error, 1)
	ob := &obeyer{o: o, queue: make(chan message, 8), send: send, cut: done}
	quit := make(chan struct{})
	defer close(quit) // before reader.Wait: the obeyer ends
	reader.Add(2)
	go func() { defer reader.Done(); ob.run(quit) }()
	go func() { // the teacher's clock readings and orders
		defer reader.Done()
		for m := first; ; m = (message{}) {
			if m.Op == "" {
				if err := l.readWithin(&m, 4*pingEvery+ioTimeout); err != nil {
					failed <- err
					return
				}
			}
			switch m.Op {
			case "ping":
				t2 := record.WallClock().UnixMicro()
				if err := send(message{Op: "pong", T1: m.T1, T2: t2, T3: record.WallClock().UnixMicro()}); err != nil {
					failed <- err
					return
				}
			case "order":
				ob.take(m)
			case "relay":
				s.takeRelay(m)
			}
		}
	}()
	tick := time.NewTicker(streamEvery)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return nil
		case err := <-failed:
			return err
		case m := <-s.outbox:
			if err := send(m); err != nil {
				return err
			}
			continue
		case <-tick.C:
		}
		if o.offline() && ob.busy.Load() == 0 { // the order that took it off is answered
			return errOffline
		}
		if err := st.sendNew(send); err != nil {
			return err
		}
	}
}

// sendNew sends what the record gained since the last time, in lines of
// at most streamBatch bytes, after a gap if it fell too far behind. Each
// line says when it was sent: the seat's record holds everything before
// then, which lets the merge write without waiting out its holdback. With
// nothing new, a line says only that.
func (st *streamer) sendNew(send func(message) error) error {
	now := record.WallClock().UnixMicro() // before the bounds: all before it is in them
	first, next := st.rec.Bounds()
	if st.next >= next {
		return send(message{Op: "obs", Now: now})
	}
	if start := max(first, next-min(next, maxBehind)); st.next < start {
		if err := send(message{Op: "gap", Lost: start - st.next}); err != nil {
			return err
		}
		st.next = start
	}
	for st.next < next {
		st.buf = st.rec.Read(st.next, 256, st.buf[:0])
		if len(st.buf) == 0 {
			return nil
		}
		var lines []json.RawMessage
		size := 0
		for i := range st.buf {
			b, err := record.MarshalObs(&st.buf[i])
			if err != nil {
				return err
			}
			if size+len(b) > streamBatch && len(lines) > 0 {
				break
			}
			lines, size = append(lines, b), size+len(b)+1
		}
		if err := send(message{Op: "obs", Obs: lines, Now: now}); err != nil {
			return err
		}
		st.next += uint64(len(lines))
	}
	return nil
}

// Observe has the class port take the seats' streams into m, the
// class's merged record; without it, a seat's stream is refused.
func (t *Teacher) Observe(m *merge.Record) {
	t.mu.Lock()
	t.merged = m
	t.mu.Unlock()
}

// errNoObserver refuses a stream when the teacher keeps no merged record.
var errNoObserver = errors.New("this class keeps no merged record (raftian class --observe FILE)")

// stream takes seat n's stream into the merged record until it ends,
// reading the seat's clock every pingEvery; while it lasts, the teacher's
// orders to the seat go on it.
func (t *Teacher) stream(l *lines, n int, started time.Time) error {
	t.mu.Lock()
	m := t.merged
	t.mu.Unlock()
	if m == nil {
		l.write(message{Error: errNoObserver.Error()})
		return errNoObserver
	}
	m.Begin(n, started)
	t.log.Info("class: a seat's stream began", "seat", n)
	sl := &seatLink{l: l}
	t.mu.Lock()
	if t.links == nil {
		t.links = map[int]*seatLink{}
	}
	t.links[n] = sl
	t.mu.Unlock()
	quit := make(chan struct{})
	var pinger sync.WaitGroup
	defer func() {
		m.End(n)
		t.counted(n, l)
		t.mu.Lock()
		if t.links[n] == sl {
			delete(t.links, n)
		}
		t.mu.Unlock()
		close(quit)
		l.c.SetWriteDeadline(time.Now()) // a ping being written ends now
		pinger.Wait()
		sl.end()
	}()
	pinger.Add(1)
	go func() {
		defer pinger.Done()
		tick := time.NewTicker(pingEvery)
		defer tick.Stop()
		var relay relayTo
		var relayed time.Time
		for {
			if sl.write(message{Op: "ping", T1: record.WallClock().UnixMicro()}) != nil {
				return
			}
			if time.Since(relayed) >= relayEvery*9/10 {
				if leader, seats, ok := t.currentSummary(); ok {
					m := relay.next(leader, seats)
					m.Ask = t.question()
					if sl.write(m) != nil {
						return
					}
					relayed = time.Now()
					t.countRelay(n, m)
				}
			}
			select {
			case <-quit:
				return
			case <-tick.C:
			}
		}
	}()
	var obs []record.Obs
	for {
		var msg message
		if err := l.readWithin(&msg, 4*pingEvery+ioTimeout); err != nil {
			return err
		}
		switch msg.Op {
		case "pong":
			m.Round(n, time.UnixMicro(msg.T1), time.UnixMicro(msg.T2), time.UnixMicro(msg.T3), record.WallClock())
		case "gap":
			m.Gap(n, msg.Lost)
		case "done":
			sl.done(msg)
		case "answer":
			t.answer(n, msg.ID, msg.Answer)
		case "obs":
			obs = obs[:0]
			for _, b := range msg.Obs {
				o, err := record.UnmarshalObs(b)
				if err != nil {
					return err // not what a seat streams: end it
				}
				obs = append(obs, o)
			}
			m.Add(n, obs)
			if msg.Now != 0 {
				m.Heard(n, time.UnixMicro(msg.Now))
			}
			t.counted(n, l)
		default:
			return errors.New("unknown stream message " + msg.Op)
		}
	}
}

// StreamStats is what one seat's stream brought, and what the relays to
// it took.
type StreamStats struct {
	Bytes int64         // read from it, all its connections
	For   time.Duration // from its first line to its last
	Relay int64         // bytes of the relays sent on it
}

// counted adds what seat n's stream on l brought since the last count.
func (t *Teacher) counted(n int, l *lines) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.streamed == nil {
		t.streamed = map[int]*streamCount{}
	}
	c := t.streamed[n]
	if c == nil {
		c = &streamCount{first: time.Now()}
		t.streamed[n] = c
	}
	if c.l != l {
		c.l, c.base = l, 0
	}
	c.bytes += l.bytes - c.base
	c.base = l.bytes
	c.last = time.Now()
}

type streamCount struct {
	l           *lines
	base, bytes int64
	relay       int64
	first, last time.Time
}

// countRelay counts the relay m sent to seat n.
func (t *Teacher) countRelay(n int, m message) {
	b, _ := json.Marshal(m)
	t.mu.Lock()
	defer t.mu.Unlock()
	if c := t.streamed[n]; c != nil {
		c.relay += int64(len(b)) + 1 // its newline
	}
}

// Streams says what each seat's stream brought so far.
func (t *Teacher) Streams() map[int]StreamStats {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := map[int]StreamStats{}
	for n, c := range t.streamed {
		out[n] = StreamStats{Bytes: c.bytes, For: c.last.Sub(c.first), Relay: c.relay}
	}
	return out
}

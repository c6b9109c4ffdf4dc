package record

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// Reader is a record being made: the observations a live recorder holds
// now (it drops the oldest as it goes).
type Reader interface {
	Header() Header
	Bounds() (first, next uint64)
	Read(from uint64, limit int, out []Obs) []Obs
}

// tail follows a record being made: every pollEvery it hands each
// observation added since to add, and every flushEvery it calls flush.
// Files written this way keep the whole run, however much the record in
// memory drops, and a program killed mid-run leaves one readable up to its
// last second.
type tail struct {
	src    Reader
	add    func(*Obs) error
	flush  func() error
	every  time.Duration // between flushes
	next   uint64        // the next observation to hand on
	missed uint64        // observations dropped before they were handed on
	buf    []Obs
	quit   chan struct{}
	done   chan struct{}
	mu     sync.Mutex
	err    error // the first error of add or flush
}

// pollEvery is how often a tail looks for new observations.
const pollEvery = 100 * time.Millisecond

// startTail follows src from its first observation on, flushing every
// flushEvery.
func startTail(src Reader, add func(*Obs) error, flush func() error, flushEvery time.Duration) *tail {
	first, _ := src.Bounds()
	t := &tail{src: src, add: add, flush: flush, every: flushEvery, next: first, quit: make(chan struct{}), done: make(chan struct{})}
	go t.run()
	return t
}

func (t *tail) run() {
	defer close(t.done)
	poll := time.NewTicker(pollEvery)
	defer poll.Stop()
	lastFlush := time.Now()
	for {
		select {
		case <-t.quit:
			return
		case <-poll.C:
		}
		t.copy()
		if time.Since(lastFlush) >= t.every {
			t.fail(t.flush())
			lastFlush = time.Now()
		}
	}
}

// copy hands on what the record holds beyond what was handed on.
func (t *tail) copy() {
	first, next := t.src.Bounds()
	if t.next < first { // fell behind the record's bounds: those are lost
		t.missed += first - t.next
		t.next = first
	}
	for t.next < next {
		t.buf = t.src.Read(t.next, 4096, t.buf[:0])
		if len(t.buf) == 0 {
			return
		}
		for i := range t.buf {
			t.fail(t.add(&t.buf[i]))
		}
		t.next += uint64(len(t.buf))
	}
}

func (t *tail) fail(err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.err == nil {
		t.err = err
	}
}

// stop hands on what is left and returns the first error met, or a
// MissedError if the tail fell behind the record.
func (t *tail) stop() error {
	close(t.quit)
	<-t.done
	t.copy()
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.err == nil && t.missed > 0 {
		return &MissedError{N: t.missed}
	}
	return t.err
}

// MissedError says a file fell behind the record it follows and could
// not write some observations.
type MissedError struct{ N uint64 }

func (e *MissedError) Error() string {
	return fmt.Sprintf("the file misses %d observations the program dropped before they were written", e.N)
}

// Stream writes a record file as the record is made (--observe): it
// flushes the compressed stream (a gzip sync flush, which any gzip reader
// can read up to) every second.
type Stream struct {
	w    *Writer
	sync func() error // after each flush: the file to disk
	t    *tail
}

// StartStream starts writing src to w from its first observation on;
// sync, when not nil, is called after every flush (os.File.Sync).
func StartStream(w io.Writer, src Reader, sync func() error) (*Stream, error) {
	fw, err := NewWriter(w, src.Header())
	if err != nil {
		return nil, err
	}
	s := &Stream{w: fw, sync: sync}
	if err := s.flush(); err != nil {
		return nil, err
	}
	s.t = startTail(src, fw.Write, s.flush, time.Second) // a sync flush costs a few bytes
	return s, nil
}

func (s *Stream) flush() error {
	if err := s.w.Flush(); err != nil {
		return err
	}
	if s.sync != nil {
		return s.sync()
	}
	return nil
}

// Close writes what is left and finishes the file; it returns the first
// error met, and says if observations were lost because the stream fell
// behind the record.
func (s *Stream) Close() error {
	err := s.t.stop()
	if cerr := s.w.Close(); err == nil {
		err = cerr
	}
	if s.sync != nil {
		if serr := s.sync(); err == nil {
			err = serr
		}
	}
	return err
}

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

// Stream writes a record file as the record is made, so that a program
// killed mid-run leaves a file readable up to the last second: it follows
// the record every pollEvery and flushes the compressed stream (a gzip
// sync flush, which any gzip reader can read up to) every flushEvery.
// The file keeps the whole run, however much the record in memory drops.
type Stream struct {
	src    Reader
	w      *Writer
	sync   func() error // after each flush: the file to disk
	next   uint64       // the next observation to write
	missed uint64       // observations dropped before they were written
	buf    []Obs

	quit chan struct{}
	done chan struct{}
	mu   sync.Mutex
	err  error // the first write error
}

const (
	pollEvery  = 100 * time.Millisecond
	flushEvery = time.Second
)

// StartStream starts writing src to w from its first observation on;
// sync, when not nil, is called after every flush (os.File.Sync).
func StartStream(w io.Writer, src Reader, sync func() error) (*Stream, error) {
	fw, err := NewWriter(w, src.Header())
	if err != nil {
		return nil, err
	}
	first, _ := src.Bounds()
	s := &Stream{src: src, w: fw, sync: sync, next: first, quit: make(chan struct{}), done: make(chan struct{})}
	if err := s.flush(); err != nil {
		return nil, err
	}
	go s.run()
	return s, nil
}

func (s *Stream) run() {
	defer close(s.done)
	poll := time.NewTicker(pollEvery)
	defer poll.Stop()
	lastFlush := time.Now()
	for {
		select {
		case <-s.quit:
			return
		case <-poll.C:
		}
		s.copy()
		if time.Since(lastFlush) >= flushEvery {
			s.fail(s.flush())
			lastFlush = time.Now()
		}
	}
}

// copy writes what the record holds beyond what was written.
func (s *Stream) copy() {
	first, next := s.src.Bounds()
	if s.next < first { // fell behind the record's bounds: those are lost
		s.missed += first - s.next
		s.next = first
	}
	for s.next < next {
		s.buf = s.src.Read(s.next, 4096, s.buf[:0])
		if len(s.buf) == 0 {
			return
		}
		for i := range s.buf {
			s.fail(s.w.Write(&s.buf[i]))
		}
		s.next += uint64(len(s.buf))
	}
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

func (s *Stream) fail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err == nil {
		s.err = err
	}
}

// Close writes what is left and finishes the file; it returns the first
// error met, and says if observations were lost because the stream fell
// behind the record.
func (s *Stream) Close() error {
	close(s.quit)
	<-s.done
	s.copy()
	s.fail(s.w.Close())
	if s.sync != nil {
		s.fail(s.sync())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err == nil && s.missed > 0 {
		return &MissedError{N: s.missed}
	}
	return s.err
}

// MissedError says a stream fell behind the record it follows and could
// not write some observations.
type MissedError struct{ N uint64 }

func (e *MissedError) Error() string {
	return fmt.Sprintf("the record file misses %d observations the program dropped before they were written", e.N)
}

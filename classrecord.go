package main

import (
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/raftian/raftian/class"
	"github.com/raftian/raftian/merge"
	"github.com/raftian/raftian/node"
	"github.com/raftian/raftian/record"
	"github.com/raftian/raftian/rewind"
)

// mergeClass keeps the class's merged record: every seat's stream and
// the teacher's own record, merged on this laptop's clock, which the
// teacher's window draws; with path, written to that file as it is made
// (--observe). stop ends it, writing what is still held.
func (c *cli) mergeClass(t *class.Teacher, cluster *node.Cluster, path string) (m *merge.Record, stop func(), err error) {
	var f *os.File
	if path != "" {
		if f, err = os.Create(path); err != nil {
			return nil, nil, fmt.Errorf("--observe: %w", err)
		}
	}
	m = merge.New(cluster.Recorder().Header())
	t.Observe(m)
	t.Relay(summaryOf(m, cluster.Recorder()))
	quit, fed, ran := make(chan struct{}), make(chan struct{}), make(chan struct{})
	go func() { defer close(fed); m.Local(1, cluster.Recorder(), quit) }()
	go func() { defer close(ran); m.Run(quit) }()
	var s *record.Stream
	if f != nil {
		if s, err = record.StartStream(f, m, f.Sync); err != nil {
			close(quit)
			<-fed
			<-ran
			f.Close()
			return nil, nil, fmt.Errorf("--observe: %w", err)
		}
	}
	return m, func() {
		close(quit)
		<-fed
		<-ran
		if f == nil {
			return
		}
		if err := s.Close(); err != nil {
			fmt.Fprintf(c.stderr, "raftian class: writing %s: %v\n", path, err)
		}
		f.Close()
		c.mergeStats(t, m, path)
	}, nil
}

// mergeStats says what the merge did, and each seat's clock and stream.
func (c *cli) mergeStats(t *class.Teacher, m *merge.Record, path string) {
	st := m.Stats()
	fmt.Fprintf(c.stderr, "raftian class: the class's record is in %s (%d observations, %d deliveries moved after their send, %d without one, %d lost on the way, %d never written; written %v after they happened, p99 %v; watch it: raftian view %s)\n",
		path, st.Written, st.Clamped, st.Orphans, st.Lost, st.Held, st.LagP50.Round(time.Millisecond), st.LagP99.Round(time.Millisecond), path)
	streams := t.Streams()
	for n := 2; n <= len(t.Roster()); n++ {
		offset, within, ok := m.Offset(n)
		s, streamed := streams[n]
		if !ok || !streamed || s.For <= 0 {
			continue
		}
		fmt.Fprintf(c.stderr, "raftian class: seat %d: clock %+.6fs +/- %.3fms; stream %d bytes in %.1fs, %.0f B/s; relayed to it %.0f B/s\n",
			n, offset.Seconds(), float64(within.Microseconds())/1000, s.Bytes, s.For.Seconds(), float64(s.Bytes)/s.For.Seconds(), float64(s.Relay)/s.For.Seconds())
	}
}

// summaryOf is the class's summary the teacher relays to the students:
// every seat as the merged record shows it now.
func summaryOf(m *merge.Record, rec *record.Recorder) func() (string, []string) {
	model := rewind.New(m)
	var mu sync.Mutex // the class port's connections ask from their own goroutines
	return func() (string, []string) {
		mu.Lock()
		defer mu.Unlock()
		model.Update()
		// The newest state, kept up to date by Update: no state is
		// rebuilt for the relay.
		return rewind.Summarize(model.Head(), rec.Now())
	}
}

// relayedOf is what the teacher last relayed to this seat, read again
// only when a new relay came.
func relayedOf(st *class.Student) func() rewind.Relayed {
	var last rewind.Relayed
	return func() rewind.Relayed {
		leader, seats, at := st.Relayed()
		if !at.Equal(last.At) {
			last = rewind.DecodeRelay(leader, seats, at)
		}
		return last
	}
}

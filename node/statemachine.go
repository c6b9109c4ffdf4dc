package node

import (
	"bytes"
	"io"
	"sync"

	sm "github.com/lni/dragonboat/v4/statemachine"

	"github.com/raftian/raftian/record"
	"github.com/raftian/raftian/world"
)

// stateMachine is one replica's copy of the world, as dragonboat drives it.
// Readers (status, UI) take a clone under the read lock, so they never
// hold up Raft for longer than a copy of a few hundred bytes.
type stateMachine struct {
	mu      sync.RWMutex
	w       *world.World
	onApply func(world.Result) // may be nil
	rec     *record.Recorder   // may be nil
	id      int                // the replica's number, for the record
}

func newStateMachine(players int, onApply func(world.Result)) *stateMachine {
	return &stateMachine{w: world.New(players), onApply: onApply}
}

// Update applies one committed entry. The result goes back to the
// proposer: its reason code, and the target's HP after an attack.
func (s *stateMachine) Update(e sm.Entry) (sm.Result, error) {
	s.mu.Lock()
	r := s.w.Apply(e.Index, e.Cmd)
	s.mu.Unlock()
	if s.rec != nil {
		s.rec.Add(record.Obs{Kind: record.Apply, Node: uint8(s.id), Index: e.Index, Data: e.Cmd}) // the record copies it
	}
	if s.onApply != nil {
		s.onApply(r)
	}
	return sm.Result{Value: encodeResult(r)}, nil
}

// encodeResult packs what the proposer needs of a result into
// dragonboat's one number: the reason, a duplicate's original reason, HP.
func encodeResult(r world.Result) uint64 {
	return uint64(r.Reason) | uint64(r.Original)<<8 | uint64(r.HP)<<16
}

func decodeResult(v uint64) world.Result {
	return world.Result{Reason: world.Reason(v & 0xff), Original: world.Reason(v >> 8 & 0xff), HP: int(v >> 16)}
}

// Lookup returns a clone of the world; the query is ignored.
func (s *stateMachine) Lookup(any) (any, error) { return s.view(), nil }

// appliedIndex is the index of the last entry applied, without a clone.
func (s *stateMachine) appliedIndex() uint64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.w.AppliedIndex()
}

func (s *stateMachine) view() *world.World {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.w.Clone()
}

func (s *stateMachine) SaveSnapshot(w io.Writer, _ sm.ISnapshotFileCollection, _ <-chan struct{}) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.w.Save(w)
}

func (s *stateMachine) RecoverFromSnapshot(r io.Reader, _ []sm.SnapshotFile, _ <-chan struct{}) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.w.Restore(r); err != nil {
		return err
	}
	if s.rec != nil {
		var b bytes.Buffer
		s.w.Save(&b)
		s.rec.Add(record.Obs{Kind: record.Restore, Node: uint8(s.id), Index: s.w.AppliedIndex(), Data: b.Bytes()})
	}
	return nil
}

func (s *stateMachine) Close() error { return nil }

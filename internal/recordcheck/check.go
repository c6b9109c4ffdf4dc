// Package recordcheck checks a record of a real run, observation by
// observation, against what Raft and the record's format promise: every
// delivery after its send, times rising, no replica's term going down,
// one leader per term, no commit index past the end of its log. Tests of
// chaos runs and of a class's merged record use it.
package recordcheck

import (
	"fmt"

	"github.com/raftian/raftian/record"
	"github.com/raftian/raftian/rewind"
)

// Check replays log through the model, checking every state, and returns
// the model's last state. A delivery whose send came before the record
// began (a record that dropped its beginning) or was lost in a gap marked
// for its sender is not held against it.
func Check(log *record.Log) (*rewind.State, error) {
	first, next := log.Bounds()
	growing := &prefix{log: log, next: first}
	m := rewind.New(growing)
	sent := map[uint64]int64{}
	firstSent := uint64(0)
	gaps := map[int]bool{} // senders whose streams lost observations
	leaders := map[uint64]int{}
	var terms []uint64
	var last int64 = -1
	var buf []record.Obs
	for seq := first; seq < next; seq++ {
		buf = log.Read(seq, 1, buf[:0])
		o := buf[0]
		if o.At <= last && seq > first {
			return nil, fmt.Errorf("observation %d at %d µs, after one at %d: times must rise", seq, o.At, last)
		}
		last = o.At
		switch o.Kind {
		case record.Send:
			sent[o.ID] = o.At
			if firstSent == 0 {
				firstSent = o.ID
			}
		case record.Deliver:
			at, ok := sent[o.ID]
			if ok && at >= o.At || !ok && o.ID >= firstSent && firstSent != 0 && !gaps[int(o.Node)] {
				return nil, fmt.Errorf("observation %d: message %d from %d delivered at %d µs, sent at %d (known: %v)", seq, o.ID, o.Node, o.At, at, ok)
			}
		case record.Gap:
			gaps[int(o.Node)] = true
		case record.State:
			if o.Role == record.RoleLeader {
				if l, ok := leaders[o.Term]; ok && l != int(o.Node) {
					return nil, fmt.Errorf("observation %d: replicas %d and %d both lead term %d", seq, l, o.Node, o.Term)
				}
				leaders[o.Term] = int(o.Node)
			}
		}
		growing.next = seq + 1
		m.Update()
		for i, r := range m.Head().Replicas {
			for len(terms) <= i {
				terms = append(terms, 0)
			}
			if r.Term < terms[i] {
				return nil, fmt.Errorf("observation %d (%v): replica %d's term went from %d down to %d", seq, o.Kind, r.ID, terms[i], r.Term)
			}
			terms[i] = r.Term
			if r.Up && r.Commit > r.Log.Last() {
				return nil, fmt.Errorf("observation %d (%v): replica %d's commit %d is past its last entry %d", seq, o.Kind, r.ID, r.Commit, r.Log.Last())
			}
		}
	}
	return m.Head(), nil
}

// prefix is a log seen up to an observation, as a growing live record.
type prefix struct {
	log  *record.Log
	next uint64
}

func (p *prefix) Header() record.Header { return p.log.Header() }

func (p *prefix) Bounds() (uint64, uint64) {
	first, _ := p.log.Bounds()
	return first, p.next
}

func (p *prefix) Read(from uint64, limit int, out []record.Obs) []record.Obs {
	if from >= p.next {
		return out
	}
	return p.log.Read(from, min(limit, int(p.next-from)), out)
}

func (p *prefix) Search(t int64) uint64 { return min(p.log.Search(t), p.next) }

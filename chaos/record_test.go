package chaos

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/raftian/raftian/record"
	"github.com/raftian/raftian/rewind"
	"github.com/raftian/raftian/world"
)

// checkRecord checks the record of a real chaos run, read back from its
// file, observation by observation: every message delivered was sent
// before; no replica's term goes down in the model; no replica's commit
// index passes the end of its log; and at the end, what the model says
// each replica applied is what the replicas really hold.
func checkRecord(t *testing.T, path string, final []Final) {
	t.Helper()
	log, err := record.ReadLogFile(path)
	if err != nil {
		t.Fatal(err)
	}
	first, next := log.Bounds()
	t.Logf("record: %d observations, %d KiB in memory", next-first, log.Bytes()>>10)
	// Feed the model one observation at a time, to check every state.
	growing := &prefix{log: log, next: first}
	m := rewind.New(growing)
	sent := map[uint64]int64{}
	firstSent := uint64(0)
	terms := make([]uint64, world.MaxPlayers) // replicas may be added
	var buf []record.Obs
	for seq := first; seq < next; seq++ {
		buf = log.Read(seq, 1, buf[:0])
		o := buf[0]
		switch o.Kind {
		case record.Send:
			sent[o.ID] = o.At
			if firstSent == 0 {
				firstSent = o.ID
			}
		case record.Deliver:
			at, ok := sent[o.ID]
			if o.ID >= firstSent && (!ok || at >= o.At) {
				t.Fatalf("observation %d: message %d delivered at %d µs, sent at %d (known: %v)", seq, o.ID, o.At, at, ok)
			}
		}
		growing.next = seq + 1
		m.Update()
		for i, r := range m.Head().Replicas {
			if r.Term < terms[i] {
				t.Fatalf("observation %d (%v): replica %d's term went from %d down to %d", seq, o.Kind, r.ID, terms[i], r.Term)
			}
			terms[i] = r.Term
			if r.Up && r.Commit > r.Log.Last() {
				t.Fatalf("observation %d (%v): replica %d's commit %d is past its last entry %d\n%s", seq, o.Kind, r.ID, r.Commit, r.Log.Last(),
					evidence(t, log, path, seq, r.ID))
			}
		}
	}
	for i, r := range m.Head().Replicas {
		if r.Applied != final[i].Applied || r.World.Hash() != final[i].Hash {
			t.Errorf("replica %d: the model has it at %d (world %.12s), the replica at %d (world %.12s)",
				r.ID, r.Applied, r.World.Hash(), final[i].Applied, final[i].Hash)
		}
	}
}

// evidence keeps what a failure needs to be understood when it happened
// on a machine nobody can look at afterwards (CI): the record, copied out
// of the test's directory, and the last observations about replica id up
// to observation seq, written out.
func evidence(t *testing.T, log *record.Log, path string, seq uint64, id int) string {
	var b strings.Builder
	if kept, err := os.CreateTemp("", "raftian-failed-record-*.jsonl.gz"); err == nil {
		if src, err := os.ReadFile(path); err == nil {
			kept.Write(src)
		}
		kept.Close()
		fmt.Fprintf(&b, "the record is kept in %s; the last observations about replica %d:\n", kept.Name(), id)
	}
	first, _ := log.Bounds()
	var about []record.Obs
	for s := seq; s >= first && len(about) < 40; s-- {
		o := log.Read(s, 1, nil)[0]
		if int(o.Node) == id || int(o.Peer) == id || o.Node == 0 {
			about = append(about, o)
		}
	}
	for k := len(about) - 1; k >= 0; k-- {
		o := about[k]
		fmt.Fprintf(&b, "  %d µs %v msg=%v %d→%d term=%d index=%d logterm=%d commit=%d ents=%v lost=%v\n",
			o.At, o.Kind, o.Msg, o.Node, o.Peer, o.Term, o.Index, o.LogTerm, o.Commit, o.Ents, o.Lost)
	}
	return b.String()
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

package node

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"sync"
	"time"

	"github.com/raftian/raftian/internal/ring"
)

// Event is one thing that happened in the cluster, as written to the
// events file: one JSON object per line.
type Event struct {
	Seq  uint64 `json:"-"`
	TMs  int64  `json:"t_ms"` // milliseconds since the cluster started
	Type string `json:"type"`
	// Which fields are set depends on Type.
	Node      int     `json:"node,omitempty"`   // the replica it happened to
	Term      uint64  `json:"term,omitempty"`   // leader
	Leader    *int    `json:"leader,omitempty"` // leader: 0 = none known
	Groups    [][]int `json:"groups,omitempty"` // partition
	ID        string  `json:"id,omitempty"`     // commit, fail
	From      int     `json:"from,omitempty"`   // commit, fail: attacker; snapshot: sender
	To        int     `json:"to,omitempty"`     // commit, fail: target; snapshot: receiver
	Via       int     `json:"via,omitempty"`    // commit, fail: replica it was proposed through
	LatencyMs float64 `json:"latency_ms,omitempty"`
	Result    string  `json:"result,omitempty"`   // commit: what the world did with it
	Repeated  bool    `json:"repeated,omitempty"` // commit: applied by an earlier attempt
	Reason    string  `json:"reason,omitempty"`   // fail
	Index     uint64  `json:"index,omitempty"`    // snapshot, commit
	Dir       string  `json:"dir,omitempty"`      // snapshot: "sent" or "received"
	Drop      float64 `json:"drop,omitempty"`     // link
	DelayMs   float64 `json:"delay_ms,omitempty"` // link
}

// Event types.
const (
	EvLeader    = "leader"
	EvCrash     = "crash"
	EvRestart   = "restart"
	EvIsolate   = "isolate"
	EvRejoin    = "rejoin"
	EvPartition = "partition"
	EvHeal      = "heal"
	EvLink      = "link"
	EvCommit    = "commit"
	EvFail      = "fail"
	EvSnapshot  = "snapshot"
	EvSlow      = "slow" // slow motion on (delay_ms) or off (0)
	// EvReconfigure: every running replica restarted with new Raft
	// settings (in reason).
	EvReconfigure = "reconfigure"
)

// EventsSize is how many events the in-memory log keeps.
const EventsSize = 4096

// Events is the cluster's event log: a ring for readers in the process and,
// optionally, a JSON-lines file. Emitting never blocks on the file: lines
// are queued and written by a goroutine.
type Events struct {
	start time.Time

	mu   sync.Mutex
	ring ring.Ring[Event]

	out     *bufio.Writer
	pending []Event
	wake    chan struct{}
	done    chan struct{}
}

func newEvents(start time.Time, out io.Writer) *Events {
	e := &Events{start: start, ring: ring.New[Event](EventsSize)}
	if out != nil {
		e.out = bufio.NewWriter(out)
		e.wake = make(chan struct{}, 1)
		e.done = make(chan struct{})
		go e.write(e.wake)
	}
	return e
}

func (e *Events) emit(ev Event) {
	ev.TMs = time.Since(e.start).Milliseconds()
	e.mu.Lock()
	ev.Seq = e.ring.Next()
	e.ring.Add(ev)
	if e.wake != nil { // writing to a file, and not closed yet
		e.pending = append(e.pending, ev)
		select {
		case e.wake <- struct{}{}:
		default:
		}
	}
	e.mu.Unlock()
}

// Since appends the events after seq that are still in the ring to out
// and returns it with the seq to ask for next time.
func (e *Events) Since(seq uint64, out []Event) ([]Event, uint64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.ring.Since(seq, out)
}

func (e *Events) write(wake <-chan struct{}) {
	defer close(e.done)
	enc := json.NewEncoder(e.out)
	for {
		_, open := <-wake
		e.mu.Lock()
		batch := e.pending
		e.pending = nil
		e.mu.Unlock()
		for _, ev := range batch {
			enc.Encode(ev)
		}
		e.out.Flush()
		if !open {
			return
		}
	}
}

// close flushes the file and stops the writer. Events emitted after close
// stay in the ring only.
func (e *Events) close() {
	if e.out == nil {
		return
	}
	e.mu.Lock()
	w := e.wake
	e.wake = nil
	if w != nil {
		close(w)
	}
	e.mu.Unlock()
	if w != nil {
		<-e.done
	}
}

// CheckEvent checks an event read back from an events file (for
// jsonl.Read): it must at least say what happened.
func CheckEvent(e *Event) error {
	if e.Type == "" {
		return errors.New("not an event: no type")
	}
	return nil
}

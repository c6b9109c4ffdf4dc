package record

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// The events file (--events) is the record told as one JSON object a
// line, for scripts: who led, what failed, which attack committed. It is
// made from the record's observations and nothing else (Events), and a
// timeline can be drawn back from it (Event.Obs).

// Event is one thing that happened in the cluster, as written to the
// events file.
type Event struct {
	TMs  int64     `json:"t_ms"` // milliseconds since the record began
	Type EventType `json:"type"`
	// Which fields are set depends on Type.
	Node      int     `json:"node,omitempty"`   // the replica it happened to
	Term      uint64  `json:"term,omitempty"`   // leader
	Leader    *int    `json:"leader,omitempty"` // leader: the leader it believes in; 0 = none known
	Role      string  `json:"role,omitempty"`   // leader: its role
	Groups    [][]int `json:"groups,omitempty"` // partition
	ID        string  `json:"id,omitempty"`     // commit, fail: the command's client/sequence
	From      int     `json:"from,omitempty"`   // commit, fail: attacker; snapshot, transfer: sender
	To        int     `json:"to,omitempty"`     // commit, fail: target; snapshot: receiver
	Via       int     `json:"via,omitempty"`    // commit, fail: replica it was proposed through
	LatencyMs float64 `json:"latency_ms,omitempty"`
	Result    string  `json:"result,omitempty"`   // commit: what the world did with it; add: non-voting or voter
	Repeated  bool    `json:"repeated,omitempty"` // commit: applied by an earlier attempt
	Reason    string  `json:"reason,omitempty"`   // fail: why; link: "votes only"
	Index     uint64  `json:"index,omitempty"`    // snapshot
	Dir       string  `json:"dir,omitempty"`      // snapshot: "sent" or "received"
	Drop      float64 `json:"drop,omitempty"`     // link
	DelayMs   float64 `json:"delay_ms,omitempty"` // link, slow
}

// EventType says what an event is.
type EventType string

// The event types.
const (
	EventLeader    EventType = "leader" // a replica's role, term or leader changed
	EventCrash     EventType = "crash"
	EventRestart   EventType = "restart"
	EventIsolate   EventType = "isolate"
	EventRejoin    EventType = "rejoin"
	EventPartition EventType = "partition"
	EventHeal      EventType = "heal"
	EventLink      EventType = "link"
	EventSlow      EventType = "slow" // slow motion on (delay_ms) or off (0)
	EventCommit    EventType = "commit"
	EventFail      EventType = "fail"
	EventSnapshot  EventType = "snapshot"
	EventTransfer  EventType = "transfer" // the leader (from) was asked to hand leadership to node
	EventAdd       EventType = "add"      // node joined the shard (non-voting, then a voter)
	EventRemove    EventType = "remove"   // node was deleted from the shard
)

// CheckEvent checks an event read back from an events file: it must at
// least say what happened.
func CheckEvent(e *Event) error {
	if e.Type == "" {
		return errors.New("not an event: no type")
	}
	return nil
}

// eventMaker turns observations into events. It remembers what an event
// needs from earlier observations: a proposal's command, which replicas
// started once and which were removed.
type eventMaker struct {
	started, removed [MaxReplicas + 1]bool
	proposed         map[uint64]Obs // proposals not yet decided, by id
	sent             map[[3]uint64]bool
}

func newEventMaker() *eventMaker {
	return &eventMaker{proposed: map[uint64]Obs{}, sent: map[[3]uint64]bool{}}
}

// pendingKept bounds the proposals an event maker remembers.
const pendingKept = 1 << 16

// event returns the event o makes, if it makes one.
func (m *eventMaker) event(o *Obs) (Event, bool) {
	e := Event{TMs: o.At / 1000, Node: int(o.Node)}
	n := int(o.Node)
	if n > MaxReplicas {
		return e, false
	}
	switch o.Kind {
	case State:
		leader := int(o.Peer)
		e.Type, e.Term, e.Leader, e.Role = EventLeader, o.Term, &leader, o.Role.String()
	case Down:
		if m.removed[n] {
			return e, false // stopped for good: the removal says so
		}
		e.Type = EventCrash
	case Up:
		first := !m.started[n]
		m.started[n] = true
		if first {
			return e, false
		}
		e.Type = EventRestart
	case Isolate:
		e.Type = EventIsolate
	case Rejoin:
		e.Type = EventRejoin
	case Heal:
		e.Type, e.Node = EventHeal, 0
	case Partition:
		e.Type, e.Node, e.Groups = EventPartition, 0, groupsOf(o.Data)
	case Link:
		e.Type, e.Node, e.From, e.To = EventLink, 0, int(o.Node), int(o.Peer)
		e.Drop, e.DelayMs = float64(o.Loss)/1e6, float64(o.Delay)/1000
		if o.Reject {
			e.Reason = "votes only"
		}
	case Slow:
		e.Type, e.Node, e.DelayMs = EventSlow, 0, float64(o.Delay)/1000
	case Transfer:
		e.Type, e.From = EventTransfer, int(o.Peer)
	case Member:
		as, _, _ := strings.Cut(string(o.Data), " ")
		switch as {
		case MemberRemoved:
			m.removed[n] = true
			e.Type = EventRemove
		case MemberNamed:
			return e, false // a name, not a change
		default:
			e.Type, e.Result = EventAdd, as
		}
	case Send:
		if o.Msg != MsgSnapshot || m.sent[[3]uint64{uint64(o.Node), uint64(o.Peer), o.Index}] {
			return e, false // a snapshot's first chunk only
		}
		m.sent[[3]uint64{uint64(o.Node), uint64(o.Peer), o.Index}] = true
		e.Type, e.Dir, e.From, e.To, e.Index = EventSnapshot, "sent", int(o.Node), int(o.Peer), o.Index
	case Restore:
		e.Type, e.Dir, e.To, e.Index = EventSnapshot, "received", n, o.Index
	case Propose:
		if len(m.proposed) >= pendingKept {
			clear(m.proposed) // proposals never decided: forget them
		}
		m.proposed[o.ID] = *o
		return e, false
	case Outcome:
		p, ok := m.proposed[o.ID]
		if !ok {
			return e, false
		}
		delete(m.proposed, o.ID)
		e.Node, e.ID, e.From, e.To, e.Via = 0, string(p.Data), int(p.Node), int(p.Peer), int(o.Node)
		if o.Lost {
			e.Type, e.Reason = EventFail, string(o.Data)
			return e, true
		}
		e.Type, e.Result, e.Repeated = EventCommit, "applied", o.Reject
		e.LatencyMs = float64(o.At-p.At) / 1000
		if len(o.Data) > 0 {
			e.Result = string(o.Data)
		}
	default:
		return e, false
	}
	return e, true
}

// groupsOf is a Partition observation's groups: Data[i] is replica i+1's.
func groupsOf(data []byte) [][]int {
	var out [][]int
	for g := byte(0); g <= MaxReplicas; g++ {
		var members []int
		for i, x := range data {
			if x == g {
				members = append(members, i+1)
			}
		}
		if len(members) > 0 {
			out = append(out, members)
		}
	}
	return out
}

// EventStream writes a record's events as the record is made (--events).
type EventStream struct {
	buf *bufio.Writer
	t   *tail
}

// StartEvents starts writing src's events to w.
func StartEvents(w io.Writer, src Reader) *EventStream {
	buf := bufio.NewWriter(w)
	enc := json.NewEncoder(buf)
	m := newEventMaker()
	s := &EventStream{buf: buf}
	s.t = startTail(src, func(o *Obs) error {
		if e, ok := m.event(o); ok {
			return enc.Encode(&e)
		}
		return nil
	}, buf.Flush, pollEvery) // a script may be reading it as it grows
	return s
}

// Close writes what is left; it returns the first error met.
func (s *EventStream) Close() error {
	err := s.t.stop()
	if ferr := s.buf.Flush(); err == nil {
		err = ferr
	}
	return err
}

// Obs is the observation an event stands for, to draw a timeline from
// an events file; false for events that leave no mark on it. An events
// file older than the role field tells only who led.
func (e Event) Obs() (Obs, bool) {
	o := Obs{At: e.TMs * 1000, Node: uint8(e.Node)}
	if e.Node < 0 || e.Node > MaxReplicas {
		return o, false
	}
	switch e.Type {
	case EventLeader:
		o.Kind, o.Term, o.Role = State, e.Term, RoleFollower
		if e.Leader != nil {
			o.Peer = uint8(max(0, min(*e.Leader, MaxReplicas)))
		}
		if r, ok := lookup(roleNames[:], e.Role, Role(0)); ok {
			o.Role = r
		} else if int(o.Peer) == e.Node {
			o.Role = RoleLeader
		}
	case EventCrash:
		o.Kind = Down
	case EventRestart:
		o.Kind, o.Term = Up, e.Term
	case EventIsolate:
		o.Kind = Isolate
	case EventRejoin:
		o.Kind = Rejoin
	case EventHeal:
		o.Kind = Heal
	case EventPartition:
		o.Kind = Partition
		for g, members := range e.Groups {
			for _, r := range members {
				if r >= 1 && r <= MaxReplicas {
					for len(o.Data) < r {
						o.Data = append(o.Data, 0)
					}
					o.Data[r-1] = byte(g + 1)
				}
			}
		}
	case EventTransfer:
		o.Kind, o.Peer = Transfer, uint8(max(0, min(e.From, MaxReplicas)))
	case EventRemove:
		o.Kind, o.Data = Member, []byte(MemberRemoved)
	default:
		return o, false
	}
	return o, true
}

// String says what the event is, briefly.
func (e Event) String() string { return fmt.Sprintf("%d ms %s %d", e.TMs, e.Type, e.Node) }

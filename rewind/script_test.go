package rewind

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/raftian/raftian/record"
	"github.com/raftian/raftian/world"
)

// script writes a synthetic record, observation by observation, a
// millisecond apart unless told otherwise.
type script struct {
	t     *testing.T
	log   *record.Log
	at    int64
	id    uint64
	known []record.Known // as the recorder knows each replica
}

func newScript(t *testing.T, n int) *script {
	h := record.Header{RTTMs: 50, ElectionRTT: 10, HeartbeatRTT: 1}
	for i := 0; i < n; i++ {
		h.Players = append(h.Players, record.Player{Name: "p", Color: "#ffffff"})
	}
	return &script{t: t, log: record.NewLog(h, record.Keep, record.Budget), known: make([]record.Known, n+1)}
}

// add appends o a millisecond after the last observation; it returns o's time.
func (s *script) add(o record.Obs) int64 {
	s.at += 1000
	o.At = s.at
	s.log.Add(o)
	return o.At
}

func (s *script) up(i int, term uint64) {
	s.known[i].Restarted(term)
	s.add(record.Obs{Kind: record.Up, Node: uint8(i), Term: term})
}

// state records what dragonboat reports of replica i.
func (s *script) state(i int, role record.Role, term uint64, leader int) int64 {
	s.known[i] = record.Known{Role: role, Term: term, Leader: uint8(leader)}
	return s.add(record.Obs{Kind: record.State, Node: uint8(i), Role: role, Term: term, Peer: uint8(leader)})
}

// send records a message and returns it, to deliver later; like the
// recorder, it first records what the message reveals of its sender.
func (s *script) send(o record.Obs) record.Obs {
	o.Kind = record.Send
	if st, ok := s.known[o.Node].Sent(&o); ok {
		s.add(st)
	}
	s.id++
	o.Kind, o.ID = record.Send, s.id
	o.At = s.add(o)
	return o
}

func (s *script) deliver(o record.Obs) int64 {
	o.Kind = record.Deliver
	return s.add(o)
}

func (s *script) drop(o record.Obs) int64 {
	o.Kind = record.Drop
	return s.add(o)
}

// exchange sends a message and delivers it at once.
func (s *script) exchange(o record.Obs) int64 { return s.deliver(s.send(o)) }

func msg(t record.MsgType, from, to int, term uint64) record.Obs {
	return record.Obs{Msg: t, Node: uint8(from), Peer: uint8(to), Term: term}
}

// model returns a model that has read everything written so far.
func (s *script) model() *Model {
	m := New(s.log)
	m.Update()
	return m
}

// elect makes leader the leader of term over every other replica, all up,
// with its no-op at index 1 committed everywhere.
func (s *script) elect(leader int, n int, term uint64) {
	for i := 1; i <= n; i++ {
		s.up(i, term-1)
	}
	s.state(leader, record.RoleLeader, term, leader)
	noop := record.Ent{Index: 1, Term: term}
	for i := 1; i <= n; i++ {
		if i == leader {
			continue
		}
		m := msg(record.MsgAppend, leader, i, term)
		m.Ents = []record.Ent{noop}
		s.exchange(m)
		ack := msg(record.MsgAppendResp, i, leader, term)
		ack.Index = 1
		s.exchange(ack)
	}
}

func attackCmd(from, to int, seq uint64) []byte {
	return world.Attack(world.ID{Client: uint64(from), Seq: seq}, from, to).Encode()
}

func newWorld(n int) *world.World { return world.New(n) }

// readUntil reads the record from the start, one observation at a time
// and without keyframes, up to t.
func (m *Model) readUntil(t int64) {
	_, next := m.src.Bounds()
	for seq := m.head.Next; seq < next; seq++ {
		o := m.src.Read(seq, 1, nil)[0]
		if o.At > t {
			return
		}
		m.apply(m.head, &o)
	}
}

// diff describes how two states differ, or returns "".
func diff(a, b *State) string {
	if a.At != b.At || a.Next != b.Next {
		return fmt.Sprintf("at %d/%d, next %d/%d", a.At, b.At, a.Next, b.Next)
	}
	for i := range a.Replicas {
		ra, rb := a.Replicas[i], b.Replicas[i]
		if ra.World.Hash() != rb.World.Hash() {
			return fmt.Sprintf("replica %d: worlds differ", i+1)
		}
		ra.World, rb.World = nil, nil
		if !reflect.DeepEqual(ra, rb) {
			return fmt.Sprintf("replica %d:\n%+v\n%+v", i+1, ra, rb)
		}
	}
	if !reflect.DeepEqual(a.Net, b.Net) || !reflect.DeepEqual(a.Pending, b.Pending) {
		return "network or proposals differ"
	}
	return ""
}

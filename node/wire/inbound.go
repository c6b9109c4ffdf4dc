package wire

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime/debug"
	"sync/atomic"
	"syscall"
	"time"

	pb "github.com/lni/dragonboat/v4/raftpb"
)

// The inbound side of the transport: connections accepted, bounded and
// read; every frame checked before Raft sees it.

// Limits of the inbound side, against peers that are not replicas: a
// replica's peers need a few connections each (messages, snapshots), and
// send a heartbeat every round trip.
var (
	maxInbound   = 32               // connections held per replica
	inboundIdle  = 30 * time.Second // a connection silent this long is closed
	frameTimeout = 10 * time.Second // a frame must arrive whole within this
)

func (t *transport) accept(ln net.Listener) {
	defer t.wg.Done()
	for {
		c, err := ln.Accept()
		if err != nil {
			return // closed
		}
		t.mu.Lock()
		if t.closed {
			t.mu.Unlock()
			c.Close()
			return
		}
		if len(t.conns) >= maxInbound {
			t.refuse(c)
			t.mu.Unlock()
			c.Close()
			continue
		}
		t.conns[c] = struct{}{}
		t.wg.Add(1)
		t.mu.Unlock()
		go t.serve(c)
	}
}

// refuse logs a connection refused for being one too many, at most one
// line every few seconds however many come. t.mu is held.
func (t *transport) refuse(c net.Conn) {
	t.refused++
	if t.quietLocked("beyond the limit") {
		return
	}
	log().Warn("raft port: refused connections beyond the limit", "replica", t.self,
		"limit", maxInbound, "refused", t.refused, "last remote", c.RemoteAddr().String())
	t.refused = 0
}

// quietPeriod is how long a warning stays unrepeated, and maxSaid how
// many different ones are remembered: a network full of strangers must
// neither flood the log nor grow the table.
const (
	quietPeriod = 5 * time.Second
	maxSaid     = 64
)

// quiet reports whether a warning about what (a peer, a refusal) was
// logged in the last few seconds and should be left out now: a refused
// peer tries again at every heartbeat.
func (t *transport) quiet(what string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.quietLocked(what)
}

// quietLocked is quiet with t.mu held.
func (t *transport) quietLocked(what string) bool {
	now := time.Now()
	if now.Sub(t.said[what]) < quietPeriod {
		return true
	}
	if t.said == nil {
		t.said = map[string]time.Time{}
	}
	if len(t.said) >= maxSaid {
		for k, at := range t.said {
			if now.Sub(at) >= quietPeriod {
				delete(t.said, k)
			}
		}
		if len(t.said) >= maxSaid {
			return true // this many warnings in a few seconds: enough said
		}
	}
	t.said[what] = now
	return false
}

// serve reads frames from one inbound connection until it fails. Anything
// malformed closes the connection with one log line; it never reaches
// Raft. A connection that stays silent, or sends a frame too slowly or
// one too large for the budget left, is closed as well.
func (t *transport) serve(c net.Conn) {
	defer t.wg.Done()
	defer func() {
		t.mu.Lock()
		delete(t.conns, c)
		t.mu.Unlock()
		c.Close()
	}()
	bad := func(err error) {
		log().Warn("raft port: dropped a connection sending bad data",
			"replica", t.self, "remote", c.RemoteAddr().String(), "err", err)
	}
	from := 0 // the replica the handshake proved, if guarded
	if g := t.net.guard; g != nil {
		tc, n, err := g.Server(c)
		if err != nil {
			if host, _, _ := net.SplitHostPort(c.RemoteAddr().String()); !t.quiet("refused " + host) {
				log().Warn("raft port: refused a connection", "replica", t.self,
					"remote", c.RemoteAddr().String(), "err", err)
			}
			return
		}
		c, from = tc, n
	}
	r := bufio.NewReaderSize(c, 64<<10)
	buf := make([]byte, 0, 64<<10) // for the common, small frames
	for {
		c.SetReadDeadline(time.Now().Add(inboundIdle))
		h, err := readHeader(r)
		if err != nil {
			if !isClosedConn(err) && !isTimeout(err) {
				bad(err)
			}
			return
		}
		if !t.net.budget.take(h.size) {
			bad(fmt.Errorf("%w: %d bytes do not fit in the inbound budget", errTooLarge, h.size))
			return
		}
		c.SetReadDeadline(time.Now().Add(frameTimeout))
		payload, err := readPayload(r, h, buf)
		if err == nil {
			err = t.deliver(h.kind, h.id, payload, from)
		}
		t.net.budget.give(h.size)
		if h.size >= largeFrame {
			payload = nil
			returnMemory()
		}
		if err != nil {
			if !isClosedConn(err) {
				bad(err)
			}
			return
		}
	}
}

var (
	errUnknownSource = errors.New("message from an unknown address")
	errDeployment    = errors.New("message from another raftian cluster")
	errShard         = errors.New("message for an unknown shard")
	errImpostor      = errors.New("a replica spoke for another")
	errNotTeacher    = errors.New("only the teacher's seat may change membership")
)

// proposesMembers reports whether m carries a membership change to its
// leader: a follower forwards proposals, config changes among them.
func proposesMembers(m pb.Message) bool {
	if m.Type != pb.Propose {
		return false
	}
	for _, e := range m.Entries {
		if e.Type == pb.ConfigChangeEntry {
			return true
		}
	}
	return false
}

// deliver hands a frame's messages (whose first id is id) to Raft. from is
// the replica the connection's handshake proved, or 0 without one: a
// replica may speak only for itself.
func (t *transport) deliver(kind byte, id uint64, payload []byte, from int) error {
	switch kind {
	case frameBatch:
		var b pb.MessageBatch
		if err := Unmarshal(b.Unmarshal, payload); err != nil {
			return err
		}
		if b.DeploymentId != t.net.deployment {
			return fmt.Errorf("%w (deployment %x)", errDeployment, b.DeploymentId)
		}
		src, ok := t.net.replicaAt(b.SourceAddress)
		if !ok {
			return fmt.Errorf("%w %q", errUnknownSource, b.SourceAddress)
		}
		if from != 0 && src != from {
			return fmt.Errorf("%w: replica %d sent a batch from replica %d's address", errImpostor, from, src)
		}
		for _, m := range b.Requests {
			if m.ShardID != ShardID {
				return fmt.Errorf("%w %d", errShard, m.ShardID)
			}
			if int(m.From) != src {
				return fmt.Errorf("%w: a message from replica %d in a batch of replica %d", errImpostor, m.From, src)
			}
			if from != 0 && proposesMembers(m) && !t.net.guard.MayChangeMembers(src) {
				return fmt.Errorf("%w: replica %d proposed a membership change", errNotTeacher, src)
			}
		}
		// Checked again on receipt: a partition may have started while the
		// batch was on its way.
		if t.net.faults.cut(src, t.self) {
			t.net.arrived(src, t.self, id, b.Requests, true)
			return nil
		}
		t.net.clues.received(t.self, b.Requests)
		t.net.arrived(src, t.self, id, b.Requests, false)
		t.handler(b)
	case frameWhere:
		if _, _, err := net.SplitHostPort(string(payload)); from == 0 || len(payload) > maxWhere || err != nil {
			return fmt.Errorf("%w: a seat's address %q", errBadKind, payload)
		}
		t.net.Locate(from, string(payload))
	case frameChunk:
		var ch pb.Chunk
		if err := Unmarshal(ch.Unmarshal, payload); err != nil {
			return err
		}
		if ch.DeploymentId != t.net.deployment {
			return fmt.Errorf("%w (deployment %x)", errDeployment, ch.DeploymentId)
		}
		if ch.ShardID != ShardID {
			return fmt.Errorf("%w %d", errShard, ch.ShardID)
		}
		if from != 0 && int(ch.From) != from {
			return fmt.Errorf("%w: replica %d sent a snapshot chunk from replica %d", errImpostor, from, ch.From)
		}
		msg := chunkMessage(ch)
		if t.net.faults.cut(int(ch.From), t.self) {
			t.net.arrived(int(ch.From), t.self, id, msg, true)
			return nil
		}
		t.net.arrived(int(ch.From), t.self, id, msg, false)
		if !t.chunks(ch) {
			return errors.New("snapshot chunk refused")
		}
	}
	return nil
}

// Unmarshal runs a generated protobuf decoder and turns a panic on hostile
// input into an error: garbage on a Raft port (or in a damaged file) must
// not crash a replica.
func Unmarshal(decode func([]byte) error, payload []byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("undecodable payload: %v", r)
		}
	}()
	if err := decode(payload); err != nil {
		return fmt.Errorf("undecodable payload: %w", err)
	}
	return nil
}

// largeFrame is the size from which a frame's memory is handed back to
// the system as soon as it has been delivered (or refused): left to the
// garbage collector, a dead 64 MiB buffer doubles the heap's next goal, and
// the process grows by that much again before it collects.
const largeFrame = 8 << 20

var lastReturn atomic.Int64 // unix nanoseconds of the last returnMemory

// returnMemory collects garbage and returns free memory to the system, at
// most once a second however many large frames arrive.
func returnMemory() {
	now := time.Now().UnixNano()
	last := lastReturn.Load()
	if now-last < int64(time.Second) || !lastReturn.CompareAndSwap(last, now) {
		return
	}
	debug.FreeOSMemory()
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func isClosedConn(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, syscall.ECONNRESET)
}

package world

import "slices"

// Exactly-once application, by client sessions (Raft dissertation §6.3).
//
// A proposal retried after a timeout or a leader change may commit twice,
// and proposals a client pipelines through several replicas commit in any
// order. Each client has its own id and numbers its commands from 1; every
// command also carries the lowest sequence number the client is still
// waiting on. The world keeps each client's results for the commands the
// client has not yet seen answered, and forgets them only when the client
// says so (its lowest outstanding number has moved past them), never by
// guessing from the highest number seen. So:
//
//   - a command seen before gets the first application's result again, and
//     changes nothing;
//   - a command below the client's lowest outstanding number is too old to
//     judge: its answer was already given and its result forgotten. It is
//     refused (ReasonStale), never reported as a success.
//
// Sessions are bounded: at most MaxSessions clients, each with at most
// MaxInFlight commands waiting. When a new client arrives and the table is
// full, the client whose last command is oldest (by log index, so every
// replica picks the same one) is forgotten, and its id is remembered among
// the last MaxExpired ones: its later commands are refused as expired
// instead of being taken for a new client's.

// MaxSessions is how many clients the world remembers at once.
const MaxSessions = 128

// MaxInFlight is how many commands a client may have waiting at once: a
// command's sequence number must be less than its lowest outstanding number
// plus MaxInFlight.
const MaxInFlight = 128

// MaxExpired is how many forgotten clients the world still recognises.
const MaxExpired = 256

type session struct {
	client  uint64
	lowest  uint64   // the client's lowest outstanding seq, as last told
	lastIdx uint64   // log index of its last command, for eviction
	results []cached // results of commands at or above lowest, by seq
}

// cached is what a command did, kept until its client has seen it.
type cached struct {
	seq    uint64
	reason Reason
	hp     uint8
}

// find returns the session of client, or nil.
func (w *World) find(client uint64) *session {
	i, ok := slices.BinarySearchFunc(w.sessions, client, func(s session, c uint64) int {
		switch {
		case s.client < c:
			return -1
		case s.client > c:
			return 1
		}
		return 0
	})
	if !ok {
		return nil
	}
	return &w.sessions[i]
}

// judge decides whether command c may be applied. It returns the client's
// session to record the result in, or a result that ends the command here:
// expired, stale or a repeat.
func (w *World) judge(c Command, index uint64) (*session, Reason, cached) {
	s := w.find(c.ID.Client)
	if s == nil {
		if slices.Contains(w.expired, c.ID.Client) {
			return nil, ReasonSessionExpired, cached{}
		}
		s = w.addSession(c.ID.Client)
	}
	s.lastIdx = index
	if c.Lowest > s.lowest {
		s.lowest = c.Lowest
		k := 0
		for _, r := range s.results {
			if r.seq >= s.lowest {
				s.results[k] = r
				k++
			}
		}
		s.results = s.results[:k]
	}
	if c.ID.Seq < s.lowest {
		return nil, ReasonStale, cached{}
	}
	if i, ok := slices.BinarySearchFunc(s.results, c.ID.Seq, bySeq); ok {
		return nil, ReasonDuplicate, s.results[i]
	}
	if c.ID.Seq >= s.lowest+MaxInFlight {
		return nil, ReasonTooFarAhead, cached{}
	}
	return s, ReasonNone, cached{}
}

func bySeq(r cached, seq uint64) int {
	switch {
	case r.seq < seq:
		return -1
	case r.seq > seq:
		return 1
	}
	return 0
}

// remember keeps a command's result in its session until the client has
// seen it.
func (s *session) remember(seq uint64, reason Reason, hp int) {
	i, _ := slices.BinarySearchFunc(s.results, seq, bySeq)
	s.results = slices.Insert(s.results, i, cached{seq: seq, reason: reason, hp: uint8(hp)})
}

// addSession adds a client with nothing seen and returns its session. The
// table stays sorted by client id so that snapshots and hashes are
// canonical.
func (w *World) addSession(client uint64) *session {
	if len(w.sessions) >= MaxSessions {
		oldest := 0
		for i, s := range w.sessions {
			if s.lastIdx < w.sessions[oldest].lastIdx {
				oldest = i
			}
		}
		w.expire(w.sessions[oldest].client)
		w.sessions = slices.Delete(w.sessions, oldest, oldest+1)
	}
	at, _ := slices.BinarySearchFunc(w.sessions, client, func(s session, c uint64) int {
		if s.client < c {
			return -1
		}
		return 1
	})
	w.sessions = slices.Insert(w.sessions, at, session{client: client, lowest: 1})
	return &w.sessions[at]
}

// expire remembers a forgotten client, oldest first out.
func (w *World) expire(client uint64) {
	if len(w.expired) >= MaxExpired {
		w.expired = slices.Delete(w.expired, 0, 1)
	}
	w.expired = append(w.expired, client)
}

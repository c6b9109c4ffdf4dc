package world

import (
	"errors"
	"fmt"
)

// Rules of the game, as in the original Raftian.
const (
	StartHP = 100
	Damage  = 30
)

// RecentSize is how many applied or rejected commands a World remembers
// for display.
const RecentSize = 16

// MaxPlayers is the most players a World can hold, as many as a cluster
// can have replicas (config allows 3 to 9).
const MaxPlayers = 32

// Reason says why a command was rejected; ReasonNone means it was applied.
type Reason uint8

const (
	ReasonNone Reason = iota
	ReasonUndecodable
	ReasonUnknownVersion
	ReasonUnknownKind
	ReasonNoSuchPlayer
	ReasonSelfAttack
	ReasonAttackerDestroyed
	ReasonTargetDestroyed
	ReasonDuplicate      // a repeat: Original says what the first did
	ReasonStale          // too old to judge: its client has moved past it
	ReasonSessionExpired // its client was forgotten to make room
	ReasonTooFarAhead    // more commands in flight than the client may have
	reasonCount          // keep last: bounds check for snapshots
)

var reasonText = [...]string{
	ReasonNone:              "",
	ReasonUndecodable:       "entry does not decode",
	ReasonUnknownVersion:    "unknown command version",
	ReasonUnknownKind:       "unknown command kind",
	ReasonNoSuchPlayer:      "no such player",
	ReasonSelfAttack:        "a player cannot attack itself",
	ReasonAttackerDestroyed: "attacker already destroyed",
	ReasonTargetDestroyed:   "target already destroyed",
	ReasonDuplicate:         "duplicate, already applied",
	ReasonStale:             "too old to judge: its client already moved on",
	ReasonSessionExpired:    "client session expired",
	ReasonTooFarAhead:       "too many commands in flight",
}

// Failed reports whether the reason means the command could not be judged
// at all (stale, expired, too far ahead): a failure to report, not a
// verdict of the game's rules.
func (r Reason) Failed() bool {
	return r == ReasonStale || r == ReasonSessionExpired || r == ReasonTooFarAhead
}

func (r Reason) String() string {
	if r < reasonCount {
		return reasonText[r]
	}
	return fmt.Sprintf("reason(%d)", uint8(r))
}

// Result is what applying one log entry did.
type Result struct {
	Index    uint64 // log index of the entry
	ID       ID     // zero when the entry did not decode
	Kind     Kind   // zero when the entry did not decode
	From, To int
	Reason   Reason // ReasonNone when applied
	HP       int    // the target's HP after an attack
	// Original is, for a duplicate, what the first application did (and
	// HP is the HP it left).
	Original Reason
	// Lowest is the command's lowest outstanding sequence number, so that
	// a log of results can be replayed into the same world.
	Lowest uint64
}

// Command returns the command the result is about, as it was applied.
func (r Result) Command() Command {
	return Command{ID: r.ID, Kind: r.Kind, From: r.From, To: r.To, Lowest: r.Lowest}
}

// Applied reports whether the command changed the world.
func (r Result) Applied() bool { return r.Reason == ReasonNone }

// World is the whole game state: the HP of every player's city, which
// commands were already applied, and the last few results. It is a pure
// state machine: the same entries in the same order give the same World on
// every replica. It is not safe for concurrent use.
type World struct {
	hp         []int
	left       uint64    // bit p-1: player p left the game (its city is ruins)
	applied    uint64    // log index of the last entry given to Apply
	sessions   []session // by client id; see session.go
	expired    []uint64  // clients forgotten lately, oldest first
	recent     [RecentSize]Result
	recentNext int // next slot to write in recent
	recentLen  int
}

// New returns a world of n players, every city at full health.
// n must be between 1 and MaxPlayers.
func New(n int) *World {
	if n < 1 || n > MaxPlayers {
		panic(fmt.Sprintf("world.New(%d): players must be 1..%d", n, MaxPlayers))
	}
	w := &World{hp: make([]int, n)}
	for i := range w.hp {
		w.hp[i] = StartHP
	}
	return w
}

// Players returns the number of players.
func (w *World) Players() int { return len(w.hp) }

// HP returns the health of player p's city (p is 1-based).
func (w *World) HP(p int) int { return w.hp[p-1] }

// Alive reports whether player p's city still stands.
func (w *World) Alive(p int) bool { return w.hp[p-1] > 0 }

// Left reports whether player p left the game: its city is ruins for good.
func (w *World) Left(p int) bool { return w.left&(1<<(p-1)) != 0 }

// AppliedIndex returns the log index of the last entry applied.
func (w *World) AppliedIndex() uint64 { return w.applied }

// Recent returns the last results, oldest first.
func (w *World) Recent() []Result {
	out := make([]Result, 0, w.recentLen)
	start := w.recentNext - w.recentLen
	for i := 0; i < w.recentLen; i++ {
		out = append(out, w.recent[(start+i+RecentSize)%RecentSize])
	}
	return out
}

// Last returns the newest result, if there is one, without copying the
// rest: the window asks every frame.
func (w *World) Last() (Result, bool) {
	if w.recentLen == 0 {
		return Result{}, false
	}
	return w.recent[(w.recentNext-1+RecentSize)%RecentSize], true
}

// Apply applies the log entry at index and returns what it did. It never
// panics: an entry that does not decode, or breaks a rule, is recorded as
// rejected with its reason and changes nothing else.
func (w *World) Apply(index uint64, entry []byte) Result {
	w.applied = index
	r := w.apply(index, entry)
	w.remember(r)
	return r
}

func (w *World) apply(index uint64, entry []byte) Result {
	c, err := Decode(entry)
	switch {
	case err == nil:
	case errors.Is(err, ErrVersion):
		return Result{Index: index, Reason: ReasonUnknownVersion}
	case errors.Is(err, ErrUnknownCommand):
		return Result{Index: index, Reason: ReasonUnknownKind}
	default:
		return Result{Index: index, Reason: ReasonUndecodable}
	}
	r := Result{Index: index, ID: c.ID, Kind: c.Kind, From: c.From, To: c.To, Lowest: c.Lowest}
	s, verdict, first := w.judge(c, index)
	if s == nil {
		r.Reason = verdict
		if verdict == ReasonDuplicate {
			r.Original, r.HP = first.reason, int(first.hp)
		}
		return r
	}
	switch c.Kind {
	case KindAttack:
		r.Reason = w.attack(c.From, c.To)
		r.HP = w.hpOrZero(c.To)
	case KindNewGame:
		for i := range w.hp {
			if !w.Left(i + 1) {
				w.hp[i] = StartHP
			}
		}
	case KindJoin:
		r.Reason = w.join(c.To)
		r.HP = w.hpOrZero(c.To)
	case KindLeave:
		r.Reason = w.leave(c.To)
	}
	// A rejected command is remembered too: a retry must be rejected the
	// same way, and must not succeed later once the rule allows it.
	s.remember(c.ID.Seq, r.Reason, r.HP)
	return r
}

func (w *World) attack(from, to int) Reason {
	n := len(w.hp)
	switch {
	case from < 1 || from > n || to < 1 || to > n:
		return ReasonNoSuchPlayer
	case from == to:
		return ReasonSelfAttack
	case !w.Alive(from):
		return ReasonAttackerDestroyed
	case !w.Alive(to):
		return ReasonTargetDestroyed
	}
	w.hp[to-1] = max(w.hp[to-1]-Damage, 0)
	return ReasonNone
}

// join adds player p's city. Player numbers are replica numbers, and a
// replica whose addition was undone never joined: the numbers between the
// last player and p become ruins, so that every number keeps its meaning.
func (w *World) join(p int) Reason {
	if p <= len(w.hp) || p > MaxPlayers {
		return ReasonNoSuchPlayer
	}
	w.ruinsUpTo(p - 1)
	w.hp = append(w.hp, StartHP)
	return ReasonNone
}

// leave turns player p's city into ruins for good. A player who never
// joined (its replica's addition was undone) leaves ruins too, as does
// every number before it that never joined.
func (w *World) leave(p int) Reason {
	if p < 1 || p > MaxPlayers || (p <= len(w.hp) && w.Left(p)) {
		return ReasonNoSuchPlayer
	}
	w.ruinsUpTo(p)
	w.hp[p-1] = 0
	w.left |= 1 << (p - 1)
	return ReasonNone
}

// ruinsUpTo adds ruined cities for the player numbers up to p that never
// joined.
func (w *World) ruinsUpTo(p int) {
	for len(w.hp) < p {
		w.hp = append(w.hp, 0)
		w.left |= 1 << (len(w.hp) - 1)
	}
}

func (w *World) hpOrZero(p int) int {
	if p < 1 || p > len(w.hp) {
		return 0
	}
	return w.hp[p-1]
}

func (w *World) remember(r Result) {
	w.recent[w.recentNext] = r
	w.recentNext = (w.recentNext + 1) % RecentSize
	w.recentLen = min(w.recentLen+1, RecentSize)
}

// Clone returns an independent copy, for readers that must not hold the
// replica's lock while they look.
func (w *World) Clone() *World {
	c := *w
	c.hp = append([]int(nil), w.hp...)
	// Two allocations however many sessions: status readers clone often.
	total := 0
	for _, s := range w.sessions {
		total += len(s.results)
	}
	all := make([]cached, 0, total)
	c.sessions = make([]session, len(w.sessions))
	for i, s := range w.sessions {
		start := len(all)
		all = append(all, s.results...)
		s.results = all[start:len(all):len(all)]
		c.sessions[i] = s
	}
	c.expired = append([]uint64(nil), w.expired...)
	return &c
}

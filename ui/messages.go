package ui

import (
	"time"

	"github.com/raftian/raftian/node/wire"
)

// The message view draws Raft messages from the tap as dots flying
// between panes. At full rate there are thousands a second, so it is
// thinned: per link and kind of message, one dot per thinInterval.

const (
	travelTime   = 450 * time.Millisecond // a dot's flight from pane to pane
	thinInterval = 180 * time.Millisecond
	maxDots      = 400
)

// Dot is one message in flight on screen.
type Dot struct {
	From, To int
	Kind     wire.Kind
	Reply    bool
	Dropped  bool
	Start    time.Time
}

// Progress is how far the dot has travelled, 0..1; a dropped dot stops at
// dropAt.
func (d Dot) Progress(now time.Time) float32 {
	return float32(now.Sub(d.Start)) / float32(travelTime)
}

// Done reports whether the dot has finished its flight (a lost one
// lingers a little, dead at its wall).
func (d Dot) Done(now time.Time) bool {
	if d.Dropped {
		return now.Sub(d.Start) >= travelTime*3/2
	}
	return now.Sub(d.Start) >= travelTime
}

type dotKey struct {
	from, to int
	kind     wire.Kind
	reply    bool
	dropped  bool // thinned apart, so that losses always show
}

// MessageView keeps the dots and the votes seen on the wire.
type MessageView struct {
	Dots  []Dot
	last  map[dotKey]time.Time
	votes map[voteKey]map[int]bool
}

type voteKey struct {
	candidate int
	term      uint64
	pre       bool
}

// NewMessageView returns an empty view.
func NewMessageView() *MessageView {
	return &MessageView{last: map[dotKey]time.Time{}, votes: map[voteKey]map[int]bool{}}
}

// Add takes new messages from the tap. Votes are always counted; dots
// only when show is true, and thinned.
func (v *MessageView) Add(msgs []wire.Message, now time.Time, show bool) {
	for _, m := range msgs {
		if m.Reply && !m.Reject && !m.Dropped && (m.Kind == wire.KindVote || m.Kind == wire.KindPreVote) {
			k := voteKey{candidate: m.To, term: m.Term, pre: m.Kind == wire.KindPreVote}
			if v.votes[k] == nil {
				v.votes[k] = map[int]bool{}
			}
			v.votes[k][m.From] = true
		}
		if !show {
			continue
		}
		l := dotKey{m.From, m.To, m.Kind, m.Reply, m.Dropped}
		if t, ok := v.last[l]; ok && now.Sub(t) < thinInterval {
			continue
		}
		v.last[l] = now
		v.Dots = append(v.Dots, Dot{From: m.From, To: m.To, Kind: m.Kind, Reply: m.Reply, Dropped: m.Dropped, Start: now})
	}
	v.prune(now)
}

func (v *MessageView) prune(now time.Time) {
	k := 0
	for _, d := range v.Dots {
		if !d.Done(now) {
			v.Dots[k] = d
			k++
		}
	}
	v.Dots = v.Dots[:k]
	if over := len(v.Dots) - maxDots; over > 0 {
		v.Dots = v.Dots[over:]
	}
	if len(v.votes) > 64 { // old elections
		clear(v.votes)
	}
}

// Votes returns how many votes candidate has been granted in term,
// counting its own: for a pre-vote, term is the term it would stand in.
func (v *MessageView) Votes(candidate int, term uint64, pre bool) int {
	return len(v.votes[voteKey{candidate, term, pre}]) + 1
}

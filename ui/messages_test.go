package ui

import (
	"testing"
	"time"

	"github.com/raftian/raftian/node/wire"
)

func TestMessageViewThinsDeliveredAndDroppedApart(t *testing.T) {
	v := NewMessageView()
	now := time.Unix(100, 0)
	var msgs []wire.Message
	for i := 0; i < 50; i++ {
		msgs = append(msgs, wire.Message{Kind: wire.KindHeartbeat, From: 1, To: 2})
	}
	msgs = append(msgs, wire.Message{Kind: wire.KindHeartbeat, From: 1, To: 3, Dropped: true},
		wire.Message{Kind: wire.KindHeartbeat, From: 1, To: 3, Dropped: true})
	v.Add(msgs, now, true)
	msgs = append(msgs, wire.Message{Kind: wire.KindHeartbeat, From: 1, To: 2, Dropped: true})
	v.Add(msgs, now, true)
	if len(v.Dots) != 3 {
		t.Fatalf("%d dots for 50 heartbeats 1→2, 2 dropped 1→3 and 1 dropped 1→2: want 3", len(v.Dots))
	}
	v.Add([]wire.Message{{Kind: wire.KindHeartbeat, From: 1, To: 2}}, now.Add(thinInterval), true)
	if len(v.Dots) != 4 {
		t.Fatalf("after the thinning interval a new dot should appear: %d", len(v.Dots))
	}
	v.Add(nil, now.Add(2*travelTime), true)
	if len(v.Dots) != 0 {
		t.Fatalf("%d dots left after their flight", len(v.Dots))
	}
}

func TestDotsFlyAndLostOnesLinger(t *testing.T) {
	start := time.Unix(0, 0)
	ok := Dot{Start: start}
	if p := ok.Progress(start.Add(travelTime / 2)); p < 0.49 || p > 0.51 {
		t.Fatalf("delivered dot at half time: %v", p)
	}
	lost := Dot{Start: start, Dropped: true}
	if !ok.Done(start.Add(travelTime)) || lost.Done(start.Add(travelTime)) {
		t.Fatal("a lost dot should outlive a delivered one, to be seen dead at its wall")
	}
}

func TestVotesAreCountedFromGrantedReplies(t *testing.T) {
	v := NewMessageView()
	now := time.Unix(100, 0)
	v.Add([]wire.Message{
		{Kind: wire.KindVote, Reply: true, From: 2, To: 1, Term: 5},
		{Kind: wire.KindVote, Reply: true, From: 3, To: 1, Term: 5},
		{Kind: wire.KindVote, Reply: true, From: 3, To: 1, Term: 5}, // counted once
		{Kind: wire.KindVote, Reply: true, From: 4, To: 1, Term: 5, Reject: true},
		{Kind: wire.KindVote, Reply: true, From: 5, To: 1, Term: 5, Dropped: true},
		{Kind: wire.KindPreVote, Reply: true, From: 2, To: 1, Term: 6},
	}, now, false)
	if got := v.Votes(1, 5, false); got != 3 {
		t.Errorf("votes in term 5: %d, want 3 (itself, 2, 3)", got)
	}
	if got := v.Votes(1, 6, true); got != 2 {
		t.Errorf("pre-votes for term 6: %d, want 2", got)
	}
	if len(v.Dots) != 0 {
		t.Errorf("dots drawn with the view off")
	}
}

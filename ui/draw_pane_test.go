package ui

import (
	"strings"
	"testing"

	"github.com/raftian/raftian/record"
	"github.com/raftian/raftian/rewind"
)

// The membership entries every log begins with are counted as one line,
// and only those: a later addition is an entry of its own.
func TestTheFoundingEntriesAreOneLine(t *testing.T) {
	members := func(i uint64, term uint64, to uint8) record.Ent {
		return record.Ent{Index: i, Term: term, What: record.WhatMembers, From: 1, To: to}
	}
	for _, c := range []struct {
		log  rewind.Log
		want int
	}{
		{rewind.Log{Ents: []record.Ent{members(1, 1, 1), members(2, 1, 2), members(3, 1, 3), {Index: 4, Term: 2}}}, 3},
		{rewind.Log{Ents: []record.Ent{members(1, 1, 1), {Index: 2, Term: 2}, members(3, 2, 6)}}, 1},
		{rewind.Log{Start: 3, Ents: []record.Ent{members(4, 1, 4)}}, 0}, // compacted: not the log's start
		{rewind.Log{Ents: []record.Ent{{Index: 1, Term: 1, What: record.WhatAttack}}}, 0},
	} {
		if got := founding(c.log); got != c.want {
			t.Errorf("founding(%v) = %d, want %d", c.log.Ents, got, c.want)
		}
	}
}

// An entry's words shorten to fit a narrow log, never to nothing.
func TestEntryWordsShorten(t *testing.T) {
	add := record.Ent{What: record.WhatMembers, From: 3, To: 6}
	words := entryWords(add)
	if len(words) != 3 || words[0] != add.String() || !strings.HasPrefix(words[2], "+6") {
		t.Errorf("a non-voting addition: %q", words)
	}
	if got := firstFit(textWidth("+6 non-voting", 16), 16, words...); got != "+6 non-voting" {
		t.Errorf("firstFit took %q", got)
	}
	if got := firstFit(1, 16, words...); got != "+6" {
		t.Errorf("with no room: %q, want the shortest", got)
	}
	if w := entryWords(record.Ent{What: record.WhatAttack, From: 1, To: 2}); len(w) != 1 || w[0] != "1→2" {
		t.Errorf("an attack: %q", w)
	}
}

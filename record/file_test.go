package record

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
)

func testHeader() Header {
	return Header{Players: []Player{{"Aria", "#d55e00"}, {"Boris", "#27ae60"}, {"Chen", "#0072b2"}},
		RTTMs: 50, ElectionRTT: 10, HeartbeatRTT: 1, PreVote: true}
}

// Every kind of observation written to a file reads back the same.
func TestFileRoundTrip(t *testing.T) {
	in := []Obs{
		{At: 1, Kind: Up, Node: 1, Term: 3, Peer: 2, Commit: 7, Index: 9, Ents: []Ent{{Index: 9, Term: 3, What: WhatAttack, From: 1, To: 2, ID: 77}}},
		{At: 2, Kind: State, Node: 1, Role: RoleCandidate, Term: 4},
		{At: 3, Kind: Send, ID: 1, Msg: MsgAppend, Node: 1, Peer: 3, Term: 4, LogTerm: 3, Index: 9, Commit: 8,
			Ents: []Ent{{Index: 10, Term: 4, What: WhatNoop}}},
		{At: 4, Kind: Deliver, ID: 1, Msg: MsgAppendResp, Node: 3, Peer: 1, Term: 4, Reject: true, Hint: 5},
		{At: 5, Kind: Drop, ID: 2, Node: 1, Peer: 2},
		{At: 6, Kind: Apply, Node: 2, Index: 10, Data: []byte{1, 2, 3}},
		{At: 7, Kind: Partition, Data: []byte{1, 1, 2}},
		{At: 8, Kind: Link, Node: 1, Peer: 2, Loss: 500000, Delay: 40000, Reject: true},
		{At: 9, Kind: Checkpoint, Node: 3, Role: RoleDown, Term: 4},
		{At: 10, Kind: Propose, ID: 7, Node: 1, Peer: 3, Via: 2},
		{At: 11, Kind: Outcome, ID: 7, Node: 2, Data: []byte("timeout")},
		{At: 12, Kind: Transfer, Node: 3, Peer: 1},
		{At: 13, Kind: Member, Node: 6, Data: []byte(MemberNonVoting + " Fatima #f781bf")},
		{At: 14, Kind: Up, Node: 6, Term: 4},
		{At: 15, Kind: Member, Node: 6, Data: []byte(MemberVoter)},
		{At: 16, Kind: Voters, Node: 6, Data: []byte{1, 2, 3, 4, 5, 6}},
	}
	var buf bytes.Buffer
	w, err := NewWriter(&buf, testHeader())
	if err != nil {
		t.Fatal(err)
	}
	for i := range in {
		if err := w.Write(&in[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	log, err := ReadLog(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(log.Header().Players, testHeader().Players) {
		t.Errorf("header: %+v", log.Header())
	}
	out := log.Read(1, 100, nil)
	if !reflect.DeepEqual(out, in) {
		t.Errorf("read back:\n%+v\nwant\n%+v", out, in)
	}
}

// What is not a record is refused with a reason, never half read.
func TestFileRefusesWhatIsNotARecord(t *testing.T) {
	gz := func(text string) []byte {
		var b bytes.Buffer
		w := gzip.NewWriter(&b)
		io.WriteString(w, text)
		w.Close()
		return b.Bytes()
	}
	header := `{"format":"raftian-record","version":1,"players":[{"name":"a","color":"#000000"}],"rtt_ms":50,"election_rtt":10}` + "\n"
	for name, c := range map[string]struct {
		data []byte
		want string
	}{
		"not gzip":        {[]byte("hello"), "not a raftian record"},
		"not a header":    {gz("{\"x\":1}\n"), "not a raftian record"},
		"newer version":   {gz(`{"format":"raftian-record","version":9}` + "\n"), "version 9"},
		"no players":      {gz(`{"format":"raftian-record","version":1}` + "\n"), "players"},
		"no colour":       {gz(`{"format":"raftian-record","version":1,"players":[{"name":"a"}]}` + "\n"), `colour ""`},
		"unknown kind":    {gz(header + `{"t":1,"k":"teleport"}` + "\n"), `line 2: unknown kind "teleport"`},
		"time going back": {gz(header + `{"t":5,"k":"heal"}` + "\n" + `{"t":4,"k":"heal"}` + "\n"), "line 3: time 4"},
		"replica 33":      {gz(header + `{"t":1,"k":"down","node":33}` + "\n"), "out of range"},
		"bad member":      {gz(header + `{"t":1,"k":"member","node":2,"data":"` + base64.StdEncoding.EncodeToString([]byte("non-voting x red")) + `"}` + "\n"), "membership change"},
		"a line too long": {gz(header + strings.Repeat("x", maxLine+1)), "too long"},
	} {
		_, err := ReadLog(bytes.NewReader(c.data))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v; want an error saying %q", name, err, c.want)
		}
	}
}

// A file that decompresses to more than the limit is refused, and what is
// read meanwhile stays within the log's budget.
func TestFileBeyondTheLimitIsRefused(t *testing.T) {
	pr, pw := io.Pipe()
	go func() {
		gz := gzip.NewWriter(pw)
		fmt.Fprintln(gz, `{"format":"raftian-record","version":1,"players":[{"name":"a","color":"#000000"}],"rtt_ms":50,"election_rtt":10}`)
		for i := 1; ; i++ {
			if _, err := fmt.Fprintf(gz, `{"t":%d,"k":"heal"}`+"\n", i); err != nil {
				return // the reader gave up
			}
		}
	}()
	_, err := readLog(pr, 4<<20)
	pr.CloseWithError(io.ErrClosedPipe)
	if err == nil || !strings.Contains(err.Error(), "more than") {
		t.Fatalf("an endless record: %v; want it refused for its size", err)
	}
}

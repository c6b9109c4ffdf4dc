package rewind

import (
	"strings"
	"testing"
	"time"

	"github.com/raftian/raftian/record"
)

// A seat's summary reads back as written, and what a teacher never writes
// is refused, not half read.
func TestASeatsSummaryReadsBack(t *testing.T) {
	for _, s := range []Seen{
		{Role: record.RoleLeader, Up: true, Term: 7, Applied: 1234, Led: true, HP: 100},
		{Role: record.RoleFollower, Up: true, NonVoting: true, Isolated: true, Term: 7, Applied: 1200, Behind: 34, Led: true, HP: 40, Silent: 2300 * time.Millisecond},
		{Role: record.RoleDown, Removed: true, HP: -1, Silent: 48 * time.Hour},
	} {
		text := s.encode()
		got, err := DecodeSeen(text)
		want := s
		want.Silent = min(s.Silent, 99_999*100*time.Millisecond)
		if err != nil || got != want {
			t.Errorf("%q reads back as %+v (%v), want %+v", text, got, err, want)
		}
		if len(text) > 30 {
			t.Errorf("%q: %d bytes for one seat", text, len(text))
		}
	}
	for _, bad := range []string{"", "L", "Q.1.2.3.4.5", "Lu.1.2.3.4", "Lz.1.2.3.4.5", "Lu.1.2.x.4.5", "Lu.-1.2.3.4.5",
		"Lu.1.2.3.4.5.6", strings.Repeat("u", 70) + "L.1.2.3.4.5"} {
		if s, err := DecodeSeen(bad); err == nil {
			t.Errorf("%q read as %+v", bad, s)
		}
	}
	r := DecodeRelay("3", []string{"Lul.7.10.0.100.0", "garbage"}, time.Unix(1, 0))
	if r.Leader != 3 || !r.Seats[0].Up || r.Seats[1] != (Seen{}) {
		t.Errorf("a relay with a bad part: %+v", r)
	}
}

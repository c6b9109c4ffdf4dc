package rewind

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/raftian/raftian/record"
)

// A class's teacher relays to each student a summary of every seat as
// the class's merged record has it, about once a second: a few hundred
// bytes, where every seat's stream would be thousands. A student's screen
// draws the other seats from it, never its own seat, which its own
// replica shows.

// Seen is one seat as the teacher's laptop last knew it.
type Seen struct {
	Role                   record.Role
	Up, Removed, NonVoting bool
	Isolated               bool
	Term                   uint64
	Behind                 uint64 // entries its applied is behind the leader's commit
	Led                    bool   // a leader is known: Behind means something
	Applied                uint64 // the last entry it applied, as Raft counts
	HP                     int    // its own city's HP in its own world; -1 if it has none
	Silent                 time.Duration
}

// Relayed is a summary as a student received it.
type Relayed struct {
	At     time.Time // when it arrived; zero if none has
	Leader int       // the leader in the highest term; 0 if none
	Seats  []Seen    // [i-1]: seat i
}

// maxSeen bounds one seat's summary as read.
const maxSeen = 64

// Summarize says what the state st shows of every replica at the moment
// now (µs), each replica's part on its own: the teacher sends only the
// parts that changed.
func Summarize(st *State, now int64) (leader string, seats []string) {
	l := st.LeaderOf()
	var commit uint64
	if l != 0 {
		commit = st.Replicas[l-1].Commit
	}
	for i := range st.Replicas { // the leader is worked out once, not per seat
		seats = append(seats, seenOf(st, i, now, l, commit).encode())
	}
	return strconv.Itoa(l), seats
}

// SeenOf is replica i ([i-1]) as the state st shows it at the moment now
// (µs): what a seat's row says.
func SeenOf(st *State, i int, now int64) Seen {
	l := st.LeaderOf()
	var commit uint64
	if l != 0 {
		commit = st.Replicas[l-1].Commit
	}
	return seenOf(st, i, now, l, commit)
}

func seenOf(st *State, i int, now int64, leader int, commit uint64) Seen {
	r := &st.Replicas[i]
	s := Seen{Role: r.Role, Up: r.Up, Removed: r.Removed, NonVoting: r.NonVoting, Isolated: st.Net.Isolated[i],
		Term: r.Term, HP: -1, Silent: time.Duration(max(now-r.Heard, 0)) * time.Microsecond, Led: leader != 0}
	s.Applied = r.RaftApplied()
	if leader != 0 {
		s.Behind = commit - min(commit, s.Applied)
	}
	if p := i + 1; p <= r.World.Players() && !r.World.Left(p) {
		s.HP = r.World.HP(p)
	}
	return s
}

// encode writes s in a dozen bytes: flags, term, applied, behind, HP and
// silence in tenths of a second, e.g. "fun.5.1234.0.70.0".
func (s Seen) encode() string {
	flags := []byte{"DfpcL"[min(int(s.Role), 4)]}
	for _, f := range []struct {
		on bool
		c  byte
	}{{s.Up, 'u'}, {s.Removed, 'r'}, {s.NonVoting, 'n'}, {s.Isolated, 'x'}, {s.Led, 'l'}} {
		if f.on {
			flags = append(flags, f.c)
		}
	}
	silent := min(s.Silent/(100*time.Millisecond), 99_999) // a day is plenty
	return fmt.Sprintf("%s.%d.%d.%d.%d.%d", flags, s.Term, s.Applied, s.Behind, s.HP, silent)
}

// DecodeSeen reads one seat's summary as Summarize wrote it.
func DecodeSeen(text string) (Seen, error) {
	bad := func() (Seen, error) { return Seen{}, fmt.Errorf("not a seat's summary: %.40q", text) }
	parts := strings.Split(text, ".")
	if len(text) > maxSeen || len(parts) != 6 || parts[0] == "" {
		return bad()
	}
	role := strings.IndexByte("DfpcL", parts[0][0])
	if role < 0 {
		return bad()
	}
	s := Seen{Role: record.Role(role)}
	for _, c := range []byte(parts[0][1:]) {
		switch c {
		case 'u':
			s.Up = true
		case 'r':
			s.Removed = true
		case 'n':
			s.NonVoting = true
		case 'x':
			s.Isolated = true
		case 'l':
			s.Led = true
		default:
			return bad()
		}
	}
	var err [5]error
	s.Term, err[0] = strconv.ParseUint(parts[1], 10, 64)
	s.Applied, err[1] = strconv.ParseUint(parts[2], 10, 64)
	s.Behind, err[2] = strconv.ParseUint(parts[3], 10, 64)
	s.HP, err[3] = strconv.Atoi(parts[4])
	tenths, e := strconv.ParseUint(parts[5], 10, 32)
	err[4], s.Silent = e, time.Duration(tenths)*100*time.Millisecond
	for _, e := range err {
		if e != nil {
			return bad()
		}
	}
	return s, nil
}

// DecodeRelay reads a relay as a student keeps it (class.Student.Relayed):
// a seat whose part is missing or unreadable is left zero, not up.
func DecodeRelay(leader string, seats []string, at time.Time) Relayed {
	r := Relayed{At: at, Seats: make([]Seen, len(seats))}
	r.Leader, _ = strconv.Atoi(leader)
	for i, text := range seats {
		if s, err := DecodeSeen(text); err == nil {
			r.Seats[i] = s
		}
	}
	return r
}

package class

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Entry is one seat of the class as the teacher's laptop keeps it.
type Entry struct {
	Seat    int    `json:"seat"`
	Name    string `json:"name"`
	Addr    string `json:"addr,omitempty"` // its Raft address; "" until it first takes its seat
	Removed bool   `json:"removed,omitempty"`
}

// DefaultRTT is a class's Raft round trip, in milliseconds, until the
// teacher sets another: suited to a school's Wi-Fi, where one-way delays
// of 20–80 ms with jitter and some loss are common. (Measured with
// `raftian bench`'s "class on Wi-Fi" row: no election after the first.)
const DefaultRTT = 100

// MaxRTT is the slowest round trip a class may be set to, in
// milliseconds: the command line's limit.
const MaxRTT = 5000

// rosterFile keeps the roster and the class's settings in the class
// directory, so that the teacher's program comes back to the same class.
const rosterFile = "roster.json"

type rosterData struct {
	Voters int     `json:"voters"`           // seats 1..Voters vote, later ones do not
	RTTMs  int     `json:"rtt_ms,omitempty"` // Raft's round trip on every seat; 0: DefaultRTT
	Ended  bool    `json:"ended,omitempty"`
	Seats  []Entry `json:"seats"`
}

func readRoster(dir string) (rosterData, error) {
	var r rosterData
	b, err := os.ReadFile(filepath.Join(dir, rosterFile))
	if errors.Is(err, os.ErrNotExist) {
		return r, err
	}
	if err == nil {
		err = json.Unmarshal(b, &r)
	}
	if err == nil && (r.Voters < 3 || r.Voters > 7 || len(r.Seats) == 0 || len(r.Seats) > MaxSeats || r.RTTMs < 0 || r.RTTMs > MaxRTT) {
		err = errors.New("settings out of range")
	}
	for i, s := range r.Seats {
		if err == nil && s.Seat != i+1 {
			err = fmt.Errorf("seat %d listed as %d", i+1, s.Seat)
		}
	}
	if err != nil {
		return r, fmt.Errorf("the class roster %s is damaged (%v): start a new class with --fresh", filepath.Join(dir, rosterFile), err)
	}
	return r, nil
}

func writeRoster(dir string, r rosterData) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, rosterFile+".new")
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("class roster: %w", err)
	}
	return os.Rename(tmp, filepath.Join(dir, rosterFile))
}

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

// rosterFile keeps the roster and the class's settings in the class
// directory, so that the teacher's program comes back to the same class.
const rosterFile = "roster.json"

type rosterData struct {
	Voters int     `json:"voters"` // seats 1..Voters vote, later ones do not
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
	if err == nil && (r.Voters < 3 || r.Voters > 7 || len(r.Seats) == 0 || len(r.Seats) > MaxSeats) {
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

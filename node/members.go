package node

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/raftian/raftian/config"
	"github.com/raftian/raftian/internal/bounded"
	"github.com/raftian/raftian/node/wire"
)

// The members file: which replicas were added or removed in earlier runs
// on this data, and which change was under way when the program stopped.

// change is a membership change of one replica that is under way.
type change int32

const (
	changeNone    change = iota
	changeJoining        // being added: not a finished member yet
	changeLeaving        // being deleted from the shard
)

var changeNames = [...]string{"", "joining", "leaving"}

// member is one replica in the members file.
type member struct {
	ID        int    `json:"id"`
	Address   string `json:"address"`
	Name      string `json:"name"`
	Color     string `json:"color"`
	Removed   bool   `json:"removed,omitempty"`
	NonVoting bool   `json:"non_voting,omitempty"`
	// Change is the change under way: "joining" or "leaving".
	Change string `json:"change,omitempty"`
}

// change is the change under way the file says. A file of an earlier
// raftian marks an addition under way only as non-voting.
func (m member) change() change {
	switch {
	case m.Change == changeNames[changeJoining], m.NonVoting && m.Change == "" && !m.Removed:
		return changeJoining
	case m.Change == changeNames[changeLeaving]:
		return changeLeaving
	}
	return changeNone
}

const membersFile = "members.json"

// saveMembers writes the membership to the data directory (disk storage),
// so that a restart brings back added replicas with their ports and
// players, keeps removed ones out, and finds a change left half-done.
func (c *Cluster) saveMembers() error {
	if c.cfg.Storage != config.StorageDisk {
		return nil
	}
	c.membersFileMu.Lock()
	defer c.membersFileMu.Unlock()
	players := c.Config().Players
	var ms []member
	for _, r := range c.all() {
		p := players[r.id-1]
		ms = append(ms, member{ID: r.id, Address: r.addr, Name: p.Name, Color: p.Color,
			Removed: r.removed.Load(), NonVoting: r.nonVoting.Load(), Change: changeNames[r.change.Load()]})
	}
	b, err := json.MarshalIndent(ms, "", "  ")
	if err != nil {
		return err
	}
	path := filepath.Join(c.cfg.DataDir, membersFile)
	if err := writeSynced(path+".new", b); err != nil {
		return fmt.Errorf("saving the membership: %w", err)
	}
	return os.Rename(path+".new", path)
}

// readMembers reads the members file of a data directory, if there is
// one: the replicas added in an earlier run, and which were removed.
func readMembers(cfg config.Config) ([]member, error) {
	if cfg.Storage != config.StorageDisk {
		return nil, nil
	}
	path := filepath.Join(cfg.DataDir, membersFile)
	b, err := bounded.ReadFile(path, 1<<16)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var ms []member
	if err := json.Unmarshal(b, &ms); err != nil {
		return nil, fmt.Errorf("%s is damaged (%v): move it aside to start with the configured replicas", path, err)
	}
	for k, m := range ms {
		if m.ID != k+1 || m.ID > wire.MaxReplicas || (k >= len(cfg.Players) && m.Address == "") {
			return nil, fmt.Errorf("%s is damaged (replica %d at place %d): move it aside to start with the configured replicas", path, m.ID, k+1)
		}
	}
	return ms, nil
}

// withMembers returns cfg's players with those added in an earlier run.
func withMembers(players []config.Player, ms []member) []config.Player {
	out := append([]config.Player(nil), players...)
	for _, m := range ms {
		if m.ID > len(players) {
			out = append(out, config.Player{Name: m.Name, Color: m.Color, Address: m.Address})
		}
	}
	return out
}

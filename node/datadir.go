package node

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/raftian/raftian/node/wire"
)

// The data directory: its lock, its deployment id, and what a user is
// told when a replica's data cannot be opened.

// DataDirError says a replica's data could not be opened.
type DataDirError struct {
	Replica int
	Dir     string
	Err     error
}

func (e *DataDirError) Error() string {
	return fmt.Sprintf("replica %d cannot open its data in %s: %v\n"+
		"The data directory may be damaged, or made by another configuration "+
		"(other ports or players). Start with --fresh to wipe it and begin a new game, "+
		"or use --data DIR to keep it and start elsewhere.", e.Replica, e.Dir, e.Err)
}

func (e *DataDirError) Unwrap() error { return e.Err }

func (c *Cluster) explain(r *replica, err error) error {
	var port *wire.PortInUseError
	if errors.As(err, &port) {
		return port
	}
	if strings.Contains(err.Error(), "hostname changed") {
		return &HostnameError{Replica: r.id, Dir: r.dir, Was: oldHostname(r.dir)}
	}
	return &DataDirError{Replica: r.id, Dir: r.dir, Err: err}
}

// HostnameError: dragonboat keeps the computer's name with a replica's
// data and refuses the data under another name (a laptop renamed, or one
// whose name follows the network it is on).
type HostnameError struct {
	Replica int
	Dir     string
	Was     string // the name the data was written under, if known
}

func (e *HostnameError) Error() string {
	now, _ := os.Hostname()
	was := "another name"
	if e.Was != "" {
		was = fmt.Sprintf("the name %q", e.Was)
	}
	return fmt.Sprintf("replica %d's data in %s was written when this computer had %s; it is now "+
		"called %q, and the Raft library keeps its data per computer name.\n"+
		"Give the computer its old name back to go on with that game, or start with --fresh for a "+
		"new game (or --data DIR to keep the old data aside).", e.Replica, e.Dir, was, now)
}

// oldHostname returns the computer name a replica's data was written
// under: the name of the one directory in it that is not this computer's.
func oldHostname(dir string) string {
	now, _ := os.Hostname()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.IsDir() && e.Name() != now {
			return e.Name()
		}
	}
	return ""
}

// DataDirLockedError says another running raftian holds the data directory.
type DataDirLockedError struct{ Dir string }

func (e *DataDirLockedError) Error() string {
	return fmt.Sprintf("data directory %s is in use by another running raftian: "+
		"quit that one first, or start this one with --data DIR (or --storage memory)", e.Dir)
}

func lockDataDir(dir string) (func(), error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	return lockFile(filepath.Join(dir, lockName), dir)
}

// deploymentID reads the cluster's deployment id from the data directory.
// If the file is missing or damaged, the replicas' own data says which
// cluster they belong to, and the file is written again; a new id is made
// only when there is no data at all.
func deploymentID(dir string, n int) (uint64, error) {
	path := filepath.Join(dir, deploymentName)
	b, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return 0, fmt.Errorf("read %s: %w", path, err)
	}
	if id, perr := strconv.ParseUint(strings.TrimSpace(string(b)), 16, 64); err == nil && perr == nil && id != 0 {
		return id, nil
	}
	found, err := dataDeployments(dir, n)
	if err != nil {
		return 0, err
	}
	var id uint64
	switch len(found) {
	case 0:
		id = randomID()
	case 1:
		for d := range found {
			id = d
		}
		log().Warn("the deployment file was missing or damaged: written again from the replicas' data", "file", path)
	default:
		return 0, &DataDirError{Dir: dir, Err: fmt.Errorf("%s is missing or damaged, and the replicas' data "+
			"belongs to different clusters (%s): keep only one cluster's replica directories in %s", path, describeDeployments(found), dir)}
	}
	if err := writeSynced(path, []byte(fmt.Sprintf("%x\n", id))); err != nil {
		return 0, fmt.Errorf("write %s: %w", path, err)
	}
	return id, nil
}

// dataDeployments finds the deployment ids in the replicas' data:
// dragonboat keeps it in replica-N/<hostname>/<deployment id>/.
func dataDeployments(dir string, n int) (map[uint64][]int, error) {
	out := map[uint64][]int{}
	for i := 1; i <= n; i++ {
		logdbs, err := filepath.Glob(filepath.Join(dir, replicaDirName(i), "*", "*", "logdb-*"))
		if err != nil {
			return nil, err
		}
		for _, l := range logdbs {
			if id, err := strconv.ParseUint(filepath.Base(filepath.Dir(l)), 10, 64); err == nil {
				if !slices.Contains(out[id], i) {
					out[id] = append(out[id], i)
				}
			}
		}
	}
	return out, nil
}

func describeDeployments(found map[uint64][]int) string {
	var parts []string
	for id, replicas := range found {
		parts = append(parts, fmt.Sprintf("replicas %v: %x", replicas, id))
	}
	slices.Sort(parts)
	return strings.Join(parts, "; ")
}

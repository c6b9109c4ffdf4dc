package node

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// lockFile takes an exclusive lock on path, so that two raftian processes
// never open the same data directory (dragonboat's own lock does not reach
// across processes in a way we can report well). The lock itself is the
// system's (lock_unix.go, lock_windows.go).
func lockFile(path, dir string) (func(), error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	held, err := tryLock(f)
	if err != nil || !held {
		f.Close()
		if err == nil {
			return nil, &DataDirLockedError{Dir: dir}
		}
		return nil, fmt.Errorf("lock data directory: %w", err)
	}
	f.Truncate(0)
	fmt.Fprintf(f, "%d\n", os.Getpid())
	return func() {
		unlock(f)
		f.Close()
	}, nil
}

// WipeDataDir deletes a data directory's contents, for --fresh. It refuses
// when another raftian holds the directory, and when the directory holds
// anything raftian did not write (it names them), so that a mistyped
// --data cannot wipe a home directory.
func WipeDataDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("--fresh: %w", err)
	}
	var foreign []string
	for _, e := range entries {
		if !isOurs(e.Name()) {
			foreign = append(foreign, fmt.Sprintf("%q", e.Name()))
		}
	}
	if len(foreign) > 0 {
		return fmt.Errorf("--fresh: refusing to wipe %s: it holds %s, which raftian did not write. "+
			"Move them away, or choose another directory with --data", dir, strings.Join(foreign, ", "))
	}
	unlock, err := lockDataDir(dir)
	if err != nil {
		return err
	}
	defer unlock()
	for _, e := range entries {
		if e.Name() == lockName {
			continue
		}
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return fmt.Errorf("--fresh: %w", err)
		}
	}
	return nil
}

const (
	lockName       = "raftian.lock"
	deploymentName = "deployment"
)

// isOurs reports whether a data directory entry is one raftian writes:
// the lock, the deployment id, the progress record, the members file
// (each also as the ".new" it is written to first), crash reports and the
// replicas' directories.
func isOurs(name string) bool {
	base := strings.TrimSuffix(name, ".new")
	switch base {
	case lockName, deploymentName, progressName, membersFile:
		return true
	}
	if strings.HasPrefix(name, "raftian-crash-") && strings.HasSuffix(name, ".txt") {
		return true
	}
	var n int
	_, err := fmt.Sscanf(name, "replica-%d", &n)
	return err == nil && name == replicaDirName(n)
}

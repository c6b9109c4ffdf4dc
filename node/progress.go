package node

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/raftian/raftian/internal/every"
)

// Raft cannot protect a replica against its own data coming back older:
// a log restored from an old copy, a truncated log file or a deleted
// replica directory make it forget votes and entries it acknowledged,
// silently. So the cluster keeps, outside the replicas' own data, how far
// each replica had got (data dir/progress), and refuses to start a replica
// whose data is behind that.

// progressName is the file, in the data directory, that holds the record.
const progressName = "progress"

// progressRecord is how far each replica had got: the last game entry it applied.
type progressRecord struct {
	Applied map[int]uint64 `json:"applied"`
}

// progress keeps the record and writes it when it changes, at most every
// progressEvery, and once more when the cluster closes.
type progress struct {
	path string // "" with memory storage: nothing is kept

	mu    sync.Mutex
	rec   progressRecord
	dirty bool

	writer *every.Loop
}

const progressEvery = time.Second

// loadProgress reads the record in dir, if there is one.
func loadProgress(dir string) (*progress, error) {
	p := &progress{path: filepath.Join(dir, progressName),
		rec: progressRecord{Applied: map[int]uint64{}}}
	b, err := os.ReadFile(p.path)
	if errors.Is(err, os.ErrNotExist) {
		return p, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, &p.rec); err != nil || p.rec.Applied == nil {
		return nil, &DataDirError{Dir: dir, Err: fmt.Errorf("%s is damaged: "+
			"delete it to start anyway (the check for data that went back in time starts over)", p.path)}
	}
	return p, nil
}

// had returns the last entry replica id had applied; 0 if none.
func (p *progress) had(id int) uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.rec.Applied[id]
}

func (p *progress) applied(id int, index uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if index > p.rec.Applied[id] {
		p.rec.Applied[id] = index
		p.dirty = true
	}
}

// run writes the record every progressEvery while it changes, reading
// each replica's applied index with sample, until close.
func (p *progress) run(sample func()) {
	if p.path != "" {
		p.writer = every.Start(progressEvery, func() { sample(); p.write() })
	}
}

// close stops the writer and writes the record a last time.
func (p *progress) close(sample func()) {
	if p.writer == nil {
		return
	}
	p.writer.Stop()
	sample()
	p.write()
}

// write saves the record if it changed: to a new file first, then renamed
// over the old one, so that a crash leaves one or the other whole.
func (p *progress) write() {
	p.mu.Lock()
	if !p.dirty {
		p.mu.Unlock()
		return
	}
	b, _ := json.Marshal(p.rec)
	p.dirty = false
	p.mu.Unlock()
	tmp := p.path + ".new"
	if err := writeSynced(tmp, b); err != nil {
		log().Warn("cannot save the replicas' progress", "file", p.path, "err", err)
		return
	}
	if err := os.Rename(tmp, p.path); err != nil {
		log().Warn("cannot save the replicas' progress", "file", p.path, "err", err)
	}
}

func writeSynced(path string, b []byte) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// RollbackError says a replica's data came back older than it was.
type RollbackError struct {
	Replica int
	Dir     string
	Had     uint64 // the last entry it had applied
	Has     uint64 // the last entry its data holds now; 0 if none
	File    string // the progress record
}

func (e *RollbackError) Error() string {
	what := fmt.Sprintf("its log now ends at entry %d", e.Has)
	if e.Has == 0 {
		what = "its directory holds no Raft data"
	}
	return fmt.Sprintf("replica %d's data in %s went back in time: it had applied entry %d, but %s "+
		"(restored from an older copy, truncated, or deleted).\n"+
		"Raft cannot tell what that replica forgot: a vote, or entries it acknowledged. "+
		"Put back the newer data if you have it. To play on from what is there anyway, "+
		"delete %s; to start a new game, use --fresh.",
		e.Replica, e.Dir, e.Had, what, e.File)
}

// checkNotBehind refuses a replica whose data is older than the record:
// last is the last index its log (or snapshot) holds.
func (p *progress) checkNotBehind(r *replica, last uint64) error {
	if had := p.had(r.id); last < had {
		return &RollbackError{Replica: r.id, Dir: r.dir, Had: had, Has: last, File: p.path}
	}
	return nil
}

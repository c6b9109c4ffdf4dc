package node

import (
	"fmt"
	"sync/atomic"
	"time"

	"github.com/raftian/raftian/internal/every"
)

// A full disk makes the log database fail a write, and dragonboat panics.
// So a cluster on disk watches the free space where its data is: it does
// not start below MinFreeDisk, and below it refuses new proposals (which
// are what fill the disk) until space is freed. Elections and heartbeats
// write a few bytes and go on.

// MinFreeDisk is the free space a cluster on disk needs.
const MinFreeDisk = 32 << 20

// DiskFullError says the disk holding the data has too little space.
type DiskFullError struct {
	Dir  string
	Free uint64
}

func (e *DiskFullError) Error() string {
	return fmt.Sprintf("the disk holding %s has %d MB free; raftian needs at least %d MB there to keep "+
		"its Raft logs: free some space, then start again (nothing of the game is lost), "+
		"or use --data DIR on another disk", e.Dir, e.Free>>20, MinFreeDisk>>20)
}

// FailDiskFull is why a proposal is refused while the disk is almost full.
const FailDiskFull = "disk almost full: free some space"

// diskWatch keeps whether the disk is low on space, checked every
// diskEvery.
type diskWatch struct {
	dir  string
	free func(string) (uint64, error)
	low  atomic.Bool
	loop *every.Loop
}

const diskEvery = 100 * time.Millisecond

// check reads the free space now and returns an error when it is low.
func (d *diskWatch) check() error {
	free, err := d.free(d.dir)
	if err != nil {
		return nil // cannot tell: let the storage speak for itself
	}
	d.low.Store(free < MinFreeDisk)
	if free < MinFreeDisk {
		return &DiskFullError{Dir: d.dir, Free: free}
	}
	return nil
}

func (d *diskWatch) run() { d.loop = every.Start(diskEvery, func() { d.check() }) }

func (d *diskWatch) close() {
	if d != nil {
		d.loop.Stop()
	}
}

package node

import (
	"github.com/raftian/raftian/node/wire"
	"github.com/raftian/raftian/record"
)

// LogTail returns up to n of the last entries in replica i's own log,
// oldest first, or nil if it is down or its log cannot be read. It reads
// the replica's storage: call it off the UI thread.
func (c *Cluster) LogTail(i, n int) (out []record.Ent) {
	c.readLog(i, func(lr dragonboatLog) {
		_, last := lr.GetRange()
		out = tail(lr, last, n)
	})
	return out
}

// readLog runs f on replica i's log, if it is up, holding the replica's
// lock for reading: a crash (or a restart in place) waits to close the
// NodeHost until f is done. Reading entries while the log's database
// closes is a panic in pebble ("leaked iterators").
func (c *Cluster) readLog(i int, f func(lr dragonboatLog)) {
	r, err := c.replica(i)
	if err != nil {
		return
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.nh == nil {
		return
	}
	if lr, err := r.nh.GetLogReader(shardID); err == nil {
		f(lr)
	}
}

// tail returns up to n entries of a log ending at last, oldest first.
func tail(lr dragonboatLog, last uint64, n int) []record.Ent {
	first, _ := lr.GetRange()
	if last < first || last == 0 {
		return nil
	}
	low := max(first, 1)
	if last >= uint64(n) { // no underflow: a young log is shorter than n
		low = max(low, last-uint64(n)+1)
	}
	ents, err := lr.Entries(low, last+1, 1<<20)
	if err != nil {
		return nil
	}
	out := make([]record.Ent, 0, len(ents))
	for _, e := range ents {
		out = append(out, wire.Ent(e))
	}
	return out
}

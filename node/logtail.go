package node

import (
	pb "github.com/lni/dragonboat/v4/raftpb"

	"github.com/raftian/raftian/world"
)

// Entry is one entry of a replica's Raft log, for display.
type Entry struct {
	Index, Term uint64
	// Kind is "attack", "new game", "no-op" (a new leader's first entry),
	// "config" (membership) or "garbage" (does not decode).
	Kind     string
	From, To int // attack only
}

// LogTail returns up to n of the last entries in replica i's own log,
// oldest first, or nil if it is down or its log cannot be read. It reads
// the replica's storage, so call it off the UI thread.
func (c *Cluster) LogTail(i, n int) []Entry {
	if _, err := c.replica(i); err != nil {
		return nil
	}
	nh := c.nodeHost(i)
	if nh == nil {
		return nil
	}
	lr, err := nh.GetLogReader(shardID)
	if err != nil {
		return nil
	}
	first, last := lr.GetRange()
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
	out := make([]Entry, 0, len(ents))
	for _, e := range ents {
		out = append(out, logEntry(e))
	}
	return out
}

func logEntry(e pb.Entry) Entry {
	d := Entry{Index: e.Index, Term: e.Term}
	switch {
	case e.Type == pb.ConfigChangeEntry:
		d.Kind = "config"
	case len(e.Cmd) == 0:
		d.Kind = "no-op"
	default:
		cmd, err := world.Decode(payload(e))
		if err != nil {
			d.Kind = "garbage"
			break
		}
		d.Kind, d.From, d.To = cmd.Kind.String(), cmd.From, cmd.To
	}
	return d
}

// payload strips dragonboat's one-byte header from an uncompressed encoded
// entry (version 0, no compression, no session: the header is 0), which is
// what this program proposes.
func payload(e pb.Entry) []byte {
	if e.Type == pb.EncodedEntry {
		if e.Cmd[0] != 0 {
			return nil // compressed: never written by raftian
		}
		return e.Cmd[1:]
	}
	return e.Cmd
}

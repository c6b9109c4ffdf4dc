package chaos

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/raftian/raftian/internal/recordcheck"
	"github.com/raftian/raftian/record"
)

// checkRecord checks the record of a real chaos run, read back from its
// file (recordcheck: every delivery after its send, terms never falling,
// one leader per term, no commit past a log's end), and at the end that
// what the model says each replica applied is what the replicas really
// hold.
func checkRecord(t *testing.T, path string, final []Final) {
	t.Helper()
	log, err := record.ReadLogFile(path)
	if err != nil {
		t.Fatal(err)
	}
	first, next := log.Bounds()
	t.Logf("record: %d observations, %d KiB in memory", next-first, log.Bytes()>>10)
	head, err := recordcheck.Check(log)
	if err != nil {
		t.Fatalf("%v\n%s", err, evidence(t, log, path))
	}
	for i, r := range head.Replicas {
		if r.Applied != final[i].Applied || r.World.Hash() != final[i].Hash {
			t.Errorf("replica %d: the model has it at %d (world %.12s), the replica at %d (world %.12s)",
				r.ID, r.Applied, r.World.Hash(), final[i].Applied, final[i].Hash)
		}
	}
}

// evidence keeps what a failure needs to be understood when it happened
// on a machine nobody can look at afterwards (CI): the record, copied out
// of the test's directory, and its last observations, written out.
func evidence(t *testing.T, log *record.Log, path string) string {
	var b strings.Builder
	if kept, err := os.CreateTemp("", "raftian-failed-record-*.jsonl.gz"); err == nil {
		if src, err := os.ReadFile(path); err == nil {
			kept.Write(src)
		}
		kept.Close()
		fmt.Fprintf(&b, "the record is kept in %s; its last observations:\n", kept.Name())
	}
	first, next := log.Bounds()
	for _, o := range log.Read(max(first, next-min(next, 60)), 60, nil) {
		fmt.Fprintf(&b, "  %d µs %v msg=%v %d→%d term=%d index=%d logterm=%d commit=%d ents=%v lost=%v\n",
			o.At, o.Kind, o.Msg, o.Node, o.Peer, o.Term, o.Index, o.LogTerm, o.Commit, o.Ents, o.Lost)
	}
	return b.String()
}

package ui

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/raftian/raftian/internal/every"
	"github.com/raftian/raftian/node"
)

// LogTailSize is how many of its last log entries each pane shows.
const LogTailSize = 8

// snapshot is everything the frame loop draws about the cluster, taken
// off the UI thread: reading a log tail touches a replica's storage.
type snapshot struct {
	at     time.Time
	status []node.ReplicaStatus
	tails  [][]node.Entry
}

// poller refreshes the snapshot in the background so that the frame loop
// never waits on Raft or on disk.
type poller struct {
	latest atomic.Pointer[snapshot]
	loop   *every.Loop
}

const pollInterval = 30 * time.Millisecond

func startPoller(c *node.Cluster) *poller {
	p := &poller{}
	p.latest.Store(take(c))
	p.loop = every.Start(pollInterval, func() { p.latest.Store(take(c)) })
	return p
}

func take(c *node.Cluster) *snapshot {
	s := &snapshot{at: time.Now(), status: c.Status()}
	for i := 1; i <= c.Size(); i++ {
		s.tails = append(s.tails, c.LogTail(i, LogTailSize))
	}
	return s
}

func (p *poller) close() { p.loop.Stop() }

// worker runs cluster operations (crash, restart, ...) one at a time in
// the order asked, off the UI thread: a restart on disk takes tens of ms.
type worker struct {
	jobs chan func()
	wg   sync.WaitGroup
}

func startWorker() *worker {
	w := &worker{jobs: make(chan func(), 64)}
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		for job := range w.jobs {
			job()
		}
	}()
	return w
}

// do queues a job; if the queue is full the job is dropped and do reports
// false, so that a storm of key presses cannot stall the frame loop.
func (w *worker) do(job func()) bool {
	select {
	case w.jobs <- job:
		return true
	default:
		return false
	}
}

func (w *worker) close() {
	close(w.jobs)
	w.wg.Wait()
}

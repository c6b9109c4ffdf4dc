package ui

import "sync"

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

// Package every runs a function at a fixed interval on its own goroutine
// until stopped: the pollers, watchers and writers that sample something
// a few times a second.
package every

import "time"

// Loop is a function called every interval.
type Loop struct {
	quit chan struct{}
	done chan struct{}
}

// Start calls f every d, the first time after d, until Stop.
func Start(d time.Duration, f func()) *Loop {
	l := &Loop{quit: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(l.done)
		t := time.NewTicker(d)
		defer t.Stop()
		for {
			select {
			case <-l.quit:
				return
			case <-t.C:
				f()
			}
		}
	}()
	return l
}

// Stop ends the loop and waits for a call of f in progress to return. A
// nil Loop does nothing.
func (l *Loop) Stop() {
	if l == nil {
		return
	}
	close(l.quit)
	<-l.done
}

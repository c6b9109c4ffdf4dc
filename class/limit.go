package class

import (
	"sync"
	"time"
)

// limiter slows wrong join codes down. The first freeWrong wrong codes
// within wrongWindow are answered at once (a class mistypes); after that
// each is answered only after wrongDelay, one at a time, so that trying
// codes in parallel gains nothing.
type limiter struct {
	mu     sync.Mutex
	wrong  []time.Time
	serial sync.Mutex // held through a slowed answer
}

const (
	freeWrong   = 100
	wrongWindow = 10 * time.Minute
	wrongDelay  = 40 * time.Millisecond
)

// fail counts a wrong code and returns how long to wait before answering.
func (l *limiter) fail() time.Duration {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	k := 0
	for _, t := range l.wrong {
		if now.Sub(t) < wrongWindow {
			l.wrong[k] = t
			k++
		}
	}
	l.wrong = append(l.wrong[:k], now)
	if len(l.wrong) > freeWrong {
		return wrongDelay
	}
	return 0
}

// failSlowly counts a wrong code and waits as long as fail says, in turn
// with every other slowed answer.
func (l *limiter) failSlowly() {
	if d := l.fail(); d > 0 {
		l.serial.Lock()
		time.Sleep(d)
		l.serial.Unlock()
	}
}

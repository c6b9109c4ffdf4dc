package ui

import (
	"testing"
	"time"
)

// Playing at 1/10, a smooth second of frames plays 100 ms of the record;
// one stalled frame of five seconds plays no more than a smooth frame
// could, so no state is skipped.
func TestAStalledFramePlaysOnlyALittle(t *testing.T) {
	const live = 60_000_000
	smooth := Player{Mode: Playing, Speed: 3} // 1/10
	for i := 0; i < 60; i++ {
		smooth.Advance(time.Second/60, live, false)
	}
	if got := smooth.T; got < 99_000 || got > 101_000 {
		t.Errorf("a second of frames at 1/10 played %d µs, want 100000", got)
	}
	stalled := Player{Mode: Playing, Speed: 3}
	stalled.Advance(5*time.Second, live, false)
	if stalled.T > int64(maxFrameStep/time.Microsecond)/10 {
		t.Errorf("a 5 s frame at 1/10 played %d µs of the record, want at most %d", stalled.T, int64(maxFrameStep/time.Microsecond)/10)
	}
	if stalled.T == 0 {
		t.Error("a stalled frame played nothing")
	}
}

package node

import (
	"fmt"
	"time"
)

// GoOffline takes this seat's laptop off the network for d, as when its
// Wi-Fi drops: its replica's links are cut both ways (by its own fault
// layer) and Offline says so to its stream to the teacher's record. Its
// process and replica run on. Only in a class, and only for its own seat.
func (c *Cluster) GoOffline(seat int, d time.Duration) error {
	if c.opts.seat == 0 {
		return fmt.Errorf("offline is for a class, where each replica runs on its own laptop: here, isolate %d", seat)
	}
	if err := c.here(seat); err != nil {
		return err
	}
	c.offlineMu.Lock()
	defer c.offlineMu.Unlock()
	if c.ctx.Err() != nil {
		return fmt.Errorf("cluster is shutting down")
	}
	if c.offline != nil {
		c.offline.Stop()
	}
	c.setIsolated(seat, true)
	c.offlineUntil.Store(time.Now().Add(d).UnixNano())
	c.offline = time.AfterFunc(d, func() {
		c.offlineMu.Lock()
		defer c.offlineMu.Unlock()
		if c.ctx.Err() == nil {
			c.setIsolated(seat, false)
		}
		c.offlineUntil.Store(0)
	})
	return nil
}

// Offline reports whether this seat's laptop is off the network now
// (GoOffline).
func (c *Cluster) Offline() bool {
	until := c.offlineUntil.Load()
	return until != 0 && time.Now().UnixNano() < until
}

// stopOffline ends a pending GoOffline's timer: Close leaves nothing
// running.
func (c *Cluster) stopOffline() {
	c.offlineMu.Lock()
	defer c.offlineMu.Unlock()
	if c.offline != nil {
		c.offline.Stop()
	}
}

package node

import (
	"fmt"
	"slices"
	"time"

	"github.com/raftian/raftian/record"
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

// FollowNetwork sets the class's network faults, as the teacher's laptop
// has them, on this laptop's transport: which seats are isolated, the
// partition groups (none: no partition), slow motion. The links a seat
// set itself stay; so does its own isolation while it is offline. Only
// what differs is changed, and recorded.
func (c *Cluster) FollowNetwork(isolated []int, groups [][]int, slow time.Duration) {
	cut, group := c.net.Cuts()
	for i := 1; i <= c.Size(); i++ {
		want := slices.Contains(isolated, i) || (i == c.opts.seat && c.Offline())
		if i < len(cut) && cut[i] != want {
			c.setIsolated(i, want)
		}
	}
	if !sameGroups(group, groups, c.Size()) {
		c.Partition(groups)
	}
	if c.Slow() != slow {
		c.net.SetSlow(slow)
		c.Recorder().Add(record.Obs{Kind: record.Slow, Delay: slow.Microseconds()})
	}
}

// sameGroups reports whether the partition groups of replicas 1..n
// (group[i]) are those of groups.
func sameGroups(group []int, groups [][]int, n int) bool {
	want := make([]int, n+1)
	for g, members := range groups {
		for _, r := range members {
			if r >= 1 && r <= n {
				want[r] = g + 1
			}
		}
	}
	// The same split, whatever the groups are numbered.
	seen, back := map[int]int{}, map[int]int{}
	for i := 1; i <= n && i < len(group); i++ {
		a, b := group[i], want[i]
		if x, ok := seen[a]; ok && x != b {
			return false
		}
		if y, ok := back[b]; ok && y != a {
			return false
		}
		seen[a], back[b] = b, a
	}
	return true
}

package node

import (
	"fmt"
	"time"

	"github.com/raftian/raftian/cluster"
	"github.com/raftian/raftian/config"
	"github.com/raftian/raftian/node/wire"
	"github.com/raftian/raftian/record"
)

// Crash stops replica i abruptly, as if its process died: its NodeHost is
// closed and its port goes dark. Its data stays for Restart.
func (c *Cluster) Crash(i int) error {
	if err := c.here(i); err != nil {
		return err
	}
	return c.halt(i)
}

// CrashOrdered is Crash on the teacher's order, in a class: recorded as
// the teacher's doing, for the seat's own window to say so.
func (c *Cluster) CrashOrdered(i int) error {
	if err := c.here(i); err != nil {
		return err
	}
	return c.haltBy(i, 1)
}

// halt stops replica i's NodeHost: a crash, or a removed replica stopped.
func (c *Cluster) halt(i int) error { return c.haltBy(i, 0) }

// haltBy is halt, recording that seat by ordered it (0: no one).
func (c *Cluster) haltBy(i, by int) error {
	r, err := c.replica(i)
	if err != nil {
		return err
	}
	r.op.Lock()
	defer r.op.Unlock()
	r.mu.Lock()
	nh, s := r.nh, r.sm
	r.nh = nil
	r.mu.Unlock()
	if nh == nil {
		return fmt.Errorf("replica %d is already down", i)
	}
	c.noteProgress(r, s)
	nh.Close()
	c.net.Forget(i)
	c.Recorder().DownBy(i, by)
	return nil
}

// Restart starts a crashed replica again from its own data; it catches up
// from the leader (by log or by snapshot).
func (c *Cluster) Restart(i int) error {
	if err := c.here(i); err != nil {
		return err
	}
	r, err := c.replica(i)
	if err != nil {
		return err
	}
	r.op.Lock()
	defer r.op.Unlock()
	if c.ctx.Err() != nil {
		return fmt.Errorf("cluster is shutting down")
	}
	if r.removed.Load() {
		return fmt.Errorf("replica %d was removed from the cluster, and Raft never takes a removed replica back", i)
	}
	r.mu.RLock()
	up := r.nh != nil
	r.mu.RUnlock()
	if up {
		return fmt.Errorf("replica %d is already up", i)
	}
	if c.disk != nil {
		if err := c.disk.check(); err != nil {
			return err
		}
	}
	c.net.Forget(i)
	return c.open(r, false)
}

// Isolate cuts every link to and from replica i. In a class each laptop
// carries out the part of a network fault that concerns it (what its
// replica sends and takes in): the teacher's laptop tells every seat.
func (c *Cluster) Isolate(i int) error { return c.setIsolated(i, true) }

// Rejoin undoes Isolate for replica i; a partition, if any, still holds.
func (c *Cluster) Rejoin(i int) error { return c.setIsolated(i, false) }

func (c *Cluster) setIsolated(i int, on bool) error {
	if _, err := c.replica(i); err != nil {
		return err
	}
	c.net.SetIsolated(i, on)
	kind := record.Rejoin
	if on {
		kind = record.Isolate
	}
	c.Recorder().Add(record.Obs{Kind: kind, Node: uint8(i)})
	return nil
}

// Partition splits the replicas into groups that cannot reach each other.
// Replicas named in no group end up together in one more group. In a
// class, as Isolate.
func (c *Cluster) Partition(groups [][]int) error {
	seen := map[int]bool{}
	for _, g := range groups {
		for _, r := range g {
			if _, err := c.replica(r); err != nil {
				return err
			}
			if seen[r] {
				return fmt.Errorf("replica %d is in two groups", r)
			}
			seen[r] = true
		}
	}
	var rest []int
	for i := 1; i <= c.Size(); i++ {
		if !seen[i] {
			rest = append(rest, i)
		}
	}
	if len(rest) > 0 {
		groups = append(groups, rest)
	}
	c.net.Partition(groups)
	_, group := c.net.Cuts()
	c.Recorder().Add(record.Obs{Kind: record.Partition, Data: groupBytes(group[1:])})
	return nil
}

// groupBytes is the partition groups as a Partition observation holds
// them: a byte each, replica 1 first.
func groupBytes(group []int) []byte {
	b := make([]byte, len(group))
	for i, g := range group {
		b[i] = byte(g)
	}
	return b
}

// SetLink gives the one-way link from replica a to replica b the fault l
// (a zero Link restores a perfect link). In a class, only the links that
// leave this laptop: each seat delays and loses what it sends.
func (c *Cluster) SetLink(a, b int, l cluster.Link) error {
	if c.opts.seat != 0 && a != c.opts.seat {
		return fmt.Errorf("the link %d→%d leaves seat %d's laptop: set it there (%w)", a, b, a, errOtherLaptops)
	}
	for _, i := range []int{a, b} {
		if _, err := c.replica(i); err != nil {
			return err
		}
	}
	if a == b {
		return fmt.Errorf("a link joins two different replicas")
	}
	if l.Drop < 0 || l.Drop > 1 || l.Delay < 0 || l.Jitter < 0 || l.Delay+l.Jitter > wire.MaxLinkDelay {
		return fmt.Errorf("drop must be 0..1 and delay plus jitter 0..%v", wire.MaxLinkDelay)
	}
	c.net.SetLink(a, b, wire.Link{Drop: l.Drop, Delay: l.Delay, Jitter: l.Jitter}, l.VotesOnly)
	c.Recorder().Add(record.Obs{Kind: record.Link, Node: uint8(a), Peer: uint8(b), Loss: uint32(l.Drop * 1e6),
		Delay: l.Delay.Microseconds(), Hint: uint64(l.Jitter.Microseconds()), Reject: l.VotesOnly})
	return nil
}

// Heal ends every isolation and partition and restores every link.
// Crashed replicas stay down: Restart brings them back.
func (c *Cluster) Heal() {
	c.net.Heal()
	c.Recorder().Add(record.Obs{Kind: record.Heal})
}

// SlowDelay is how long slow motion delays each message: a round trip
// takes twice that. It is at most a fifth of the election timeout, so
// that a vote's round trip fits well inside it and heartbeats keep
// arriving as often as ever: no election starts. (Raft's timers cannot
// change without restarting the replicas: dragonboat's tick is fixed when
// a NodeHost starts.)
func (c *Cluster) SlowDelay() time.Duration {
	return min(100*time.Millisecond, c.ElectionTimeout()/5)
}

// SetSlow turns slow motion on or off: every message is delayed by
// SlowDelay on its way, for real, and the replicas run on undisturbed.
func (c *Cluster) SetSlow(on bool) time.Duration {
	d := time.Duration(0)
	if on {
		d = c.SlowDelay()
	}
	c.net.SetSlow(d)
	c.Recorder().Add(record.Obs{Kind: record.Slow, Delay: d.Microseconds()})
	return d
}

// Slow returns the delay slow motion adds to every message; 0 when off.
func (c *Cluster) Slow() time.Duration { return time.Duration(c.net.Faults().Slow) * time.Microsecond }

// Mend heals every network fault and restarts every replica that is
// down, then waits for an agreed leader, at most timeout or until stop
// closes (nil: never), and returns it; 0 if there is none.
func (c *Cluster) Mend(timeout time.Duration, stop <-chan struct{}) int {
	c.Heal()
	for i := 1; i <= c.Size(); i++ {
		c.Restart(i) // an error means it is up already
	}
	for end := time.Now().Add(timeout); time.Now().Before(end); {
		if l, ok := c.LeaderAgreed(); ok {
			return l
		}
		select {
		case <-stop:
			return 0
		case <-time.After(5 * time.Millisecond):
		}
	}
	return 0
}

// Reconfigure restarts every running replica in place, from its own data,
// with new Raft settings: PreVote and CheckQuorum on or off, a slower or
// faster round trip. Replicas that are down stay down and start with the
// new settings when restarted. The faults in force stay in force.
func (c *Cluster) Reconfigure(raft config.Raft) error {
	if err := c.notInClass(); err != nil {
		return err
	}
	return c.reconfigure(raft)
}

// SetRTT restarts this process's replicas in place with Raft's round trip
// ms, unless it is that already. In a class, every seat does so on its own
// laptop when the teacher changes the class's round trip.
func (c *Cluster) SetRTT(ms int) error {
	raft := c.Config().Raft
	if raft.RTTMillisecond == ms {
		return nil
	}
	raft.RTTMillisecond = ms
	return c.reconfigure(raft)
}

func (c *Cluster) reconfigure(raft config.Raft) error {
	if raft.RTTMillisecond < 1 || raft.HeartbeatRTT < 1 || raft.ElectionRTT <= 2*raft.HeartbeatRTT {
		return fmt.Errorf("invalid Raft timing: rtt %d ms, heartbeat %d, election %d",
			raft.RTTMillisecond, raft.HeartbeatRTT, raft.ElectionRTT)
	}
	var up []*replica
	for _, r := range c.all() {
		r.op.Lock()
		defer r.op.Unlock()
		r.mu.Lock()
		nh := r.nh
		r.nh = nil
		r.mu.Unlock()
		if nh != nil {
			nh.Close()
			c.net.Forget(r.id)
			c.Recorder().Down(r.id)
			up = append(up, r)
		}
	}
	c.cfgMu.Lock()
	rttChanged := c.cfg.Raft.RTTMillisecond != raft.RTTMillisecond
	c.cfg.Raft = raft
	c.cfgMu.Unlock()
	if rttChanged {
		c.Recorder().Add(record.Obs{Kind: record.Timing, Delay: int64(raft.RTTMillisecond) * 1000})
	}
	for _, r := range up {
		if err := c.open(r, false); err != nil {
			return err
		}
	}
	return nil
}

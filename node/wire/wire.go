// Package wire is the replicas' network: the project's own TCP transport
// between dragonboat NodeHosts on loopback, with a fault layer (isolation,
// partitions, lossy and slow links) every message passes through. It
// hands every message's sending and arrival to the record (package
// record), as observations: the one place where the engine's messages
// become the record's; and it keeps the one thing only the wire can see,
// each replica's commit index.
package wire

import (
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/raftian/raftian/record"
)

// ShardID is the one Raft group: the game.
const ShardID = 1

var logDest atomic.Pointer[slog.Logger]

// SetLogger routes the transport's log lines to l.
func SetLogger(l *slog.Logger) { logDest.Store(l) }

func log() *slog.Logger {
	if l := logDest.Load(); l != nil {
		return l
	}
	return slog.Default()
}

// Deployment returns the cluster's id: messages with another are refused.
func (n *Network) Deployment() uint64 { return n.deployment }

// Recorder returns the record the network writes to, or nil.
func (n *Network) Recorder() *record.Recorder { return n.rec }

// Clues returns what the wire tells of replica i.
func (n *Network) Clues(i int) Clues { return n.clues.get(i) }

// Forget clears the clues of replica i, when it restarts.
func (n *Network) Forget(i int) { n.clues.forget(i) }

// SetIsolated cuts (or restores) every link of replica i.
func (n *Network) SetIsolated(i int, on bool) { n.faults.setIsolated(i, on) }

// Partition splits the replicas into groups that cannot reach each other;
// replicas in no group form one together.
func (n *Network) Partition(groups [][]int) { n.faults.partition(groups) }

// SetLink sets the fault of the one-way link from a to b: with votesOnly,
// for vote and pre-vote messages only. A zero Link restores it.
func (n *Network) SetLink(a, b int, l Link, votesOnly bool) { n.faults.setLink(a, b, l, votesOnly) }

// SetSlow delays every message by d (0: no more): slow motion. Unlike the
// faults, a heal leaves it on.
func (n *Network) SetSlow(d time.Duration) { n.faults.setSlow(d) }

// Faults returns the network's faults (and slow motion) as the record
// keeps them.
func (n *Network) Faults() record.Net { return n.faults.net() }

// Heal ends every isolation, partition and link fault; what slow links
// held is released.
func (n *Network) Heal() { n.faults.heal() }

// Cuts returns, per replica, whether it is isolated and its partition
// group (all equal when there is no partition).
func (n *Network) Cuts() (isolated []bool, group []int) { return n.faults.snapshot() }

// Reachable returns the replicas that a can talk to both ways, itself
// included.
func (n *Network) Reachable(a int) []int { return n.faults.reachable(a) }

// MaxLinkDelay is the longest delay a link may add.
const MaxLinkDelay = time.Minute

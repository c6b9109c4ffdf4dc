package session

import (
	"time"

	"github.com/raftian/raftian/cluster"
	"github.com/raftian/raftian/config"
	"github.com/raftian/raftian/record"
)

// Cluster is what a session asks of the replicas: *node.Cluster is one.
type Cluster interface {
	Size() int   // replicas, removed ones too: numbers run from 1 to Size
	Voters() int // replicas that vote
	Config() config.Config
	ElectionTimeout() time.Duration
	Status() []cluster.Status
	Believes(i int) []int // the voters replica i believes in
	Leader() int          // the replica that leads in the highest term, or 0
	LeaderAgreed() (int, bool)
	SettledOnCommitted() bool
	LogTail(i, n int) []record.Ent
	Recorder() *record.Recorder
	NewClient() cluster.Proposer

	Crash(i int) error
	CrashOrdered(i int) error // in a class: a crash on the teacher's order, recorded so
	Restart(i int) error
	Isolate(i int) error
	Rejoin(i int) error
	Partition(groups [][]int) error
	SetLink(a, b int, l cluster.Link) error
	Seat() int // in a class: the seat whose replica this process runs; 0 outside one
	Heal()
	SetSlow(on bool) time.Duration
	Transfer(target int, timeout time.Duration) (from int, term uint64, err error)
	AddReplica(stall time.Duration) (int, error)
	RemoveReplica(id int, timeout time.Duration) error
	Promote(id int) error // in a class: a non-voting seat becomes a voter
	CancelAdd(id int) <-chan struct{}
	Reconfigure(raft config.Raft) error
	SetRTT(ms int) error                       // restarts this process's replicas in place with Raft's round trip ms
	GoOffline(seat int, d time.Duration) error // in a class: this laptop leaves the network for d
	Mend(timeout time.Duration, stop <-chan struct{}) int
}

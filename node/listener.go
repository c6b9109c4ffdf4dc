package node

import (
	"github.com/lni/dragonboat/v4/raftio"
	"github.com/raftian/raftian/record"
)

// systemListener records the snapshots a replica takes; the rest of
// dragonboat's system events show in the record already (a snapshot sent
// is a message, one restored a Restore) or are not shown.
type systemListener struct{ c *Cluster }

// SnapshotCreated records a replica's own snapshot. dragonboat's report
// carries no index: the replica's log says where its snapshot is.
func (l *systemListener) SnapshotCreated(i raftio.SnapshotInfo) {
	rec := l.c.Recorder()
	if rec == nil {
		return
	}
	if _, err := l.c.replica(int(i.ReplicaID)); err != nil {
		return
	}
	if nh := l.c.nodeHost(int(i.ReplicaID)); nh != nil {
		if lr, err := nh.GetLogReader(shardID); err == nil {
			rec.Add(record.Obs{Kind: record.Snap, Node: uint8(i.ReplicaID), Index: lr.Snapshot().Index})
		}
	}
}

func (l *systemListener) SendSnapshotCompleted(raftio.SnapshotInfo) {}
func (l *systemListener) SnapshotReceived(raftio.SnapshotInfo)      {}

func (l *systemListener) NodeHostShuttingDown()                       {}
func (l *systemListener) NodeUnloaded(raftio.NodeInfo)                {}
func (l *systemListener) NodeDeleted(raftio.NodeInfo)                 {}
func (l *systemListener) NodeReady(raftio.NodeInfo)                   {}
func (l *systemListener) MembershipChanged(raftio.NodeInfo)           {}
func (l *systemListener) ConnectionEstablished(raftio.ConnectionInfo) {}
func (l *systemListener) ConnectionFailed(raftio.ConnectionInfo)      {}
func (l *systemListener) SendSnapshotStarted(raftio.SnapshotInfo)     {}
func (l *systemListener) SendSnapshotAborted(raftio.SnapshotInfo)     {}
func (l *systemListener) SnapshotRecovered(raftio.SnapshotInfo)       {}
func (l *systemListener) SnapshotCompacted(raftio.SnapshotInfo)       {}
func (l *systemListener) LogCompacted(raftio.EntryInfo)               {}
func (l *systemListener) LogDBCompacted(raftio.EntryInfo)             {}

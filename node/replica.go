package node

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/lni/dragonboat/v4"
	dbconfig "github.com/lni/dragonboat/v4/config"
	sm "github.com/lni/dragonboat/v4/statemachine"
	"github.com/lni/vfs"

	"github.com/raftian/raftian/config"
	"github.com/raftian/raftian/world"
)

// A replica: where its data lives, and how its NodeHost is started.

// newReplica returns replica i at addr, its storage chosen by the
// configuration.
func (c *Cluster) newReplica(i int, addr string) (*replica, error) {
	r := &replica{id: i, addr: addr}
	switch {
	case c.cfg.Storage == config.StorageDisk:
		r.dir = filepath.Join(c.cfg.DataDir, replicaDirName(i))
	case runtime.GOOS == "windows":
		// dragonboat's storage fails on its in-memory file system with
		// Windows paths: a temporary directory instead, which Close
		// removes.
		if c.scratch == "" {
			dir, err := os.MkdirTemp("", "raftian-memory-")
			if err != nil {
				return nil, fmt.Errorf("memory storage needs a temporary directory: %w", err)
			}
			c.scratch = dir
		}
		r.dir = filepath.Join(c.scratch, replicaDirName(i))
	default:
		r.fs = vfs.NewMem()
		r.dir = "/" + replicaDirName(i)
	}
	return r, nil
}

// all returns every replica, removed ones too, in order.
func (c *Cluster) all() []*replica {
	c.membersMu.RLock()
	defer c.membersMu.RUnlock()
	return c.replicas[1:]
}

// open starts replica r's NodeHost on its data; join: a replica just
// added to the shard, which learns its members from the leader.
func (c *Cluster) open(r *replica, join bool) error {
	if r.fs == nil && c.opts.seat != 0 { // a class's laptop may have moved
		moved, err := followSeat(r)
		if err != nil {
			return c.explain(r, err)
		}
		if moved != "" {
			log().Warn("this seat's laptop moved: its data follows it", "seat", r.id, "moved", moved)
		}
	}
	if r.fs == nil { // on disk: refuse data that is damaged or went back in time
		if !join && !hasData(r.dir) && (c.progress.had(r.id) > 0 || c.dataAtStart) {
			return &RollbackError{Replica: r.id, Dir: r.dir, Had: c.progress.had(r.id), File: c.progress.path}
		}
		if err := checkData(r); err != nil {
			return err
		}
	}
	nh, err := dragonboat.NewNodeHost(c.nodeHostConfig(r))
	if err != nil {
		return c.explain(r, err)
	}
	if nh == nil {
		// NewNodeHost recovers from some panics while opening damaged data
		// and then returns neither a NodeHost nor an error.
		return c.explain(r, errors.New("its storage failed to open"))
	}
	members := map[uint64]dragonboat.Target{}
	if !join && !nh.HasNodeInfo(shardID, uint64(r.id)) {
		for _, o := range c.all()[:c.initial] {
			members[uint64(o.id)] = o.addr
		}
	}
	var onApply func(world.Result)
	if c.opts.OnApply != nil {
		onApply = func(res world.Result) { c.opts.OnApply(r.id, res) }
	}
	if c.opts.seat != 0 {
		onApply = c.learnSeats(onApply)
	}
	s := newStateMachine(c.initial, onApply)
	s.rec, s.id = c.Recorder(), r.id
	create := func(uint64, uint64) sm.IStateMachine { return s }
	if c.engine != engineGame {
		s, create = nil, func(uint64, uint64) sm.IStateMachine { return noop{} }
	}
	if err := nh.StartReplica(members, join, create, c.replicaConfig(r)); err != nil {
		nh.Close()
		return c.explain(r, err)
	}
	if lr, err := nh.GetLogReader(shardID); err == nil {
		_, last := lr.GetRange()
		if err := c.progress.checkNotBehind(r, last); err != nil {
			nh.Close()
			return err
		}
	}
	r.mu.Lock()
	r.nh, r.sm = nh, s
	r.mu.Unlock()
	c.recordUp(r, nh)
	return nil
}

func (c *Cluster) nodeHostConfig(r *replica) dbconfig.NodeHostConfig {
	logdb := dbconfig.GetTinyMemLogDBConfig()
	logdb.Shards = 1
	nhc := dbconfig.NodeHostConfig{
		DeploymentID:        c.net.Deployment(),
		NodeHostDir:         r.dir,
		RTTMillisecond:      uint64(c.Config().Raft.RTTMillisecond),
		RaftAddress:         r.addr,
		RaftEventListener:   &leaderListener{c: c, id: r.id},
		SystemEventListener: &systemListener{c: c},
		Expert: dbconfig.ExpertConfig{
			TransportFactory: c.transportFactory(),
			LogDB:            logdb,
			// One shard of each engine stage: 5 NodeHosts would otherwise
			// run over a thousand goroutines.
			Engine: dbconfig.EngineConfig{ExecShards: 1, CommitShards: 1,
				ApplyShards: 1, SnapshotShards: 1, CloseShards: 1},
		},
	}
	if r.fs != nil {
		nhc.Expert.FS = r.fs
	}
	if c.opts.seat != 0 { // a class's seat: known by its seat in Raft, listening here
		nhc.ListenAddress = c.opts.listen
	}
	return nhc
}

func (c *Cluster) replicaConfig(r *replica) dbconfig.Config {
	rc := c.Config().Raft
	return dbconfig.Config{
		ReplicaID:          uint64(r.id),
		ShardID:            shardID,
		ElectionRTT:        uint64(rc.ElectionRTT),
		HeartbeatRTT:       uint64(rc.HeartbeatRTT),
		CheckQuorum:        rc.CheckQuorum,
		PreVote:            rc.PreVote,
		SnapshotEntries:    uint64(rc.SnapshotEntries),
		CompactionOverhead: uint64(rc.CompactionOverhead),
		// A replica added as a non-voting member always starts as one,
		// also once promoted: replaying its log, it meets its own
		// addition as non-voting (a voter there is a panic), then its
		// promotion, which makes it a follower.
		IsNonVoting: r.id > c.initial,
	}
}

package node

import (
	"bytes"
	"encoding/json"
	"sync/atomic"
	"time"

	"github.com/lni/dragonboat/v4"

	"github.com/raftian/raftian/config"
	"github.com/raftian/raftian/internal/every"
	"github.com/raftian/raftian/node/wire"
	"github.com/raftian/raftian/record"
)

// What the cluster records beside the messages (the transport records
// those): replicas starting and crashing, the entries each applies and the
// snapshots it restores, faults, proposals. Two things no listener reports
// are sampled: a replica's log is read for entries it appended but sent to
// nobody (a leader cut off), and every second a checkpoint of everything
// lets a record whose beginning was dropped be replayed.

const (
	logPoll         = 50 * time.Millisecond
	checkpointEvery = time.Second
	tailRecorded    = 16 // log entries an Up or Checkpoint holds
)

// headerOf is the record's header for a cluster of cfg.
func headerOf(cfg config.Config) record.Header {
	h := record.Header{RTTMs: cfg.Raft.RTTMillisecond, ElectionRTT: cfg.Raft.ElectionRTT,
		HeartbeatRTT: cfg.Raft.HeartbeatRTT, PreVote: cfg.Raft.PreVote, CheckQuorum: cfg.Raft.CheckQuorum}
	for _, p := range cfg.Players {
		h.Players = append(h.Players, record.Player{Name: p.Name, Color: p.Color})
	}
	return h
}

// Recorder returns the cluster's record, or nil if it keeps none.
func (c *Cluster) Recorder() *record.Recorder { return c.net.Recorder() }

// observer samples the replicas' logs and takes checkpoints.
type observer struct {
	c      *Cluster
	rec    *record.Recorder
	polled []atomic.Uint64              // per replica: the last index recorded
	voters [wire.MaxReplicas + 1]string // per replica: the voters last recorded (sample's goroutine only)
	loop   *every.Loop
	next   time.Time   // the next checkpoint
	soon   atomic.Bool // take one at the next sample (CheckpointSoon)
}

// CheckpointSoon has the record take a checkpoint within a sample (50 ms):
// a class's seat whose stream lost observations is taken up again from it
// (package merge).
func (c *Cluster) CheckpointSoon() {
	if c.observer != nil {
		c.observer.soon.Store(true)
	}
}

func (c *Cluster) startObserver() {
	if c.Recorder() == nil {
		return
	}
	o := &observer{c: c, rec: c.Recorder(), polled: make([]atomic.Uint64, wire.MaxReplicas+1)}
	o.checkpoint()
	o.loop = every.Start(logPoll, o.sample)
	c.observer = o
}

func (o *observer) stop() {
	if o != nil {
		o.loop.Stop()
	}
}

func (o *observer) sample() {
	for i := 1; i <= o.c.Size(); i++ {
		o.pollLog(i)
		o.pollVoters(i)
	}
	if o.soon.Swap(false) || time.Now().After(o.next) {
		o.checkpoint()
	}
}

// pollLog records the entries replica i appended since the last look.
func (o *observer) pollLog(i int) {
	o.c.readLog(i, func(lr dragonboatLog) {
		_, last := lr.GetRange()
		if last <= o.polled[i].Load() {
			return
		}
		if ents := tail(lr, last, tailRecorded); len(ents) > 0 {
			o.rec.Add(record.Obs{Kind: record.Append, Node: uint8(i), Index: last, Ents: ents})
		}
		o.polled[i].Store(last)
	})
}

// pollVoters records the membership replica i believes in, when it
// changed since the last look: a replica that has not applied a change
// still counts the old quorum.
func (o *observer) pollVoters(i int) {
	nh := o.c.nodeHost(i)
	if nh == nil {
		return
	}
	var b []byte
	for _, v := range voters(nh) {
		b = append(b, byte(v))
	}
	if len(b) == 0 || string(b) == o.voters[i] {
		return
	}
	o.voters[i] = string(b)
	o.rec.Add(record.Obs{Kind: record.Voters, Node: uint8(i), Data: b})
}

// dragonboatLog is a replica's log as dragonboat lets it be read.
type dragonboatLog = dragonboat.ReadonlyLogReader

// checkpoint records the network's faults and every replica's state.
func (o *observer) checkpoint() {
	o.next = time.Now().Add(checkpointEvery)
	o.voters = [wire.MaxReplicas + 1]string{} // recorded again after it, for a model that starts here
	faults := o.c.net.Faults()
	faults.RTT = int64(o.c.Config().Raft.RTTMillisecond) * 1000
	net, _ := json.Marshal(faults)
	obs := []record.Obs{{Kind: record.Checkpoint, Data: net}}
	status := o.c.Status()
	for _, st := range status {
		k := o.rec.Known(st.ID)
		cp := record.Obs{Kind: record.Checkpoint, Node: uint8(st.ID), Role: k.Role, Term: max(k.Term, st.Term),
			Peer: k.Leader, Commit: st.Commit, Index: st.LastIndex}
		if !st.Up {
			cp.Role = record.RoleDown
		}
		if st.World != nil {
			var b bytes.Buffer
			st.World.Save(&b)
			cp.Data = b.Bytes()
		}
		o.c.readLog(st.ID, func(lr dragonboatLog) { cp.Ents = tail(lr, st.LastIndex, tailRecorded) })
		obs = append(obs, cp)
	}
	o.rec.AddAll(obs)
}

// recordUp records that replica r started, with what it holds.
func (c *Cluster) recordUp(r *replica, nh *dragonboat.NodeHost) {
	rec := c.Recorder()
	if rec == nil {
		return
	}
	up := record.Obs{Kind: record.Up, Node: uint8(r.id)}
	if lr, err := nh.GetLogReader(shardID); err == nil {
		state, _ := lr.NodeState()
		_, last := lr.GetRange()
		up.Term, up.Peer, up.Commit, up.Index = state.Term, uint8(state.Vote), state.Commit, last
		up.Ents = tail(lr, last, tailRecorded)
		if c.observer != nil {
			c.observer.polled[r.id].Store(last)
		}
	}
	rec.Up(up)
}

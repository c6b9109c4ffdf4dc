package node

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lni/dragonboat/v4"
	dbconfig "github.com/lni/dragonboat/v4/config"
	"github.com/lni/dragonboat/v4/raftio"

	"github.com/raftian/raftian/config"
	"github.com/raftian/raftian/internal/every"
	"github.com/raftian/raftian/node/wire"
	"github.com/raftian/raftian/record"
	"github.com/raftian/raftian/world"
)

// shardID is the one Raft group: the game.
const shardID = wire.ShardID

// Options are the settings of a Cluster beyond the configuration file.
type Options struct {
	// ProposalTimeout bounds how long a proposal may take, retries
	// included. Zero means DefaultProposalTimeout.
	ProposalTimeout time.Duration
	// OnApply, when not nil, is told every entry each replica applies, in
	// its log order (again after a restart, from its snapshot on). It runs
	// on dragonboat's apply path: it must be quick and must not block.
	OnApply func(replica int, r world.Result)
	// Record keeps a record of everything the cluster does (package
	// record), for the window's player and for --observe.
	Record bool
	// StartSlow starts the cluster in slow motion (SetSlow), before any
	// replica runs: its very first election can be watched.
	StartSlow bool

	// freeBytes, when not nil, replaces the disk's free space (tests).
	freeBytes func(dir string) (uint64, error)

	// In a class (StartSeat): the one replica this process runs, the
	// class's TLS and deployment id, and whether the replica joins.
	seat       int
	guard      wire.Guard
	deployment uint64
	join       bool
	listen     string         // where this seat's replica listens
	located    map[int]string // where the other seats listen, as far as known
}

// DefaultProposalTimeout is long enough to ride out one election.
const DefaultProposalTimeout = 3 * time.Second

// Cluster is the game's replicas, all in this process.
type Cluster struct {
	cfgMu  sync.RWMutex // guards cfg.Raft, which Reconfigure changes
	cfg    config.Config
	opts   Options
	engine engine
	net    *wire.Network
	// replicas[i] is replica i; [0] unused. Replicas are only ever
	// appended (a removed one stays, marked): readers take all() or
	// replica(i).
	membersMu sync.RWMutex
	replicas  []*replica
	initial   int        // players when the game began: every world starts so
	unlock    func()     // releases the data directory
	progress  *progress  // how far each replica had got
	disk      *diskWatch // on disk: whether its free space is low
	// dataAtStart: on disk, some replica already held data when the
	// cluster started, so one without any has lost its own.
	dataAtStart bool
	// scratch: memory storage on Windows is a temporary directory.
	scratch string

	client   *Client       // proposals made through Cluster.Propose
	observer *observer     // samples logs and takes checkpoints for the record
	proposed atomic.Uint64 // proposal ids for the record

	ctx       context.Context // cancelled by Close: stops proposals
	cancel    context.CancelFunc
	proposals sync.WaitGroup

	leaderMu     sync.Mutex
	leaderCtx    context.Context // cancelled when a replica learns of a leader
	leaderCancel context.CancelFunc

	closeOnce sync.Once
	seatSync  *every.Loop  // in a class: the other seats' roles
	onRemoved func(id int) // in a class: told each seat removed
	// In a class: while this laptop is off the network (GoOffline).
	offlineMu    sync.Mutex
	offline      *time.Timer
	offlineUntil atomic.Int64 // unix nanoseconds; 0: online

	addMu         sync.Mutex // one membership change at a time
	addingMu      sync.Mutex // guards adding
	adding        *adding    // the addition under way, if any
	membersFileMu sync.Mutex // one writer of the members file at a time
	// The reconciler (reconcile.go): busy until reconcileUntil, or until
	// the membership agrees.
	reconcileMu          sync.Mutex
	reconcileUntil       time.Time
	reconcileUntilAgreed bool
	reconcileWake        chan struct{}
}

type replica struct {
	id   int
	addr string
	dir  string
	fs   dbconfig.IFS // memory storage only: kept across restarts

	remote    bool         // in a class: it runs on another laptop
	removed   atomic.Bool  // deleted from the shard: it never comes back
	nonVoting atomic.Bool  // added, not yet promoted to a voter
	change    atomic.Int32 // the membership change under way (a change)

	op sync.Mutex   // serialises crash and restart
	mu sync.RWMutex // guards nh and sm; never held across a slow call
	nh *dragonboat.NodeHost
	sm *stateMachine // the current (or, when down, the last) world
}

// Start opens the data directory and starts every replica. The returned
// error says what the user can do about it: see wire.PortInUseError,
// DataDirLockedError and DataDirError.
func Start(cfg config.Config, opts Options) (*Cluster, error) {
	return start(cfg, opts, engineGame)
}

func start(cfg config.Config, opts Options, eng engine) (*Cluster, error) {
	installLogger()
	if opts.ProposalTimeout == 0 {
		opts.ProposalTimeout = DefaultProposalTimeout
	}
	c := &Cluster{cfg: cfg, opts: opts, engine: eng, unlock: func() {}, reconcileWake: make(chan struct{}, 1)}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	c.leaderCtx, c.leaderCancel = context.WithCancel(context.Background())
	// A random id, kept with the data, tells this cluster's messages from
	// those of any other raftian on the same ports.
	deployment := randomID()
	c.initial = len(cfg.Players)
	if opts.seat != 0 { // a class begins with the teacher's seat alone
		c.initial, deployment = 1, opts.deployment
	}
	c.progress = &progress{rec: progressRecord{Applied: map[int]uint64{}}}
	if cfg.Storage == config.StorageDisk {
		if err := c.openDataDir(c.initial, &deployment); err != nil {
			c.unlock()
			return nil, err
		}
	}
	// Replicas added (or removed) in an earlier run on this data.
	members, err := readMembers(cfg)
	if err != nil {
		c.unlock()
		return nil, err
	}
	cfg.Players = withMembers(cfg.Players, members)
	c.cfg = cfg
	addrs := make([]string, len(cfg.Players))
	for i, p := range cfg.Players {
		addrs[i] = p.Address
	}
	var rec *record.Recorder
	if opts.Record {
		rec = record.NewRecorder(headerOf(cfg))
	}
	c.net = wire.New(addrs, deployment, rec)
	if opts.guard != nil {
		c.net.Secure(opts.guard)
	}
	for id, hostport := range opts.located {
		c.net.Locate(id, hostport)
	}
	if opts.StartSlow {
		c.SetSlow(true)
	}
	c.client = c.newClient()
	c.replicas = make([]*replica, len(addrs)+1)
	for i, a := range addrs {
		r, err := c.newReplica(i+1, a)
		if err != nil {
			c.unlock()
			return nil, err
		}
		r.remote = opts.seat != 0 && i+1 != opts.seat
		c.replicas[i+1] = r
	}
	for _, m := range members {
		r := c.replicas[m.ID]
		r.removed.Store(m.Removed)
		r.nonVoting.Store(m.NonVoting)
		r.change.Store(int32(m.change()))
		// The record starts knowing which replicas are gone or half-added.
		switch {
		case m.Removed:
			rec.Add(record.Obs{Kind: record.Member, Node: uint8(m.ID), Data: []byte(record.MemberRemoved)})
		case m.change() != changeNone:
			p := cfg.Players[m.ID-1]
			rec.Add(record.Obs{Kind: record.Member, Node: uint8(m.ID), Data: []byte(record.MemberNonVoting + " " + p.Name + " " + p.Color)})
		}
	}
	for _, r := range c.all() {
		// A change a crash left half-done is finished or undone once the
		// others elect a leader: its replica does not start meanwhile.
		if r.removed.Load() || r.change.Load() != int32(changeNone) || r.remote {
			continue
		}
		if err := c.open(r, opts.join && r.id == opts.seat); err != nil {
			c.Close()
			return nil, err
		}
	}
	c.progress.run(c.sampleProgress)
	c.startObserver()
	if c.disk != nil {
		c.disk.run()
	}
	c.seatSync = c.runSeatSync()
	c.runReconciler()
	if c.opts.seat == 0 && c.membershipChanged() {
		c.unsure(0)
	}
	return c, nil
}

// diskLow reports whether the disk holding the data is almost full.
func (c *Cluster) diskLow() bool { return c.disk != nil && c.disk.low.Load() }

// openDataDir locks the data directory and reads what it holds beside the
// replicas' own data: the deployment id and the progress record.
func (c *Cluster) openDataDir(n int, deployment *uint64) error {
	dir := c.cfg.DataDir
	unlock, err := lockDataDir(dir)
	if err != nil {
		return err
	}
	c.unlock = unlock
	c.disk = &diskWatch{dir: dir, free: freeBytes}
	if c.opts.freeBytes != nil {
		c.disk.free = c.opts.freeBytes
	}
	if err := c.disk.check(); err != nil {
		return err
	}
	if c.opts.seat == 0 { // a class's deployment is the class's
		if *deployment, err = deploymentID(dir, n); err != nil {
			return err
		}
	}
	if c.progress, err = loadProgress(dir); err != nil {
		return err
	}
	for i := 1; i <= n; i++ {
		c.dataAtStart = c.dataAtStart || hasData(filepath.Join(dir, replicaDirName(i)))
	}
	return nil
}

func replicaDirName(i int) string { return fmt.Sprintf("replica-%d", i) }

// hasData reports whether a replica directory holds dragonboat's data.
func hasData(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "dragonboat.ds"))
	return err == nil
}

// sampleProgress notes how far every replica has applied.
func (c *Cluster) sampleProgress() {
	for _, r := range c.all() {
		r.mu.RLock()
		s := r.sm
		r.mu.RUnlock()
		c.noteProgress(r, s)
	}
}

// noteProgress notes how far replica r, whose world is s, has applied.
func (c *Cluster) noteProgress(r *replica, s *stateMachine) {
	if s != nil {
		c.progress.applied(r.id, s.appliedIndex())
	}
}

// Size returns the number of replicas, removed ones included: replica
// numbers run from 1 to Size.
func (c *Cluster) Size() int { return len(c.all()) }

// Config returns the configuration the cluster runs with.
func (c *Cluster) Config() config.Config {
	c.cfgMu.RLock()
	defer c.cfgMu.RUnlock()
	return c.cfg
}

// ElectionTimeout is the configured minimum election timeout.
func (c *Cluster) ElectionTimeout() time.Duration {
	r := c.Config().Raft
	return time.Duration(r.ElectionRTT*r.RTTMillisecond) * time.Millisecond
}

// open starts replica r's NodeHost and joins it to the shard: with the full
// member list the first time, from its own data on every later start.
// Close stops every replica and waits for everything the cluster started.
// Proposals still in flight fail with "shutting down". Close may be called
// more than once.
func (c *Cluster) Close() {
	c.closeOnce.Do(func() {
		c.cancel()
		defer func() {
			c.leaderMu.Lock()
			c.leaderCancel()
			c.leaderMu.Unlock()
		}()
		c.proposals.Wait()
		c.stopOffline()
		c.observer.stop()
		if c.seatSync != nil {
			c.seatSync.Stop()
		}
		var wg sync.WaitGroup
		for _, r := range c.all() {
			if r == nil {
				continue
			}
			r.op.Lock()
			r.mu.Lock()
			nh, s := r.nh, r.sm
			r.nh = nil
			r.mu.Unlock()
			c.noteProgress(r, s)
			if nh != nil {
				wg.Add(1)
				go func() {
					defer wg.Done()
					nh.Close()
				}()
			}
			r.op.Unlock()
		}
		wg.Wait()
		c.disk.close()
		c.progress.close(c.sampleProgress)
		c.unlock()
		if c.scratch != "" {
			os.RemoveAll(c.scratch)
		}
	})
}

func (c *Cluster) replica(i int) (*replica, error) {
	all := c.all()
	if i < 1 || i > len(all) {
		return nil, fmt.Errorf("no replica %d: replicas are 1 to %d", i, len(all))
	}
	return all[i-1], nil
}

func (c *Cluster) nodeHost(i int) *dragonboat.NodeHost {
	r, err := c.replica(i)
	if err != nil {
		return nil
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.nh
}

// randomID returns a random non-zero id: proposer ids (so that sequence
// numbers of this run never collide with an earlier run's) and
// deployment ids.
func randomID() uint64 {
	var b [8]byte
	rand.Read(b[:])
	return binary.BigEndian.Uint64(b[:]) | 1
}

// leaderListener records dragonboat's leader updates.
type leaderListener struct {
	c  *Cluster
	id int
}

func (l *leaderListener) LeaderUpdated(info raftio.LeaderInfo) {
	leader := int(info.LeaderID)
	l.c.Recorder().Reported(l.id, leader, info.Term)
	if leader != 0 {
		l.c.newLeader() // proposals waiting on a lost leader retry now
	}
}

package node

import (
	"fmt"
	"io"

	dbconfig "github.com/lni/dragonboat/v4/config"
	chantransport "github.com/lni/dragonboat/v4/plugin/chan"
	sm "github.com/lni/dragonboat/v4/statemachine"

	"github.com/raftian/raftian/config"
)

// StartEngine starts a bare cluster for benchmarks: the same NodeHost
// settings as Start, but every replica runs a no-op state machine, so only
// dragonboat and the transport are measured. transport is "tcp" (ours,
// with its fault layer) or "chan" (dragonboat's in-memory plugin/chan).
// Propose with ProposeRaw; Status has no worlds.
func StartEngine(cfg config.Config, transport string) (*Cluster, error) {
	switch transport {
	case "tcp":
		return start(cfg, Options{}, engineTCP)
	case "chan":
		return start(cfg, Options{}, engineChan)
	}
	return nil, fmt.Errorf("transport %q: want tcp or chan", transport)
}

// engine says what a Cluster's replicas run.
type engine int

const (
	engineGame engine = iota // the game world over our transport
	engineTCP                // a no-op state machine over our transport
	engineChan               // a no-op state machine over plugin/chan
)

// noop is a state machine that does nothing: the engine's own cost.
type noop struct{}

func (noop) Update(e sm.Entry) (sm.Result, error)                                      { return sm.Result{Value: e.Index}, nil }
func (noop) Lookup(any) (any, error)                                                   { return nil, nil }
func (noop) SaveSnapshot(io.Writer, sm.ISnapshotFileCollection, <-chan struct{}) error { return nil }
func (noop) RecoverFromSnapshot(io.Reader, []sm.SnapshotFile, <-chan struct{}) error   { return nil }
func (noop) Close() error                                                              { return nil }

// chanFactory is dragonboat's in-memory transport with an address check
// (the plugin's own Validate panics).
type chanFactory struct {
	chantransport.ChanTransportFactory
}

func (chanFactory) Validate(string) bool { return true }

func (c *Cluster) transportFactory() dbconfig.TransportFactory {
	if c.engine == engineChan {
		return &chanFactory{}
	}
	return c.net.Factory()
}

package chaos

import (
	"cmp"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/raftian/raftian/cluster"
	"github.com/raftian/raftian/node"
	"github.com/raftian/raftian/world"
)

// op is one client operation as the client saw it.
type op struct {
	client    int
	call, ret time.Time
	read      bool
	cmd       world.Command   // attack or new game
	outcome   cluster.Outcome // for a command
	hp        state           // for a read
}

// recorder collects the clients' history and what every replica applied.
type recorder struct {
	mu        sync.Mutex
	ops       []op
	applies   map[int]map[uint64]world.Result // replica → log index → result
	conflicts []string                        // a replica applied two things at one index
	// firstSeen is when a replica first applied each command: whatever
	// its client was told, it had taken effect by then.
	firstSeen map[world.ID]time.Time
	players   int                  // when the run began
	changes   map[change]time.Time // when the nemesis began each membership change
}

// change is a player joining or leaving (a replica added or removed).
type change struct {
	kind   world.Kind
	player int
}

func newRecorder(players int) *recorder {
	return &recorder{applies: map[int]map[uint64]world.Result{}, firstSeen: map[world.ID]time.Time{},
		players: players, changes: map[change]time.Time{}}
}

// changing notes that the nemesis begins a membership change.
func (r *recorder) changing(kind world.Kind, player int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.changes[change{kind, player}]; !ok {
		r.changes[change{kind, player}] = time.Now()
	}
}

// applied is the cluster's OnApply hook: it runs on dragonboat's apply
// path, so it only records.
func (r *recorder) applied(replica int, res world.Result) {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := r.applies[replica]
	if m == nil {
		m = map[uint64]world.Result{}
		r.applies[replica] = m
	}
	if old, ok := m[res.Index]; ok && old != res {
		// A restarted replica applies entries again: they must be the same.
		r.conflicts = append(r.conflicts, fmt.Sprintf("replica %d applied %+v and then %+v at index %d", replica, old, res, res.Index))
	}
	m[res.Index] = res
	if _, ok := r.firstSeen[res.ID]; !ok {
		r.firstSeen[res.ID] = time.Now()
	}
}

func (r *recorder) proposed(client int, call time.Time, o cluster.Outcome) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ops = append(r.ops, op{client: client, call: call, ret: time.Now(), cmd: o.Command, outcome: o})
}

func (r *recorder) read(client int, call, ret time.Time, hp state) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ops = append(r.ops, op{client: client, call: call, ret: ret, read: true, hp: hp})
}

func (r *recorder) counts() (attacks, acked int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, o := range r.ops {
		if !o.read && o.cmd.Kind == world.KindAttack {
			attacks++
			if o.outcome.OK {
				acked++
			}
		}
	}
	return attacks, acked
}

// sequence merges what the replicas applied into one log, by index. It
// fails if two replicas applied different things at one index (State
// Machine Safety).
func (r *recorder) sequence() ([]world.Result, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.conflicts) > 0 {
		return nil, fmt.Errorf("%d conflicts, first: %s", len(r.conflicts), r.conflicts[0])
	}
	merged := map[uint64]world.Result{}
	from := map[uint64]int{}
	for replica, m := range r.applies {
		for idx, res := range m {
			if old, ok := merged[idx]; ok && old != res {
				return nil, fmt.Errorf("at index %d replica %d applied %+v but replica %d applied %+v",
					idx, from[idx], old, replica, res)
			}
			merged[idx], from[idx] = res, replica
		}
	}
	out := make([]world.Result, 0, len(merged))
	for _, res := range merged {
		out = append(out, res)
	}
	slices.SortFunc(out, func(a, b world.Result) int { return cmp.Compare(a.Index, b.Index) })
	return out, nil
}

func (r *recorder) stateMachineSafety() (string, error) {
	seq, err := r.sequence()
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%d log indices agree on every replica that applied them", len(seq)), nil
}

// firstApplied maps each command id to its first application: the entry
// the game's rules judged (a repeat, or a command too old or from a
// forgotten session, was not judged).
func firstApplied(seq []world.Result) map[world.ID]world.Result {
	out := map[world.ID]world.Result{}
	for _, res := range seq {
		if _, ok := out[res.ID]; !ok && judged(res) {
			out[res.ID] = res
		}
	}
	return out
}

func judged(res world.Result) bool {
	return res.Reason != world.ReasonDuplicate && !res.Reason.Failed()
}

// exactlyOnce: no command takes effect twice, every acknowledged command
// took effect, and the client was told what the world did.
func (r *recorder) exactlyOnce() (string, error) {
	seq, err := r.sequence()
	if err != nil {
		return "", err
	}
	times := map[world.ID]int{}
	dups := 0
	for _, res := range seq {
		if !judged(res) {
			dups++
			continue
		}
		times[res.ID]++
		if times[res.ID] > 1 {
			return "", fmt.Errorf("command %v took effect twice (second at index %d)", res.ID, res.Index)
		}
	}
	first := firstApplied(seq)
	failed, failedApplied, repeated := 0, 0, 0
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, o := range r.ops {
		if o.read {
			continue
		}
		// An acknowledged command, repeated or not, must have been judged
		// exactly once and the client told what that judgement was: a
		// "duplicate" whose first attempt never took effect is a lie.
		res, ok := first[o.cmd.ID]
		switch {
		case o.outcome.OK && !ok:
			return "", fmt.Errorf("acknowledged command %v (repeated=%v) never took effect", o.cmd.ID, o.outcome.Repeated)
		case o.outcome.OK && (o.outcome.Reason != res.Reason || (res.Applied() && res.Kind == world.KindAttack && o.outcome.HP != res.HP)):
			return "", fmt.Errorf("command %v: client told %v HP %d (repeated=%v), world did %v HP %d",
				o.cmd.ID, o.outcome.Reason, o.outcome.HP, o.outcome.Repeated, res.Reason, res.HP)
		case o.outcome.OK && o.outcome.Repeated:
			repeated++
		case !o.outcome.OK:
			failed++
			if ok {
				failedApplied++
			}
		}
	}
	return fmt.Sprintf("%d commands applied at most once; %d failed or timed out, %d of them applied later; "+
		"%d repeats and late attempts refused, %d acknowledged with the first attempt's result",
		len(times), failed, failedApplied, dups, repeated), nil
}

// leaderCompleteness: every acknowledged command is in the final log that
// every replica holds, and replaying that log gives their world.
func (r *recorder) leaderCompleteness(c *node.Cluster) (string, error) {
	seq, err := r.sequence()
	if err != nil {
		return "", err
	}
	w := world.New(r.players)
	for _, res := range seq {
		w.Apply(res.Index, res.Command().Encode())
	}
	for _, s := range c.Status() {
		if s.Removed {
			continue // stopped when it was removed
		}
		if s.World.Hash() != w.Hash() {
			return "", fmt.Errorf("replica %d holds world %s; replaying the %d applied entries gives %s",
				s.ID, s.World.Hash(), len(seq), w.Hash())
		}
	}
	first := firstApplied(seq)
	acked := 0
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, o := range r.ops {
		if !o.read && o.outcome.OK {
			acked++
			if _, ok := first[o.cmd.ID]; !ok {
				return "", fmt.Errorf("acknowledged command %v is not in the final log", o.cmd.ID)
			}
		}
	}
	return fmt.Sprintf("all %d acknowledged commands in the final log of every replica", acked), nil
}

package chaos

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/raftian/raftian/world"
)

// The linearizability check, bounded in time and memory. The cluster
// claims one linearization: its log's order (every replica applied the
// commands in it, and a read saw the world at one point of it). That
// claim is checked first, in linear time, against the independent model
// and the clients' real-time order: if it holds, the history is
// linearizable, whatever its size or concurrency. Only if it fails does
// Porcupine search for another linearization, on segments of the history
// cut at quiet points (no operation under way), each from the state the
// segments before it end in: Porcupine's search grows steeply with
// concurrency, and on a whole run with 32-deep pipelines it took every
// byte of memory there was.

// hop is one operation of the history: a command (with the log index of
// its first application) or a read.
type hop struct {
	client    int
	call, ret int64 // ns since the history began
	in        modelInput
	out       modelOutput
	index     uint64 // a command's log index; 0 for a read
}

// checkTimeout bounds Porcupine's search over all segments together.
const checkTimeout = 3 * time.Minute

// linearizable checks the clients' history. A command whose proposal
// failed but that took effect anyway ends when a replica first applied it
// (it took effect at some moment between its call and then); one that
// never took effect is left out, as it changed nothing.
func (r *recorder) linearizable(seed uint64) (string, error) {
	history, open, err := r.history()
	if err != nil {
		return "", err
	}
	init := model(r.players).Init().(state)
	why := logOrderLinearizes(history, init)
	if why == nil {
		return fmt.Sprintf("%d operations, %d of them failed but took effect; the log's order is a linearization", len(history), open), nil
	}
	// The log's order is not one: search for another.
	verdict, err := searchSegments(history, init, seed)
	if err != nil {
		return "", fmt.Errorf("%v (the log's order is not a linearization either: %v)", err, why)
	}
	return fmt.Sprintf("%d operations, %d of them failed but took effect; %s (the log's order is not one: %v)", len(history), open, verdict, why), nil
}

// history is the clients' operations, the nemesis' membership changes
// and the players who joined or left as the cluster reconciled itself.
func (r *recorder) history() (h []hop, open int, err error) {
	seq, err := r.sequence()
	if err != nil {
		return nil, 0, err
	}
	first := firstApplied(seq)
	r.mu.Lock()
	defer r.mu.Unlock()
	var t0 time.Time
	for _, o := range r.ops {
		if t0.IsZero() || o.call.Before(t0) {
			t0 = o.call
		}
	}
	for _, res := range seq {
		if seen := r.firstSeen[res.ID]; t0.IsZero() || seen.Before(t0) {
			t0 = seen
		}
	}
	for _, o := range r.ops {
		p := hop{client: o.client, call: o.call.Sub(t0).Nanoseconds(), ret: o.ret.Sub(t0).Nanoseconds()}
		if o.read {
			p.in, p.out = modelInput{read: true}, modelOutput{read: o.hp}
		} else {
			res, ok := first[o.cmd.ID]
			if !ok {
				continue // never took effect
			}
			if o.client < 0 {
				continue // a burst's self-attack: no change, one answer
			}
			if !o.outcome.OK {
				p.ret = r.firstSeen[o.cmd.ID].Sub(t0).Nanoseconds()
				open++
			}
			p.in, p.out, p.index = modelInput{cmd: o.cmd}, modelOutput{reason: res.Reason, hp: res.HP}, res.Index
		}
		h = append(h, p)
	}
	// A player joining or leaving took effect between the moment the
	// nemesis began the change and the first replica's applying it.
	for _, res := range seq {
		if (res.Kind != world.KindJoin && res.Kind != world.KindLeave) || first[res.ID] != res {
			continue
		}
		seen := r.firstSeen[res.ID]
		call, ok := r.changes[change{res.Kind, res.To}]
		if !ok || call.After(seen) {
			call = seen
		}
		h = append(h, hop{client: 1 << 20, call: call.Sub(t0).Nanoseconds(), ret: seen.Sub(t0).Nanoseconds(),
			in: modelInput{cmd: res.Command()}, out: modelOutput{reason: res.Reason, hp: res.HP}, index: res.Index})
	}
	return h, open, nil
}

// logOrderLinearizes checks that the commands in log order, with each
// read placed at some point of that order, are a linearization: every
// command's answer is the model's, no command comes before one that ended
// before it began, and every read saw the model's state at a point after
// everything that ended before it began and before everything that began
// after it ended. It returns why not, or nil.
func logOrderLinearizes(h []hop, init state) error {
	var cmds, reads []hop
	for _, o := range h {
		if o.in.read {
			reads = append(reads, o)
		} else {
			cmds = append(cmds, o)
		}
	}
	slices.SortFunc(cmds, func(a, b hop) int { return cmp.Compare(a.index, b.index) })
	// The model's state after each prefix of the log: states[k] after k
	// commands.
	states := make([]state, len(cmds)+1)
	states[0] = init
	for k, o := range cmds {
		next, reason, hp := step(states[k], o.in.cmd)
		if reason != o.out.reason || (reason == world.ReasonNone && o.in.cmd.Kind == world.KindAttack && hp != o.out.hp) {
			return fmt.Errorf("at log index %d, %s: the model says %v HP %d", o.index, describe(o), reason, hp)
		}
		states[k+1] = next
	}
	// Real time: no command ends before one earlier in the log begins.
	minRet := int64(1) << 62
	for k := len(cmds) - 1; k >= 0; k-- {
		if minRet < cmds[k].call {
			return fmt.Errorf("log index %d (%s) comes before a command that ended before it began", cmds[k].index, describe(cmds[k]))
		}
		minRet = min(minRet, cmds[k].ret)
	}
	// Where each read may be: after (lo) every command that ended before
	// it began, before (hi) every command that began after it ended.
	byRet := slices.Clone(cmds)
	slices.SortFunc(byRet, func(a, b hop) int { return cmp.Compare(a.ret, b.ret) })
	posOf := map[uint64]int{}
	for k, o := range cmds {
		posOf[o.index] = k + 1
	}
	maxPosByRet := make([]int, len(byRet)) // the latest position among the first k+1 to end
	for k, o := range byRet {
		maxPosByRet[k] = posOf[o.index]
		if k > 0 {
			maxPosByRet[k] = max(maxPosByRet[k], maxPosByRet[k-1])
		}
	}
	byCall := slices.Clone(cmds)
	slices.SortFunc(byCall, func(a, b hop) int { return cmp.Compare(a.call, b.call) })
	minPosByCall := make([]int, len(byCall)+1) // the earliest position among those from k on to begin
	minPosByCall[len(byCall)] = len(cmds) + 1
	for k := len(byCall) - 1; k >= 0; k-- {
		minPosByCall[k] = min(posOf[byCall[k].index], minPosByCall[k+1])
	}
	at := map[state][]int{} // positions of each state, rising
	for k, s := range states {
		at[s] = append(at[s], k)
	}
	slices.SortFunc(reads, func(a, b hop) int { return cmp.Compare(a.call, b.call) })
	byRetRead := make([]int, len(reads)) // reads by when they ended
	for i := range byRetRead {
		byRetRead[i] = i
	}
	slices.SortFunc(byRetRead, func(a, b int) int { return cmp.Compare(reads[a].ret, reads[b].ret) })
	placed := make([]int, len(reads)) // each read's position: it saw states[placed[i]]
	ended, readsBefore := 0, 0
	for i, rd := range reads {
		lo := 0
		if k := sort.Search(len(byRet), func(j int) bool { return byRet[j].ret >= rd.call }); k > 0 {
			lo = maxPosByRet[k-1]
		}
		// A read that ended before this one began saw an earlier point:
		// reads are placed in the order they began, each as early as it
		// can be, which leaves the later ones the most room.
		for ended < len(byRetRead) && reads[byRetRead[ended]].ret < rd.call {
			readsBefore = max(readsBefore, placed[byRetRead[ended]])
			ended++
		}
		lo = max(lo, readsBefore)
		k := sort.Search(len(byCall), func(j int) bool { return byCall[j].call > rd.ret })
		hi := minPosByCall[k] - 1
		ps := at[rd.out.read]
		j := sort.SearchInts(ps, lo)
		if j == len(ps) || ps[j] > hi {
			return fmt.Errorf("a read by client %d saw %v, which the log's order never shows while it ran", rd.client, rd.out.read.hp[:rd.out.read.n])
		}
		placed[i] = ps[j]
	}
	return nil
}

func describe(o hop) string {
	return model(0).DescribeOperation(o.in, o.out)
}

// searchSegments checks the history with Porcupine, segment by segment:
// cut where no operation is under way, so that every operation of a
// segment comes after every one of the segments before it. Each segment
// starts from a state the segments before it can end in (one of their
// linearizations'), so a verdict "linearizable" is sound.
func searchSegments(h []hop, init state, seed uint64) (string, error) {
	segs := segments(h)
	start := init
	deadline := time.Now().Add(checkTimeout)
	for k, seg := range segs {
		m := model(0)
		from := start
		m.Init = func() any { return from }
		ops := make([]porcupine.Operation, len(seg))
		for i, o := range seg {
			ops[i] = porcupine.Operation{ClientId: o.client, Call: o.call, Return: o.ret, Input: o.in, Output: o.out}
		}
		result, info := porcupine.CheckOperationsVerbose(m, ops, time.Until(deadline))
		switch result {
		case porcupine.Unknown:
			return "", fmt.Errorf("the checker gave up after %v at segment %d of %d (%d operations)", checkTimeout, k+1, len(segs), len(seg))
		case porcupine.Illegal:
			path := filepath.Join(os.TempDir(), fmt.Sprintf("raftian-chaos-%d.html", seed))
			if err := porcupine.VisualizePath(m, info, path); err != nil {
				return "", fmt.Errorf("history is not linearizable in segment %d of %d (and the visualisation failed: %v)", k+1, len(segs), err)
			}
			return "", fmt.Errorf("history is not linearizable in segment %d of %d: see %s", k+1, len(segs), path)
		}
		start = endState(m, from, seg, info)
	}
	return fmt.Sprintf("Porcupine found a linearization of each of %d segments", len(segs)), nil
}

// segments cuts the history, ordered by call, where no operation is
// under way.
func segments(h []hop) [][]hop {
	h = slices.Clone(h)
	slices.SortFunc(h, func(a, b hop) int { return cmp.Compare(a.call, b.call) })
	var out [][]hop
	begin := 0
	end := int64(-1 << 62) // the latest return so far
	for i, o := range h {
		if i > begin && o.call > end {
			out = append(out, h[begin:i])
			begin = i
		}
		end = max(end, o.ret)
	}
	if begin < len(h) {
		out = append(out, h[begin:])
	}
	return out
}

// endState is the state a segment's linearization, as Porcupine found
// it, ends in.
func endState(m porcupine.Model, from state, seg []hop, info porcupine.LinearizationInfo) state {
	s := from
	lins := info.PartialLinearizations()
	if len(lins) == 0 || len(lins[0]) == 0 {
		return s
	}
	for _, i := range lins[0][0] {
		_, next := m.Step(s, seg[i].in, seg[i].out)
		s = next.(state)
	}
	return s
}

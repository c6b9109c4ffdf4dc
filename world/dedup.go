package world

// Exactly-once application. A proposal retried after a timeout may commit
// twice; the world must apply it once. Each proposer's recent sequence
// numbers are tracked in a sliding window (as in IPsec's anti-replay
// window): the highest seq seen and a bitmap of the WindowSize seqs below
// it. A seq older than the window is treated as already seen, so a
// proposer must not have more than WindowSize proposals in flight.

// WindowSize is how far behind its highest sequence number a proposer's
// command may commit and still be applied.
const WindowSize = 64

// MaxProposers is how many proposers the world remembers. When a new one
// arrives and the table is full, the one that was applied least recently
// (by log index, so every replica picks the same one) is forgotten.
const MaxProposers = 64

type proposer struct {
	id      uint64
	high    uint64 // highest seq applied
	window  uint64 // bit i set: seq high-1-i was applied
	lastIdx uint64 // log index of the last command from this proposer
}

func (w *World) find(id uint64) int {
	for i := range w.proposers {
		if w.proposers[i].id == id {
			return i
		}
	}
	return -1
}

func (w *World) seen(id ID) bool {
	i := w.find(id.Proposer)
	if i < 0 {
		return false
	}
	p := w.proposers[i]
	switch {
	case id.Seq > p.high:
		return false
	case id.Seq == p.high:
		return true
	case p.high-id.Seq > WindowSize:
		return true
	}
	return p.window&(1<<(p.high-id.Seq-1)) != 0
}

func (w *World) markSeen(id ID, index uint64) {
	i := w.find(id.Proposer)
	if i < 0 {
		i = w.addProposer(id.Proposer)
	}
	p := &w.proposers[i]
	p.lastIdx = index
	if id.Seq > p.high {
		shift := id.Seq - p.high
		switch {
		case shift > WindowSize:
			p.window = 0
		case p.high == 0: // first command from this proposer
			p.window = 0
		default: // the old high becomes bit shift-1
			p.window = p.window<<shift | 1<<(shift-1)
		}
		p.high = id.Seq
		return
	}
	p.window |= 1 << (p.high - id.Seq - 1)
}

// addProposer adds a proposer with nothing seen and returns its slot. The
// table stays sorted by id so that snapshots and hashes are canonical.
func (w *World) addProposer(id uint64) int {
	if len(w.proposers) >= MaxProposers {
		oldest := 0
		for i, p := range w.proposers {
			if p.lastIdx < w.proposers[oldest].lastIdx {
				oldest = i
			}
		}
		w.proposers = append(w.proposers[:oldest], w.proposers[oldest+1:]...)
	}
	at := len(w.proposers)
	for i, p := range w.proposers {
		if p.id > id {
			at = i
			break
		}
	}
	w.proposers = append(w.proposers, proposer{})
	copy(w.proposers[at+1:], w.proposers[at:])
	w.proposers[at] = proposer{id: id}
	return at
}

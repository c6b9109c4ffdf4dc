package record

// Known is what has been seen of one replica: the role, term and leader
// its own messages and dragonboat's reports revealed. The recorder keeps
// one per replica and records a State observation whenever something new
// is revealed, before the message that revealed it: a candidate's term
// has risen before it asks for votes.
type Known struct {
	Role   Role
	Term   uint64
	Leader uint8
	asked  uint64 // replicas asked in the current campaign
}

// Sent returns the State observation a message the replica sends reveals,
// if it reveals anything new. o is the Send; the State is about o.Node.
func (k *Known) Sent(o *Obs) (Obs, bool) {
	switch o.Msg {
	case MsgVote:
		if k.Role == RoleCandidate && k.Term == o.Term && k.asked&(1<<o.Peer) == 0 {
			k.asked |= 1 << o.Peer
			return Obs{}, false
		}
		return k.become(o.Node, RoleCandidate, o.Term, 0, o.Peer)
	case MsgPreVote:
		// A pre-vote asks for the next term; a repeated request to the
		// same replica is a new round.
		if k.Role == RolePreCandidate && k.Term+1 == o.Term && k.asked&(1<<o.Peer) == 0 {
			k.asked |= 1 << o.Peer
			return Obs{}, false
		}
		return k.become(o.Node, RolePreCandidate, max(o.Term, 1)-1, 0, o.Peer)
	case MsgHeartbeat, MsgAppend, MsgSnapshot, MsgTimeoutNow:
		return k.change(o.Node, RoleLeader, o.Term, o.Node)
	case MsgHeartbeatResp, MsgAppendResp:
		return k.change(o.Node, RoleFollower, o.Term, o.Peer)
	case MsgVoteResp:
		if o.Term > k.Term {
			return k.change(o.Node, RoleFollower, o.Term, 0)
		}
	}
	return Obs{}, false
}

// Reported returns the State observation dragonboat's report that replica
// id believes leader leads in term reveals, if any. Reports come late, on
// another goroutine: one older than what is known tells nothing.
func (k *Known) Reported(id, leader uint8, term uint64) (Obs, bool) {
	switch {
	case term < k.Term:
		return Obs{}, false
	case leader == id:
		return k.change(id, RoleLeader, term, id)
	case leader != 0:
		return k.change(id, RoleFollower, term, leader)
	case term > k.Term:
		// A new term and no leader: a follower that heard of the term,
		// or a candidate whose vote requests will say so.
		return k.change(id, RoleFollower, term, 0)
	case k.Role == RoleLeader || (k.Role == RoleFollower && k.Leader != 0):
		return k.change(id, RoleFollower, term, 0) // stepped down, or lost its leader
	}
	return Obs{}, false
}

// Restarted notes that the replica started again, a follower in term.
func (k *Known) Restarted(term uint64) { *k = Known{Role: RoleFollower, Term: term} }

// Crashed notes that the replica is down.
func (k *Known) Crashed() { *k = Known{Role: RoleDown, Term: k.Term} }

// change records a change, if it is one.
func (k *Known) change(id uint8, role Role, term uint64, leader uint8) (Obs, bool) {
	if term < k.Term || (k.Role == role && k.Term == term && k.Leader == leader) {
		return Obs{}, false
	}
	return k.become(id, role, term, leader, 0)
}

// become records the state, and a campaign's first request (to asked).
func (k *Known) become(id uint8, role Role, term uint64, leader, asked uint8) (Obs, bool) {
	if term < k.Term {
		return Obs{}, false
	}
	*k = Known{Role: role, Term: term, Leader: leader}
	if asked != 0 {
		k.asked = 1 << asked
	}
	return Obs{Kind: State, Node: id, Role: role, Term: term, Peer: leader}, true
}

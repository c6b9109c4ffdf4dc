// Package record is what a cluster did, observation by observation: every
// Raft message sent, delivered or lost, every change of a replica's role,
// term and leader that can be known, every entry appended and applied,
// every fault and every proposal, each with its time in microseconds. The
// replay model (package rewind) answers from it what each replica believed
// at any moment; the window draws from that, live or rewound. A record is
// bounded (the last minutes), and is saved to and read from a compressed,
// versioned file (docs/record.md).
package record

import "fmt"

// Kind is what an observation is of.
type Kind uint8

const (
	KindNone Kind = iota
	// Messages: a message's Send and its Deliver (or Drop) share an ID and
	// every field, so a flight is known exactly, delays included.
	Send    // Node sent the message to Peer; Lost: the fault layer dropped it at once
	Deliver // the message reached Peer's Raft
	Drop    // the message was lost on its way (a cut link, a dead peer)
	// What a replica is, as far as it can be known.
	State // Node is Role in Term, believing in Leader (Peer); new campaigns too
	// Its log and its world.
	Append  // Node's log holds Ents (seen in its storage): the entries it appended
	Apply   // Node applied the entry at Index (Data: the command) to its world
	Restore // Node's world was restored from a snapshot at Index (Data: the world)
	Snap    // Node took a snapshot at Index
	Down    // Node crashed (in a class, on the order of seat Peer: the teacher's)
	Up      // Node started: Term, vote (Peer), Commit, its log's last Index and tail (Ents)
	// Faults.
	Isolate   // Node's every link cut
	Rejoin    // Node's links back
	Partition // Data[i] is the group of replica i+1
	Heal      // every isolation, partition and link fault ended
	Link      // the link Node→Peer: Loss (parts per million), Delay (µs) and jitter (µs, in Hint); VotesOnly in Reject
	Slow      // every message delayed by Delay µs (0: slow motion off)
	// Proposals.
	Propose // proposal ID of player Node's attack on Peer (0: a new game) through replica Via
	Outcome // proposal ID ended: at Index, or failed (Data: why)
	// Checkpoint is everything known about Node (0: about the network) at
	// a moment, so that a record whose beginning was dropped can still be
	// replayed from there. Data is the world (or, for 0, the faults).
	Checkpoint
	// Transfer: the leader (Peer) was asked to hand leadership to Node.
	Transfer
	// Member: Node's place in the membership changed; Data says to what
	// (MemberNonVoting, MemberVoter, MemberRemoved).
	Member
	// Voters: the voting members Node itself believes in (it applied the
	// membership change entries up to here); Data holds them, a byte each.
	Voters
	// Timing: Raft's round trip became Delay µs (every Raft timer is a
	// multiple of it); replicas restart in place with it.
	Timing
	// Gap: Index observations of Node's laptop never reached the merged
	// record of a class (a slow link dropped them): a delivery whose
	// send is missing is explained by its sender's gap.
	Gap
	kindCount
)

var kindNames = [...]string{"none", "send", "deliver", "drop", "state", "append", "apply", "restore",
	"snapshot", "down", "up", "isolate", "rejoin", "partition", "heal", "link", "slow", "propose",
	"outcome", "checkpoint", "transfer", "member", "voters", "timing", "gap"}

func (k Kind) String() string {
	if k < kindCount {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", k)
}

// What a Member observation says.
const (
	MemberNonVoting = "non-voting" // added: catching up, not voting yet
	MemberVoter     = "voter"      // promoted: it counts for the quorum
	MemberRemoved   = "removed"    // deleted from the shard for good
	MemberNamed     = "named"      // its player's name became known (a class's seat)
)

// IsMessage reports whether the observation is of a message.
func (k Kind) IsMessage() bool { return k == Send || k == Deliver || k == Drop }

// Obs is one observation. Which fields are set depends on Kind; message
// fields are those of the Raft message.
type Obs struct {
	At   int64  // microseconds since the record began; strictly increasing
	ID   uint64 // message or proposal id
	Kind Kind
	Msg  MsgType
	Node uint8 // the replica it is about; a message's sender
	Peer uint8 // a message's receiver; the leader a replica believes in
	Role Role
	Via  uint8 // Propose: the replica proposed through
	// Lost: a Send the fault layer dropped at once. Reject: a message's
	// reject flag; a Link fault on vote messages only.
	Lost, Reject bool
	Term         uint64
	LogTerm      uint64
	Index        uint64 // a message's LogIndex; an entry's index
	Commit       uint64
	Hint         uint64 // a rejection's hint: the follower's last index
	Delay        int64  // µs: Link, Slow
	Loss         uint32 // parts per million: Link
	Ents         []Ent
	Data         []byte
}

// Size is about how many bytes o takes in memory, for the record's budget.
func (o *Obs) Size() int { return obsSize + len(o.Ents)*entSize + len(o.Data) }

const (
	obsSize = 128
	entSize = 24
)

// Role is what a replica is doing in Raft.
type Role uint8

const (
	RoleDown Role = iota
	RoleFollower
	RolePreCandidate
	RoleCandidate
	RoleLeader
)

var roleNames = [...]string{"down", "follower", "pre-candidate", "candidate", "leader"}

func (r Role) String() string {
	if int(r) < len(roleNames) {
		return roleNames[r]
	}
	return "unknown"
}

// Majority is how many of n voters make a quorum: the one place it is
// worked out.
func Majority(voters int) int { return voters/2 + 1 }

// Campaigning reports whether the role is asking for votes.
func (r Role) Campaigning() bool { return r == RolePreCandidate || r == RoleCandidate }

// Ent is a log entry as the picture needs it: where it is and what it is,
// not its bytes.
type Ent struct {
	Index, Term uint64
	What        What
	From, To    uint8  // an attack's players; a membership change: From 1 add, 2 remove, 3 add non-voting, To the replica
	ID          uint32 // a hash of the command's client and sequence number: a retried proposal has the same
}

func (e Ent) String() string {
	switch e.What {
	case WhatAttack:
		return fmt.Sprintf("%d→%d", e.From, e.To)
	case WhatJoin, WhatLeave:
		return fmt.Sprintf("%v %d", e.What, e.To)
	case WhatMembers:
		if e.From >= 1 && e.From <= 3 && e.To > 0 {
			return fmt.Sprintf("members %s%d%s", [...]string{"+", "−", "+"}[e.From-1], e.To, [...]string{"", "", " non-voting"}[e.From-1])
		}
	}
	return e.What.String()
}

// What an entry is.
type What uint8

const (
	WhatNoop    What = iota // a new leader's first, empty entry
	WhatAttack              // a player attacks another
	WhatNewGame             // every city rebuilt
	WhatMembers             // a membership change
	WhatGarbage             // does not decode
	WhatJoin                // player To joins the game
	WhatLeave               // player To leaves it
	whatCount
)

var whatNames = [...]string{"no-op", "attack", "new game", "members", "garbage", "join", "leave"}

func (w What) String() string {
	if int(w) < len(whatNames) {
		return whatNames[w]
	}
	return "garbage"
}

// Net is the network's faults at a moment: what a Checkpoint of the
// network holds, and what the replay model keeps.
type Net struct {
	Isolated []bool // [i-1]: replica i is cut off
	Group    []int  // [i-1]: replica i's partition group; all equal without a partition
	Links    []LinkFault
	Slow     int64 // µs added to every message: slow motion
	RTT      int64 // µs: Raft's round trip, when it changed since the header's (0: the header's)
}

// LinkFault is a lossy or slow one-way link.
type LinkFault struct {
	From, To  int
	Loss      uint32 // parts per million
	Delay     int64  // µs
	Jitter    int64  // µs: up to this much more, drawn per message batch
	VotesOnly bool
}

package record

// MsgType is a Raft message's type, in the words of the Raft paper.
type MsgType uint8

const (
	MsgOther         MsgType = iota // a message a class need not see
	MsgHeartbeat                    // a leader's heartbeat
	MsgHeartbeatResp                // a follower's answer to it
	MsgAppend                       // AppendEntries (dragonboat's Replicate)
	MsgAppendResp                   // its answer: the follower's last index, or a rejection
	MsgVote                         // RequestVote
	MsgVoteResp                     // a vote granted or refused
	MsgPreVote                      // PreVote: could I win?
	MsgPreVoteResp                  // its answer
	MsgSnapshot                     // InstallSnapshot (one chunk)
	MsgTimeoutNow                   // a leader telling its successor to stand at once
	MsgPropose                      // a proposal a follower forwards to the leader
	msgTypeCount
)

var msgNames = [...]string{"other", "heartbeat", "heartbeat reply", "append", "append reply",
	"vote request", "vote", "pre-vote request", "pre-vote", "snapshot", "timeout-now", "forwarded proposal"}

func (m MsgType) String() string {
	if m < msgTypeCount {
		return msgNames[m]
	}
	return "other"
}

// Reply reports whether the message answers a request.
func (m MsgType) Reply() bool {
	return m == MsgHeartbeatResp || m == MsgAppendResp || m == MsgVoteResp || m == MsgPreVoteResp
}

// Request returns the request type of a reply, or m itself: a message and
// its answer are drawn alike.
func (m MsgType) Request() MsgType {
	if m.Reply() {
		return m - 1
	}
	return m
}

// Family is the short name of a request and its reply: "heartbeat",
// "append", "vote", "pre-vote", "snapshot", "timeout-now", "proposal".
func (m MsgType) Family() string {
	switch m.Request() {
	case MsgHeartbeat:
		return "heartbeat"
	case MsgAppend:
		return "append"
	case MsgVote:
		return "vote"
	case MsgPreVote:
		return "pre-vote"
	case MsgSnapshot:
		return "snapshot"
	case MsgTimeoutNow:
		return "timeout-now"
	case MsgPropose:
		return "proposal"
	}
	return "other"
}

// Families are the message families the window draws, in the legend's order.
var Families = []MsgType{MsgHeartbeat, MsgAppend, MsgVote, MsgPreVote, MsgSnapshot, MsgTimeoutNow}

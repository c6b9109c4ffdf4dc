package wire

import (
	pb "github.com/lni/dragonboat/v4/raftpb"

	"github.com/raftian/raftian/record"
	"github.com/raftian/raftian/world"
)

// What the record keeps of the engine's messages and entries: the
// conversion from dragonboat's types, so that no engine type leaves node.

// observed is a batch's messages as the record keeps them (the recorder
// sets their kind, sender and receiver). It runs on the send path: one
// allocation for the observations, one for all their entries.
func observed(msgs []pb.Message) []record.Obs {
	n := 0
	for _, m := range msgs {
		n += len(m.Entries)
	}
	out := make([]record.Obs, len(msgs))
	ents := make([]record.Ent, 0, n)
	for i, m := range msgs {
		out[i] = record.Obs{Msg: msgType(m.Type), Term: m.Term, LogTerm: m.LogTerm, Index: m.LogIndex,
			Commit: m.Commit, Reject: m.Reject, Hint: m.Hint}
		if len(m.Entries) > 0 {
			start := len(ents)
			for _, e := range m.Entries {
				ents = append(ents, Ent(e))
			}
			out[i].Ents = ents[start:len(ents):len(ents)]
		}
	}
	return out
}

func msgType(t pb.MessageType) record.MsgType {
	switch t {
	case pb.Heartbeat:
		return record.MsgHeartbeat
	case pb.HeartbeatResp:
		return record.MsgHeartbeatResp
	case pb.Replicate:
		return record.MsgAppend
	case pb.ReplicateResp:
		return record.MsgAppendResp
	case pb.RequestVote:
		return record.MsgVote
	case pb.RequestVoteResp:
		return record.MsgVoteResp
	case pb.RequestPreVote:
		return record.MsgPreVote
	case pb.RequestPreVoteResp:
		return record.MsgPreVoteResp
	case pb.InstallSnapshot:
		return record.MsgSnapshot
	case pb.TimeoutNow:
		return record.MsgTimeoutNow
	case pb.Propose:
		return record.MsgPropose
	}
	return record.MsgOther
}

// Ent is a log entry as the record keeps it: what it is, not its bytes.
func Ent(e pb.Entry) record.Ent {
	d := record.Ent{Index: e.Index, Term: e.Term}
	switch {
	case e.Type == pb.ConfigChangeEntry:
		d.What = record.WhatMembers
		var cc pb.ConfigChange
		if cc.Unmarshal(e.Cmd) == nil && cc.ReplicaID <= 255 && cc.Type <= pb.AddNonVoting {
			d.From, d.To = uint8(cc.Type)+1, uint8(cc.ReplicaID) // see record.Ent
		}
	case len(e.Cmd) == 0:
		d.What = record.WhatNoop
	default:
		cmd, err := world.Decode(Payload(e))
		switch {
		case err != nil:
			d.What = record.WhatGarbage
		case cmd.Kind == world.KindNewGame:
			d.What = record.WhatNewGame
		case cmd.Kind == world.KindJoin:
			d.What, d.To = record.WhatJoin, uint8(cmd.To)
		case cmd.Kind == world.KindLeave:
			d.What, d.To = record.WhatLeave, uint8(cmd.To)
		default:
			d.What, d.From, d.To = record.WhatAttack, uint8(cmd.From), uint8(cmd.To)
		}
		if err == nil {
			d.ID = commandHash(cmd.ID)
		}
	}
	return d
}

// commandHash is a command's id in 32 bits, never 0 (no id): the same
// for every attempt of one command, and (but for 1 in 2^32) different
// for any two commands.
func commandHash(id world.ID) uint32 {
	x := id.Client ^ id.Seq*0x9e3779b97f4a7c15 // splitmix64's finaliser
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	x ^= x >> 31
	return max(uint32(x), 1)
}

// Payload strips dragonboat's one-byte header from an uncompressed encoded
// entry (version 0, no compression, no session: the header is 0), which is
// what this program proposes.
func Payload(e pb.Entry) []byte {
	if e.Type == pb.EncodedEntry {
		if len(e.Cmd) == 0 || e.Cmd[0] != 0 {
			return nil // compressed: never written by raftian
		}
		return e.Cmd[1:]
	}
	return e.Cmd
}

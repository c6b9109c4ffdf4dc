package world

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Version is the encoding version written as the first byte of every
// command. A replica that meets another version records the entry as
// rejected instead of guessing at its meaning. Version 2 added the client's
// lowest outstanding sequence number (client sessions).
const Version = 2

// commandSize is the size of an encoded command:
// version, kind, client, seq, lowest, from, to.
const commandSize = 1 + 1 + 8 + 8 + 8 + 1 + 1

// Kind says what a command does.
type Kind uint8

const (
	// KindAttack: player From attacks player To's city.
	KindAttack Kind = 1
	// KindNewGame: every city is rebuilt at full health.
	KindNewGame Kind = 2
	// KindJoin: player To joins the game with a new city (a replica was
	// added to the cluster). To must be the next player number.
	KindJoin Kind = 3
	// KindLeave: player To leaves the game (its replica was removed); its
	// city stays as ruins, so that player numbers and past attacks keep
	// their meaning.
	KindLeave Kind = 4
)

func (k Kind) String() string {
	switch k {
	case KindAttack:
		return "attack"
	case KindNewGame:
		return "new game"
	case KindJoin:
		return "join"
	case KindLeave:
		return "leave"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// ID names a command uniquely: the client that made it and its sequence
// number there, counted from 1. A proposal retried after a timeout keeps
// its ID, so the world applies it at most once.
type ID struct {
	Client uint64
	Seq    uint64
}

func (id ID) String() string { return fmt.Sprintf("%x/%d", id.Client, id.Seq) }

// Command is one entry of the game's log.
type Command struct {
	ID   ID
	Kind Kind
	From int // attacking player, 1-based
	To   int // attacked player, 1-based
	// Lowest is the lowest sequence number the client is still waiting
	// on when it sends the command (at most ID.Seq): the client has seen
	// the answers to every command below it, so the world may forget
	// them. The client sets it; zero is encoded as ID.Seq.
	Lowest uint64
}

// Attack returns the command for player from attacking player to.
func Attack(id ID, from, to int) Command {
	return Command{ID: id, Kind: KindAttack, From: from, To: to}
}

// NewGame returns the command that rebuilds every city.
func NewGame(id ID) Command { return Command{ID: id, Kind: KindNewGame} }

// Join returns the command by which player p joins the game.
func Join(id ID, p int) Command { return Command{ID: id, Kind: KindJoin, To: p} }

// Leave returns the command by which player p leaves the game.
func Leave(id ID, p int) Command { return Command{ID: id, Kind: KindLeave, To: p} }

// Encode returns the command's wire form. Player numbers outside 0..255
// cannot be encoded and are clamped to 0, which Apply rejects.
func (c Command) Encode() []byte {
	lowest := c.Lowest
	if lowest == 0 {
		lowest = c.ID.Seq
	}
	b := make([]byte, commandSize)
	b[0] = Version
	b[1] = byte(c.Kind)
	binary.BigEndian.PutUint64(b[2:], c.ID.Client)
	binary.BigEndian.PutUint64(b[10:], c.ID.Seq)
	binary.BigEndian.PutUint64(b[18:], lowest)
	b[26] = playerByte(c.From)
	b[27] = playerByte(c.To)
	return b
}

func playerByte(p int) byte {
	if p < 0 || p > 255 {
		return 0
	}
	return byte(p)
}

// Errors returned by Decode.
var (
	ErrEmpty          = errors.New("empty entry")
	ErrVersion        = errors.New("unknown command version")
	ErrMalformed      = errors.New("malformed command")
	ErrUnknownCommand = errors.New("unknown command kind")
)

// Decode parses an encoded command. It never panics, whatever the input.
func Decode(b []byte) (Command, error) {
	if len(b) == 0 {
		return Command{}, ErrEmpty
	}
	if b[0] != Version {
		return Command{}, fmt.Errorf("%w %d", ErrVersion, b[0])
	}
	if len(b) != commandSize {
		return Command{}, fmt.Errorf("%w: %d bytes, want %d", ErrMalformed, len(b), commandSize)
	}
	c := Command{
		Kind: Kind(b[1]),
		ID: ID{
			Client: binary.BigEndian.Uint64(b[2:]),
			Seq:    binary.BigEndian.Uint64(b[10:]),
		},
		Lowest: binary.BigEndian.Uint64(b[18:]),
		From:   int(b[26]),
		To:     int(b[27]),
	}
	if c.ID.Seq == 0 {
		return Command{}, fmt.Errorf("%w: sequence 0", ErrMalformed)
	}
	if c.Lowest == 0 || c.Lowest > c.ID.Seq {
		return Command{}, fmt.Errorf("%w: lowest outstanding %d for sequence %d", ErrMalformed, c.Lowest, c.ID.Seq)
	}
	if c.Kind < KindAttack || c.Kind > KindLeave {
		return Command{}, fmt.Errorf("%w %d", ErrUnknownCommand, b[1])
	}
	return c, nil
}

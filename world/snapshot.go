package world

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
)

// snapshotVersion is the first byte of a saved World.
const snapshotVersion = 1

// Save writes the whole world in a canonical binary form: two worlds with
// the same state write the same bytes.
func (w *World) Save(out io.Writer) error {
	_, err := out.Write(w.encode())
	return err
}

func (w *World) encode() []byte {
	b := make([]byte, 0, 64+len(w.proposers)*32+RecentSize*40)
	b = append(b, snapshotVersion, byte(len(w.hp)))
	for _, hp := range w.hp {
		b = binary.BigEndian.AppendUint32(b, uint32(hp))
	}
	b = binary.BigEndian.AppendUint64(b, w.applied)
	b = append(b, byte(len(w.proposers)))
	for _, p := range w.proposers {
		b = binary.BigEndian.AppendUint64(b, p.id)
		b = binary.BigEndian.AppendUint64(b, p.high)
		b = binary.BigEndian.AppendUint64(b, p.window)
		b = binary.BigEndian.AppendUint64(b, p.lastIdx)
	}
	recent := w.Recent()
	b = append(b, byte(len(recent)))
	for _, r := range recent {
		b = binary.BigEndian.AppendUint64(b, r.Index)
		b = binary.BigEndian.AppendUint64(b, r.ID.Proposer)
		b = binary.BigEndian.AppendUint64(b, r.ID.Seq)
		b = append(b, byte(r.Kind), playerByte(r.From), playerByte(r.To), byte(r.Reason))
		b = binary.BigEndian.AppendUint32(b, uint32(r.HP))
	}
	return b
}

// ErrCorruptSnapshot is returned by Restore for input that Save did not write.
var ErrCorruptSnapshot = errors.New("corrupt world snapshot")

// Restore replaces the world with one read from in. On error the world is
// left unchanged.
func (w *World) Restore(in io.Reader) error {
	data, err := io.ReadAll(io.LimitReader(in, 1<<20))
	if err != nil {
		return err
	}
	r := reader{b: data}
	if v := r.byte(); v != snapshotVersion {
		return fmt.Errorf("%w: version %d", ErrCorruptSnapshot, v)
	}
	n := int(r.byte())
	if n < 1 || n > MaxPlayers {
		return fmt.Errorf("%w: %d players", ErrCorruptSnapshot, n)
	}
	next := World{hp: make([]int, n)}
	for i := range next.hp {
		next.hp[i] = int(int32(r.uint32()))
		if next.hp[i] < 0 || next.hp[i] > StartHP {
			return fmt.Errorf("%w: hp %d", ErrCorruptSnapshot, next.hp[i])
		}
	}
	next.applied = r.uint64()
	np := int(r.byte())
	if np > MaxProposers {
		return fmt.Errorf("%w: %d proposers", ErrCorruptSnapshot, np)
	}
	for i := 0; i < np; i++ {
		p := proposer{id: r.uint64(), high: r.uint64(), window: r.uint64(), lastIdx: r.uint64()}
		if i > 0 && p.id <= next.proposers[i-1].id {
			return fmt.Errorf("%w: proposers out of order", ErrCorruptSnapshot)
		}
		next.proposers = append(next.proposers, p)
	}
	nr := int(r.byte())
	if nr > RecentSize {
		return fmt.Errorf("%w: %d recent results", ErrCorruptSnapshot, nr)
	}
	for i := 0; i < nr; i++ {
		res := Result{Index: r.uint64(), ID: ID{Proposer: r.uint64(), Seq: r.uint64()}}
		res.Kind, res.From, res.To, res.Reason = Kind(r.byte()), int(r.byte()), int(r.byte()), Reason(r.byte())
		res.HP = int(int32(r.uint32()))
		if res.Reason >= reasonCount {
			return fmt.Errorf("%w: reason %d", ErrCorruptSnapshot, res.Reason)
		}
		next.remember(res)
	}
	if r.short {
		return fmt.Errorf("%w: truncated", ErrCorruptSnapshot)
	}
	if len(r.b) != 0 {
		return fmt.Errorf("%w: %d trailing bytes", ErrCorruptSnapshot, len(r.b))
	}
	*w = next
	return nil
}

// Hash returns a short digest of the whole state. Replicas that applied the
// same entries have the same hash.
func (w *World) Hash() string {
	sum := sha256.Sum256(w.encode())
	return hex.EncodeToString(sum[:8])
}

// reader decodes big-endian fields and remembers whether it ran short, so
// that Restore checks once at the end instead of after every field.
type reader struct {
	b     []byte
	short bool
}

func (r *reader) take(n int) []byte {
	if len(r.b) < n {
		r.short = true
		r.b = nil
		return make([]byte, n)
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *reader) byte() byte     { return r.take(1)[0] }
func (r *reader) uint32() uint32 { return binary.BigEndian.Uint32(r.take(4)) }
func (r *reader) uint64() uint64 { return binary.BigEndian.Uint64(r.take(8)) }

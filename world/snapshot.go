package world

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
)

// snapshotVersion is the first byte of a saved World. Version 2 holds
// client sessions instead of version 1's sliding windows.
const snapshotVersion = 2

// leftHP is how a snapshot writes the city of a player who left: version
// 2 snapshots written before players could leave never hold it.
const leftHP = -1

// ErrOldSnapshot is returned by Restore for a world saved by an older
// raftian, which this one cannot read.
var ErrOldSnapshot = errors.New("world snapshot made by an older raftian")

// Save writes the whole world in a canonical binary form: two worlds with
// the same state write the same bytes.
func (w *World) Save(out io.Writer) error {
	_, err := out.Write(w.encode())
	return err
}

func (w *World) encode() []byte {
	b := make([]byte, 0, 64+len(w.sessions)*40+len(w.expired)*8+RecentSize*40)
	b = append(b, snapshotVersion, byte(len(w.hp)))
	for i, hp := range w.hp {
		if w.Left(i + 1) {
			hp = leftHP
		}
		b = binary.BigEndian.AppendUint32(b, uint32(hp))
	}
	b = binary.BigEndian.AppendUint64(b, w.applied)
	b = binary.BigEndian.AppendUint16(b, uint16(len(w.sessions)))
	for _, s := range w.sessions {
		b = binary.BigEndian.AppendUint64(b, s.client)
		b = binary.BigEndian.AppendUint64(b, s.lowest)
		b = binary.BigEndian.AppendUint64(b, s.lastIdx)
		b = binary.BigEndian.AppendUint16(b, uint16(len(s.results)))
		for _, r := range s.results {
			b = binary.BigEndian.AppendUint16(b, uint16(r.seq-s.lowest)) // < MaxInFlight
			b = append(b, byte(r.reason), r.hp)
		}
	}
	b = binary.BigEndian.AppendUint16(b, uint16(len(w.expired)))
	for _, id := range w.expired {
		b = binary.BigEndian.AppendUint64(b, id)
	}
	recent := w.Recent()
	b = append(b, byte(len(recent)))
	for _, r := range recent {
		b = binary.BigEndian.AppendUint64(b, r.Index)
		b = binary.BigEndian.AppendUint64(b, r.ID.Client)
		b = binary.BigEndian.AppendUint64(b, r.ID.Seq)
		b = binary.BigEndian.AppendUint64(b, r.Lowest)
		b = append(b, byte(r.Kind), playerByte(r.From), playerByte(r.To), byte(r.Reason), byte(r.Original))
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
	switch v := r.byte(); {
	case v == 1:
		return ErrOldSnapshot
	case v != snapshotVersion:
		return fmt.Errorf("%w: version %d", ErrCorruptSnapshot, v)
	}
	n := int(r.byte())
	if n < 1 || n > MaxPlayers {
		return fmt.Errorf("%w: %d players", ErrCorruptSnapshot, n)
	}
	next := World{hp: make([]int, n)}
	for i := range next.hp {
		hp := int(int32(r.uint32()))
		switch {
		case hp == leftHP:
			hp, next.left = 0, next.left|1<<i
		case hp < 0 || hp > StartHP:
			return fmt.Errorf("%w: hp %d", ErrCorruptSnapshot, hp)
		}
		next.hp[i] = hp
	}
	next.applied = r.uint64()
	if err := next.restoreSessions(&r); err != nil {
		return err
	}
	nr := int(r.byte())
	if nr > RecentSize {
		return fmt.Errorf("%w: %d recent results", ErrCorruptSnapshot, nr)
	}
	for i := 0; i < nr; i++ {
		res := Result{Index: r.uint64(), ID: ID{Client: r.uint64(), Seq: r.uint64()}, Lowest: r.uint64()}
		res.Kind, res.From, res.To, res.Reason = Kind(r.byte()), int(r.byte()), int(r.byte()), Reason(r.byte())
		res.Original = Reason(r.byte())
		res.HP = int(int32(r.uint32()))
		if res.Reason >= reasonCount || res.Original >= reasonCount {
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

// restoreSessions reads the session table and the expired clients,
// checking every bound Apply keeps.
func (w *World) restoreSessions(r *reader) error {
	ns := int(r.uint16())
	if ns > MaxSessions {
		return fmt.Errorf("%w: %d sessions", ErrCorruptSnapshot, ns)
	}
	for i := 0; i < ns && !r.short; i++ {
		s := session{client: r.uint64(), lowest: r.uint64(), lastIdx: r.uint64()}
		if s.lowest == 0 || (i > 0 && s.client <= w.sessions[i-1].client) {
			return fmt.Errorf("%w: bad session table", ErrCorruptSnapshot)
		}
		nr := int(r.uint16())
		if nr > MaxInFlight {
			return fmt.Errorf("%w: %d results in a session", ErrCorruptSnapshot, nr)
		}
		for j := 0; j < nr && !r.short; j++ {
			c := cached{seq: s.lowest + uint64(r.uint16()), reason: Reason(r.byte()), hp: r.byte()}
			if c.seq >= s.lowest+MaxInFlight || c.reason >= reasonCount || c.hp > StartHP ||
				(j > 0 && c.seq <= s.results[j-1].seq) {
				return fmt.Errorf("%w: bad session result", ErrCorruptSnapshot)
			}
			s.results = append(s.results, c)
		}
		w.sessions = append(w.sessions, s)
	}
	ne := int(r.uint16())
	if ne > MaxExpired {
		return fmt.Errorf("%w: %d expired clients", ErrCorruptSnapshot, ne)
	}
	for i := 0; i < ne && !r.short; i++ {
		w.expired = append(w.expired, r.uint64())
	}
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
func (r *reader) uint16() uint16 { return binary.BigEndian.Uint16(r.take(2)) }
func (r *reader) uint32() uint32 { return binary.BigEndian.Uint32(r.take(4)) }
func (r *reader) uint64() uint64 { return binary.BigEndian.Uint64(r.take(8)) }

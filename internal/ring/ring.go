// Package ring is a bounded buffer that overwrites its oldest item, for
// logs that writers must never wait on (the message tap, the events).
package ring

// Ring is a bounded buffer that overwrites its oldest item when full; the
// items are numbered from 1 so that a reader can ask for what is new since
// the last number it saw. It is not safe for concurrent use: its owner
// holds a lock.
type Ring[T any] struct {
	items []T
	next  uint64 // number of the next item
}

// New returns an empty ring of size items.
func New[T any](size int) Ring[T] { return Ring[T]{items: make([]T, size), next: 1} }

// Add stores v and returns its number.
func (r *Ring[T]) Add(v T) uint64 {
	seq := r.next
	r.items[seq%uint64(len(r.items))] = v
	r.next++
	return seq
}

// Since appends the items after number seq that are still held to out,
// and returns it with the number of the last item.
func (r *Ring[T]) Since(seq uint64, out []T) ([]T, uint64) {
	size := uint64(len(r.items))
	first := seq + 1
	if r.next > size && first < r.next-size {
		first = r.next - size
	}
	for s := first; s < r.next; s++ {
		out = append(out, r.items[s%size])
	}
	return out, r.next - 1
}

// Next is the number the next item will get.
func (r *Ring[T]) Next() uint64 { return r.next }

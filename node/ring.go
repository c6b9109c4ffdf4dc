package node

// ring is a bounded buffer that overwrites its oldest item when full; the
// items are numbered from 1 so that a reader can ask for what is new since
// the last number it saw. It is not safe for concurrent use: its owner
// holds a lock.
type ring[T any] struct {
	items []T
	next  uint64 // number of the next item
}

func newRing[T any](size int) ring[T] { return ring[T]{items: make([]T, size), next: 1} }

// add stores v and returns its number.
func (r *ring[T]) add(v T) uint64 {
	seq := r.next
	r.items[seq%uint64(len(r.items))] = v
	r.next++
	return seq
}

// since appends the items after number seq that are still held to out,
// and returns it with the number of the last item.
func (r *ring[T]) since(seq uint64, out []T) ([]T, uint64) {
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

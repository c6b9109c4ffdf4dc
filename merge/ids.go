package merge

// key is a message or proposal as its seat numbered it: ids are made per
// process, so two seats' can be equal.
type key struct {
	seat int
	id   uint64
}

// ids gives seats' messages (or proposals) one id across the class and
// remembers when each was sent. It forgets what was sent long ago (two
// generations of forget µs each): a delivery comes within seconds of its
// send, and a class runs for hours.
type ids struct {
	next     uint64
	cur, old map[key]sent
	since    int64 // when cur began
}

type sent struct {
	id uint64 // 0 while waiting: seen on its seat's stream, not written yet
	at int64
}

// forget is how long, in µs, a generation lasts.
const forget = 30_000_000

func newIDs() ids { return ids{cur: map[key]sent{}, old: map[key]sent{}} }

// What is known of a message.
const (
	unknown = iota // never seen (yet)
	waiting        // its send is on its way through the merge
	known          // its send is written
)

// expect notes that k's send, at at, waits to be written.
func (m *ids) expect(k key, at int64) { m.cur[k] = sent{at: at} }

// sent gives k its id as its send is written at at.
func (m *ids) sent(k key, at int64) uint64 {
	m.next++
	delete(m.old, k)
	m.cur[k] = sent{id: m.next, at: at}
	return m.next
}

// orphan is a new id for what has no send.
func (m *ids) orphan() uint64 {
	m.next++
	return m.next
}

// find returns k's id and when it was sent (or is expected to be sent).
func (m *ids) find(k key) (id uint64, at int64, state int) {
	s, ok := m.cur[k]
	if !ok {
		s, ok = m.old[k]
	}
	switch {
	case !ok:
		return 0, 0, unknown
	case s.id == 0:
		return 0, s.at, waiting
	}
	return s.id, s.at, known
}

// age starts a new generation once the current one is forget old.
func (m *ids) age(now int64) {
	if now-m.since < forget {
		return
	}
	m.old, m.cur, m.since = m.cur, map[key]sent{}, now
}

package rewind

import (
	"sort"

	"github.com/raftian/raftian/record"
)

// A message's flight runs from its Send to its Deliver or Drop, known
// exactly from the record. One still going at the record's end is drawn
// by the delay its link had when it left.

// Flight is one message on its way, or lately arrived or lost.
type Flight struct {
	Seq      uint64 // its Send's number in the record
	ID       uint64
	From, To int
	Msg      record.MsgType
	Reject   bool
	Sent     int64
	End      int64 // when it arrived or was lost; -1 if neither yet
	Expect   int64 // when it should arrive, by its link's delay then
	Lost     bool
}

// Progress is how far along its way the flight is at t, 0 to 1.
func (f *Flight) Progress(t int64) float64 {
	end := f.End
	if end < 0 {
		end = f.Expect
	}
	if end <= f.Sent {
		if t >= f.Sent && f.End >= 0 {
			return 1
		}
		return 0
	}
	return min(max(float64(t-f.Sent)/float64(end-f.Sent), 0), 1)
}

// Over reports whether the flight had ended by t.
func (f *Flight) Over(t int64) bool { return f.End >= 0 && f.End <= t }

type flights struct {
	all  []Flight            // by ID, which is also the order they were sent in
	open map[uint64]struct{} // IDs of flights not yet ended
	long []uint64            // IDs of flights that took (or may take) longer than shortFlight
}

// shortFlight is how long most messages take at most: scanning back this
// far from a moment finds them; longer ones are listed apart.
const shortFlight = 2_000_000 // µs

func (fs *flights) sent(seq uint64, o *record.Obs, net *record.Net) {
	f := Flight{Seq: seq, ID: o.ID, From: int(o.Node), To: int(o.Peer), Msg: o.Msg, Reject: o.Reject,
		Sent: o.At, End: -1, Expect: o.At + linkDelay(net, int(o.Node), int(o.Peer), o.Msg)}
	if o.Lost {
		f.End, f.Lost = o.At, true
	}
	if n := len(fs.all); n > 0 && fs.all[n-1].ID >= f.ID {
		return // ids rise with every message sent; anything else is not a new message
	}
	fs.all = append(fs.all, f)
	if f.End < 0 {
		fs.open[f.ID] = struct{}{}
	}
	if f.Expect-f.Sent > shortFlight/2 {
		fs.long = append(fs.long, f.ID)
	}
}

// linkDelay is the delay a message from a to b meets on its way.
func linkDelay(net *record.Net, a, b int, m record.MsgType) int64 {
	d := net.Slow
	for _, l := range net.Links {
		if l.From == a && l.To == b && (!l.VotesOnly || m.Request() == record.MsgVote || m.Request() == record.MsgPreVote) {
			d += l.Delay + l.Jitter/2 // jitter is uniform: half of it on average
		}
	}
	return d
}

func (fs *flights) find(id uint64) *Flight {
	k := sort.Search(len(fs.all), func(i int) bool { return fs.all[i].ID >= id })
	if k < len(fs.all) && fs.all[k].ID == id {
		return &fs.all[k]
	}
	return nil
}

// ended marks a flight as over at t.
func (fs *flights) ended(id uint64, t int64, lost bool) {
	f := fs.find(id)
	if f == nil || f.End >= 0 {
		return
	}
	f.End, f.Lost = t, lost
	delete(fs.open, id)
	if f.End-f.Sent > shortFlight/2 && f.Expect-f.Sent <= shortFlight/2 {
		fs.long = append(fs.long, f.ID)
	}
}

// down ends every flight to or from replica i: it crashed.
func (fs *flights) down(i int, t int64) {
	for id := range fs.open {
		if f := fs.find(id); f != nil && (f.To == i || f.From == i) {
			f.End, f.Lost = t, true
			delete(fs.open, id)
		}
	}
}

// drop forgets the flights sent before seq (the record dropped them).
func (fs *flights) drop(seq uint64) {
	k := sort.Search(len(fs.all), func(i int) bool { return fs.all[i].Seq >= seq })
	if k == 0 {
		return
	}
	for _, f := range fs.all[:k] {
		delete(fs.open, f.ID)
	}
	fs.all = append(fs.all[:0], fs.all[k:]...)
	first := uint64(0)
	if len(fs.all) > 0 {
		first = fs.all[0].ID
	}
	n := 0
	for _, id := range fs.long {
		if id >= first && len(fs.all) > 0 {
			fs.long[n] = id
			n++
		}
	}
	fs.long = fs.long[:n]
}

// at appends to out the flights on their way at t, and those that ended
// within trail before it.
func (fs *flights) at(t, trail int64, out []Flight) []Flight {
	live := func(f *Flight) bool {
		if f.End < 0 { // a message never heard of again is not drawn for ever
			return f.Sent <= t && t <= f.Expect+shortFlight
		}
		return f.Sent <= t && f.End > t-trail
	}
	k := sort.Search(len(fs.all), func(i int) bool { return fs.all[i].Sent > t })
	from := t - shortFlight - trail
	start := k
	for start > 0 && fs.all[start-1].Sent >= from {
		start--
	}
	for i := start; i < k; i++ {
		if f := &fs.all[i]; live(f) {
			out = append(out, *f)
		}
	}
	for _, id := range fs.long {
		if f := fs.find(id); f != nil && f.Sent < from && live(f) {
			out = append(out, *f)
		}
	}
	return out
}

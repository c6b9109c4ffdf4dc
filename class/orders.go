package class

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/raftian/raftian/command"
)

// The teacher's faults across laptops travel on each seat's stream (the
// seat's own mutual-TLS connection to the class port, on which it proved
// the teacher is seat 1): {"op":"order","id":K,"cmd":"crash 3"}, answered
// {"op":"done","id":K,"said":…} or with "error". A seat takes orders on no
// other connection, so only the teacher's certificate gives them.

// orderWithin bounds how long the teacher waits for a seat to carry an
// order out: a transfer waits for the new leader (a few election timeouts).
const orderWithin = 15 * time.Second

// seatLink is the teacher's end of a seat's stream.
type seatLink struct {
	mu      sync.Mutex // one writer at a time: clock readings and orders
	l       *lines
	pending map[uint64]chan message // orders sent, by id, until done
	next    uint64
}

func (sl *seatLink) write(m message) error {
	sl.mu.Lock()
	defer sl.mu.Unlock()
	return sl.l.write(m)
}

// done hands a seat's answer to the order waiting for it.
func (sl *seatLink) done(m message) {
	sl.mu.Lock()
	ch := sl.pending[m.ID]
	delete(sl.pending, m.ID)
	sl.mu.Unlock()
	if ch != nil {
		ch <- m
	}
}

// end answers every order still waiting: the stream ended first.
func (sl *seatLink) end() {
	sl.mu.Lock()
	defer sl.mu.Unlock()
	for id, ch := range sl.pending {
		ch <- message{Error: "its connection closed before it answered"}
		delete(sl.pending, id)
	}
}

// order sends cmd and waits for the seat's answer.
func (sl *seatLink) order(cmd command.Command, netSet int64) (string, error) {
	ch := make(chan message, 1)
	sl.mu.Lock()
	sl.next++
	id := sl.next
	if sl.pending == nil {
		sl.pending = map[uint64]chan message{}
	}
	sl.pending[id] = ch
	err := sl.l.write(message{Op: "order", ID: id, Cmd: cmd.String(), NetSet: netSet})
	sl.mu.Unlock()
	if err != nil {
		return "", err
	}
	select {
	case m := <-ch:
		if m.Error != "" {
			return "", errors.New(m.Error)
		}
		return m.Said, nil
	case <-time.After(orderWithin):
		return "", fmt.Errorf("no answer within %v", orderWithin)
	}
}

// Order has seat n's laptop carry cmd out, or (n 0) every seat's but the
// teacher's at once, and says what each did. A seat that is not
// connected (asleep, off the network) is not told: the error says so.
func (t *Teacher) Order(n int, cmd command.Command) (string, error) {
	t.mu.Lock()
	var seats []int
	for _, e := range t.roster.Seats {
		if e.Seat != 1 && !e.Removed && (n == 0 || e.Seat == n) {
			seats = append(seats, e.Seat)
		}
	}
	links := map[int]*seatLink{}
	for _, s := range seats {
		links[s] = t.links[s]
	}
	t.mu.Unlock()
	if n != 0 && len(seats) == 0 {
		return "", fmt.Errorf("there is no seat %d in this class", n)
	}
	var netSet int64
	if isNetwork(cmd) {
		netSet = t.netChanged()
	}
	said := make([]string, len(seats))
	errs := make([]error, len(seats))
	var wg sync.WaitGroup
	for i, s := range seats {
		sl := links[s]
		if sl == nil {
			errs[i] = fmt.Errorf("seat %d is not connected (asleep, or off the network): it was not told to %s", s, cmd)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			text, err := sl.order(cmd, netSet)
			if err != nil {
				errs[i] = fmt.Errorf("seat %d: %v", s, err)
				return
			}
			said[i] = fmt.Sprintf("seat %d: %s", s, text)
		}()
	}
	wg.Wait()
	said = slices.DeleteFunc(said, func(s string) bool { return s == "" })
	return strings.Join(said, "\n"), errors.Join(errs...)
}

// Orders is what a seat does with the teacher's orders.
type Orders struct {
	// Obey carries out a command the teacher sent (its line) on this
	// laptop and says what it did.
	Obey func(cmd string) (said string, err error)
	// Offline reports whether this laptop is off the network now: then
	// it does not stream.
	Offline func() bool
	// Checkpoint, when not nil, has the seat's record take a checkpoint
	// soon: after its stream lost observations (a cut, a slow link), the
	// merged record takes its replica up again from there.
	Checkpoint func()
	// Applied, when not nil, says whether a network order set when it
	// says is newer than what the seat has, and keeps it (Student).
	applied func(set int64) bool
}

func (o Orders) offline() bool { return o.Offline != nil && o.Offline() }

// obeyer carries out a seat's orders one at a time, answering each.
type obeyer struct {
	o     Orders
	queue chan message
	busy  atomic.Int32 // orders taken and not yet answered
	send  func(message) error
	cut   func() // closes the stream: the laptop went off the network
}

func (ob *obeyer) take(m message) {
	ob.busy.Add(1)
	select {
	case ob.queue <- m:
	default:
		ob.busy.Add(-1)
		ob.send(message{Op: "done", ID: m.ID, Error: "this seat is busy with earlier orders"})
	}
}

// run answers orders until quit closes.
func (ob *obeyer) run(quit <-chan struct{}) {
	for {
		select {
		case <-quit:
			return
		case m := <-ob.queue:
			reply := message{Op: "done", ID: m.ID}
			if m.NetSet != 0 && ob.o.applied != nil && !ob.o.applied(m.NetSet) {
				reply.Said = "a newer state of the class's network is in force here already"
			} else if ob.o.Obey == nil {
				reply.Error = "this seat takes no orders"
			} else if said, err := ob.o.Obey(m.Cmd); err != nil {
				reply.Error = err.Error()
			} else {
				reply.Said = said
			}
			ob.send(reply)
			ob.busy.Add(-1)
			if ob.o.offline() { // off the network: it hears nothing more
				ob.cut()
			}
		}
	}
}

package session

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/raftian/raftian/command"
)

// fakeClass is the teacher's class: it notes every order and what the
// seats' laptops answer (seat 5's is not connected).
type fakeClass struct{ orders []string }

func (c *fakeClass) SetEnrolment(bool)    {}
func (c *fakeClass) End() error           { return nil }
func (c *fakeClass) StartGame() error     { return nil }
func (c *fakeClass) SetRTT(int) error     { return nil }
func (c *fakeClass) Ask(string, []string) {}
func (c *fakeClass) Poll() ([]int, int)   { return nil, 0 }
func (c *fakeClass) Order(n int, cmd command.Command) (string, error) {
	c.orders = append(c.orders, fmt.Sprintf("%d: %s", n, cmd))
	if n == 5 {
		return "", errors.New("seat 5 is not connected")
	}
	return fmt.Sprintf("seat %d: done", n), nil
}

// In a class the teacher's session has each fault carried out where it
// belongs: a crash, restart, offline or transfer on the one laptop that
// runs the replica (the leader's for a transfer), a network fault here and
// on every seat's laptop. A seat carrying out the teacher's orders does
// them on its own replica and transport; a student may not cut the
// class's network, but crashes its own replica and sets its own links.
func TestClassFaultsGoWhereTheReplicasRun(t *testing.T) {
	f, class := newFake(), &fakeClass{}
	f.seat = 1
	teacher := New(f, Options{Class: class})
	do := func(s *Session, line string) Result {
		t.Helper()
		cmd, err := command.Parse(line, 5)
		if err != nil {
			t.Fatal(err)
		}
		return s.Do(cmd)
	}
	for _, c := range []struct{ line, orders, did string }{
		{"crash leader", "2: crash 2", ""},
		{"crash 1", "", "crash 1"},
		{"restart 2", "2: restart 2", ""},
		{"isolate 4", "0: isolate 4", "isolate 4"},
		{"partition leader", "0: partition 2,3|1,4,5", "partition [[2 3] [1 4 5]]"},
		{"heal", "0: heal", "heal"},
		{"transfer 3", "2: transfer 3", ""},
		{"offline 3 5s", "3: offline 3 5s", ""},
	} {
		class.orders, f.did = nil, nil
		if r := do(teacher, c.line); r.Err != nil {
			t.Errorf("teacher: %s: %v", c.line, r.Err)
		}
		if got := strings.Join(class.orders, "; "); got != c.orders {
			t.Errorf("teacher: %s: ordered %q, want %q", c.line, got, c.orders)
		}
		if got := strings.Join(f.did, "; "); got != c.did {
			t.Errorf("teacher: %s: did %q on its own laptop, want %q", c.line, got, c.did)
		}
	}
	if r := do(teacher, "crash 5"); r.Err == nil || !strings.Contains(r.Err.Error(), "not connected") {
		t.Errorf("an order to a seat that is not connected: %+v", r)
	}
	if r := do(teacher, "offline 1 5s"); r.Err == nil {
		t.Error("the teacher's laptop went off the network: it keeps the record")
	}

	f.seat, f.did = 3, nil
	ordered := New(f, Options{FromTeacher: true})
	for _, line := range []string{"isolate 2", "crash all", "restart all", "offline 3 5s"} {
		if r := do(ordered, line); r.Err != nil {
			t.Errorf("seat 3 ordered %s: %v", line, r.Err)
		}
	}
	if got, want := strings.Join(f.did, "; "), "isolate 2; crash 3; restart 3; offline 3 5s"; got != want {
		t.Errorf("seat 3 carried out %q, want %q", got, want)
	}

	f.did = nil
	student := New(f, Options{})
	for _, line := range []string{"isolate 2", "partition 1,2|3,4,5", "transfer 4"} {
		if r := do(student, line); r.Err == nil {
			t.Errorf("a student's %s was carried out", line)
		}
	}
	for _, line := range []string{"crash 3", "heal", "offline 3 1s"} {
		if r := do(student, line); r.Err != nil {
			t.Errorf("seat 3's own %s: %v", line, r.Err)
		}
	}
	if got, want := strings.Join(f.did, "; "), "crash 3; heal; offline 3 1s"; got != want {
		t.Errorf("seat 3 did %q, want %q", got, want)
	}
}

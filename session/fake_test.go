package session

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/raftian/raftian/cluster"
	"github.com/raftian/raftian/command"
	"github.com/raftian/raftian/config"
	"github.com/raftian/raftian/record"
	"github.com/raftian/raftian/world"
)

// fake is a cluster of five replicas in memory, no Raft at all: replica 2
// leads, attacks commit at once unless their target is in fail, and every
// action is noted.
type fake struct {
	mu   sync.Mutex
	st   []cluster.Status
	w    *world.World
	did  []string
	fail map[int]error // target → why an attack on it fails
	seat int           // in a class: this laptop's seat
}

func newFake() *fake {
	f := &fake{w: world.New(5), fail: map[int]error{}}
	for i := 1; i <= 5; i++ {
		f.st = append(f.st, cluster.Status{ID: i, Up: true, Role: record.RoleFollower, Term: 2, Leader: 2, World: f.w})
	}
	f.st[1].Role = record.RoleLeader
	return f
}

func (f *fake) note(format string, args ...any) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.did = append(f.did, fmt.Sprintf(format, args...))
	return nil
}

func (f *fake) Size() int   { return len(f.st) }
func (f *fake) Voters() int { return len(f.st) }
func (f *fake) Config() config.Config {
	var c config.Config
	for _, n := range []string{"Aria", "Boris", "Chen", "Dalia", "Emeka"} {
		c.Players = append(c.Players, config.Player{Name: n})
	}
	c.Raft = config.Raft{RTTMillisecond: 50, ElectionRTT: 10, HeartbeatRTT: 1}
	return c
}
func (f *fake) ElectionTimeout() time.Duration { return 500 * time.Millisecond }
func (f *fake) Status() []cluster.Status {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]cluster.Status(nil), f.st...)
}
func (f *fake) Believes(int) []int            { return []int{1, 2, 3, 4, 5} }
func (f *fake) Leader() int                   { return 2 }
func (f *fake) LeaderAgreed() (int, bool)     { return 2, true }
func (f *fake) SettledOnCommitted() bool      { return true }
func (f *fake) LogTail(i, n int) []record.Ent { return nil }
func (f *fake) Recorder() *record.Recorder    { return nil }
func (f *fake) NewClient() cluster.Proposer   { return &fakeClient{f: f} }
func (f *fake) Crash(i int) error             { f.st[i-1].Up = false; return f.note("crash %d", i) }
func (f *fake) CrashOrdered(i int) error      { f.st[i-1].Up = false; return f.note("crash %d", i) }
func (f *fake) Restart(i int) error           { f.st[i-1].Up = true; return f.note("restart %d", i) }
func (f *fake) Isolate(i int) error           { return f.note("isolate %d", i) }
func (f *fake) Rejoin(i int) error            { return f.note("rejoin %d", i) }
func (f *fake) Partition(g [][]int) error     { return f.note("partition %v", g) }
func (f *fake) Heal()                         { f.note("heal") }
func (f *fake) SetSlow(on bool) time.Duration { f.note("slow %v", on); return 0 }
func (f *fake) AddReplica(time.Duration) (int, error) {
	return 0, errors.New("no room")
}
func (f *fake) RemoveReplica(id int, _ time.Duration) error { return f.note("remove %d", id) }
func (f *fake) Promote(id int) error                        { return f.note("promote %d", id) }
func (f *fake) CancelAdd(int) <-chan struct{}               { return nil }
func (f *fake) Reconfigure(config.Raft) error               { return f.note("reconfigure") }
func (f *fake) SetRTT(ms int) error                         { return f.note("rtt %d", ms) }
func (f *fake) GoOffline(seat int, d time.Duration) error   { return f.note("offline %d %v", seat, d) }
func (f *fake) Mend(time.Duration, <-chan struct{}) int     { f.note("mend"); return 2 }
func (f *fake) Seat() int                                   { return f.seat }
func (f *fake) SetLink(a, b int, _ cluster.Link) error {
	return f.note("link %d %d", a, b)
}
func (f *fake) Transfer(target int, _ time.Duration) (int, uint64, error) {
	f.note("transfer %d", target)
	return 2, 3, nil
}

// fakeClient commits (or fails) every proposal at once.
type fakeClient struct {
	f   *fake
	seq uint64
}

func (c *fakeClient) Attack(via, from, to int) *cluster.Ticket {
	return c.Propose(via, world.Attack(world.ID{}, from, to))
}
func (c *fakeClient) NewGame(via int) *cluster.Ticket {
	return c.Propose(via, world.NewGame(world.ID{}))
}
func (c *fakeClient) Propose(via int, cmd world.Command) *cluster.Ticket {
	c.f.mu.Lock()
	defer c.f.mu.Unlock()
	c.seq++
	cmd.ID = world.ID{Client: 1, Seq: c.seq}
	t := cluster.NewTicket(cmd, via, c.seq)
	o := cluster.Outcome{Command: cmd, Via: via, Took: time.Millisecond}
	if err := c.f.fail[cmd.To]; err != nil {
		o.Err = err
	} else {
		r := c.f.w.Apply(c.f.w.AppliedIndex()+1, cmd.Encode())
		o.OK, o.Reason, o.HP = true, r.Reason, r.HP
	}
	t.Finish(o)
	return t
}

// Roles resolve to the replica that has them now, the journal keeps the
// command as carried out, and answers say what happened in words: all
// without a cluster.
func TestSessionOnAFakeCluster(t *testing.T) {
	start := time.Now()
	f := newFake()
	f.fail[5] = cluster.ErrTimeout
	var buf bytes.Buffer
	s := New(f, Options{Journal: NewJournal(&buf)})

	if r := s.Do(command.Crash{Replica: command.Ref{Role: command.Leader}}); r.Err != nil || r.Command != (command.Crash{Replica: command.Replica(2)}) {
		t.Fatalf("crash leader: %+v", r)
	}
	if r := s.Do(command.Attack{From: 1, To: 3, Via: command.Replica(1)}); r.Err != nil || !strings.HasPrefix(r.Text, "committed: Aria (1) → Chen (3) via 1: HP 70") {
		t.Fatalf("an attack: %+v", r)
	}
	r := s.Do(command.Attack{From: 1, To: 5, Via: command.Replica(1), NoWait: true})
	if r.Ticket == nil || r.Text != "proposed: Aria (1) → Emeka (5) via 1" {
		t.Fatalf("a nowait attack: %+v", r)
	}
	if a := s.Answer(r); a.Err == nil || !strings.Contains(a.Err.Error(), "no quorum (timed out)") {
		t.Fatalf("its answer: %+v", a)
	}
	if r := s.Do(command.Wait{Until: command.UntilProposals, Timeout: time.Second}); r.Err != nil {
		t.Fatalf("wait proposals: %v", r.Err)
	}
	s.Do(command.Restart{}) // every replica down: 2
	inputs, err := ReadJournal(&buf)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, in := range inputs {
		got = append(got, in.Cmd.String())
	}
	want := "crash 2|attack 1 3|attack 1 5 nowait|restart 2" // via the attacker: the canonical form leaves it out
	if strings.Join(got, "|") != want {
		t.Errorf("the journal: %q, want %q", strings.Join(got, "|"), want)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("took %v without a cluster", took)
	}
}

// A replica removed before this program started has no world: status
// shows it removed, with nothing to show of what it never had here.
func TestStatusOfAReplicaThatNeverRan(t *testing.T) {
	f := newFake()
	f.st[3] = cluster.Status{ID: 4, Removed: true}
	s := New(f, Options{})
	table := s.Do(command.Status{}).Text
	if !strings.Contains(table, "4        Dalia   removed") {
		t.Errorf("status:\n%s", table)
	}
	if js := s.Do(command.Status{JSON: true}).Text; !strings.Contains(js, `{"id":4,"up":false,"isolated":false,"role":"down","term":0,"leader":0,"commit":0,"applied":0,"last_index":0,"hp":[],"world_hash":"","voters":[1,2,3,4,5],"removed":true}`) {
		t.Errorf("status json: %s", js)
	}
}

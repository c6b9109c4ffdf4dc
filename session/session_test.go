package session

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/raftian/raftian/command"
	"github.com/raftian/raftian/config"
	"github.com/raftian/raftian/internal/testenv"
	"github.com/raftian/raftian/node"
	"github.com/raftian/raftian/world"
)

func startCluster(t *testing.T) *node.Cluster {
	t.Helper()
	c, err := node.Start(testenv.Config(t, config.StorageMemory), node.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// Commands carried out are recorded with their roles resolved, and the
// recording reads back as the same commands.
func TestRecordedCommandsAreResolvedAndReadBack(t *testing.T) {
	c := startCluster(t)
	var buf bytes.Buffer
	s := New(c, Options{Journal: NewJournal(&buf)})
	r := s.Do(command.Wait{Until: command.UntilLeader, Timeout: 20 * time.Second})
	if r.Err != nil || r.Leader == 0 {
		t.Fatalf("wait leader: %+v", r)
	}
	leader := r.Leader
	victim := leader%c.Size() + 1
	attack := s.Do(command.Attack{From: victim, To: leader, Via: command.Ref{Role: command.Leader}})
	if attack.Err != nil || attack.Outcome == nil || attack.Outcome.HP != world.StartHP-world.Damage {
		t.Fatalf("attack via the leader: %+v", attack)
	}
	crash := s.Do(command.Crash{Replica: command.Ref{Role: command.Leader}})
	if crash.Err != nil || crash.Command != (command.Crash{Replica: command.Replica(leader)}) {
		t.Fatalf("crash leader: %+v, want crash %d", crash, leader)
	}
	s.Do(command.Status{})  // shows, changes nothing: not recorded
	s.Do(command.Restart{}) // every replica that is down: one restart each
	bad := s.Do(command.Crash{Replica: command.Replica(99)})
	if bad.Err == nil {
		t.Fatal("crash 99 did not fail")
	}
	got, err := ReadJournal(&buf)
	if err != nil {
		t.Fatal(err)
	}
	var cmds []command.Command
	for _, in := range got {
		cmds = append(cmds, in.Cmd)
	}
	want := []command.Command{
		command.Attack{From: victim, To: leader, Via: command.Replica(leader)},
		command.Crash{Replica: command.Replica(leader)},
		command.Restart{Replica: leader},
	}
	if !reflect.DeepEqual(cmds, want) {
		t.Fatalf("recorded %v, want %v", cmds, want)
	}
}

// In the window each player proposes under its own client id; nowait
// returns at once with the ticket; window commands go to the window.
func TestPerPlayerClientsAndWindowCommands(t *testing.T) {
	c := startCluster(t)
	var window []command.Command
	s := New(c, Options{PerPlayer: true, Window: func(cmd command.Command) { window = append(window, cmd) }})
	s.Do(command.Wait{Until: command.UntilLeader, Timeout: 20 * time.Second})
	a := s.Do(command.Attack{From: 1, To: 2, Via: command.Replica(1), NoWait: true})
	b := s.Do(command.Attack{From: 2, To: 3, Via: command.Replica(2), NoWait: true})
	if a.Ticket == nil || b.Ticket == nil {
		t.Fatal("nowait attacks gave no ticket")
	}
	if r := s.Do(command.Wait{Until: command.UntilProposals, Timeout: 20 * time.Second}); r.Err != nil {
		t.Fatal(r.Err)
	}
	oa, ob := a.Ticket.Wait(), b.Ticket.Wait()
	if !oa.OK || !ob.OK || oa.Command.ID.Client == ob.Command.ID.Client {
		t.Fatalf("players 1 and 2: %+v, %+v; want both committed under different client ids", oa, ob)
	}
	s.Do(command.Autoplay{On: true})
	if len(window) != 1 || window[0] != (command.Autoplay{On: true}) {
		t.Fatalf("the window was given %v", window)
	}
	for _, cmd := range []command.Command{command.Quit{}, command.Lesson{Name: "x"}} {
		if r := s.Do(cmd); !errors.Is(r.Err, ErrNotHere) {
			t.Errorf("%s: %v, want ErrNotHere", cmd, r.Err)
		}
	}
}

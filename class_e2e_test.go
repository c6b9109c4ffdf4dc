package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/raftian/raftian/internal/testenv"
)

// seatProcess is one seat of a class run as its own process, driven
// through its headless console.
type seatProcess struct {
	t     *testing.T
	args  []string
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *testenv.Buffer // stdout so far
	err   *testenv.Buffer
	mu    sync.Mutex
	lines []string
}

func startSeatProcess(t *testing.T, bin string, args ...string) *seatProcess {
	t.Helper()
	return startSeatProcessEnv(t, nil, bin, args...)
}

// startSeatProcessEnv starts a seat's process with env added to this
// one's environment.
func startSeatProcessEnv(t *testing.T, env []string, bin string, args ...string) *seatProcess {
	t.Helper()
	p := &seatProcess{t: t, args: args, out: &testenv.Buffer{}, err: &testenv.Buffer{}}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = append(os.Environ(), env...)
	p.stdin, _ = p.cmd.StdinPipe()
	stdout, _ := p.cmd.StdoutPipe()
	p.cmd.Stderr = p.err
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			p.mu.Lock()
			p.lines = append(p.lines, sc.Text())
			p.mu.Unlock()
		}
	}()
	t.Cleanup(func() { p.cmd.Process.Kill(); p.cmd.Wait() })
	return p
}

func (p *seatProcess) send(line string) { io.WriteString(p.stdin, line+"\n") }

// waitLine waits for the first line from index from on that starts with
// prefix and returns it with its index.
func (p *seatProcess) waitLine(from int, prefix string, timeout time.Duration) (string, int) {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		p.mu.Lock()
		for i := from; i < len(p.lines); i++ {
			if strings.HasPrefix(p.lines[i], prefix) {
				line := p.lines[i]
				p.mu.Unlock()
				return line, i
			}
		}
		n := len(p.lines)
		p.mu.Unlock()
		if time.Now().After(deadline) {
			p.t.Fatalf("%v: no line %q within %v; stdout:\n%s\nstderr (end):\n%s", p.args[:2], prefix, timeout,
				strings.Join(p.snapshot(), "\n"), tail(p.err.String(), 3000))
		}
		_ = n
		time.Sleep(10 * time.Millisecond)
	}
}

func (p *seatProcess) snapshot() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.lines...)
}

func (p *seatProcess) next() int { p.mu.Lock(); defer p.mu.Unlock(); return len(p.lines) }

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// classSeat is one seat as "status json" reports it in a class.
type classSeat struct {
	ID        int    `json:"id"`
	Up        bool   `json:"up"`
	Isolated  bool   `json:"isolated"`
	Role      string `json:"role"`
	Term      uint64 `json:"term"`
	Leader    int    `json:"leader"`
	HP        []int  `json:"hp"`
	WorldHash string `json:"world_hash"`
	Address   string `json:"address"`
	Remote    bool   `json:"remote"`
}

// status asks the process for status json and returns its own seat's line
// and every seat.
func (p *seatProcess) status(self int) (classSeat, []classSeat) {
	p.t.Helper()
	from := p.next()
	p.send("status json")
	line, _ := p.waitLine(from, `{"replicas"`, 30*time.Second)
	var st struct{ Replicas []classSeat }
	if err := json.Unmarshal([]byte(line), &st); err != nil {
		p.t.Fatal(err)
	}
	if self > len(st.Replicas) {
		p.t.Fatalf("seat %d's status lists %d seats: %s", self, len(st.Replicas), line)
	}
	return st.Replicas[self-1], st.Replicas
}

// freePortPair returns a loopback port p with p+1 free as well: the class
// port and the teacher's replica.
func freePortPair(t *testing.T) int {
	for i := 0; i < 50; i++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		p := ln.Addr().(*net.TCPAddr).Port
		ln2, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p+1))
		ln.Close()
		if err == nil {
			ln2.Close()
			return p
		}
	}
	t.Fatal("no two free ports in a row")
	return 0
}

// joinCode waits for the teacher's join code.
func (p *seatProcess) joinCode() string {
	p.t.Helper()
	line, _ := p.waitLine(0, "join code: ", 60*time.Second)
	return strings.TrimPrefix(line, "join code: ")
}

// startTeacher starts a class's teacher on loopback and returns it, the
// class port's address, its join code and its port (students may listen
// on port+2 on their own loopback addresses).
func startTeacher(t *testing.T, bin, cfg string) (teacher *seatProcess, classAddr, code string, port int) {
	t.Helper()
	port = freePortPair(t)
	classAddr = fmt.Sprintf("127.0.0.1:%d", port)
	teacher = startSeatProcess(t, bin, "class", "--headless", "--listen", classAddr, "--data", t.TempDir(), "--config", cfg)
	return teacher, classAddr, teacher.joinCode(), port
}

// startClass starts a teacher and students 2..n as processes on their own
// loopback addresses, every seat a voter once joined.
func startClass(t *testing.T, n int) []*seatProcess {
	t.Helper()
	bin := buildRaftian(t)
	cfg := testConfigFile(t, "")
	seats := make([]*seatProcess, n+1)
	var classAddr, code string
	var port int
	seats[1], classAddr, code, port = startTeacher(t, bin, cfg)
	for i := 2; i <= n; i++ {
		seats[i] = startSeatProcess(t, bin, "join", code+"@"+classAddr, "--headless", "--name", fmt.Sprintf("S%d", i),
			"--listen", fmt.Sprintf("127.0.0.%d:%d", i, port+2), "--data", t.TempDir(), "--config", cfg)
		seats[i].waitLine(0, fmt.Sprintf("seat %d (S%d): a voter", i, i), 60*time.Second)
	}
	return seats
}

// attack has seat n attack seat to and reports whether it was
// acknowledged.
func (p *seatProcess) attack(n, to int) bool {
	p.t.Helper()
	from := p.next()
	p.send(fmt.Sprintf("attack %d %d", n, to))
	for i := from; ; i++ {
		line, _ := p.waitLine(i, "", 60*time.Second)
		switch {
		case strings.HasPrefix(line, "committed: "):
			return true
		case strings.HasPrefix(line, "failed: "), strings.HasPrefix(line, "rejected: "):
			return false
		case strings.HasPrefix(line, "error: "):
			p.t.Fatalf("seat %d: attack %d %d: %s", n, n, to, line)
		}
	}
}

// leaderOf waits until seat n believes in a leader other than not, and
// returns it with its term.
func (p *seatProcess) leaderOther(n, not int, within time.Duration) (int, uint64) {
	p.t.Helper()
	for deadline := time.Now().Add(within); ; {
		me, _ := p.status(n)
		if me.Leader != 0 && me.Leader != not {
			return me.Leader, me.Term
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("seat %d still believes in leader %d after %v", n, me.Leader, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// tally counts a test's attacks by target: sent, and acknowledged.
type tally struct{ sent, acked map[int]int }

func newTally() tally { return tally{sent: map[int]int{}, acked: map[int]int{}} }

// hit has seat n (process p) attack city to, counting it.
func (c tally) hit(p *seatProcess, n, to int) {
	c.sent[to]++
	if p.attack(n, to) {
		c.acked[to]++
	}
}

// ring has every seat but skip attack the next one's city, each through
// its own process: no city falls in a round, so every committed attack
// takes effect.
func (c tally) ring(seats []*seatProcess, skip int) {
	for n := 1; n < len(seats); n++ {
		if n != skip {
			c.hit(seats[n], n, n%(len(seats)-1)+1)
		}
	}
}

// check checks one seat's own world against the attacks: every
// acknowledged hit is there, and nothing that was never sent (a city
// falls at 0: hits past that are refused, not acknowledged).
func (c tally) check(t *testing.T, n int, me classSeat) {
	t.Helper()
	for target := 1; target <= len(me.HP); target++ {
		most, least := max(0, 100-30*c.acked[target]), max(0, 100-30*c.sent[target])
		if hp := me.HP[target-1]; hp > most || hp < least {
			t.Errorf("seat %d: city %d has %d HP; acknowledged hits give at most %d, sent ones at least %d", n, target, hp, most, least)
		}
	}
}

// converged has every seat wait until it converged and returns each
// one's own status and the whole status it sees (by seat), failing the
// test if their worlds differ.
func converged(t *testing.T, seats []*seatProcess) (own []classSeat, all [][]classSeat) {
	t.Helper()
	own, all = make([]classSeat, len(seats)), make([][]classSeat, len(seats))
	for n := 1; n < len(seats); n++ {
		from := seats[n].next()
		seats[n].send("wait converged 60s")
		seats[n].waitLine(from, "converged after", 70*time.Second)
		own[n], all[n] = seats[n].status(n)
		if own[n].WorldHash != own[1].WorldHash {
			t.Errorf("seat %d's world %s, the teacher's %s", n, own[n].WorldHash, own[1].WorldHash)
		}
	}
	return own, all
}

// Issue 24, what must be shown 1: a teacher and four students, each its
// own process on its own loopback address, join with CODE@HOST:PORT and
// attack; the leader's process is SIGKILLed, the others elect a new
// leader and play on; the killed seat restarts on its data and catches
// up. Every world is then equal and holds every acknowledged attack.
func TestClassOfFiveProcessesSurvivesSigkill(t *testing.T) {
	bin := buildRaftian(t)
	seats := startClass(t, 5)

	// Attacks in a ring, each from its own seat: no city falls, so every
	// committed attack takes effect.
	hits := newTally()
	play := func(skip int) { hits.ring(seats, skip) }
	play(0)

	me, all := seats[1].status(1)
	leader := me.Leader
	if leader == 0 {
		t.Fatalf("the teacher's seat believes in no leader: %+v", all)
	}
	t.Logf("the leader is seat %d (term %d): SIGKILL its process", leader, me.Term)
	seats[leader].cmd.Process.Signal(syscall.SIGKILL)
	seats[leader].cmd.Wait()

	// A follower believes in the dead leader until its election timeout:
	// ask until it names another.
	survivor := leader%5 + 1
	killed := time.Now()
	newLeader, term := seats[survivor].leaderOther(survivor, leader, time.Minute)
	t.Logf("seat %d: new leader %d in term %d, %v after the kill", survivor, newLeader, term, time.Since(killed).Round(time.Millisecond))
	play(leader)

	// The killed seat comes back on its own data, with the same command.
	seats[leader] = startSeatProcess(t, bin, seats[leader].args...)
	if leader == 1 {
		seats[1].joinCode()
	}
	// Then a student's laptop dies too, misses attacks, and comes back.
	student := 4
	if leader == 4 {
		student = 3
	}
	seats[student].cmd.Process.Signal(syscall.SIGKILL)
	seats[student].cmd.Wait()
	play(student)
	seats[student] = startSeatProcess(t, bin, seats[student].args...)
	seats[student].waitLine(0, fmt.Sprintf("seat %d (S%d): a voter", student, student), 60*time.Second)

	own, whole := converged(t, seats)
	for n := 1; n <= 5; n++ {
		if me := own[n]; !me.Up || me.Remote || me.WorldHash == "" {
			t.Fatalf("seat %d's own status: %+v", n, me)
		}
		// A seat learns where the others listen from the roster, read
		// every 2 s (a read may wait out a restarting teacher).
		for deadline := time.Now().Add(time.Minute); ; _, whole[n] = seats[n].status(n) {
			missing := slices.IndexFunc(whole[n], func(s classSeat) bool { return s.Address == "" })
			if missing < 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("seat %d's status names no address for seat %d", n, whole[n][missing].ID)
			}
			time.Sleep(200 * time.Millisecond)
		}
		hits.check(t, n, own[n])
	}
	t.Logf("every seat's world is %s; acknowledged hits by city %v of %v sent", own[1].WorldHash, hits.acked, hits.sent)

	// A student cannot end the class; the teacher can, and every seat is
	// told and stops.
	from := seats[2].next()
	seats[2].send("end class")
	if line, _ := seats[2].waitLine(from, "error: ", 30*time.Second); !strings.Contains(line, "only the teacher") {
		t.Errorf("a student's end class: %q", line)
	}
	seats[1].send("end class")
	for n := 1; n <= 5; n++ {
		want := "class: the teacher ended the class"
		if n == 1 {
			want = "class: the class has ended"
		}
		seats[n].waitLine(0, want, 30*time.Second)
		done := make(chan error, 1)
		go func() { done <- seats[n].cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("seat %d's process after the class ended: %v", n, err)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("seat %d's process still runs 30 s after the class ended", n)
		}
	}
}

// joinSeats joins seats 2 to size (headless processes of bin, student k
// on 127.0.0.k) to the class at where (CODE@HOST:PORT) one after another,
// each waited for: the first up to voters as voters, the others
// non-voting. seats[k] is seat k's process.
func joinSeats(t *testing.T, bin, cfg, where string, port, size, voters int) []*seatProcess {
	seats := make([]*seatProcess, size+1)
	for n := 2; n <= size; n++ {
		seats[n] = startSeatProcess(t, bin, "join", where, "--headless", "--name", fmt.Sprintf("S%d", n),
			"--listen", fmt.Sprintf("127.0.0.%d:%d", n, port+2), "--data", t.TempDir(), "--config", cfg)
		want := "non-voting"
		if n <= voters {
			want = "a voter"
		}
		seats[n].waitLine(0, fmt.Sprintf("seat %d (S%d): %s", n, n, want), 2*time.Minute)
	}
	return seats
}

package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	dbconfig "github.com/lni/dragonboat/v4/config"
	pb "github.com/lni/dragonboat/v4/raftpb"

	"github.com/raftian/raftian/class"
	"github.com/raftian/raftian/node/wire"
)

// A class on loopback: a teacher and four students, each its own process
// on its own 127.0.0.x address, every Raft connection mutual TLS. Its
// commit latency is set against the one-process cluster's (the same
// attack, through a follower, read from the console's answer), joining
// is timed from a student's process start to its caught-up voter, and
// each seat's memory is read once it idles.

// proc is a headless raftian process whose answers the bench reads.
type proc struct {
	cmd    *exec.Cmd
	in     io.WriteCloser
	lines  chan string
	start  time.Time
	stderr *lockedBuffer // what it logged, when asked for (spawnEnv)
}

func (b *bench) spawn(args ...string) (*proc, error) { return b.spawnEnv(nil, args...) }

// spawnEnv starts the program with env added to this one's environment;
// with env not nil, its stderr is kept too.
func (b *bench) spawnEnv(env []string, args ...string) (*proc, error) {
	if b.opts.Config != "" {
		args = append(args, "--config", b.opts.Config)
	}
	p := &proc{cmd: exec.Command(b.opts.Exe, args...), lines: make(chan string, 1024)}
	var err error
	if p.in, err = p.cmd.StdinPipe(); err != nil {
		return nil, err
	}
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	p.cmd.Stderr = io.Discard
	if env != nil {
		p.cmd.Env = append(os.Environ(), env...)
		p.stderr = &lockedBuffer{}
		p.cmd.Stderr = p.stderr
	}
	p.start = time.Now()
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		defer close(p.lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
	}()
	return p, nil
}

// await returns the first line starting with prefix, within d.
func (p *proc) await(prefix string, d time.Duration) (string, error) {
	timeout := time.After(d)
	for {
		select {
		case l, ok := <-p.lines:
			if !ok {
				return "", fmt.Errorf("the process ended before %q", prefix)
			}
			if strings.HasPrefix(l, prefix) {
				return l, nil
			}
		case <-timeout:
			return "", fmt.Errorf("no %q within %v", prefix, d)
		}
	}
}

// stopAll stops every process that started (nil: one that did not).
func stopAll(procs []*proc) {
	for _, p := range procs {
		if p != nil {
			p.stop()
		}
	}
}

func (p *proc) stop() {
	p.in.Close()
	done := make(chan struct{})
	go func() { p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		p.cmd.Process.Kill()
		<-done
	}
}

// commits sends n attacks and returns how long each took to commit, as
// the console says ("committed: ... in 1.2 ms"); every third, keeper
// rebuilds the cities (in a class only the teacher may).
func (p *proc) commits(n, from, to int, keeper *proc) ([]time.Duration, error) {
	var out []time.Duration
	for i := 0; i < n; i++ {
		if i%3 == 0 {
			io.WriteString(keeper.in, "newgame\n")
			if _, err := keeper.await("committed: ", 30*time.Second); err != nil {
				return nil, err
			}
		}
		io.WriteString(p.in, fmt.Sprintf("attack %d %d\n", from, to))
		l, err := p.await("committed: ", 30*time.Second)
		if err != nil {
			return nil, err
		}
		d, err := commitTime(l)
		if err != nil {
			return nil, fmt.Errorf("cannot read %q: %v", l, err)
		}
		out = append(out, d)
	}
	return out, nil
}

func (b *bench) class() error {
	if b.opts.Exe == "" {
		return errors.New("class: the program's path is unknown")
	}
	samples := b.n(20, 200)
	b.logf("class: five seat processes, %d attacks", samples)
	dir, err := os.MkdirTemp("", "raftian-bench-class-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	// The reference: the one-process cluster, attacking through replica 2.
	one, err := b.spawn("--headless", "--storage", "memory")
	if err != nil {
		return err
	}
	io.WriteString(one.in, "wait leader 10s\n")
	if _, err := one.await("leader ", 15*time.Second); err != nil {
		one.stop()
		return fmt.Errorf("class reference: %v", err)
	}
	ref, err := one.commits(samples, 2, 3, one)
	one.stop()
	if err != nil {
		return fmt.Errorf("class reference: %v", err)
	}

	teacher, students, joins, err := b.startClass(dir, 5)
	defer stopAll(append([]*proc{teacher}, students...))
	if err != nil {
		return fmt.Errorf("class: %v", err)
	}
	lat, err := students[0].commits(samples, 2, 3, teacher) // seat 2, a follower: forwarded, as in the reference
	if err != nil {
		return fmt.Errorf("class: %v", err)
	}
	time.Sleep(time.Second) // idle
	var mem []float64
	for _, p := range append([]*proc{teacher}, students...) {
		mem = append(mem, rss(p.cmd.Process.Pid))
	}
	mostRSS := 0.0
	for _, r := range mem {
		mostRSS = max(mostRSS, r)
	}
	p50, r50 := percentile(lat, 50), percentile(ref, 50)
	b.add(Row{Figure: "class commit (5 processes, TLS)", P50: f(p50), P99: f(percentile(lat, 99)), Unit: "ms",
		Reference: f(r50), Ratio: f(p50 / r50), Target: "—",
		Note: fmt.Sprintf("attack through seat 2 (a follower) until committed, %d samples; reference: one process, plain loopback", samples)})
	b.add(Row{Figure: "class join → caught-up voter", P50: f(percentile(joins, 50)), P99: f(percentile(joins, 99)), Unit: "ms",
		Target: "≤ 2 s", Met: t(percentile(joins, 99) <= 2000), Note: "student process start → enrolled, added, caught up, promoted; 4 students"})
	b.add(Row{Figure: "class seat idle memory", P50: f(mostRSS), Unit: "MB", Target: "≤ 40 MB", Met: t(mostRSS <= 40),
		Note: fmt.Sprintf("RSS of the largest of 5 seat processes after 1 s idle (all: %s)", mbs(mem))})
	return b.tlsThroughput()
}

// startClass starts a class of n seat processes on loopback, on memory
// storage in dir: the teacher on 127.0.0.1, student k on 127.0.0.k, and
// returns them (what started, on an error too) with how long each
// student took from its process's start to a caught-up voter (or seat).
func (b *bench) startClass(dir string, n int) (teacher *proc, students []*proc, joins []time.Duration, err error) {
	return b.startClassWith(dir, n, nil, nil)
}

// startClassWith is startClass with more arguments for the teacher and,
// for seat k, env[k] added to its environment (then its stderr is kept).
func (b *bench) startClassWith(dir string, n int, teacherArgs []string, env map[int][]string) (teacher *proc, students []*proc, joins []time.Duration, err error) {
	port, err := freePair()
	if err != nil {
		return nil, nil, nil, err
	}
	classAddr := fmt.Sprintf("127.0.0.1:%d", port)
	teacher, err = b.spawnEnv(env[1], append([]string{"class", "--headless", "--storage", "memory", "--listen", classAddr, "--data", dir + "/1"}, teacherArgs...)...)
	if err != nil {
		return nil, nil, nil, err
	}
	l, err := teacher.await("join code: ", 30*time.Second)
	if err != nil {
		return teacher, nil, nil, err
	}
	code := strings.TrimPrefix(l, "join code: ")
	for k := 2; k <= n; k++ {
		s, err := b.spawnEnv(env[k], "join", code+"@"+classAddr, "--headless", "--storage", "memory", "--name", fmt.Sprintf("S%d", k),
			"--listen", fmt.Sprintf("127.0.0.%d:%d", k, port+2), "--data", fmt.Sprintf("%s/%d", dir, k))
		if err != nil {
			return teacher, students, joins, err
		}
		students = append(students, s)
		if _, err := s.await(fmt.Sprintf("seat %d (S%d): ", k, k), 2*time.Minute); err != nil {
			return teacher, students, joins, fmt.Errorf("seat %d: %v", k, err)
		}
		joins = append(joins, time.Since(s.start))
	}
	return teacher, students, joins, nil
}

func mbs(v []float64) string {
	var s []string
	for _, x := range v {
		s = append(s, strconv.FormatFloat(x, 'f', 1, 64))
	}
	return strings.Join(s, ", ")
}

// freePair finds a loopback port p with p+1 free too (the class port and
// the teacher's replica) and p+2 (the students' replicas, on their own
// addresses).
func freePair() (int, error) {
	for i := 0; i < 50; i++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		p := ln.Addr().(*net.TCPAddr).Port
		ln2, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p+1))
		ln.Close()
		if err == nil {
			ln2.Close()
			return p, nil
		}
	}
	return 0, errors.New("class: no two free ports in a row")
}

// tlsThroughput sends batches of sixteen 1 KiB entries from one seat's
// transport to another's for a while, over plain TCP and over the class's
// mutual TLS.
func (b *bench) tlsThroughput() error {
	ca, err := class.NewCA(time.Now())
	if err != nil {
		return err
	}
	rate := map[bool]float64{}
	for _, secure := range []bool{false, true} {
		r, err := seatToSeat(ca, secure, b.n(1, 3))
		if err != nil {
			return err
		}
		rate[secure] = r
	}
	ratio := rate[true] / rate[false]
	b.add(Row{Figure: "class transport, mutual TLS", Rate: f(rate[true]), Unit: "MB/s", Reference: f(rate[false]), Ratio: f(ratio),
		Target: "≥ 0.8× plain TCP", Met: t(ratio >= 0.8), Note: "16 × 1 KiB entries a batch, one seat to another on loopback; reference: the same transport without TLS"})
	return nil
}

func seatToSeat(ca *class.CA, secure bool, seconds int) (float64, error) {
	var addrs []string
	var guards []*class.Guard
	for i := 1; i <= 2; i++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		addrs = append(addrs, ln.Addr().String())
		ln.Close()
		key, err := class.NewKey()
		if err != nil {
			return 0, err
		}
		cert, err := ca.Issue(i, &key.PublicKey, time.Now())
		if err != nil {
			return 0, err
		}
		g, err := class.NewGuard(ca.Cert, cert, key)
		if err != nil {
			return 0, err
		}
		guards = append(guards, g)
	}
	var got atomic.Int64
	var closers []func() error
	defer func() {
		for _, c := range closers {
			c()
		}
	}()
	start := func(i int) (raftioConn, error) {
		n := wire.New(addrs, 1, nil)
		if secure {
			n.Secure(guards[i-1])
		}
		tr := n.Factory().Create(dbconfig.NodeHostConfig{RaftAddress: addrs[i-1]},
			func(pb.MessageBatch) { got.Add(1) }, func(pb.Chunk) bool { return true })
		if err := tr.Start(); err != nil {
			return nil, err
		}
		closers = append(closers, tr.Close)
		return tr.GetConnection(context.Background(), addrs[1])
	}
	if _, err := start(2); err != nil {
		return 0, err
	}
	c, err := start(1)
	if err != nil {
		return 0, err
	}
	// The first batch dials and shakes hands: not measured.
	sendFor(c, addrs[0], &got, 0)
	got.Store(0)
	t0 := time.Now()
	sendFor(c, addrs[0], &got, time.Duration(seconds)*time.Second)
	took := time.Since(t0)
	return float64(got.Load()) * 16 * 1024 / took.Seconds() / 1e6, nil
}

// raftioConn is a transport's connection to one peer.
type raftioConn interface {
	SendMessageBatch(pb.MessageBatch) error
}

// sendFor sends batches on c for d (at least one), then waits for them to
// arrive.
func sendFor(c raftioConn, src string, got *atomic.Int64, d time.Duration) {
	batch := pb.MessageBatch{DeploymentId: 1, SourceAddress: src}
	m := pb.Message{Type: pb.Replicate, From: 1, To: 2, ShardID: wire.ShardID, Term: 1}
	for i := range 16 {
		m.Entries = append(m.Entries, pb.Entry{Index: uint64(i + 1), Term: 1, Cmd: make([]byte, 1024)})
	}
	batch.Requests = []pb.Message{m}
	sent := int64(0)
	for end := time.Now().Add(d); sent == 0 || time.Now().Before(end); sent++ {
		c.SendMessageBatch(batch)
	}
	for deadline := time.Now().Add(30 * time.Second); got.Load() < sent && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
}

// largeClass starts a class of 32 seat processes (five voters, 27
// non-voting) and reads how long the 32nd took to join and each seat's
// memory once the class idles.
func (b *bench) largeClass() error {
	const size = 32
	b.logf("class of %d: seat processes join one after another", size)
	dir, err := os.MkdirTemp("", "raftian-bench-class32-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	teacher, students, joins, err := b.startClassWith(dir, size, []string{"--observe", b.classRecordFile(size)}, map[int][]string{1: {}})
	seats := append([]*proc{teacher}, students...)
	defer stopAll(seats)
	if err != nil {
		return fmt.Errorf("class of %d: %v", size, err)
	}
	time.Sleep(2 * time.Second) // idle
	var mem []float64
	for _, p := range seats {
		mem = append(mem, rss(p.cmd.Process.Pid))
	}
	slices.Sort(mem)
	play := time.Duration(b.n(5, 15)) * time.Second
	b.logf("class of %d: %v of auto-play, the teacher keeping the merged record", size, play)
	autoplayClass(seats, play)
	teacher.stop()
	var relays []float64
	for _, l := range strings.Split(teacher.stderr.String(), "\n") {
		if _, rest, ok := strings.Cut(l, "relayed to it "); ok {
			var rate float64
			if _, err := fmt.Sscanf(rest, "%f B/s", &rate); err == nil {
				relays = append(relays, rate)
			}
		}
	}
	if len(relays) == 0 {
		return fmt.Errorf("class of %d: the teacher did not say what it relayed:\n%s", size, tail(teacher.stderr.String(), 2000))
	}
	last := ms(joins[len(joins)-1])
	b.add(Row{Figure: "class of 32: the 32nd seat joins", P50: f(last), Unit: "ms", Target: "≤ 2 s", Met: t(last <= 2000),
		Note: fmt.Sprintf("student process start → enrolled, added, caught up, a city; the 31 joins: p50 %.0f ms, slowest %.0f ms",
			percentile(joins, 50), percentile(joins, 100))})
	b.add(Row{Figure: "class of 32: memory per seat", P50: f(mem[len(mem)/2]), P99: f(mem[len(mem)-1]), Unit: "MB",
		Target: "≤ 40 MB", Met: t(mem[len(mem)-1] <= 40), Note: "RSS of each of the 32 seat processes after 2 s idle: median, largest"})
	slices.Sort(relays)
	b.add(Row{Figure: "class of 32: the teacher's relay to each student", P50: f(median(relays)), P99: f(relays[len(relays)-1]), Unit: "B/s",
		Target: "a few hundred (≤ 1000)", Met: t(relays[len(relays)-1] <= 1000),
		Note: fmt.Sprintf("%d students, %v of auto-play (an attack a second each): the summary of every seat, the parts that changed, once a second; p99 column: the largest", len(relays), play)})
	return nil
}

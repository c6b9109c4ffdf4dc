package bench

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/raftian/raftian/class"
)

// A class on a school's Wi-Fi, as the fault layer makes it: every link
// of five seat processes delays each batch 20 ms plus up to 60 ms of
// jitter and loses 1 % of them, while the seats attack in turn. How many
// elections happen after the first (the target is none), and how long a
// commit takes through each seat's own replica.

// wifiLinks is what every seat does to the links that leave its laptop.
const wifiLinks = "link all delay 20ms jitter 60ms drop 0.01"

func (b *bench) classOnWiFi() error {
	if b.opts.Exe == "" {
		return errors.New("class on Wi-Fi: the program's path is unknown")
	}
	play := time.Duration(b.n(30, 120)) * time.Second
	b.logf("class on Wi-Fi: five seat processes, %s, %v of play", wifiLinks, play)
	w, err := b.wifi(class.DefaultRTT, wifiLinks, play)
	if err != nil {
		return fmt.Errorf("class on Wi-Fi: %v", err)
	}
	b.add(Row{Figure: "class on Wi-Fi: elections after the first", P50: f(float64(w.elections)), Unit: "elections",
		Target: "0", Met: t(w.elections == 0),
		Note: fmt.Sprintf("terms %d → %d over %v of play, Raft round trip %d ms; every link: %s", w.from, w.to, play,
			class.DefaultRTT, wifiLinks)})
	b.add(Row{Figure: "class on Wi-Fi: commit", P50: f(percentile(w.commits, 50)), P99: f(percentile(w.commits, 99)), Unit: "ms",
		Target: "—", Note: fmt.Sprintf("%d attacks through each seat in turn, %d failed; about four one-way delays: forward, append, reply, commit's news",
			len(w.commits), w.failed)})
	return nil
}

// wifiResult is what a class on Wi-Fi did.
type wifiResult struct {
	from, to  uint64 // the highest term when play began, and when it ended
	elections int
	commits   []time.Duration
	failed    int
}

// wifi runs a class of five on memory storage with Raft's round trip rtt
// (ms), has every seat set links (a link command) and plays for d.
func (b *bench) wifi(rtt int, links string, d time.Duration) (wifiResult, error) {
	var w wifiResult
	dir, err := os.MkdirTemp("", "raftian-bench-wifi-")
	if err != nil {
		return w, err
	}
	defer os.RemoveAll(dir)
	teacher, students, _, err := b.startClass(dir, 5)
	seats := append([]*proc{teacher}, students...)
	defer stopAll(seats)
	if err != nil {
		return w, err
	}
	if rtt != class.DefaultRTT {
		if _, err := teacher.answer(fmt.Sprintf("set rtt %d", rtt), "the class's Raft round trip"); err != nil {
			return w, err
		}
		time.Sleep(5 * time.Second) // every seat reads the roster every 2 s and restarts its replica
	}
	for _, p := range seats {
		if _, err := p.answer(links, "link all: "); err != nil {
			return w, err
		}
	}
	for _, p := range seats { // the faults in force, a leader known
		if _, err := p.answer("wait leader 30s", "leader "); err != nil {
			return w, err
		}
	}
	if w.from, err = highestTerm(seats); err != nil {
		return w, err
	}
	for end, round := time.Now().Add(d), 0; time.Now().Before(end); round++ {
		if round%3 == 0 { // three hits leave every city standing
			if _, err := teacher.answer("newgame", "committed: ", "failed: "); err != nil {
				return w, err
			}
		}
		for n, p := range seats {
			l, err := p.answer(fmt.Sprintf("attack %d %d", n+1, (n+1)%5+1), "committed: ", "failed: ", "rejected: ")
			if err != nil {
				return w, err
			}
			if !strings.HasPrefix(l, "committed: ") { // failed; or refused, after a new game failed
				w.failed++
				continue
			}
			took, err := commitTime(l)
			if err != nil {
				return w, fmt.Errorf("cannot read %q: %v", l, err)
			}
			w.commits = append(w.commits, took)
		}
	}
	if w.to, err = highestTerm(seats); err != nil {
		return w, err
	}
	w.elections = int(w.to - w.from)
	return w, nil
}

// answer sends a command and returns the first line of its answer that
// starts with one of prefixes.
func (p *proc) answer(cmd string, prefixes ...string) (string, error) {
	io.WriteString(p.in, cmd+"\n")
	timeout := time.After(time.Minute)
	for {
		select {
		case l, ok := <-p.lines:
			if !ok {
				return "", fmt.Errorf("%s: the process ended", cmd)
			}
			if strings.HasPrefix(l, "error: ") {
				return "", fmt.Errorf("%s: %s", cmd, l)
			}
			for _, pre := range prefixes {
				if strings.HasPrefix(l, pre) {
					return l, nil
				}
			}
		case <-timeout:
			return "", fmt.Errorf("%s: no answer within a minute", cmd)
		}
	}
}

// highestTerm is the highest term any seat's own replica is in. With
// PreVote on, a term rises only with an election.
func highestTerm(seats []*proc) (uint64, error) {
	var most uint64
	for n, p := range seats {
		l, err := p.answer("status json", `{"replicas"`)
		if err != nil {
			return 0, err
		}
		var st struct {
			Replicas []struct {
				Term uint64 `json:"term"`
			} `json:"replicas"`
		}
		if err := json.Unmarshal([]byte(l), &st); err != nil || len(st.Replicas) <= n {
			return 0, fmt.Errorf("seat %d's status: %q", n+1, l)
		}
		most = max(most, st.Replicas[n].Term)
	}
	return most, nil
}

// commitTime reads how long a commit took from the console's answer:
// "committed: … in 1.2 ms", perhaps followed by "(retried: …)".
func commitTime(l string) (time.Duration, error) {
	v, _, _ := strings.Cut(l[strings.LastIndex(l, " in ")+4:], " ms")
	return time.ParseDuration(v + "ms")
}

package ui

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/raftian/raftian/command"
	"github.com/raftian/raftian/record"
	"github.com/raftian/raftian/session"
	"github.com/raftian/raftian/world"
)

// autoInterval is how often auto-play makes every live player attack.
const autoInterval = time.Second

// update brings the window's memory up to date: the record's new
// observations, finished commands, and auto-play's next attacks.
func (w *Window) update(now time.Time) {
	w.model.Update()
	for done := false; !done; {
		select {
		case r := <-w.results:
			w.banner = resultNote(r, now)
			if w.teaching { // the teacher's log says what the keys did on the class
				fmt.Println(w.banner.text)
			}
		case cmd := <-w.commands:
			w.windowCommand(cmd)
		default:
			done = true
		}
	}
	if w.auto {
		w.autoPlay(now)
	}
}

// resultNote is a command's result as the banner shows it.
func resultNote(r session.Result, now time.Time) note {
	if r.Err != nil {
		return note{text: "error: " + r.Err.Error(), at: now, alarm: true}
	}
	return note{text: r.Text, at: now}
}

// windowCommand carries out a command only the window has.
func (w *Window) windowCommand(cmd command.Command) {
	switch cmd := cmd.(type) {
	case command.Autoplay:
		w.auto = cmd.On
		w.banner = note{text: cmd.String(), at: time.Now()}
	case command.Messages:
		w.showMsgs = cmd.On
	}
}

// autoPlay makes every live player attack a random rival it believes is
// still standing, each about once an autoInterval at its own moment; when
// only one city stands, a new game starts. It looks at the cluster now,
// whatever moment the picture shows.
func (w *Window) autoPlay(now time.Time) {
	head := w.model.Head()
	n := len(head.Replicas) // replicas may have been added
	for len(w.nextAuto) < n {
		w.nextAuto = append(w.nextAuto, now)
	}
	inFlight := make([]int, n+1)
	for _, p := range head.Pending {
		if p.From >= 1 && p.From <= n {
			inFlight[p.From]++
		}
	}
	for i, r := range head.Replicas {
		p := i + 1
		if now.Before(w.nextAuto[i]) {
			continue
		}
		jitter := time.Duration(w.rng.Int64N(int64(autoInterval) / 2))
		w.nextAuto[i] = now.Add(autoInterval*3/4 + jitter)
		// Leave a stuck replica alone rather than pile up proposals there.
		if !r.Up || p > r.World.Players() || !r.World.Alive(p) || inFlight[p] > 2 {
			continue
		}
		var rivals []int
		for q := 1; q <= r.World.Players(); q++ {
			if q != p && r.World.Alive(q) {
				rivals = append(rivals, q)
			}
		}
		if len(rivals) > 0 {
			w.session.Do(command.Attack{From: p, To: rivals[w.rng.IntN(len(rivals))], Via: command.Replica(p), NoWait: true})
		}
	}
	if l := head.LeaderOf(); l != 0 && now.After(w.nextGame) && alive(head.Replicas[l-1].World) <= 1 {
		w.job(command.NewGame{})
		w.nextGame = now.Add(autoInterval) // let the winner be seen
	}
}

func alive(wd *world.World) int {
	n := 0
	for p := 1; p <= wd.Players(); p++ {
		if wd.Alive(p) {
			n++
		}
	}
	return n
}

// saveRecord writes the live record to a file in the working directory,
// off the frame loop, and says where.
func (w *Window) saveRecord() {
	if w.rec == nil {
		w.banner = note{text: "this record is a file already", at: time.Now()}
		return
	}
	path, err := filepath.Abs(time.Now().Format("raftian-record-20060102-150405.jsonl.gz"))
	if err != nil {
		w.banner = note{text: "save: " + err.Error(), at: time.Now(), alarm: true}
		return
	}
	src, results := w.src, w.results // what the window draws: on a projector, the class's merged record
	w.banner = note{text: "saving the record…", at: time.Now()}
	w.saving.Add(1)
	go func() {
		defer w.saving.Done()
		r := session.Result{Text: "record saved: " + path + " (open it with raftian view)"}
		f, err := os.Create(path)
		if err == nil {
			err = record.Save(f, src)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			r = session.Result{Err: fmt.Errorf("save the record: %w", err)}
		} else {
			fmt.Println("record saved:", path)
		}
		select {
		case results <- r:
		default: // the banner is busy; stdout has the path
		}
	}()
}

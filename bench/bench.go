// Package bench measures what a user feels, on the real cluster over
// loopback, next to the engine's own limit measured in the same run:
// commit latency and throughput against a bare dragonboat shard, our
// transport against dragonboat's in-memory one, failover, healing,
// catch-up, startup, memory, and the window's frame times.
package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/raftian/raftian/config"
	"github.com/raftian/raftian/node"
	"github.com/raftian/raftian/record"
)

// Row is one figure of the table. Fields that do not apply are nil.
type Row struct {
	Figure    string   `json:"figure"`
	P50       *float64 `json:"p50"`
	P99       *float64 `json:"p99"`
	Rate      *float64 `json:"rate"`
	Unit      string   `json:"unit"`
	Reference *float64 `json:"reference"`
	Ratio     *float64 `json:"ratio"`
	Target    string   `json:"target"`
	Met       *bool    `json:"met"`
	Note      string   `json:"note,omitempty"`
}

// Options say how thoroughly to measure.
type Options struct {
	Quick  bool   // small samples: finishes in well under a minute
	Exe    string // this program, for the startup figure
	Config string // --config file given to raftian, or ""
	// Window runs the window on c until stop closes, auto-play on if
	// busy, telling onFrame every frame's whole time and build time; nil
	// when there is no display.
	Window func(c *node.Cluster, stop <-chan struct{}, busy bool, onFrame func(frame, build time.Duration))
	// Replay plays a record in the window at 1/100 from at (µs) until
	// stop closes, telling onFrame every frame's times; nil when there is
	// no display.
	Replay func(log *record.Log, at int64, stop <-chan struct{}, onFrame func(frame, build time.Duration))
	Log    io.Writer // progress lines
}

// Run measures every figure with the cluster configuration cfg.
func Run(cfg config.Config, opts Options) ([]Row, error) {
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	b := &bench{cfg: cfg, opts: opts}
	keep, err := os.MkdirTemp("", "raftian-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(keep)
	b.keep = keep
	steps := []func() error{
		// Memory first: the other figures leave this process's heap large.
		b.memory, b.latency, b.throughput, b.transport, b.failover, b.heal, b.catchUp, b.startup, b.class, b.classOnWiFi, b.classRecord, b.largeClass, b.projector, b.frames,
		b.recording, b.record,
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return b.rows, err
		}
	}
	return b.rows, nil
}

type bench struct {
	cfg  config.Config
	opts Options
	rows []Row
	keep string // a directory for what one step leaves another: the classes' merged records
}

// classRecordFile is where the class of n seats leaves its merged record.
func (b *bench) classRecordFile(n int) string {
	return filepath.Join(b.keep, fmt.Sprintf("class%d.jsonl.gz", n))
}

func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(b.opts.Log, "bench: "+format+"\n", args...)
}

// n picks the sample size: quick or full.
func (b *bench) n(quick, full int) int {
	if b.opts.Quick {
		return quick
	}
	return full
}

func (b *bench) add(r Row) { b.rows = append(b.rows, r) }

func f(v float64) *float64 { return &v }
func t(v bool) *bool       { return &v }

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// percentile returns the p-th percentile (0..100) of ds, in ms.
func percentile(ds []time.Duration, p float64) float64 {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(float64(len(s)-1) * p / 100)
	return ms(s[i])
}

// Table renders rows as one markdown table.
func Table(rows []Row) string {
	var sb strings.Builder
	sb.WriteString("| figure | p50 | p99 | rate | reference | ratio | target | met |\n")
	sb.WriteString("|---|---|---|---|---|---|---|---|\n")
	num := func(v *float64, unit string) string {
		if v == nil {
			return "–"
		}
		return fmt.Sprintf("%.3g %s", *v, unit)
	}
	for _, r := range rows {
		met := "–"
		if r.Met != nil {
			met = map[bool]string{true: "yes", false: "**no**"}[*r.Met]
		}
		ratio := "–"
		if r.Ratio != nil {
			ratio = fmt.Sprintf("%.2f×", *r.Ratio)
		}
		rateUnit := r.Unit
		if r.Rate != nil && !strings.HasSuffix(r.Unit, "/s") {
			rateUnit = r.Unit
		}
		figure := r.Figure
		if r.Note != "" {
			figure += " (" + r.Note + ")"
		}
		fmt.Fprintf(&sb, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", figure,
			num(r.P50, r.Unit), num(r.P99, r.Unit), num(r.Rate, rateUnit), num(r.Reference, r.Unit), ratio, r.Target, met)
	}
	return sb.String()
}

// Machine describes this machine in one line.
func Machine() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "model name") {
				model = strings.TrimSpace(strings.SplitN(line, ":", 2)[1])
				break
			}
		}
	}
	return fmt.Sprintf("%s, %d cores, %s %s/%s", model, runtime.NumCPU(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

// WriteJSON writes the rows and the machine to path.
func WriteJSON(path string, rows []Row) error {
	b, err := json.MarshalIndent(struct {
		Machine string `json:"machine"`
		Rows    []Row  `json:"rows"`
	}{Machine(), rows}, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

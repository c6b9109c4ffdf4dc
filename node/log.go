package node

import (
	"context"
	"fmt"
	stdlog "log"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lni/dragonboat/v4/logger"

	"github.com/raftian/raftian/node/wire"
)

// dragonboat's loggers are process-wide and its factory can be set only
// once, so every Cluster in the process shares one destination, set with
// SetLogger. Lines do not say which replica wrote them: dragonboat does not
// tell its loggers.

var (
	logOnce sync.Once
	logDest atomic.Pointer[slog.Logger]
)

// SetLogger routes dragonboat's and Raftian's log lines to l.
func SetLogger(l *slog.Logger) {
	logDest.Store(l)
	wire.SetLogger(l)
}

func log() *slog.Logger {
	if l := logDest.Load(); l != nil {
		return l
	}
	return slog.Default()
}

// quietPackages are dragonboat loggers that are chatty in normal operation
// here: crashed peers and restarts make them log at warning level.
var quietPackages = map[string]logger.LogLevel{
	"transport":  logger.CRITICAL,
	"raft":       logger.ERROR,
	"rsm":        logger.ERROR,
	"logdb":      logger.ERROR,
	"pebblekv":   logger.ERROR,
	"dragonboat": logger.ERROR,
	"raftpb":     logger.ERROR,
	"config":     logger.ERROR,
}

func installLogger() {
	logOnce.Do(func() {
		logger.SetLoggerFactory(func(pkg string) logger.ILogger {
			l := &slogger{pkg: pkg}
			level := logger.WARNING
			if q, ok := quietPackages[pkg]; ok {
				level = q
			}
			l.SetLevel(level)
			return l
		})
		// pebble, dragonboat's storage, writes through the standard log
		// package: a note after every flush on memory storage ("background
		// error: vfs: not supported"), hundreds of lines that buried a
		// test's report. They are debug lines here.
		stdlog.SetFlags(0)
		stdlog.SetPrefix("")
		stdlog.SetOutput(pebbleLines{})
	})
}

type pebbleLines struct{}

func (pebbleLines) Write(p []byte) (int, error) {
	log().Debug(strings.TrimSpace(string(p)), "pkg", "pebble")
	return len(p), nil
}

type slogger struct {
	pkg   string
	level atomic.Int32
}

func (l *slogger) SetLevel(v logger.LogLevel) { l.level.Store(int32(v)) }

func (l *slogger) logf(v logger.LogLevel, s slog.Level, format string, args []any) {
	if logger.LogLevel(l.level.Load()) < v {
		return
	}
	log().Log(context.Background(), s, fmt.Sprintf(format, args...), "pkg", l.pkg)
}

func (l *slogger) Debugf(f string, a ...any)   { l.logf(logger.DEBUG, slog.LevelDebug, f, a) }
func (l *slogger) Infof(f string, a ...any)    { l.logf(logger.INFO, slog.LevelInfo, f, a) }
func (l *slogger) Warningf(f string, a ...any) { l.logf(logger.WARNING, slog.LevelWarn, f, a) }
func (l *slogger) Errorf(f string, a ...any)   { l.logf(logger.ERROR, slog.LevelError, f, a) }

// Panicf keeps dragonboat's contract: it does not return. It tells the
// OnStop function, if there is one, and panics.
func (l *slogger) Panicf(f string, a ...any) {
	msg := fmt.Sprintf(f, a...)
	if h := onStop.Load(); h != nil {
		(*h)(diagnose(msg))
	}
	log().Error(msg, "pkg", l.pkg)
	panic(msg)
}

// dragonboat stops on an error it cannot go on from (a full disk, data it
// cannot read) by calling its logger's Panicf, which is ours: instead of a
// panic and a stack trace, the program can say what happened and exit.

// Stop is why dragonboat stopped.
type Stop struct {
	Replica  int    // 0 if the message does not say
	File     string // the file it names, if any
	DiskFull bool
	Detail   string // dragonboat's own message
}

func (s Stop) Error() string {
	who := "a replica"
	if s.Replica > 0 {
		who = fmt.Sprintf("replica %d", s.Replica)
	}
	where := ""
	if s.File != "" {
		where = ": " + s.File
	}
	if s.DiskFull {
		return fmt.Sprintf("%s could not write its data%s: the disk is full. Free some space and start "+
			"raftian again: what was committed is kept.", who, where)
	}
	return fmt.Sprintf("%s could not use its data%s. It is damaged: put it back from a backup if you have "+
		"one; otherwise move the data directory aside (or use --data DIR) and start a new game.", who, where)
}

var onStop atomic.Pointer[func(Stop)]

// OnStop makes f run, instead of a panic, when dragonboat stops on an
// error. f should not return: dragonboat cannot go on.
func OnStop(f func(Stop)) { onStop.Store(&f) }

var (
	stopReplica = regexp.MustCompile(`\[0*\d+:0*(\d+)\]`)
	stopFile    = regexp.MustCompile(`(?:[A-Za-z]:)?[/\\][^\s:'"]*replica-\d+[^\s:'"]*`)
)

// diagnose reads what it can from dragonboat's message.
func diagnose(msg string) Stop {
	s := Stop{Detail: msg}
	if m := stopReplica.FindStringSubmatch(msg); m != nil {
		s.Replica, _ = strconv.Atoi(m[1])
	}
	s.File = stopFile.FindString(msg)
	s.DiskFull = strings.Contains(msg, "no space left on device") || strings.Contains(msg, "not enough space on the disk")
	return s
}

// WriteCrashFile writes what dragonboat said and every goroutine's stack
// to a new file in dir, and returns its path.
func WriteCrashFile(dir string, s Stop) (string, error) {
	buf := make([]byte, 4<<20)
	buf = buf[:runtime.Stack(buf, true)]
	path := filepath.Join(dir, "raftian-crash-"+time.Now().Format("20060102-150405")+".txt")
	text := fmt.Sprintf("raftian stopped: %v\n\ndragonboat said: %s\n\n%s", s, s.Detail, buf)
	return path, os.WriteFile(path, []byte(text), 0o644)
}

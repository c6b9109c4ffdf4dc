package node

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/lni/dragonboat/v4/logger"
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
func SetLogger(l *slog.Logger) { logDest.Store(l) }

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
	})
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

// Panicf keeps dragonboat's contract: it logs and panics.
func (l *slogger) Panicf(f string, a ...any) {
	msg := fmt.Sprintf(f, a...)
	log().Error(msg, "pkg", l.pkg)
	panic(msg)
}

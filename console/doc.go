// Package console is Raftian's headless mode: a small line-based command
// language (status, attack, crash, isolate, partition, heal, wait, ...) read
// from standard input and answered on standard output, so that scripts,
// tests and lessons can drive the real cluster without a window.
package console

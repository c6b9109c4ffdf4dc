// Package ui is Raftian's window: one pane per replica, each drawn from
// that replica's own status and world, never from a shared "true" copy.
//
// The frame loop never waits on Raft. Each frame it reads the cluster's
// cached status, draws, and turns input into intents that run on their own
// goroutines (proposals return tickets). Layout and hit-testing are pure
// functions, tested without a window.
package ui

// Package ui is Raftian's window: one pane per replica, each drawn from
// that replica's own view as the replay model (package rewind) tells it at
// the moment shown, live or rewound, never from a shared "true" copy.
//
// The frame loop never waits on Raft. Each frame it reads what the record
// added, draws the model's state at the moment shown, and turns input into
// intents; those that change the cluster become commands a session carries
// out on a worker (an attack returns a ticket at once). Layout and
// hit-testing are pure functions, tested without a window.
package ui

// Package world is the game Raftian replicates: five players, one city
// each, attacks that cost a city 30 of its 100 HP.
//
// A World is a pure, deterministic state machine. Log entries come in
// through Apply, in log order, and a Result comes out; there are no clocks,
// no randomness and no I/O, so every replica that applies the same entries
// holds the same World, and Hash proves it. Save and Restore are the
// snapshot form dragonboat stores and ships to followers that fell behind.
package world

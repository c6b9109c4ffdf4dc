// Package node runs the game's Raft replicas: one dragonboat NodeHost per
// player, all in this process, talking over the project's own loopback TCP
// transport.
//
// The transport passes every message through a fault layer (crash, isolate,
// partition, lossy and slow links) and a tap that records what was sent, so
// the UI can draw it. A Cluster owns the replicas and offers the operations a
// user can trigger: propose an attack through any replica, crash or restart
// one, cut links, heal. Status reads each replica's own view: its role, term,
// the leader it believes in, its log and its own copy of the world.
package node

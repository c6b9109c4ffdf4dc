// Package node runs the game's Raft replicas: one dragonboat NodeHost per
// player, all in this process, talking over the project's own loopback TCP
// transport.
//
// The transport (package wire) passes every message through a fault layer
// (isolate, partition, lossy and slow links). A Cluster owns the replicas
// and offers the operations a user can trigger: propose an attack through
// any replica, crash or restart one, cut links, heal, hand leadership
// over, add and remove replicas. What happens it tells in one way only:
// as observations in its record (package record), as etcd's raft tells
// its Ready; Status reads each replica's own view now, for those who act
// on it (the session, chaos, the benchmarks).
package node

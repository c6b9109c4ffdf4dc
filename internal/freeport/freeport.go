// Package freeport finds free loopback addresses for tests that start
// replicas: tests run in parallel and must not share fixed ports.
package freeport

import (
	"net"
	"testing"
)

// Addrs returns n distinct free loopback addresses. All n listeners are
// held until the end, so the kernel cannot hand out one port twice.
func Addrs(t testing.TB, n int) []string {
	t.Helper()
	var out []string
	for i := 0; i < n; i++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		out = append(out, ln.Addr().String())
	}
	return out
}

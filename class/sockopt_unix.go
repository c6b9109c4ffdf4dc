//go:build !windows

package class

import "syscall"

// setsockopt turns a socket option on.
func setsockopt(c syscall.RawConn, opt int) error {
	var err error
	c.Control(func(fd uintptr) { err = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, opt, 1) })
	return err
}

package class

import "syscall"

// broadcastControl lets a socket send to a broadcast address.
func broadcastControl(_, _ string, c syscall.RawConn) error {
	return setsockopt(c, syscall.SO_BROADCAST)
}

// listenControl lets several programs on one laptop hear beacons.
func listenControl(_, _ string, c syscall.RawConn) error {
	return setsockopt(c, syscall.SO_REUSEADDR)
}

func setsockopt(c syscall.RawConn, opt int) error {
	var err error
	c.Control(func(fd uintptr) { err = syscall.SetsockoptInt(syscall.Handle(fd), syscall.SOL_SOCKET, opt, 1) })
	return err
}

package class

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"strconv"
	"syscall"
	"time"
)

// Finding the class on a school network without typing its address: the
// teacher's laptop broadcasts a beacon every second on each of its
// networks (UDP, the subnet's broadcast address: it never leaves the
// subnet), as LocalSend and Syncthing do. The beacon carries no secret:
// the class's id, its port and the teacher's name. A student's laptop
// listens a few seconds and tries the code on each class it heard; where
// the network drops broadcasts (client isolation, VLANs), CODE@HOST:PORT
// still works.

// BeaconPort is where beacons are sent and heard.
const BeaconPort = 26199

// beaconEvery is how often the teacher's laptop announces the class.
const beaconEvery = time.Second

type beacon struct {
	Raftian string `json:"raftian"`
	Class   string `json:"class"` // the class's id (ID of its CA)
	Port    int    `json:"port"`  // the class port, on the beacon's source address
	Teacher string `json:"teacher"`
}

// Found is a class a beacon announced.
type Found struct {
	Addr    string // the class port, HOST:PORT
	Class   string
	Teacher string
	Version string
}

// Announce broadcasts the class (its port is classPort) every second on
// every network of this laptop until stop closes.
func (t *Teacher) Announce(classPort int, stop <-chan struct{}) {
	b, _ := json.Marshal(beacon{Raftian: Version, Class: ID(t.ca.Cert), Port: classPort, Teacher: t.Roster()[0].Name})
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		tick := time.NewTicker(beaconEvery)
		defer tick.Stop()
		for {
			t.mu.Lock()
			open := !t.closed
			t.mu.Unlock()
			if open {
				broadcast(b)
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
}

// broadcast sends b once to the broadcast address of every network this
// laptop is on.
func broadcast(b []byte) {
	lc := net.ListenConfig{Control: broadcastControl}
	c, err := lc.ListenPacket(context.Background(), "udp4", ":0")
	if err != nil {
		return
	}
	defer c.Close()
	for _, dst := range broadcastAddrs() {
		c.WriteTo(b, &net.UDPAddr{IP: dst, Port: BeaconPort})
	}
}

// broadcastAddrs are the broadcast addresses of this laptop's IPv4
// networks that are up (loopback's too: a class on one machine).
func broadcastAddrs() []net.IP {
	var out []net.IP
	ifs, _ := net.Interfaces()
	for _, ifi := range ifs {
		if ifi.Flags&net.FlagUp == 0 {
			continue
		}
		addrs, _ := ifi.Addrs()
		for _, a := range addrs {
			n, ok := a.(*net.IPNet)
			if !ok || n.IP.To4() == nil {
				continue
			}
			ip, mask := n.IP.To4(), net.IP(n.Mask).To4()
			if mask == nil {
				continue
			}
			bc := make(net.IP, 4)
			for i := range bc {
				bc[i] = ip[i] | ^mask[i]
			}
			if ifi.Flags&net.FlagLoopback != 0 {
				bc = ip // loopback has no broadcast: the laptop itself
			}
			out = append(out, bc)
		}
	}
	return out
}

// broadcastControl lets a socket send to a broadcast address.
func broadcastControl(_, _ string, c syscall.RawConn) error {
	return setsockopt(c, syscall.SO_BROADCAST)
}

// listenControl lets several programs on one laptop hear beacons.
func listenControl(_, _ string, c syscall.RawConn) error {
	return setsockopt(c, syscall.SO_REUSEADDR)
}

// ErrNoClassHeard says discovery found nothing.
var ErrNoClassHeard = errors.New("no class answered on this network: it may block discovery (Wi-Fi client isolation, separate VLANs). Type CODE@HOST:PORT as the teacher's screen shows it")

// gatherFor is how long discovery goes on listening once it heard a
// class: others on the same network announce within a second.
const gatherFor = 1500 * time.Millisecond

// Discover listens for beacons for within (less once one is heard) and
// returns the classes heard, in the order first heard.
func Discover(within time.Duration) ([]Found, error) {
	lc := net.ListenConfig{Control: listenControl}
	c, err := lc.ListenPacket(context.Background(), "udp4", ":"+strconv.Itoa(BeaconPort))
	if err != nil {
		return nil, err
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(within))
	var found []Found
	seen := map[string]bool{}
	buf := make([]byte, 2048)
	for {
		n, from, err := c.ReadFrom(buf)
		if err != nil {
			break // the deadline
		}
		var b beacon
		src, ok := from.(*net.UDPAddr)
		if !ok || json.Unmarshal(buf[:n], &b) != nil || b.Port < 1 || b.Port > 65535 || len(b.Class) > 64 || len(b.Teacher) > 64 {
			continue // not a beacon: ignored
		}
		addr := net.JoinHostPort(src.IP.String(), strconv.Itoa(b.Port))
		if seen[addr] {
			continue
		}
		seen[addr] = true
		if len(found) == 0 {
			c.SetReadDeadline(time.Now().Add(min(gatherFor, within)))
		}
		found = append(found, Found{Addr: addr, Class: b.Class, Teacher: b.Teacher, Version: b.Raftian})
	}
	return found, nil
}

// JoinFound tries the code on each class found, in turn, and gives the
// seat of the first that takes it. Where no class takes it, the error
// says why (a wrong code, if every class said so).
func JoinFound(code string, found []Found, name, dir string) (*Student, error) {
	if len(found) == 0 {
		return nil, ErrNoClassHeard
	}
	var last error
	for _, f := range found {
		s, err := Join(code, f.Addr, name, dir)
		if err == nil {
			return s, nil
		}
		if last == nil || errors.Is(err, ErrWrongCode) {
			last = err // a wrong code says more than a class that cannot be reached
		}
	}
	return nil, last
}

package node

import (
	"crypto/md5"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	pb "github.com/lni/dragonboat/v4/raftpb"

	"github.com/raftian/raftian/node/wire"
)

// A class's laptops move: DHCP gives a new address, a laptop's name
// follows the network it is on. dragonboat keeps both with a replica's
// data (its flag file dragonboat.ds, and a directory named after the
// computer) and refuses the data under another (ErrNotOwner,
// ErrHostnameChanged). A seat is known by its certificate, not by where it
// is: before its replica starts, a seat's data follows it, the directory
// renamed and the flag file written again. The other seats learn where it
// is now from its own messages (wire.Network.Locate) and from the class's
// roster.

// followSeat brings replica r's data under this computer's name and
// address, if it was written under others. It returns what it moved, for
// the log ("" when nothing).
func followSeat(r *replica) (string, error) {
	flag := filepath.Join(r.dir, "dragonboat.ds")
	data, err := readFlagFile(flag)
	if errors.Is(err, os.ErrNotExist) {
		return "", nil // never ran
	}
	if err != nil {
		return "", err // checkData says what is wrong
	}
	var s pb.RaftDataStatus
	if err := wire.Unmarshal(s.Unmarshal, data); err != nil {
		return "", err
	}
	host, err := os.Hostname()
	if err != nil {
		return "", err
	}
	var moved []string
	if s.Hostname != "" && !strings.EqualFold(s.Hostname, host) {
		from, to := filepath.Join(r.dir, s.Hostname), filepath.Join(r.dir, host)
		if _, err := os.Stat(to); err == nil {
			return "", fmt.Errorf("seat %d's data is kept under both %q and %q: keep one", r.id, s.Hostname, host)
		}
		if err := os.Rename(from, to); err != nil {
			return "", err
		}
		moved = append(moved, fmt.Sprintf("computer name %s → %s", s.Hostname, host))
		s.Hostname = host
	}
	if !strings.EqualFold(s.Address, r.addr) {
		moved = append(moved, fmt.Sprintf("address %s → %s", s.Address, r.addr))
		s.Address = r.addr
	}
	if len(moved) == 0 {
		return "", nil
	}
	if err := writeFlagFile(flag, &s); err != nil {
		return "", err
	}
	return strings.Join(moved, ", "), nil
}

// writeFlagFile writes a dragonboat flag file as dragonboat does (the
// first 8 bytes of the MD5 of the message, then the message), through a
// new file renamed over the old.
func writeFlagFile(path string, s *pb.RaftDataStatus) error {
	data, err := s.Marshal()
	if err != nil {
		return err
	}
	sum := md5.Sum(data)
	tmp := path + ".new"
	if err := writeSynced(tmp, append(sum[8:], data...)); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

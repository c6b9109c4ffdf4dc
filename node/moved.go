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
// follows the network it is on. A seat's address in Raft is its seat
// (wire.SeatAddr), which never changes, and the other seats learn where it
// listens now from its connections (wire.Network.Locate) and from the
// class's roster. Its computer's name is another matter: dragonboat keeps
// it with a replica's data (its flag file dragonboat.ds, and a directory
// named after the computer) and refuses the data under another
// (ErrHostnameChanged). Before a seat's replica starts, its data follows
// the laptop: the directory renamed and the flag file written again.

// followSeat brings replica r's data under this computer's name, if it was
// written under another. It returns what it moved, for the log ("" when
// nothing).
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
	if s.Hostname == "" || strings.EqualFold(s.Hostname, host) {
		return "", nil
	}
	from, to := filepath.Join(r.dir, s.Hostname), filepath.Join(r.dir, host)
	if _, err := os.Stat(to); err == nil {
		return "", fmt.Errorf("seat %d's data is kept under both %q and %q: keep one", r.id, s.Hostname, host)
	}
	if err := os.Rename(from, to); err != nil {
		return "", err
	}
	was := s.Hostname
	s.Hostname = host
	if err := writeFlagFile(flag, &s); err != nil {
		return "", err
	}
	return fmt.Sprintf("computer name %s → %s", was, host), nil
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

package node

import (
	"bytes"
	"crypto/md5"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/cockroachdb/pebble"
	pb "github.com/lni/dragonboat/v4/raftpb"

	"github.com/raftian/raftian/node/wire"
)

// dragonboat trusts the files it wrote: a flipped byte or a truncated
// snapshot makes it panic inside its own goroutines, which takes every
// replica of the process down with a stack trace. So before a replica on
// disk is opened (at start and at every restart), the files it will read
// first are checked the way dragonboat wrote them: its flag files (an MD5
// prefix and a protobuf), and each snapshot (a header with its checksum,
// then blocks each with a CRC-32, then a tail). A damaged replica is then
// refused with its file named, and the others run on.

// DamagedDataError says a replica's data is damaged.
type DamagedDataError struct {
	Replica int
	File    string
	Problem string
}

func (e *DamagedDataError) Error() string {
	return fmt.Sprintf("replica %d's data is damaged: %s: %s.\n"+
		"Put the file back from a backup if you have one. Raft cannot rebuild a replica that "+
		"lost data under its old id (it could forget a vote, or an entry it acknowledged): "+
		"otherwise move the data directory aside (or use --data DIR) and start a new game.",
		e.Replica, e.File, e.Problem)
}

// checkData checks replica r's files before it is opened.
func checkData(r *replica) error {
	damaged := func(file, problem string) error {
		return &DamagedDataError{Replica: r.id, File: file, Problem: problem}
	}
	flag := filepath.Join(r.dir, "dragonboat.ds")
	if _, err := os.Stat(flag); err == nil {
		if _, err := readFlagFile(flag); err != nil {
			return damaged(flag, err.Error())
		}
	}
	dirs, err := snapshotDirs(r.dir, r.id)
	if err != nil {
		return err
	}
	// The snapshot the replica will load is the newest its log database
	// records: it must be there.
	logdb, want, err := recordedSnapshot(r)
	if err != nil {
		return damaged(logdb, err.Error())
	}
	if want > 0 && !slices.ContainsFunc(dirs, func(d string) bool { i, _ := snapshotIndex(d); return i == want }) {
		return damaged(filepath.Join(filepath.Dir(logdb), "snapshot-part-*", fmt.Sprintf("snapshot-%d-%d", shardID, r.id),
			fmt.Sprintf("snapshot-%016X", want)), "missing: the log database records a snapshot there")
	}
	for _, d := range dirs {
		meta := filepath.Join(d, "snapshot.metadata")
		data, err := readFlagFile(meta)
		if errors.Is(err, os.ErrNotExist) {
			continue // a snapshot being written when the replica stopped
		}
		if err != nil {
			return damaged(meta, err.Error())
		}
		var ss pb.Snapshot
		if err := wire.Unmarshal(ss.Unmarshal, data); err != nil {
			return damaged(meta, err.Error())
		}
		file := filepath.Join(d, filepath.Base(d)+".gbsnap")
		if err := checkSnapshotFile(file, ss.FileSize); err != nil {
			return damaged(file, err.Error())
		}
	}
	return nil
}

// recordedSnapshot returns replica r's log database directory and the
// index of the newest snapshot it records (0 for none), read with pebble,
// the storage engine dragonboat uses, opened read-only.
func recordedSnapshot(r *replica) (string, uint64, error) {
	dbs, err := filepath.Glob(filepath.Join(r.dir, "*", "*", "logdb-*"))
	if err != nil || len(dbs) == 0 {
		return "", 0, err
	}
	dir := dbs[0]
	db, err := pebble.Open(dir, &pebble.Options{ReadOnly: true, Logger: quietPebble{}})
	if err != nil {
		return dir, 0, fmt.Errorf("the log database cannot be read: %v", err)
	}
	defer db.Close()
	// dragonboat's snapshot keys: 0x05 0x05 0 0, shard, replica, index.
	key := func(index uint64) []byte {
		k := []byte{5, 5, 0, 0}
		k = binary.BigEndian.AppendUint64(k, shardID)
		k = binary.BigEndian.AppendUint64(k, uint64(r.id))
		return binary.BigEndian.AppendUint64(k, index)
	}
	it := db.NewIter(&pebble.IterOptions{LowerBound: key(0), UpperBound: key(math.MaxUint64)})
	defer it.Close()
	if !it.Last() {
		if err := it.Error(); err != nil {
			return dir, 0, fmt.Errorf("the log database cannot be read: %v", err)
		}
		return dir, 0, nil
	}
	var ss pb.Snapshot
	if err := wire.Unmarshal(ss.Unmarshal, it.Value()); err != nil {
		return dir, 0, fmt.Errorf("its snapshot record is damaged: %v", err)
	}
	if ss.Dummy || ss.Witness {
		return dir, 0, nil
	}
	return dir, ss.Index, nil
}

// quietPebble keeps pebble's own log lines out of the terminal.
type quietPebble struct{}

func (quietPebble) Infof(string, ...any)      {}
func (quietPebble) Fatalf(f string, a ...any) { panic(fmt.Sprintf(f, a...)) }

// snapshotDirs lists replica id's snapshot directories under dir, oldest
// first. dragonboat puts them under dir/<hostname>/<deployment>/.
func snapshotDirs(dir string, id int) ([]string, error) {
	pattern := filepath.Join(dir, "*", "*", "snapshot-part-*", fmt.Sprintf("snapshot-%d-%d", shardID, id), "snapshot-*")
	dirs, err := filepath.Glob(pattern)
	if err != nil {
		return nil, err
	}
	out := dirs[:0]
	for _, d := range dirs {
		if _, ok := snapshotIndex(d); ok {
			out = append(out, d)
		}
	}
	slices.Sort(out) // the index is fixed-width hex
	return out, nil
}

// snapshotIndex reads the index from a snapshot directory's name,
// snapshot-<16 hex digits>.
func snapshotIndex(dir string) (uint64, bool) {
	hex, ok := strings.CutPrefix(filepath.Base(dir), "snapshot-")
	if !ok || len(hex) != 16 {
		return 0, false
	}
	v, err := strconv.ParseUint(hex, 16, 64)
	return v, err == nil
}

// readFlagFile reads one of dragonboat's flag files: the first 8 bytes of
// the MD5 of the rest, then the rest (a protobuf message).
func readFlagFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b) < 8 {
		return nil, errors.New("too short")
	}
	sum := md5.Sum(b[8:])
	if !bytes.Equal(b[:8], sum[8:]) {
		return nil, errors.New("its checksum does not match")
	}
	return b[8:], nil
}

// The layout of a dragonboat snapshot file (its internal/rsm, version 2).
const (
	snapshotHeaderSize = 1024
	snapshotBlockSize  = 2 << 20
	snapshotTailSize   = 16
)

// checkSnapshotFile checks a snapshot file: its size (when the metadata
// knows it), its header, and every block's CRC-32.
func checkSnapshotFile(path string, size uint64) error {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return errors.New("missing")
		}
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if size != 0 && uint64(st.Size()) != size {
		return fmt.Errorf("%d bytes, but %d were written", st.Size(), size)
	}
	if st.Size() < snapshotHeaderSize+snapshotTailSize {
		return errors.New("truncated")
	}
	head := make([]byte, snapshotHeaderSize)
	if _, err := io.ReadFull(f, head); err != nil {
		return err
	}
	n := binary.LittleEndian.Uint64(head)
	if n > snapshotHeaderSize-8 {
		return errors.New("its header is damaged")
	}
	var h pb.SnapshotHeader
	if err := wire.Unmarshal(h.Unmarshal, head[8:8+n]); err != nil {
		return errors.New("its header is damaged")
	}
	// The header's checksum is over the header marshalled without it.
	sum := h.HeaderChecksum
	h.HeaderChecksum = nil
	data, err := h.Marshal()
	hh := crc32.NewIEEE()
	hh.Write(data)
	if err != nil || !bytes.Equal(hh.Sum(nil), sum) {
		return errors.New("its header checksum does not match")
	}
	if h.Version != 2 {
		return nil // only version 2 is written by this dragonboat
	}
	payload := st.Size() - snapshotHeaderSize - snapshotTailSize
	tail := make([]byte, snapshotTailSize)
	if _, err := f.ReadAt(tail, snapshotHeaderSize+payload); err != nil {
		return err
	}
	if binary.LittleEndian.Uint64(tail) != uint64(payload) {
		return errors.New("truncated or extended: its length does not match its tail")
	}
	// Each block is its data and the CRC-32 of the data; the header holds
	// the CRC-32 of all the blocks' CRCs.
	all := crc32.NewIEEE()
	block := make([]byte, snapshotBlockSize+4)
	for left := payload; left > 0; {
		k := min(left, snapshotBlockSize+4)
		if k <= 4 {
			return errors.New("a block is truncated")
		}
		if _, err := io.ReadFull(f, block[:k]); err != nil {
			return err
		}
		data, crc := block[:k-4], block[k-4:k]
		var want [4]byte
		binary.BigEndian.PutUint32(want[:], crc32.ChecksumIEEE(data))
		if !bytes.Equal(crc, want[:]) {
			return errors.New("a block's checksum does not match")
		}
		all.Write(crc)
		left -= k
	}
	if !bytes.Equal(all.Sum(nil), h.PayloadChecksum) {
		return errors.New("its payload checksum does not match")
	}
	return nil
}

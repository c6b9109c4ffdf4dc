package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"sync"
)

// Wire format of the transport: every message batch or snapshot chunk is
// one frame.
//
//	magic "RFT" | kind (1 byte) | payload length (4 bytes, big endian) |
//	CRC-32C of the payload (4 bytes) | id of its first message (8 bytes) |
//	payload (protobuf from raftpb)
//
// The id pairs the messages' delivery with their sending in the record
// (package record): a batch's messages have consecutive ids; 0 if none.
//
// The reader never trusts the length: a frame is read only once its
// length fits in the inbound budget shared by every connection of the
// cluster (see budget), so hostile peers together cannot make the
// replicas hold more than that.

const (
	frameHeaderSize = 20
	frameBatch      = 1
	frameChunk      = 2
	// frameWhere opens a class's connection: where the dialling seat
	// listens (host:port), so that a seat that moved, or joined after the
	// other, can be reached (the handshake proved which seat it is).
	frameWhere = 3
	maxWhere   = 255
	// maxFrameSize bounds one frame: dragonboat caps a message batch at
	// 64 MiB and sends snapshots in 2 MiB chunks.
	maxFrameSize = 64<<20 + 1<<20
)

var (
	frameMagic = [3]byte{'R', 'F', 'T'}
	crcTable   = crc32.MakeTable(crc32.Castagnoli)

	errBadMagic = errors.New("not a raftian frame (bad magic)")
	errBadKind  = errors.New("unknown frame kind")
	errTooLarge = errors.New("frame too large")
	errBadCRC   = errors.New("frame checksum mismatch")
)

// appendFrame appends a frame carrying payload to b.
func appendFrame(b []byte, kind byte, id uint64, payload []byte) []byte {
	var h [frameHeaderSize]byte
	putFrameHeader(h[:], kind, id, payload)
	return append(append(b, h[:]...), payload...)
}

// BatchFrame returns the frame a peer sends for an encoded message batch
// (or for any bytes: tests play hostile peers with it).
func BatchFrame(payload []byte) []byte { return appendFrame(nil, frameBatch, 0, payload) }

// putFrameHeader writes the header of a frame carrying payload into h.
func putFrameHeader(h []byte, kind byte, id uint64, payload []byte) {
	copy(h, frameMagic[:])
	h[3] = kind
	binary.BigEndian.PutUint32(h[4:], uint32(len(payload)))
	binary.BigEndian.PutUint32(h[8:], crc32.Checksum(payload, crcTable))
	binary.BigEndian.PutUint64(h[12:], id)
}

// header is a frame's header, read before its payload.
type header struct {
	kind byte
	size int
	sum  uint32
	id   uint64
}

// readHeader reads and checks one frame header.
func readHeader(r io.Reader) (header, error) {
	var h [frameHeaderSize]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return header{}, err
	}
	if [3]byte(h[:3]) != frameMagic {
		return header{}, errBadMagic
	}
	fh := header{kind: h[3], size: int(binary.BigEndian.Uint32(h[4:])), sum: binary.BigEndian.Uint32(h[8:]),
		id: binary.BigEndian.Uint64(h[12:])}
	if fh.kind != frameBatch && fh.kind != frameChunk && fh.kind != frameWhere {
		return header{}, fmt.Errorf("%w %d", errBadKind, fh.kind)
	}
	if fh.size > maxFrameSize {
		return header{}, fmt.Errorf("%w: %d bytes", errTooLarge, fh.size)
	}
	return fh, nil
}

// readPayload reads the payload h announces and checks its sum. buf is
// used when it is large enough; the payload is valid until buf is reused.
func readPayload(r io.Reader, h header, buf []byte) ([]byte, error) {
	payload := buf[:0]
	if cap(payload) < h.size {
		payload = make([]byte, h.size)
	}
	payload = payload[:h.size]
	if _, err := io.ReadFull(r, payload); err != nil {
		return nil, err
	}
	if crc32.Checksum(payload, crcTable) != h.sum {
		return nil, errBadCRC
	}
	return payload, nil
}

// readFrame reads one frame (tests and the fuzzer: the transport reads the
// header first to check the budget).
func readFrame(r io.Reader, buf []byte) (kind byte, payload []byte, err error) {
	h, err := readHeader(r)
	if err != nil {
		return 0, nil, err
	}
	payload, err = readPayload(r, h, buf)
	return h.kind, payload, err
}

// budget bounds the bytes of the frames being read by every inbound
// connection of a cluster together. A frame is read only once its whole
// size is taken from the budget, and the size is given back when it has
// been delivered; a frame that does not fit is refused before anything of
// it is buffered.
type budget struct {
	mu   sync.Mutex
	left int
}

// inboundBudget holds one frame of the largest size dragonboat sends and
// then some: the replicas' own frames are small, except snapshot chunks
// (2 MiB) and the rare batch of a far-behind follower.
const inboundBudget = maxFrameSize + 16<<20

func (b *budget) take(n int) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if n > b.left {
		return false
	}
	b.left -= n
	return true
}

func (b *budget) give(n int) {
	b.mu.Lock()
	b.left += n
	b.mu.Unlock()
}

package node

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"slices"
)

// Wire format of the transport: every message batch or snapshot chunk is
// one frame.
//
//	magic "RFT" | kind (1 byte) | payload length (4 bytes, big endian) |
//	CRC-32C of the payload (4 bytes) | payload (protobuf from raftpb)
//
// The reader never trusts the length: it allocates as bytes arrive, so a
// peer that claims a huge frame and sends nothing costs nothing.

const (
	frameHeaderSize = 12
	frameBatch      = 1
	frameChunk      = 2
	// maxFrameSize bounds one frame: dragonboat caps a message batch at
	// 64 MiB and sends snapshots in 2 MiB chunks.
	maxFrameSize = 64<<20 + 1<<20
	// readStep is how much the reader allocates at a time for a payload.
	readStep = 1 << 20
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
func appendFrame(b []byte, kind byte, payload []byte) []byte {
	var h [frameHeaderSize]byte
	putFrameHeader(h[:], kind, payload)
	return append(append(b, h[:]...), payload...)
}

// putFrameHeader writes the header of a frame carrying payload into h.
func putFrameHeader(h []byte, kind byte, payload []byte) {
	copy(h, frameMagic[:])
	h[3] = kind
	binary.BigEndian.PutUint32(h[4:], uint32(len(payload)))
	binary.BigEndian.PutUint32(h[8:], crc32.Checksum(payload, crcTable))
}

// readFrame reads one frame. buf is reused for small payloads; the
// returned payload is only valid until the next call.
func readFrame(r io.Reader, buf []byte) (kind byte, payload []byte, err error) {
	var h [frameHeaderSize]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return 0, nil, err
	}
	if [3]byte(h[:3]) != frameMagic {
		return 0, nil, errBadMagic
	}
	kind = h[3]
	if kind != frameBatch && kind != frameChunk {
		return 0, nil, fmt.Errorf("%w %d", errBadKind, kind)
	}
	n := int(binary.BigEndian.Uint32(h[4:]))
	if n > maxFrameSize {
		return 0, nil, fmt.Errorf("%w: %d bytes", errTooLarge, n)
	}
	payload = buf[:0]
	for len(payload) < n {
		step := min(n-len(payload), readStep)
		start := len(payload)
		payload = slices.Grow(payload, step)[:start+step]
		if _, err := io.ReadFull(r, payload[start:]); err != nil {
			return 0, nil, err
		}
	}
	if crc32.Checksum(payload, crcTable) != binary.BigEndian.Uint32(h[8:]) {
		return 0, nil, errBadCRC
	}
	return kind, payload, nil
}

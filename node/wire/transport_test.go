package wire

import (
	"bytes"
	"encoding/binary"
	"io"
	"testing"

	pb "github.com/lni/dragonboat/v4/raftpb"
)

func TestFrameRoundTrip(t *testing.T) {
	payload := []byte("hello raft")
	var stream []byte
	stream = appendFrame(stream, frameBatch, 7, payload)
	stream = appendFrame(stream, frameChunk, 8, nil)
	r := bytes.NewReader(stream)
	kind, got, err := readFrame(r, nil)
	if err != nil || kind != frameBatch || !bytes.Equal(got, payload) {
		t.Fatalf("first frame: kind %d payload %q err %v", kind, got, err)
	}
	kind, got, err = readFrame(r, nil)
	if err != nil || kind != frameChunk || len(got) != 0 {
		t.Fatalf("second frame: kind %d payload %q err %v", kind, got, err)
	}
	if _, _, err := readFrame(r, nil); err != io.EOF {
		t.Fatalf("after the last frame: %v, want EOF", err)
	}
}

func TestFrameRejectsDamage(t *testing.T) {
	good := appendFrame(nil, frameBatch, 1, []byte("payload"))
	flip := append([]byte{}, good...)
	flip[len(flip)-1] ^= 1
	kind := append([]byte{}, good...)
	kind[3] = 9
	for name, b := range map[string][]byte{
		"magic":     append([]byte("XYZ"), good[3:]...),
		"kind":      kind,
		"crc":       flip,
		"truncated": good[:len(good)-2],
	} {
		if _, _, err := readFrame(bytes.NewReader(b), nil); err == nil {
			t.Errorf("%s: damaged frame accepted", name)
		}
	}
}

// The budget refuses a frame that does not fit before anything of it is
// buffered, and what a frame took is given back.
func TestBudgetRefusesWhatDoesNotFit(t *testing.T) {
	b := &budget{left: inboundBudget}
	if !b.take(maxFrameSize) {
		t.Fatal("one frame of the largest size does not fit in an empty budget")
	}
	if b.take(maxFrameSize) {
		t.Fatal("a second largest frame fits: the budget holds only one")
	}
	if !b.take(1 << 20) {
		t.Fatal("a small frame does not fit beside a large one")
	}
	b.give(maxFrameSize)
	b.give(1 << 20)
	if b.left != inboundBudget {
		t.Fatalf("budget left %d after everything was given back, want %d", b.left, inboundBudget)
	}
	h := appendFrame(nil, frameBatch, 0, nil)[:frameHeaderSize]
	binary.BigEndian.PutUint32(h[4:], maxFrameSize+1)
	if _, err := readHeader(bytes.NewReader(h)); err == nil {
		t.Fatal("over-long frame accepted")
	}
}

func FuzzReadFrame(f *testing.F) {
	f.Add(appendFrame(nil, frameBatch, 1, []byte("x")))
	f.Add(appendFrame(nil, frameChunk, 2, nil))
	f.Add([]byte("RFT"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := bytes.NewReader(data)
		for {
			kind, payload, err := readFrame(r, nil)
			if err != nil {
				return
			}
			if kind != frameBatch && kind != frameChunk {
				t.Fatalf("accepted kind %d", kind)
			}
			// Whatever passes the framing must be safe to decode.
			var b pb.MessageBatch
			Unmarshal(b.Unmarshal, payload)
			var ch pb.Chunk
			Unmarshal(ch.Unmarshal, payload)
		}
	})
}

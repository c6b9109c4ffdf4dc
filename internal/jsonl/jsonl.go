// Package jsonl reads files of one JSON object a line: the events file
// and journals of commands.
package jsonl

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
)

// MaxLine is the longest line read.
const MaxLine = 1 << 20

// Read decodes every line of r into a T, skipping blank lines. A line that
// does not decode, or that check (when not nil) refuses, is an error that
// names the line and says why.
func Read[T any](r io.Reader, check func(*T) error) ([]T, error) {
	var out []T
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), MaxLine)
	for n := 1; sc.Scan(); n++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			return nil, fmt.Errorf("line %d: %v", n, err)
		}
		if check != nil {
			if err := check(&v); err != nil {
				return nil, fmt.Errorf("line %d: %v", n, err)
			}
		}
		out = append(out, v)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("after line %d: %v", len(out), err)
	}
	return out, nil
}

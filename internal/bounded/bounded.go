// Package bounded reads files a user names without trusting their size: a
// path may be /dev/zero, a pipe or a mistake.
package bounded

import (
	"fmt"
	"io"
	"os"
)

// ReadFile reads the file at path, failing once it holds more than max
// bytes without reading further.
func ReadFile(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%s is larger than %d KiB: not a file raftian reads", path, max>>10)
	}
	return b, nil
}

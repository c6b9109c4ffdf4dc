package node

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Data written under another computer name is explained with that name
// and what to do, not as damaged data.
func TestHostnameErrorNamesTheOldName(t *testing.T) {
	dir := t.TempDir()
	now, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{now, "teachers-laptop"} {
		if err := os.MkdirAll(filepath.Join(dir, d, "00000000000000000001"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	c := &Cluster{}
	err = c.explain(&replica{id: 2, dir: dir}, os.ErrInvalid)
	if _, ok := err.(*DataDirError); !ok {
		t.Errorf("another error is a DataDirError: %T %v", err, err)
	}
	err = c.explain(&replica{id: 2, dir: dir}, errHostnameChanged)
	he, ok := err.(*HostnameError)
	if !ok || he.Was != "teachers-laptop" || he.Replica != 2 {
		t.Fatalf("explain(hostname changed) = %#v", err)
	}
	for _, want := range []string{`"teachers-laptop"`, now, "--fresh", "old name back"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the message %q does not say %q", err, want)
		}
	}
}

// errHostnameChanged is dragonboat's error (internal/server) as it reaches us.
var errHostnameChanged = errors.New("hostname changed")

package main

import (
	"os/exec"
	"strings"
	"testing"
)

// The window, the session, the timeline and the lessons know no cluster:
// they read the record's model and ask the session's interface, so that
// none of them depends on the replicas (package node) or its engine.
func TestFrontsDoNotDependOnTheReplicas(t *testing.T) {
	for _, pkg := range []string{"./ui", "./session", "./timeline", "./lesson", "./console"} {
		out, err := exec.Command("go", "list", "-tags", "x11", "-deps", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list %s: %v\n%s", pkg, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			if strings.HasPrefix(dep, "github.com/raftian/raftian/node") || strings.HasPrefix(dep, "github.com/lni/dragonboat") {
				t.Errorf("%s depends on %s", pkg, dep)
			}
		}
	}
}

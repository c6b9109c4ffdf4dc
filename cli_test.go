package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/raftian/raftian/chaos"
)

func TestHelpListsEverySubcommand(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"-h"}, {"--help"}} {
		code, out, stderr := runRaftian(t, "", args...)
		if code != 0 || stderr != "" {
			t.Fatalf("raftian %v: exit %d, stderr %q", args, code, stderr)
		}
		for _, want := range []string{"usage: raftian [flags]", "--headless", "--lesson", "chaos", "bench",
			"replay JOURNAL", "timeline FILE", "lesson check", "config", "version"} {
			if !strings.Contains(out, want) {
				t.Errorf("raftian %v lacks %q:\n%s", args, want, out)
			}
		}
	}
	for _, args := range [][]string{{"help", "chaos"}, {"chaos", "-h"}, {"chaos", "--help"}} {
		code, out, _ := runRaftian(t, "", args...)
		if code != 0 || !strings.Contains(out, "usage: raftian chaos [flags]") || !strings.Contains(out, "-seed") {
			t.Errorf("raftian %v: exit %d:\n%s", args, code, out)
		}
		if strings.Contains(out, "default 17") || strings.Contains(out, "(default 1") {
			t.Errorf("raftian %v shows a time-based default seed:\n%s", args, out)
		}
	}
	code, out, _ := runRaftian(t, "", "help", "replay")
	if code != 0 || !strings.Contains(out, "usage: raftian replay [flags] JOURNAL") {
		t.Errorf("help replay: exit %d:\n%s", code, out)
	}
	if code, _, stderr := runRaftian(t, "", "help", "dance"); code != 2 || !strings.Contains(stderr, `"dance"`) {
		t.Errorf("help of no subcommand: exit %d, %q", code, stderr)
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := runRaftian(t, "", "version")
	if code != 0 || !strings.HasPrefix(out, "raftian ") || !strings.Contains(out, "commit ") || !strings.Contains(out, "go1.") {
		t.Fatalf("version: exit %d:\n%s", code, out)
	}
}

func TestConfigPrintsAndChecks(t *testing.T) {
	code, out, _ := runRaftian(t, "", "config")
	if code != 0 || out != string(builtinConfig) {
		t.Fatalf("config: exit %d, printed %d bytes, want the %d of config.toml", code, len(out), len(builtinConfig))
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "good.toml")
	os.WriteFile(good, []byte(out), 0o644) // what config prints is a good start
	if code, out, _ := runRaftian(t, "", "config", "--check", good); code != 0 || !strings.Contains(out, "good") {
		t.Errorf("config --check of the printed config: exit %d, %q", code, out)
	}
	bad := filepath.Join(dir, "bad.toml")
	os.WriteFile(bad, []byte("[raft]\nrtt_ms = -5\n"), 0o644)
	code, _, stderr := runRaftian(t, "", "config", "--check", bad)
	if code != 1 || !strings.Contains(stderr, bad+":2:") {
		t.Errorf("config --check of a bad file: exit %d, %q", code, stderr)
	}
}

func TestUnknownLessonIsRefusedBeforeStarting(t *testing.T) {
	code, _, stderr := runRaftian(t, "", "--headless", "--lesson", "no-such-lesson", "--config", testConfigFile(t, ""))
	if code != 1 || !strings.Contains(stderr, `no lesson "no-such-lesson"`) || strings.Contains(stderr, "replicas") {
		t.Fatalf("exit %d, stderr %q: want a refusal before any replica starts", code, stderr)
	}
}

// chaos: 0 when every check passed, 1 when one failed, 2 when it could
// not run.
func TestChaosExitStatus(t *testing.T) {
	if s := chaosStatus(chaos.Result{}, nil); s != 0 {
		t.Errorf("passed: %d", s)
	}
	if s := chaosStatus(chaos.Result{Failed: []string{"linearizability: ..."}}, nil); s != 1 {
		t.Errorf("a failed check: %d", s)
	}
	if s := chaosStatus(chaos.Result{}, os.ErrNotExist); s != 2 {
		t.Errorf("could not run: %d", s)
	}
	code, out, stderr := runRaftian(t, "", "chaos", "--duration", "2s", "--config", testConfigFile(t, ""))
	if code != 0 || !strings.HasPrefix(out, "chaos: seed=") || !strings.Contains(out, "checks=passed") {
		t.Fatalf("a short chaos run: exit %d\n%s\n%s", code, out, stderr)
	}
}

// raftian lesson check says a good lesson is good and shows a bad one's
// mistake with its line.
func TestLessonCheck(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.toml")
	os.WriteFile(bad, []byte("title = \"x\"\n\n[[step]]\ncaption = \"c\"\n\n[[step]]\ndo = [\"crsh 1\"]\ncaption = \"d\"\n"), 0o644)
	if code, out, stderr := runRaftian(t, "", "lesson", "check", "first-election"); code != 0 || !strings.Contains(out, "good") {
		t.Errorf("a built-in lesson: exit %d, %q %q", code, out, stderr)
	}
	if code, _, stderr := runRaftian(t, "", "lesson", "check", bad); code != 1 || !strings.Contains(stderr, "bad.toml:6: step 2: do[1] \"crsh 1\": unknown command") {
		t.Errorf("a bad lesson: exit %d, %q", code, stderr)
	}
	if code, _, stderr := runRaftian(t, "", "lesson", "frobnicate"); code != 2 || !strings.Contains(stderr, "usage") {
		t.Errorf("no check: exit %d, %q", code, stderr)
	}
}

# Raftian's tasks. `just run` opens the window; `just test` runs every test.

set shell := ["bash", "-euo", "pipefail", "-c"]

# raylib needs cgo and, on Linux, the X11 backend (see ../shared/NOTES.md).
export CGO_ENABLED := "1"
export GOFLAGS := if os() == "linux" { "-tags=x11" } else { "" }

# Debian packages raylib's C code compiles against.
build_packages := "gcc libc6-dev libgl-dev libx11-dev libxcursor-dev libxrandr-dev libxinerama-dev libxi-dev libxkbcommon-dev"
# Debian packages for window tests and screenshots.
test_packages := "xvfb xauth xdotool fonts-dejavu-core imagemagick"

# Build and open the window: five replicas elect a leader.
run *ARGS: build
    #!/usr/bin/env bash
    set -euo pipefail
    if [ "$(uname -s)" = Linux ] && [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
        echo "no display here: starting headless instead (type help; Ctrl-D quits)" >&2
        exec ./raftian --headless {{ARGS}}
    fi
    exec ./raftian {{ARGS}}

# Run the cluster without a window, driven by commands on standard input.
headless *ARGS: build
    ./raftian --headless {{ARGS}}

# Measure latency, throughput, failover, memory and frame times (under Xvfb when there is no display).
bench *ARGS: build test-setup
    #!/usr/bin/env bash
    set -euo pipefail
    if [ "$(uname -s)" = Linux ] && [ -z "${DISPLAY:-}" ]; then
        exec xvfb-run -a -s "-screen 0 1600x900x24" ./raftian bench {{ARGS}}
    fi
    exec ./raftian bench {{ARGS}}

# A longer chaos run: faults, concurrent clients, then every check (e.g. just chaos --duration 2m --seed 7).
chaos *ARGS: build
    ./raftian chaos {{ARGS}}

# Build the raftian binary.
build: setup
    go build -o raftian .

# go vet and every test, with the race detector; and the Windows and macOS
# builds must compile.
test: setup test-setup cross
    go vet ./...
    go test -race -count=1 -timeout 15m ./...

# Every built-in lesson played in the window at 1280×720 as a class plays
# it, and four on the projector of a class of five processes, students
# answering from their own; captions checked against the record at the
# moment shown; and the projector of a class of 32 processes (long:
# minutes, alone; .ci/run runs it after the tests).
# RAFTIAN_LESSON_SHOTS=DIR keeps a screenshot of every paused caption.
lesson-test: setup test-setup
    GOFLAGS= go test -race -count=1 -tags "x11 lessontest" -run "TestWindowLessons|TestLessonsOnAClass|TestTheProjectorShowsAClassOf32" -timeout 40m .

# Check that raftian compiles for Windows and macOS (without cgo: raylib
# then loads its library at run time, so this checks our code, not a
# release build; `just dist` builds the real Windows program). For macOS
# the tests are compiled and vetted too.
cross:
    GOFLAGS= CGO_ENABLED=0 GOOS=windows GOARCH=amd64 go build -o /dev/null .
    GOFLAGS= CGO_ENABLED=0 GOOS=darwin GOARCH=arm64 go vet ./...

# Release binaries in dist/: Linux and Windows (cross-compiled), with SHA256SUMS.
dist: setup
    scripts/need-packages gcc-mingw-w64-x86-64
    scripts/dist

# Run the Windows program under wine: headless on disk, restart, a short chaos run.
wine-test: dist test-setup
    scripts/need-packages wine64 wine
    scripts/wine-test dist/raftian-windows-amd64.exe

# Install what building needs (when root or with password-less sudo).
setup:
    scripts/need-go
    scripts/need-packages {{build_packages}}

# Install what the tests need on top of the build.
test-setup:
    scripts/need-packages {{test_packages}}

# Remove the binary and the default data directory.
clean:
    rm -rf raftian raftian-data

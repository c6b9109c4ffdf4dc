package config

import (
	"errors"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// Config is everything a Raftian run needs to know before it starts.
type Config struct {
	DataDir string `toml:"data_dir"`
	Storage string `toml:"storage"` // StorageDisk or StorageMemory
	// AllowRemote lets replicas listen on addresses other than loopback.
	// Raft traffic is not authenticated: see the README.
	AllowRemote bool     `toml:"allow_remote"`
	Raft        Raft     `toml:"raft"`
	Window      Window   `toml:"window"`
	Players     []Player `toml:"player"`
}

// Storage kinds.
const (
	StorageDisk   = "disk"
	StorageMemory = "memory"
)

// Raft holds the Raft timing and log settings shared by every replica.
type Raft struct {
	RTTMillisecond     int  `toml:"rtt_ms"`
	ElectionRTT        int  `toml:"election_rtt"`
	HeartbeatRTT       int  `toml:"heartbeat_rtt"`
	PreVote            bool `toml:"prevote"`
	CheckQuorum        bool `toml:"check_quorum"`
	SnapshotEntries    int  `toml:"snapshot_entries"`
	CompactionOverhead int  `toml:"compaction_overhead"`
}

// Window is the initial size of the game window.
type Window struct {
	Width  int `toml:"width"`
	Height int `toml:"height"`
}

// Player is one player of the game and the replica it owns.
type Player struct {
	Name    string `toml:"name"`
	Color   string `toml:"color"`   // "#rrggbb"
	Address string `toml:"address"` // host:port of its Raft replica
}

// Limits checked by Parse.
const (
	MinPlayers = 3
	MaxPlayers = 9
)

// MaxFileSize is the largest configuration file read: a real one is a few
// KiB.
const MaxFileSize = 1 << 20

// Error is a configuration mistake, located in its file.
type Error struct {
	File string
	Line int // 0 when the mistake has no single line
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// Parse reads a configuration. base is the built-in default (config.toml
// embedded in the binary); override, when not nil, is a user's file whose
// keys replace the defaults. name is the override's file name for errors.
func Parse(base []byte, override []byte, name string) (Config, error) {
	var c Config
	if err := decode(&c, base, "built-in config.toml"); err != nil {
		return Config{}, err
	}
	src, file := base, "built-in config.toml"
	if override != nil {
		// A [[player]] list in the user's file replaces the default one.
		if hasPlayers(override) {
			c.Players = nil
		}
		if err := decode(&c, override, name); err != nil {
			return Config{}, err
		}
		src, file = override, name
	}
	if err := c.validate(); err != nil {
		var v *invalid
		if errors.As(err, &v) {
			return Config{}, &Error{File: file, Line: locate(src, v.key, v.player), Msg: v.Error()}
		}
		return Config{}, err
	}
	return c, nil
}

func hasPlayers(src []byte) bool {
	for _, l := range scan(src) {
		if l.key == "player" && l.table {
			return true
		}
	}
	return false
}

func decode(c *Config, src []byte, file string) error {
	md, err := toml.Decode(string(src), c)
	if err != nil {
		var perr toml.ParseError
		if errors.As(err, &perr) {
			return &Error{File: file, Line: perr.Position.Line, Msg: perr.Message}
		}
		// Type mismatches come as plain errors with the line in the text.
		if m := decodeErrRE.FindStringSubmatch(err.Error()); m != nil {
			line, _ := strconv.Atoi(m[1])
			return &Error{File: file, Line: line, Msg: m[2] + ": " + m[3]}
		}
		return &Error{File: file, Msg: err.Error()}
	}
	seen := map[string]int{}
	for _, k := range md.Undecoded() {
		name := k.String()
		line := locateNth(src, name, seen[name])
		seen[name]++
		return &Error{File: file, Line: line, Msg: fmt.Sprintf("unknown key %q", name)}
	}
	return nil
}

// invalid is a validation failure of one key; player is the index of the
// [[player]] table it belongs to, or -1.
type invalid struct {
	key    string
	player int
	msg    string
}

func (e *invalid) Error() string {
	if e.player >= 0 {
		return fmt.Sprintf("[[player]] %d, %s: %s", e.player+1, strings.TrimPrefix(e.key, "player."), e.msg)
	}
	return e.key + ": " + e.msg
}

func bad(key, format string, args ...any) error {
	return &invalid{key: key, player: -1, msg: fmt.Sprintf(format, args...)}
}

func badPlayer(i int, field, format string, args ...any) error {
	return &invalid{key: "player." + field, player: i, msg: fmt.Sprintf(format, args...)}
}

func inRange(key string, v, lo, hi int) error {
	if v < lo || v > hi {
		return bad(key, "%d is out of range %d..%d", v, lo, hi)
	}
	return nil
}

var decodeErrRE = regexp.MustCompile(`^toml: line (\d+) \(last key "(.*?)"\): (.*)$`)

var colorRE = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

func (c *Config) validate() error {
	if strings.TrimSpace(c.DataDir) == "" {
		return bad("data_dir", "must not be empty")
	}
	if c.Storage != StorageDisk && c.Storage != StorageMemory {
		return bad("storage", "%q must be %q or %q", c.Storage, StorageDisk, StorageMemory)
	}
	r := c.Raft
	for _, check := range []error{
		inRange("raft.rtt_ms", r.RTTMillisecond, 1, 5000),
		inRange("raft.heartbeat_rtt", r.HeartbeatRTT, 1, 100),
		inRange("raft.election_rtt", r.ElectionRTT, 3, 1000),
		inRange("raft.snapshot_entries", r.SnapshotEntries, 0, 10_000_000),
		inRange("raft.compaction_overhead", r.CompactionOverhead, 0, 10_000_000),
		inRange("window.width", c.Window.Width, 320, 16384),
		inRange("window.height", c.Window.Height, 240, 16384),
	} {
		if check != nil {
			return check
		}
	}
	if r.ElectionRTT <= 2*r.HeartbeatRTT {
		return bad("raft.election_rtt", "%d must be more than twice heartbeat_rtt (%d)", r.ElectionRTT, r.HeartbeatRTT)
	}
	if n := len(c.Players); n < MinPlayers || n > MaxPlayers {
		return bad("player", "%d [[player]] tables, need %d to %d", n, MinPlayers, MaxPlayers)
	}
	ports := map[int]int{}
	for i, p := range c.Players {
		if strings.TrimSpace(p.Name) == "" || len(p.Name) > 24 {
			return badPlayer(i, "name", "%q must be 1 to 24 characters", p.Name)
		}
		if !colorRE.MatchString(p.Color) {
			return badPlayer(i, "color", "%q must look like \"#e6194b\"", p.Color)
		}
		port, err := checkAddress(p.Address, c.AllowRemote)
		if err != nil {
			return badPlayer(i, "address", "%q: %v", p.Address, err)
		}
		if j, dup := ports[port]; dup {
			return badPlayer(i, "address", "port %d is already used by player %d", port, j+1)
		}
		ports[port] = i
	}
	return nil
}

// checkAddress checks that addr is host:port, on this machine's loopback
// interface unless remote is allowed, and returns the port. Raft traffic
// is not authenticated, so by default it must not be reachable from the
// network.
func checkAddress(addr string, remote bool) (int, error) {
	host, portText, err := net.SplitHostPort(addr)
	if err != nil {
		return 0, errors.New("must be host:port, e.g. 127.0.0.1:26001")
	}
	port, err := strconv.Atoi(portText)
	if err != nil || port < 1 || port > 65535 {
		return 0, fmt.Errorf("port %q must be 1..65535", portText)
	}
	if host == "localhost" || remote {
		return port, nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return 0, fmt.Errorf("host %q is not a loopback address (use 127.0.0.1, or set allow_remote = true)", host)
	}
	return port, nil
}

package config

import (
	"os"
	"strings"
	"testing"
)

func builtin(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("../config.toml")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestBuiltinConfigIsValid(t *testing.T) {
	c, err := Parse(builtin(t), nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Players) != 5 || c.Storage != StorageDisk || !c.Raft.PreVote || !c.Raft.CheckQuorum {
		t.Fatalf("unexpected defaults: %+v", c)
	}
}

func TestOverrideChangesOnlyItsKeys(t *testing.T) {
	c, err := Parse(builtin(t), []byte("storage = \"memory\"\n[raft]\nrtt_ms = 200\n"), "my.toml")
	if err != nil {
		t.Fatal(err)
	}
	if c.Storage != StorageMemory || c.Raft.RTTMillisecond != 200 {
		t.Fatalf("override not applied: %+v", c)
	}
	if c.Raft.ElectionRTT != 10 || len(c.Players) != 5 {
		t.Fatalf("defaults lost: %+v", c)
	}
}

func TestOverridePlayersReplacesTheList(t *testing.T) {
	src := ""
	for i, n := range []string{"A", "B", "C"} {
		src += "[[player]]\nname = \"" + n + "\"\ncolor = \"#112233\"\naddress = \"127.0.0.1:3000" + string(rune('1'+i)) + "\"\n"
	}
	c, err := Parse(builtin(t), []byte(src), "p.toml")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Players) != 3 || c.Players[2].Name != "C" {
		t.Fatalf("players = %+v, want the three from the file", c.Players)
	}
}

func TestRemoteAddressesNeedAllowRemote(t *testing.T) {
	src := players("192.168.7.3:26003")
	if _, err := Parse(builtin(t), []byte(src), "f.toml"); err == nil || !strings.Contains(err.Error(), "allow_remote") {
		t.Fatalf("remote address without allow_remote: %v", err)
	}
	c, err := Parse(builtin(t), []byte("allow_remote = true\n"+src), "f.toml")
	if err != nil || c.Players[2].Address != "192.168.7.3:26003" {
		t.Fatalf("remote address with allow_remote: %v", err)
	}
}

// FuzzParse: no configuration text makes Parse panic, and what it accepts
// passes its own checks.
func FuzzParse(f *testing.F) {
	base, err := os.ReadFile("../config.toml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte("storage = \"memory\"\n[raft]\nrtt_ms = 20\n"))
	f.Add([]byte(players("127.0.0.1:1")))
	f.Add([]byte("[[player]]\nname=\"\"\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		c, err := Parse(base, src, "fuzz.toml")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.toml") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if err := c.validate(); err != nil {
			t.Fatalf("accepted an invalid config: %v", err)
		}
	})
}

func TestErrorsNameFileLineAndKey(t *testing.T) {
	cases := []struct {
		name, src string
		want      []string
	}{
		{"unknown key", "storage = \"disk\"\n\n[raft]\nrtt = 5\n", []string{"f.toml:4:", `unknown key "raft.rtt"`}},
		{"unknown table", "[raf]\nrtt_ms = 5\n", []string{"f.toml:1:", `"raf"`}},
		{"bad storage", "\nstorage = \"ssd\"\n", []string{"f.toml:2:", "storage", `"ssd"`}},
		{"rtt zero", "[raft]\nrtt_ms = 0\n", []string{"f.toml:2:", "raft.rtt_ms", "out of range"}},
		{"election too short", "[raft]\nheartbeat_rtt = 5\nelection_rtt = 10\n", []string{"f.toml:3:", "election_rtt"}},
		{"wrong type", "[raft]\nrtt_ms = \"fast\"\n", []string{"f.toml:2:", "rtt_ms"}},
		{"syntax", "storage = \n", []string{"f.toml:1:"}},
		{"too few players", "[[player]]\nname=\"a\"\ncolor=\"#000000\"\naddress=\"127.0.0.1:1\"\n", []string{"f.toml", "need 3 to 9"}},
		{"remote address", players("10.0.0.5:26003"), []string{"f.toml:11:", "[[player]] 3, address", "not a loopback"}},
		{"duplicate port", players("127.0.0.1:26001"), []string{"f.toml:11:", "[[player]] 3", "port 26001", "player 1"}},
		{"no port", players("127.0.0.1"), []string{"f.toml:11:", "host:port"}},
		{"bad colour", strings.Replace(players("127.0.0.1:26003"), "#00ff00", "green", 1), []string{"f.toml:7:", "[[player]] 2, color", `"green"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse(builtin(t), []byte(c.src), "f.toml")
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

// players returns three [[player]] tables; the third one's address is
// given, on line 11.
func players(third string) string {
	return `[[player]]
name = "A"
color = "#ff0000"
address = "127.0.0.1:26001"
[[player]]
name = "B"
color = "#00ff00"
address = "127.0.0.1:26002"
[[player]]
name = "C"
address = "` + third + `"
color = "#0000ff"
`
}

package config

import (
	"bufio"
	"bytes"
	"strings"
)

// The TOML library reports lines for syntax errors but not for keys it did
// not decode or values that fail our checks, so errors are located by a
// light scan of the file: table headers and "key = value" lines. It is only
// used to point at a line; the library does the real parsing.

type line struct {
	n     int    // line number, from 1
	key   string // full dotted key, e.g. "raft.rtt_ms" or "player" for a header
	table bool   // a [table] or [[array]] header
	occ   int    // which [[player]] table this line is in (0-based), or -1
}

func scan(src []byte) []line {
	var out []line
	table, occ := "", -1
	count := map[string]int{}
	s := bufio.NewScanner(bytes.NewReader(src))
	s.Buffer(make([]byte, 64*1024), 1<<20)
	for n := 1; s.Scan(); n++ {
		text := strings.TrimSpace(s.Text())
		switch {
		case text == "" || text[0] == '#':
		case strings.HasPrefix(text, "[["):
			table = unquote(strings.Trim(cut(text, "]]"), "[] "))
			occ = count[table]
			count[table]++
			out = append(out, line{n: n, key: table, table: true, occ: occ})
		case text[0] == '[':
			table = unquote(strings.Trim(cut(text, "]"), "[] "))
			occ = -1
			out = append(out, line{n: n, key: table, table: true, occ: -1})
		case strings.Contains(text, "="):
			key := unquote(strings.TrimSpace(text[:strings.Index(text, "=")]))
			if table != "" {
				key = table + "." + key
			}
			out = append(out, line{n: n, key: key, occ: occ})
		}
	}
	return out
}

func cut(s, sep string) string {
	if i := strings.Index(s, sep); i >= 0 {
		return s[:i+len(sep)]
	}
	return s
}

func unquote(s string) string { return strings.ReplaceAll(s, `"`, "") }

// locate returns the line of key in [[player]] table number player (or
// anywhere when player is -1); if the key is missing, the line of its table
// header; 0 if neither is found.
func locate(src []byte, key string, player int) int {
	header := 0
	for _, l := range scan(src) {
		if player >= 0 && l.occ != player {
			continue
		}
		if l.key == key {
			return l.n
		}
		if l.table && strings.HasPrefix(key, l.key+".") {
			header = l.n
		}
	}
	return header
}

// locateNth returns the line of the nth (0-based) occurrence of key.
func locateNth(src []byte, key string, nth int) int {
	for _, l := range scan(src) {
		if l.key == key {
			if nth == 0 {
				return l.n
			}
			nth--
		}
	}
	return 0
}

package jsonl

import (
	"errors"
	"strings"
	"testing"
)

type rec struct {
	A int    `json:"a"`
	B string `json:"b"`
}

func TestReadNamesTheBadLine(t *testing.T) {
	got, err := Read[rec](strings.NewReader("{\"a\":1}\n\n{\"a\":2,\"b\":\"x\"}\n"), nil)
	if err != nil || len(got) != 2 || got[1].B != "x" {
		t.Fatalf("got %+v, %v", got, err)
	}
	_, err = Read[rec](strings.NewReader("{\"a\":1}\n{\"a\": oops}\n"), nil)
	if err == nil || !strings.Contains(err.Error(), "line 2:") || !strings.Contains(err.Error(), "invalid character") {
		t.Fatalf("bad JSON on line 2: %v", err)
	}
	check := func(r *rec) error {
		if r.B == "" {
			return errors.New("no b")
		}
		return nil
	}
	_, err = Read(strings.NewReader("{\"b\":\"x\"}\n{\"a\":3}\n"), check)
	if err == nil || err.Error() != "line 2: no b" {
		t.Fatalf("refused line 2: %v", err)
	}
}

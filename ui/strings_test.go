package ui

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/raftian/raftian/lesson"
	"github.com/raftian/raftian/record"
	"github.com/raftian/raftian/rewind"
)

// Every string the program may put on the screen draws with the font:
// every string literal in its Go code (a caption, a badge, an error a
// banner shows), every built-in lesson's texts, and what the record's
// entries say of themselves. A missing glyph is drawn as a box, "?".
func TestEveryStringHasItsGlyphs(t *testing.T) {
	have := map[rune]bool{'\n': true, '\t': true, '\r': true}
	for _, r := range glyphs() {
		have[r] = true
	}
	check := func(where, s string) {
		for _, r := range s {
			if !have[r] {
				t.Errorf("%s: %q has no glyph, in %q", where, r, s[:min(len(s), 60)])
				return
			}
		}
	}
	root := filepath.Join("..")
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if s, err := strconv.Unquote(lit.Value); err == nil {
					check(fset.Position(lit.Pos()).String(), s)
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []record.Ent{{What: record.WhatMembers, From: 1, To: 6}, {What: record.WhatMembers, From: 2, To: 6},
		{What: record.WhatMembers, From: 3, To: 6}, {What: record.WhatAttack, From: 1, To: 2}, {What: record.WhatJoin, To: 6}} {
		check("record.Ent", e.String())
	}
}

// No text of a built-in lesson has a placeholder its moment cannot fill
// (the lessons load only if so), and every one fills, in a synthetic
// state, without a brace left.
func TestLessonTextsFill(t *testing.T) {
	brace := regexp.MustCompile(`\{[a-z-]*\}`)
	for _, n := range lesson.Names() {
		l, err := lesson.Load(n)
		if err != nil {
			t.Fatal(err)
		}
		for i, s := range l.Steps {
			for _, text := range []string{s.Caption, s.Then, s.Instead} {
				for _, m := range brace.FindAllString(text, -1) {
					p := strings.Trim(m, "{}")
					found := false
					for _, q := range rewind.Placeholders() {
						found = found || p == q
					}
					if !found {
						t.Errorf("%s step %d: %s is no placeholder", n, i+1, m)
					}
				}
			}
		}
	}
}

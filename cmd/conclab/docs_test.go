package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/conclab/conclab/workload"
)

// docFiles are the README and the pages under docs/.
func docFiles(t *testing.T) map[string]string {
	t.Helper()
	paths, err := filepath.Glob("../../docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	paths = append(paths, "../../README.md")
	out := map[string]string{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Clean(p)] = string(b)
	}
	if len(out) < 5 {
		t.Fatalf("found %d documentation files, want the README and docs/", len(out))
	}
	return out
}

// TestDocsStandAlone checks that the README and docs/ point only at what a
// clone has: no file outside the repository, and every relative link (and
// its #anchor) resolves.
func TestDocsStandAlone(t *testing.T) {
	docs := docFiles(t)
	link := regexp.MustCompile(`\]\(([^)\s]+)\)`)
	for path, text := range docs {
		if strings.Contains(text, "../shared") {
			t.Errorf("%s points at ../shared, which is not in the repository", path)
		}
		for _, m := range link.FindAllStringSubmatch(text, -1) {
			target := m[1]
			if strings.Contains(target, "://") {
				continue
			}
			file, anchor, _ := strings.Cut(target, "#")
			dest := path
			if file != "" {
				dest = filepath.Clean(filepath.Join(filepath.Dir(path), file))
			}
			body, ok := docs[dest]
			if !ok {
				if _, err := os.Stat(dest); err != nil {
					t.Errorf("%s links to %s, which does not exist", path, target)
				}
				continue
			}
			if anchor != "" && !hasAnchor(body, anchor) {
				t.Errorf("%s links to %s, but %s has no heading with that anchor", path, target, dest)
			}
		}
	}
}

// hasAnchor reports whether a markdown text has a heading whose anchor, as
// GitHub makes it, is anchor.
func hasAnchor(text, anchor string) bool {
	for _, line := range strings.Split(text, "\n") {
		if !strings.HasPrefix(line, "#") {
			continue
		}
		title := strings.TrimSpace(strings.TrimLeft(line, "#"))
		var b strings.Builder
		for _, r := range strings.ToLower(title) {
			switch {
			case r == ' ':
				b.WriteRune('-')
			case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
				b.WriteRune(r)
			}
		}
		if b.String() == anchor {
			return true
		}
	}
	return false
}

// TestDocsInlineGrammar checks that docs/workloads.md shows the inline
// grammar that run --help prints, and that every inline workload the docs
// quote parses.
func TestDocsInlineGrammar(t *testing.T) {
	docs := docFiles(t)
	ref := docs[filepath.Clean("../../docs/workloads.md")]
	grammar, _, _ := strings.Cut(workload.InlineHelp, "\n\n\"N x\"")
	_, grammar, _ = strings.Cut(grammar, "\n\n")
	lines := strings.Split(grammar, "\n")
	if len(lines) < 7 {
		t.Fatalf("found %d lines of grammar in run --help, want GROUP, STEP, DUR, SETTING and RATE", len(lines))
	}
	for _, line := range lines {
		if !strings.Contains(ref, line) {
			t.Errorf("docs/workloads.md lacks the grammar line %q of run --help", line)
		}
	}
	// Inline workloads quoted in the docs: `-e '…'` anywhere, and the first
	// column of the inline table of docs/workloads.md.
	quoted := regexp.MustCompile(`-e '([^']+)'`)
	cell := regexp.MustCompile("(?m)^\\| `([^`]+)` \\|")
	count := 0
	for path, text := range docs {
		var exprs []string
		for _, m := range quoted.FindAllStringSubmatch(text, -1) {
			exprs = append(exprs, strings.ReplaceAll(m[1], "\n", " "))
		}
		if strings.HasSuffix(path, "workloads.md") {
			_, table, _ := strings.Cut(text, "| inline | the same in YAML |")
			table, _, _ = strings.Cut(table, "\n\n")
			for _, m := range cell.FindAllStringSubmatch(table, -1) {
				exprs = append(exprs, m[1])
			}
		}
		for _, e := range exprs {
			count++
			if _, err := workload.ParseInline(e); err != nil {
				t.Errorf("%s quotes the inline workload %q, which does not parse: %v", path, e, err)
			}
		}
	}
	if count < 8 {
		t.Errorf("found %d inline workloads in the docs; the inline table alone has 6", count)
	}
}

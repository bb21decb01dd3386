package golden

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDiff(t *testing.T) {
	tests := []struct {
		name, want, got, diff string
	}{
		{"equal", "a\nb\n", "a\nb\n", ""},
		{"one line changed", "a\nb\nc\nd\ne\nf\n", "a\nb\nc\nD\ne\nf\n",
			"@@ want line 2, got line 2 @@\n  b\n  c\n- d\n+ D\n  e\n  f\n"},
		{"added at the end", "a\n", "a\nb\n", "@@ want line 1, got line 1 @@\n  a\n+ b\n"},
		{"removed at the start", "a\nb\n", "b\n", "@@ want line 1, got line 1 @@\n- a\n  b\n"},
		{"newline at the end", "a\n", "a", "(they differ in the newline at the end)\n"},
		{"two hunks", "1\n2\n3\n4\n5\n6\n7\n8\n9\n", "x\n2\n3\n4\n5\n6\n7\n8\ny\n",
			"@@ want line 1, got line 1 @@\n- 1\n+ x\n  2\n  3\n@@ want line 7, got line 7 @@\n  7\n  8\n- 9\n+ y\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Diff([]byte(tt.want), []byte(tt.got)); got != tt.diff {
				t.Errorf("Diff =\n%s\nwant\n%s", got, tt.diff)
			}
		})
	}
}

// A long file that differs in a few places shows those, not the file.
func TestDiffIsShort(t *testing.T) {
	var a, b strings.Builder
	for i := range 5000 {
		fmt.Fprintf(&a, "<rect x=\"%d\"/>\n", i)
		if i%1000 == 500 {
			fmt.Fprintf(&b, "<rect x=\"%d\" changed/>\n", i)
			continue
		}
		fmt.Fprintf(&b, "<rect x=\"%d\"/>\n", i)
	}
	d := Diff([]byte(a.String()), []byte(b.String()))
	if n := strings.Count(d, "\n"); n > 5*8 {
		t.Errorf("%d lines of diff for 5 changed lines:\n%s", n, d)
	}
	if strings.Count(d, "\n- ") != 5 || strings.Count(d, "\n+ ") != 5 {
		t.Errorf("want 5 lines removed and 5 added:\n%s", d)
	}
	many := strings.ReplaceAll(a.String(), "rect", "circle")
	if d := Diff([]byte(a.String()), []byte(many)); !strings.Contains(d, "… and 9940 more changed lines") {
		t.Errorf("a diff of 10,000 changed lines is not cut:\n%.300s", d)
	}
}

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.golden")
	t.Setenv(EnvUpdate, "1")
	Check(t, path, []byte("one\n"))
	if data, err := os.ReadFile(path); err != nil || string(data) != "one\n" {
		t.Fatalf("update wrote %q, %v", data, err)
	}
	t.Setenv(EnvUpdate, "")
	Check(t, path, []byte("one\n"))
	ft := &fakeT{TB: t}
	Check(ft, path, []byte("two\n"))
	if !strings.Contains(ft.msg, "- one\n+ two") {
		t.Errorf("a difference reported as %q", ft.msg)
	}
}

// fakeT records a failure instead of failing.
type fakeT struct {
	testing.TB
	msg string
}

func (f *fakeT) Helper() {}
func (f *fakeT) Errorf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
}

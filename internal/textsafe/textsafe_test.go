package textsafe

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestClean(t *testing.T) {
	tests := []struct{ in, want, text string }{
		{"plain name", "plain name", "plain name"},
		{"", "", ""},
		{"café 東京 🙂", "café 東京 🙂", "café 東京 🙂"},
		{"red\x1b[31mtext", `red\x1b[31mtext`, `red\x1b[31mtext`},
		{"bell\a nul\x00 del\x7f", `bell\x07 nul\x00 del\x7f`, `bell\x07 nul\x00 del\x7f`},
		{"two\nlines\tand tab\r", `two\nlines\tand tab\r`, "two\nlines\tand tab\\r"},
		{"csi\u009b2J nel\u0085", `csi\u009b2J nel\u0085`, `csi\u009b2J nel\u0085`},
		{"abc\u202edcba", `abc\u202edcba`, `abc\u202edcba`},
		{"\u2066iso\u2069 \u202a\u202b\u202c\u202d", `\u2066iso\u2069 \u202a\u202b\u202c\u202d`, `\u2066iso\u2069 \u202a\u202b\u202c\u202d`},
		{"lrm\u200e rlm\u200f alm\u061c", `lrm\u200e rlm\u200f alm\u061c`, `lrm\u200e rlm\u200f alm\u061c`},
		{"zw\u200bsp bom\ufeff shy\u00ad", `zw\u200bsp bom\ufeff shy\u00ad`, `zw\u200bsp bom\ufeff shy\u00ad`},
		{"ls\u2028ps\u2029", `ls\u2028ps\u2029`, `ls\u2028ps\u2029`},
		{"tag\U000e0041", `tag\U000e0041`, `tag\U000e0041`},
		{"joiners \u200c\u200d stay", "joiners \u200c\u200d stay", "joiners \u200c\u200d stay"},
		{"bad \xff\xc3 bytes", `bad \xff\xc3 bytes`, `bad \xff\xc3 bytes`},
	}
	for _, tt := range tests {
		if got := Clean(tt.in); got != tt.want {
			t.Errorf("Clean(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := CleanText(tt.in); got != tt.text {
			t.Errorf("CleanText(%q) = %q, want %q", tt.in, got, tt.text)
		}
	}
}

// Nothing Clean returns makes a terminal act: no control character, no
// format character but the joiners, and valid UTF-8.
func FuzzClean(f *testing.F) {
	for _, s := range []string{"a\x1b[2Jb", "\u202e", "\xff", "ok"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Clean(s)
		if !utf8.ValidString(got) {
			t.Fatalf("Clean(%q) = %q: not UTF-8", s, got)
		}
		for _, r := range got {
			if unsafe(r, false) {
				t.Fatalf("Clean(%q) = %q: holds %U", s, got, r)
			}
		}
		if Clean(got) != got {
			t.Fatalf("Clean is not idempotent on %q", s)
		}
	})
}

func TestCleanDoesNotAllocateWhenSafe(t *testing.T) {
	s := strings.Repeat("a safe name · 東京 ", 10)
	if n := testing.AllocsPerRun(100, func() { _ = Clean(s) }); n != 0 {
		t.Errorf("Clean of a safe string allocates %v times", n)
	}
}

func TestWrap(t *testing.T) {
	tests := []struct {
		text        string
		width       int
		first, rest string
		want        []string
	}{
		{"", 10, "", "", []string{""}},
		{"   ", 10, "> ", "  ", []string{"> "}},
		{"one two three four", 9, "", "", []string{"one two", "three", "four"}},
		{"one two three four", 9, "", "  ", []string{"one two", "  three", "  four"}},
		{"note: a b c", 8, "", "      ", []string{"note: a", "      b", "      c"}},
		{"1. alpha beta", 10, "  ", "     ", []string{"  1. alpha", "     beta"}},
		{"abcdefghij", 4, "", "", []string{"abcd", "efgh", "ij"}},
		{"abcdefgh", 4, "", "", []string{"abcd", "efgh"}},
		{"x abcdefgh y", 4, "", "", []string{"x", "abcd", "efgh", "y"}},
		{"x abcdef y", 4, "", "", []string{"x", "abcd", "ef y"}},
		{"ééééé ü", 2, "", "", []string{"éé", "éé", "é", "ü"}},
		{"a\tb\nc", 80, "", "", []string{"a b c"}},
		{"word", 3, "....", "....", []string{"....w", "....o", "....r", "....d"}},
	}
	for _, tt := range tests {
		got := Wrap(tt.text, tt.width, tt.first, tt.rest)
		if strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
			t.Errorf("Wrap(%q, %d, %q, %q) = %q, want %q", tt.text, tt.width, tt.first, tt.rest, got, tt.want)
		}
	}
}

// Wrapping is linear: a word ten times longer takes about ten times as
// long, not a hundred (it took 29 s for 1 MB when every cut converted the
// rest of the word to runes). The bound leaves room for a busy machine; a
// quadratic wrap is at 100×.
func TestWrapLinear(t *testing.T) {
	timeOf := func(n int) time.Duration {
		word := strings.Repeat("é", n)
		best := time.Duration(1 << 62)
		for range 5 {
			start := time.Now()
			lines := Wrap(word, 80, "", "")
			best = min(best, time.Since(start))
			if len(lines) != (n+79)/80 {
				t.Fatalf("%d runes gave %d lines", n, len(lines))
			}
		}
		return best
	}
	small, big := timeOf(100_000), timeOf(1_000_000)
	if ratio := float64(big) / float64(max(small, 1)); ratio > 40 {
		t.Errorf("1 MB word: %v, 100 KB word: %v: %.0f× for 10× the text", big, small, ratio)
	}
}

func BenchmarkWrapLongWord(b *testing.B) {
	word := strings.Repeat("x", 1<<20)
	b.SetBytes(int64(len(word)))
	for b.Loop() {
		Wrap(word, 100, "", "")
	}
}

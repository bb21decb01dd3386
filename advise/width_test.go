package advise

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

// The advice and a sweep fit the width they are given, narrow or wide:
// sentences wrap, a narrow table leaves out its least needed columns and
// says so, and a wide one leaves out nothing (issue 10, item 12).
func TestTextFitsWidth(t *testing.T) {
	a := adviseText(t, blockingScraper, 2)
	sw := sweepOf(t, ioHandler, "processes(2)*threads(8..32)", setup(t, 2))
	for _, width := range []int{40, 60, 80, 100, 160} {
		for name, write := range map[string]func(*bytes.Buffer) error{
			"advise": func(b *bytes.Buffer) error { return a.WriteText(b, width) },
			"sweep":  func(b *bytes.Buffer) error { return sw.WriteText(b, width) },
		} {
			var b bytes.Buffer
			if err := write(&b); err != nil {
				t.Fatal(err)
			}
			text := b.String()
			for _, line := range strings.Split(text, "\n") {
				if n := utf8.RuneCountInString(line); n > width {
					t.Errorf("%s at %d columns: a line of %d: %q", name, width, n, line)
				}
			}
			narrow := strings.Contains(text, "(too narrow to show ")
			if width >= 160 && narrow {
				t.Errorf("%s at %d columns leaves columns out:\n%s", name, width, text)
			}
			if width == 40 && !narrow {
				t.Errorf("%s at 40 columns does not say what it left out:\n%s", name, text)
			}
			if !strings.Contains(text, "p99") {
				t.Errorf("%s at %d columns lost p99:\n%s", name, width, text)
			}
		}
	}
}

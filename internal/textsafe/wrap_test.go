package textsafe

import (
	"strings"
	"testing"
)

// A number keeps its unit on its line (issue 10: "6.000" ended a line of
// advise and "s (its loop" began the next).
func TestWrapKeepsUnits(t *testing.T) {
	text := "plain asyncio takes 6.000 s (its loop stalled up to 2.000 s at a time), with 13.3 MiB, against 4 tasks"
	for width := 10; width <= len(text); width++ {
		lines := Wrap(text, width, "", "")
		for _, line := range lines {
			if f := strings.Fields(line); len(f) > 0 && isUnit(f[0]) {
				t.Errorf("width %d: a line starts with a unit: %q", width, line)
			}
			if len([]rune(line)) > width {
				t.Errorf("width %d: %q is wider", width, line)
			}
		}
		if got := strings.Join(lines, " "); got != text {
			t.Errorf("width %d: the words changed: %q", width, got)
		}
	}
	// Not a unit: a count and its noun may part.
	if got := Wrap("takes 4 tasks", 8, "", ""); strings.Join(got, "|") != "takes 4|tasks" {
		t.Errorf("Wrap(takes 4 tasks, 8) = %q", got)
	}
}

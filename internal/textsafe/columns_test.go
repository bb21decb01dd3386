package textsafe

import (
	"strings"
	"testing"
)

func TestCut(t *testing.T) {
	for _, tt := range []struct {
		s    string
		n    int
		want string
	}{
		{"threads(16)", 8, "threads…"}, {"threads(16)", 11, "threads(16)"}, {"µs", 1, "…"},
		{"µµµ", 2, "µ…"}, {"abc", 0, ""}, {"", 3, ""}, {"worker-1", 14, "worker-1"},
		{"executor-thread-12", 14, "executor-thre…"}, {"µµµµµ", 3, "µµ…"}, {"abc", 1, "…"},
	} {
		if got := Cut(tt.s, tt.n); got != tt.want {
			t.Errorf("Cut(%q, %d) = %q, want %q", tt.s, tt.n, got, tt.want)
		}
	}
}

func TestColumns(t *testing.T) {
	rows := [][]string{
		{"model", "p50", "note"},
		{"threads(16)", "1.5 ms", ""},
		{"µ", "20 ms", "overloaded"},
	}
	got := strings.Join(Columns(rows, []bool{false, true, false}, 0), "\n")
	want := "model           p50  note\n" +
		"threads(16)  1.5 ms\n" +
		"µ             20 ms  overloaded"
	if got != want {
		t.Errorf("Columns =\n%s\nwant\n%s", got, want)
	}
	if got := Columns(rows, []bool{false, true, false}, 12); got[2] != "µ          …" {
		t.Errorf("cut to 12: %q", got[2])
	}
}

package textsafe

import (
	"strings"
	"unicode/utf8"
)

// Cut shortens s to at most n runes, ending with '…' when it cut: Cut of
// "threads(16)" to 8 is "threads…". It returns "" for n ≤ 0.
func Cut(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	var b strings.Builder
	i := 0
	for _, r := range s {
		if i == n-1 {
			break
		}
		b.WriteRune(r)
		i++
	}
	b.WriteRune('…')
	return b.String()
}

// Columns lays rows out as a table's lines: each column as wide as its
// widest cell (in runes), two spaces between columns, a cell aligned right
// where right says (one entry a column), left otherwise, no trailing
// spaces, and each line cut to width runes (Cut) unless width ≤ 0. The
// cells are printed as they are: Clean them first.
func Columns(rows [][]string, right []bool, width int) []string {
	widths := make([]int, len(right))
	for _, r := range rows {
		for j, c := range r {
			widths[j] = max(widths[j], utf8.RuneCountInString(c))
		}
	}
	lines := make([]string, len(rows))
	var b strings.Builder
	for i, r := range rows {
		b.Reset()
		for j, c := range r {
			if j > 0 {
				b.WriteString("  ")
			}
			pad := strings.Repeat(" ", widths[j]-utf8.RuneCountInString(c))
			if right[j] {
				b.WriteString(pad + c)
			} else {
				b.WriteString(c + pad)
			}
		}
		lines[i] = strings.TrimRight(b.String(), " ")
		if width > 0 {
			lines[i] = Cut(lines[i], width)
		}
	}
	return lines
}

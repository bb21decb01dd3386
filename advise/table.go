package advise

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// table is a text table: a header row and rows, numbers aligned right.
type table struct {
	head  []string
	right []bool
	rows  [][]string
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

// write prints t with two spaces between columns and no trailing spaces.
func (t *table) write(w io.Writer) error {
	widths := make([]int, len(t.head))
	for _, row := range append([][]string{t.head}, t.rows...) {
		for i, c := range row {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	var b strings.Builder
	for _, row := range append([][]string{t.head}, t.rows...) {
		var line strings.Builder
		for i, c := range row {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
			if i > 0 {
				line.WriteString("  ")
			}
			if t.right[i] {
				line.WriteString(pad + c)
			} else {
				line.WriteString(c + pad)
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " "))
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// perSecond formats a rate with three significant digits: "193/s",
// "9.87/s".
func perSecond(f float64) string {
	f = finite(f)
	switch {
	case f >= 99.95:
		return fmt.Sprintf("%.0f/s", f)
	case f >= 9.995:
		return fmt.Sprintf("%.1f/s", f)
	}
	return fmt.Sprintf("%.2f/s", f)
}

// num formats a swept value: integers plainly, other values with up to
// four significant digits.
func num(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) }

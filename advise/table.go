package advise

import (
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/conclab/conclab/report"

	"github.com/conclab/conclab/internal/numfmt"
	"github.com/conclab/conclab/internal/textsafe"
)

// table is a text table: a header row and rows, numbers aligned right.
type table struct {
	head  []string
	right []bool
	rows  [][]string
	// drop lists the columns that may be left out of a table too wide for
	// its width, the least needed first.
	drop []int
}

// minFirst is the narrowest the first column (the models) is cut to.
const minFirst = 12

// write prints t with two spaces between columns and no trailing spaces,
// no line wider than width: it leaves out columns in t.drop's order, then
// cuts the first column's cells, and says under the table which columns
// it left out.
func (t *table) write(w io.Writer, width int) error {
	keep := make([]bool, len(t.head))
	for j := range keep {
		keep[j] = true
	}
	colW := make([]int, len(t.head))
	for _, r := range append([][]string{t.head}, t.rows...) {
		for j, c := range r {
			colW[j] = max(colW[j], utf8.RuneCountInString(c))
		}
	}
	total := func() int {
		n := -2
		for j, k := range keep {
			if k {
				n += colW[j] + 2
			}
		}
		return n
	}
	var dropped []string
	for _, j := range t.drop {
		if total() <= width {
			break
		}
		keep[j] = false
		dropped = append(dropped, t.head[j])
	}
	first := colW[0]
	if over := total() - width; over > 0 {
		first = max(minFirst, colW[0]-over)
	}
	pick := func(r []string) []string {
		var out []string
		for j, c := range r {
			if keep[j] {
				if j == 0 {
					c = textsafe.Cut(c, first)
				}
				out = append(out, c)
			}
		}
		return out
	}
	rows := [][]string{pick(t.head)}
	for _, r := range t.rows {
		rows = append(rows, pick(r))
	}
	var right []bool
	for j, k := range keep {
		if k {
			right = append(right, t.right[j])
		}
	}
	lines := textsafe.Columns(rows, right, width)
	if len(dropped) > 0 {
		lines = append(lines, textsafe.Wrap("(too narrow to show "+strings.Join(dropped, ", ")+")", width, "", " ")...)
	}
	_, err := io.WriteString(w, strings.Join(lines, "\n")+"\n")
	return err
}

// textWidth is the width text is written at: width, or
// report.DefaultWidth when width ≤ 0.
func textWidth(width int) int {
	if width <= 0 {
		return report.DefaultWidth
	}
	return width
}

// wrap writes text, made safe to print, word-wrapped to width columns,
// the first line after first, the others after rest.
func wrap(b *strings.Builder, text string, width int, first, rest string) {
	for _, line := range textsafe.Wrap(textsafe.Clean(text), width, first, rest) {
		b.WriteString(line + "\n")
	}
}

// perSecond formats a rate with three significant digits: "193/s",
// "9.87/s".
func perSecond(f float64) string { return numfmt.PerSecond(f) }

// num formats a swept value: integers plainly, other values with up to
// four significant digits.
func num(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) }

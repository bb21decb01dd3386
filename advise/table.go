package advise

import (
	"io"
	"strconv"
	"strings"

	"github.com/conclab/conclab/internal/numfmt"
	"github.com/conclab/conclab/internal/textsafe"
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
	lines := textsafe.Columns(append([][]string{t.head}, t.rows...), t.right, 0)
	_, err := io.WriteString(w, strings.Join(lines, "\n")+"\n")
	return err
}

// perSecond formats a rate with three significant digits: "193/s",
// "9.87/s".
func perSecond(f float64) string { return numfmt.PerSecond(f) }

// num formats a swept value: integers plainly, other values with up to
// four significant digits.
func num(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) }

package report

import (
	"slices"
	"strings"

	"github.com/conclab/conclab/sim"

	"github.com/conclab/conclab/internal/textsafe"
)

// Column is one column of the summary table: its heading and what it
// means.
type Column struct {
	Head    string `json:"head"`
	Meaning string `json:"meaning"`
}

// Columns returns the columns of the summary table (Table, the HTML
// report, the page), in order, with what each means.
func Columns() []Column {
	out := make([]Column, len(tableColumns))
	for i, c := range tableColumns {
		out[i] = Column{Head: c.head, Meaning: c.meaning}
	}
	return out
}

// TableCells returns a run's cells in the summary table, in the order of
// Columns, formatted as Table formats them.
func TableCells(r *sim.Result) []string { return tableCells(r) }

// ColumnsHelp says what each column but the model means, a column a line,
// indented and wrapped for a command's help:
//
//	makespan   from the start until the last task finished
//	lat p50    a task's latency, from its release to its end: the median
func ColumnsHelp() string {
	const width, indent = 74, 13
	var lines []string
	for _, c := range slices.Insert(slices.Clone(tableColumns), 7, resWaitColumn)[1:] {
		first := "  " + c.head + strings.Repeat(" ", max(1, indent-2-len(c.head)))
		lines = append(lines, textsafe.Wrap(c.meaning, width, first, strings.Repeat(" ", indent))...)
	}
	return strings.Join(lines, "\n")
}

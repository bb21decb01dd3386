package whatif

import (
	"strconv"

	"github.com/conclab/conclab/internal/numfmt"
	"github.com/conclab/conclab/report"
)

// Table is the ranking as `conclab whatif` prints it: its heading and a
// row of cells per change, best first (its rank, the step or resource,
// what it is, the change, p99 and its change, the makespan and its
// change, and "deadlock" when the change deadlocked the run).
func (r *Report) Table() (head []string, rows [][]string) {
	head = []string{"#", "step", "what", "change", "p99", "", "makespan", "", ""}
	rows = make([][]string, 0, len(r.Effects))
	for i, e := range r.Effects {
		step, what := e.Step, e.Said()
		if e.Kind == Capacity {
			step, what = e.Resource, "resource"
		}
		note := ""
		if e.Deadlock {
			note = "deadlock"
		}
		rows = append(rows, []string{strconv.Itoa(i + 1), step, what, e.Label(),
			report.Seconds(e.P99), numfmt.SignedPercent(e.P99Change),
			report.Seconds(e.Makespan), numfmt.SignedPercent(e.MakespanChange), note})
	}
	return head, rows
}

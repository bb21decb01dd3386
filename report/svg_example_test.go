package report_test

import (
	"bytes"
	"fmt"
	"regexp"

	"github.com/conclab/conclab/report"
	"github.com/conclab/conclab/sim"
)

func ExampleSVG() {
	rec := &sim.Recorder{}
	rec.LaneSpan(sim.Span{Lane: 0, Task: 0, State: sim.Waiting, Start: 0, End: 2e9})
	run := report.Run{Result: &sim.Result{Model: "sync", Makespan: 2e9, Tasks: 1,
		Lanes: []sim.Lane{{Name: "main"}}, Records: []sim.TaskRecord{{Name: "A", End: 2e9}}}, Spans: rec}
	var buf bytes.Buffer
	report.SVG(&buf, []report.Run{run}, report.SVGOptions{})
	fmt.Println(regexp.MustCompile(`<title>[^<]*</title>`).FindString(buf.String()))
	// Output:
	// <title>main · A · waiting 2.000 s (0.000–2.000 s)</title>
}

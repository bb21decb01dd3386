package truth

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/report"
	"github.com/conclab/conclab/sim"
)

func TestResultLanesAndSpans(t *testing.T) {
	main := Thread{PID: 10, Thread: 1}
	exec1 := Thread{PID: 10, Thread: 2}
	pool := Thread{PID: 30, Thread: 1}
	m := &Measurement{Format: Format, Main: main, CPU: 0.05, Tasks: []TaskRun{
		{Name: "A", Release: 0, Start: 0.001, End: 0.100, Steps: []StepRun{
			{Kind: Work, Start: 0.001, End: 0.020, Thread: main},
			{Kind: Wait, Start: 0.020, End: 0.100, Thread: main},
		}},
		{Name: "B", Release: 0.010, Start: 0.020, End: 0.090, Steps: []StepRun{
			{Kind: WaitBlocking, Start: 0.020, End: 0.040, Thread: main},
			{Kind: Work, Start: 0.045, End: 0.060, Thread: exec1},
			{Kind: WorkReleased, Start: 0.060, End: 0.090, Thread: pool},
		}},
	}}
	d, _ := model.Parse("asyncio")
	res, rec := m.Result(d, 2)
	var names []string
	for _, l := range res.Lanes {
		names = append(names, l.Name)
	}
	if want := []string{"loop", "executor-1", "pool-proc-1"}; !slices.Equal(names, want) {
		t.Errorf("lanes %v, want %v", names, want)
	}
	if res.Makespan != 100e6 || res.Tasks != 2 || res.Latency.Max != 100e6 || res.QueueDelay.Max != 10e6 || res.CPUBusy != 50e6 {
		t.Errorf("result %+v", res)
	}
	if res.CPUUtilization != 0.25 || res.Records[1].Lane != 0 {
		t.Errorf("utilisation %v, B's lane %d", res.CPUUtilization, res.Records[1].Lane)
	}
	// The loop thread: A's work, B's blocking sleep; A's await is no lane span.
	wantLanes := []sim.Span{
		{Lane: 0, Task: 0, State: sim.Running, Start: 1e6, End: 20e6},
		{Lane: 0, Task: 1, State: sim.Blocked, Start: 20e6, End: 40e6},
		{Lane: 1, Task: 1, State: sim.Running, Start: 45e6, End: 60e6},
		{Lane: 2, Task: 1, State: sim.WorkingC, Start: 60e6, End: 90e6},
	}
	if !slices.Equal(rec.Lanes, wantLanes) {
		t.Errorf("lane spans\n%v\nwant\n%v", rec.Lanes, wantLanes)
	}
	wantTasks := []sim.Span{
		{Lane: -1, Task: 0, State: sim.Ready, Start: 0, End: 1e6},
		{Lane: 0, Task: 0, State: sim.Running, Start: 1e6, End: 20e6},
		{Lane: -1, Task: 0, State: sim.Waiting, Start: 20e6, End: 100e6},
		{Lane: -1, Task: 1, State: sim.Ready, Start: 10e6, End: 20e6},
		{Lane: 0, Task: 1, State: sim.Blocked, Start: 20e6, End: 40e6},
		{Lane: -1, Task: 1, State: sim.Ready, Start: 40e6, End: 45e6},
		{Lane: 1, Task: 1, State: sim.Running, Start: 45e6, End: 60e6},
		{Lane: 2, Task: 1, State: sim.WorkingC, Start: 60e6, End: 90e6},
	}
	if !slices.Equal(rec.Tasks, wantTasks) {
		t.Errorf("task spans\n%v\nwant\n%v", rec.Tasks, wantTasks)
	}
}

func TestCompareAndMedian(t *testing.T) {
	pred := &sim.Result{Makespan: 100e6, Records: []sim.TaskRecord{{Name: "a", End: 50e6}, {Name: "b", End: 100e6}, {Name: "z", End: 0}}}
	runs := []*sim.Result{
		{Makespan: 130e6, Records: []sim.TaskRecord{{Name: "a", End: 60e6}, {Name: "b", End: 130e6}, {Name: "z", End: 3e6}}},
		{Makespan: 110e6, Records: []sim.TaskRecord{{Name: "a", End: 40e6}, {Name: "b", End: 110e6}, {Name: "z", End: 1e6}}},
		{Makespan: 120e6, Records: []sim.TaskRecord{{Name: "a", End: 55e6}, {Name: "b", End: 120e6}, {Name: "z", End: 2e6}}},
	}
	med, mid := Median(runs)
	if mid != 2 || med.Makespan != 120e6 || med.Records[0].End != 55e6 || med.Records[2].End != 2e6 {
		t.Fatalf("median run %d, makespan %d, records %+v", mid, med.Makespan, med.Records)
	}
	c := Compare(pred, med)
	if c.Makespan != 0.2 || c.Tasks[0].Err != 0.1 || c.Tasks[1].Err != 0.2 || c.Tasks[2].Err != 2 {
		t.Errorf("comparison %+v", c)
	}
	if w := c.Worst(2); len(w) != 2 || w[0].Name != "z" || w[1].Name != "b" {
		t.Errorf("worst %+v", w)
	}
	c = Compare(pred, &sim.Result{Makespan: 90e6, Records: []sim.TaskRecord{{Name: "b", End: 90e6}}})
	if !c.Tasks[0].Missing || c.Tasks[1].Err != -0.1 || c.Worst(1)[0].Name != "a" {
		t.Errorf("comparison with missing tasks %+v", c)
	}
}

// TestMeasuredTimelineDoesNotClaimTheGIL: under threads(2) both threads'
// work steps span the whole run, as they take turns on the GIL unseen.
// The measured timeline must say they ran Python, not that both held the
// GIL at once.
func TestMeasuredTimelineDoesNotClaimTheGIL(t *testing.T) {
	main := Thread{PID: 10, Thread: 1}
	w1, w2 := Thread{PID: 10, Thread: 2}, Thread{PID: 10, Thread: 3}
	m := &Measurement{Format: Format, Main: main, Tasks: []TaskRun{
		{Name: "A", Start: 0.001, End: 2.0, Steps: []StepRun{{Kind: Work, Start: 0.001, End: 2.0, Thread: w1}}},
		{Name: "B", Start: 0.002, End: 2.0, Steps: []StepRun{{Kind: Work, Start: 0.002, End: 2.0, Thread: w2}}},
	}}
	d, _ := model.Parse("threads(2)")
	res, rec := m.Result(d, 2)
	var b strings.Builder
	if err := report.Timeline(&b, report.Run{Result: res, Spans: rec}, report.Options{Width: 80}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.Contains(out, "holds the GIL") {
		t.Errorf("the measured timeline claims a GIL holder:\n%s", out)
	}
	if !strings.Contains(out, "running Python (GIL holder not measured)") {
		t.Errorf("the legend lacks the measured state:\n%s", out)
	}
	var svg bytes.Buffer
	if err := report.SVG(&svg, []report.Run{{Result: res, Spans: rec}}, report.SVGOptions{}); err != nil {
		t.Fatal(err)
	}
	if s := svg.String(); strings.Contains(s, "holds the GIL") || !strings.Contains(s, "running-python") {
		t.Errorf("the SVG of the measured run claims a GIL holder or lacks the state's name")
	}
}

package report

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/conclab/conclab/sim"
	"github.com/conclab/conclab/workload"
)

// rowsText writes rows one a line: kind, label (at most 30 characters),
// count, and the note when there is one.
func rowsText(t *TimelineRows) string {
	kinds := map[RowKind]string{HeadingRow: "heading", LaneRow: "lane", AllLanesRow: "all lanes", TaskRow: "task", AllTasksRow: "all tasks"}
	var b strings.Builder
	for _, r := range t.Rows {
		fmt.Fprintf(&b, "%s: %s ×%d", kinds[r.Kind], r.Label(30), r.Count)
		if r.Note != "" {
			fmt.Fprintf(&b, " (%s)", r.Note)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// asyncioTasks is an event loop with n tasks, task i working from i ms.
func asyncioTasks(n int, names bool) Run {
	r := &sim.Result{Model: "asyncio", Makespan: 1 * s, Tasks: n,
		Lanes: []sim.Lane{{ID: 0, Name: "loop", Kind: sim.LoopThread}}}
	rec := &sim.Recorder{}
	for i := range n {
		if names {
			r.Records = append(r.Records, sim.TaskRecord{Name: fmt.Sprintf("fetch-%d", i+1)})
		}
		rec.LaneSpan(sim.Span{Lane: 0, Task: int32(i), State: sim.Working, Start: int64(i) * ms, End: int64(i+1) * ms})
		rec.TaskSpan(sim.Span{Lane: 0, Task: int32(i), State: sim.Working, Start: int64(i) * ms, End: int64(i+1) * ms})
	}
	return Run{Result: r, Spans: rec}
}

// processesOfThreads is processes(p)*threads(n) as the engine lays it out:
// the parent (process 0) has no lane; process i has proc-i and its workers,
// all of which wait alike.
func processesOfThreads(p, n int) Run {
	r := &sim.Result{Model: fmt.Sprintf("processes(%d)*threads(%d)", p, n), Makespan: 1 * s}
	rec := &sim.Recorder{}
	// Listed workers first, to check the order by process and creation.
	for i := 1; i <= p; i++ {
		for k := 1; k <= n; k++ {
			id := len(r.Lanes)
			r.Lanes = append(r.Lanes, sim.Lane{ID: id, Process: i, Name: fmt.Sprintf("p%d/worker-%d", i, k), Kind: sim.WorkerThread})
			rec.LaneSpan(sim.Span{Lane: int32(id), Task: -1, State: sim.Waiting, Start: 0, End: s / 2})
		}
	}
	for i := 1; i <= p; i++ {
		id := len(r.Lanes)
		r.Lanes = append(r.Lanes, sim.Lane{ID: id, Process: i, Name: fmt.Sprintf("proc-%d", i), Kind: sim.ProcessMain})
		rec.LaneSpan(sim.Span{Lane: int32(id), Task: -1, State: sim.Overhead, Start: 0, End: s / 10})
	}
	return Run{Result: r, Spans: rec}
}

// TestTimelineRows checks the rule of TimelineRows' doc, case by case.
func TestTimelineRows(t *testing.T) {
	tests := []struct {
		name string
		run  Run
		want string
	}{
		{"threads: one process, no heading", seedThreads(),
			"lane: worker-1 ×1\nlane: worker-2 ×1\nlane: worker-3 ×1\n"},
		{"processes: headings named as the lanes are", processesOfThreads(2, 2), `heading: process 1 · 3 lanes ×3
lane: p1/worker-1 ×1
lane: p1/worker-2 ×1
lane: proc-1 ×1
heading: process 2 · 3 lanes ×3
lane: p2/worker-1 ×1
lane: p2/worker-2 ×1
lane: proc-2 ×1
`},
		{"processes of one lane: no heading", processesOfThreads(3, 0), "lane: proc-1 ×1\nlane: proc-2 ×1\nlane: proc-3 ×1\n"},
		{"24 lanes do not fold", processesOfThreads(1, 23), func() string {
			var b strings.Builder
			for k := 1; k <= 23; k++ {
				fmt.Fprintf(&b, "lane: p1/worker-%d ×1\n", k)
			}
			return b.String()
		}() + "lane: proc-1 ×1\n"},
		{"25 lanes fold alike ones", processesOfThreads(1, 24), "lane: p1/worker-1 +23 ×24\nlane: proc-1 ×1\n"},
		{"beyond 24 rows, 20 and all lanes", processesOfThreads(30, 1), func() string {
			var b strings.Builder
			for i := 1; i <= 6; i++ {
				fmt.Fprintf(&b, "heading: process %d · 2 lanes ×2\nlane: p%d/worker-1 ×1\nlane: proc-%d ×1\n", i, i, i)
			}
			return b.String()
		}() + "heading: process 7 · 2 lanes ×2\nlane: p7/worker-1 ×1\n" +
			"all lanes: 60 lanes ×60 (… 47 more lanes not shown; all 60 lanes together)\n"},
		{"16 tasks: a row each", asyncioTasks(16, true), "lane: loop ×1\nheading: tasks ×16\n" + func() string {
			var b strings.Builder
			for i := 1; i <= 16; i++ {
				fmt.Fprintf(&b, "task: fetch-%d ×1\n", i)
			}
			return b.String()
		}()},
		{"17 tasks: one row", asyncioTasks(17, true),
			"lane: loop ×1\nall tasks: 17 tasks ×17 (all 17 tasks together (what most of them are doing))\n"},
		{"tasks without records", asyncioTasks(2, false), "lane: loop ×1\nheading: tasks ×2\ntask: task 1 ×1\ntask: task 2 ×1\n"},
		{"thousands", asyncioTasks(1000, false),
			"lane: loop ×1\nall tasks: 1,000 tasks ×1000 (all 1,000 tasks together (what most of them are doing))\n"},
		{"threads have no task rows", cpuThreads(), "lane: main ×1\nlane: worker-1 ×1\nlane: worker-2 ×1\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows := NewTimelineRows(tt.run, nil, tt.run.Result.Makespan, 80)
			if got := rowsText(rows); got != tt.want {
				t.Errorf("rows:\n%s\nwant:\n%s", got, tt.want)
			}
			for _, r := range rows.Rows {
				if r.Kind != HeadingRow && len(rows.Cells(r)) != 80 {
					t.Errorf("row %s has %d cells, want 80", r.Name, len(rows.Cells(r)))
				}
			}
		})
	}
}

// The trace's rows: every lane, none folded.
func TestTraceRows(t *testing.T) {
	rows := newTimelineRows(processesOfThreads(1, 40), nil, s, traceLimits)
	rows.build(0)
	if n := len(rows.Rows); n != 41 || rows.Rows[0].Count != 1 {
		t.Errorf("%d rows, the first standing for %d lanes: want 41 lanes, one each", n, rows.Rows[0].Count)
	}
}

// Tasks are named by their records, else by the workload, else "task N".
func TestTaskNames(t *testing.T) {
	wl, err := workload.ParseInline("2 x [wait 1s]; get: [wait 1s]")
	if err != nil {
		t.Fatal(err)
	}
	run := asyncioTasks(4, false)
	rows := NewTimelineRows(run, wl, s, 10)
	var got []string
	for id := range int32(4) {
		got = append(got, rows.TaskName(id))
	}
	want := wl.TaskName(0, 0) + "|" + wl.TaskName(0, 1) + "|" + wl.TaskName(1, 0) + "|task 4"
	if strings.Join(got, "|") != want {
		t.Errorf("names %q, want %q", got, want)
	}
	run.Result.Records = []sim.TaskRecord{{Name: "A\x1b[31m"}}
	if got := NewTimelineRows(run, wl, s, 10).TaskName(0); got != clean("A\x1b[31m") || got == "A\x1b[31m" {
		t.Errorf("a record's name is %q, want it cleaned", got)
	}
}

func TestRowLabel(t *testing.T) {
	folded := Row{Kind: LaneRow, Name: "worker-122", Count: 757}
	tests := []struct {
		row  Row
		n    int
		want string
	}{
		{folded, 20, "worker-122 +756"},
		{folded, 15, "worker-122 +756"},
		{folded, 12, "worker… +756"},
		{folded, 6, "worke…"},
		{Row{Kind: LaneRow, Name: "main", Count: 1}, 3, "ma…"},
		{Row{Kind: AllLanesRow, Name: "1,000 lanes", Count: 1000}, 20, "1,000 lanes"},
	}
	for _, tt := range tests {
		if got := tt.row.Label(tt.n); got != tt.want {
			t.Errorf("%+v in %d: %q, want %q", tt.row, tt.n, got, tt.want)
		}
	}
	if got := (Row{Kind: LaneRow, Name: "worker-1", Last: "worker-5", Count: 5}).Title(); got != "worker-1 … worker-5 (5 lanes alike)" {
		t.Errorf("title %q", got)
	}
}

// A cell is drawn by the state covering most of it (issue 10): a thread
// working 37 % of each cell is not drawn working; a row that only ran
// slivers, less than one cell in all, still shows them.
func TestCellsByMajority(t *testing.T) {
	const ms = int64(1e6)
	// 10 cells of 10 ms; a, b and c each repeat a 10 ms pattern.
	cells := func(pattern ...struct {
		s sim.State
		d int64
	}) []sim.State {
		g := newGrid(100*ms, 10)
		var at int64
		for at < 100*ms {
			for _, p := range pattern {
				g.add(p.s, at, at+p.d)
				at += p.d
			}
		}
		return g.states(1)
	}
	type p = struct {
		s sim.State
		d int64
	}
	for _, tc := range []struct {
		name    string
		pattern []p
		want    sim.State
	}{
		{"working 37%, waiting 63%", []p{{sim.Working, 3700_000}, {sim.Waiting, 6300_000}}, sim.Waiting},
		{"working 63%, waiting 37%", []p{{sim.Working, 6300_000}, {sim.Waiting, 3700_000}}, sim.Working},
		{"working 37%, idle 63%", []p{{sim.Working, 3700_000}, {sim.Idle, 6300_000}}, sim.Idle},
		{"GIL wait 40%, working 60%", []p{{sim.GILWait, 4 * ms}, {sim.Working, 6 * ms}}, sim.Working},
		{"working half, GIL wait half", []p{{sim.Working, 5 * ms}, {sim.GILWait, 5 * ms}}, sim.GILWait},
	} {
		for c, got := range cells(tc.pattern...) {
			if got != tc.want {
				t.Errorf("%s: cell %d is %v, want %v", tc.name, c, got, tc.want)
			}
		}
	}
	// The same 37 % busy lane, idle the rest, in a row with one busy cell:
	// only that cell is drawn working.
	g := newGrid(100*ms, 10)
	g.add(sim.Working, 0, 10*ms)
	for at := 10 * ms; at < 100*ms; at += 10 * ms {
		g.add(sim.Working, at, at+3700_000)
	}
	want := []sim.State{sim.Working, sim.Idle, sim.Idle, sim.Idle, sim.Idle, sim.Idle, sim.Idle, sim.Idle, sim.Idle, sim.Idle}
	if got := g.states(1); !slices.Equal(got, want) {
		t.Errorf("a busy cell then cells 37%% busy: %v, want %v", got, want)
	}
	// A row of slivers only: each cell shows what happened in it.
	g = newGrid(100*ms, 10)
	g.add(sim.Working, 0, ms/10)
	g.add(sim.Working, 95*ms, 96*ms)
	if got := g.states(1); got[0] != sim.Working || got[9] != sim.Working || got[5] != sim.Idle {
		t.Errorf("slivers: %v, want working at both ends, idle between", got)
	}
}

package report

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/conclab/conclab/internal/golden"
	"github.com/conclab/conclab/sim"
)

const (
	µs = int64(1e3)
	ms = int64(1e6)
	s  = int64(1e9)
)

// records names tasks A, B, C… with the given times.
func records(times ...[3]int64) []sim.TaskRecord {
	out := make([]sim.TaskRecord, len(times))
	for i, tm := range times {
		out[i] = sim.TaskRecord{Name: string(rune('A' + i)), Release: tm[0], Start: tm[1], End: tm[2]}
	}
	return out
}

// seedSync is the seed's first case under sync: one thread waits 2 s three
// times in a row.
func seedSync() Run {
	r := &sim.Result{
		Model: "sync", Runtime: "cpython", Cores: 8,
		Makespan: 6 * s, Tasks: 3,
		Latency:    sim.Stats{Mean: 4 * s, P50: 4 * s, P95: 6 * s, P99: 6 * s, Max: 6 * s},
		QueueDelay: sim.Stats{Mean: 2 * s, P50: 2 * s, P95: 4 * s, P99: 4 * s, Max: 4 * s},
		Throughput: 0.5, CPUBusy: 90 * µs, CPUUtilization: 90e3 / (8 * 6e9),
		PeakThreads: 1, PeakTasks: 3, PeakProcesses: 1,
		PeakMemoryBytes: 9_961_472, PeakVirtualBytes: 26 << 20,
		Lanes:   []sim.Lane{{ID: 0, Name: "main", Kind: sim.MainThread}},
		Records: records([3]int64{0, 0, 2 * s}, [3]int64{0, 2 * s, 4 * s}, [3]int64{0, 4 * s, 6 * s}),
	}
	rec := &sim.Recorder{}
	for i := range int64(3) {
		rec.LaneSpan(sim.Span{Lane: 0, Task: int32(i), State: sim.Waiting, Start: i * 2 * s, End: (i + 1) * 2 * s})
	}
	return Run{Result: r, Spans: rec}
}

// seedThreads is the same under threads(3): three workers wait side by side.
func seedThreads() Run {
	end := 2*s + 150*µs
	r := &sim.Result{
		Model: "threads(3)", Runtime: "cpython", Cores: 8,
		Makespan: end, Tasks: 3,
		Latency:    sim.Stats{Mean: 2*s + 100*µs, P50: 2*s + 100*µs, P95: end, P99: end, Max: end},
		Throughput: 1.5, CPUBusy: 240 * µs, CPUUtilization: 0.0000149,
		GILWait: 12 * µs, GILSwitches: 5,
		PeakThreads: 4, PeakTasks: 3, PeakProcesses: 1,
		PeakMemoryBytes: 10_010_624, PeakVirtualBytes: 53 << 20,
		Records: records([3]int64{0, 50 * µs, 2*s + 50*µs}, [3]int64{0, 100 * µs, 2*s + 100*µs}, [3]int64{0, 150 * µs, end}),
	}
	rec := &sim.Recorder{}
	for i := range 3 {
		r.Lanes = append(r.Lanes, sim.Lane{ID: i, Name: fmt.Sprintf("worker-%d", i+1), Kind: sim.WorkerThread})
		t0 := int64(i+1) * 50 * µs
		rec.LaneSpan(sim.Span{Lane: int32(i), Task: -1, State: sim.Overhead, Start: t0 - 50*µs, End: t0})
		rec.LaneSpan(sim.Span{Lane: int32(i), Task: int32(i), State: sim.Waiting, Start: t0, End: t0 + 2*s})
		if t0+2*s < end {
			rec.LaneSpan(sim.Span{Lane: int32(i), Task: -1, State: sim.Idle, Start: t0 + 2*s, End: end})
		}
	}
	return Run{Result: r, Spans: rec}
}

// seedAsyncio is the same under asyncio: the loop is idle but for slivers
// of work at the start and the end, and the three tasks wait together.
func seedAsyncio() Run {
	end := 2*s + 90*µs
	r := &sim.Result{
		Model: "asyncio", Runtime: "cpython", Cores: 8,
		Makespan: end, Tasks: 3,
		Latency:    sim.Stats{Mean: 2*s + 60*µs, P50: 2*s + 60*µs, P95: end, P99: end, Max: end},
		QueueDelay: sim.Stats{Mean: 20 * µs, P50: 20 * µs, P95: 40 * µs, P99: 40 * µs, Max: 40 * µs},
		Throughput: 1.49993, CPUBusy: 180 * µs, CPUUtilization: 0.0000112,
		LoopStallMax: 40 * µs,
		PeakThreads:  1, PeakTasks: 3, PeakProcesses: 1,
		PeakMemoryBytes: 9_963_776, PeakVirtualBytes: 26 << 20,
		Lanes:   []sim.Lane{{ID: 0, Name: "loop", Kind: sim.LoopThread}},
		Records: records([3]int64{0, 1, 2*s + 30*µs}, [3]int64{0, 20*µs + 1, 2*s + 60*µs}, [3]int64{0, 40*µs + 1, end}),
	}
	rec := &sim.Recorder{}
	rec.LaneSpan(sim.Span{Lane: 0, Task: -1, State: sim.Working, Start: 0, End: 60 * µs})
	rec.LaneSpan(sim.Span{Lane: 0, Task: -1, State: sim.Idle, Start: 60 * µs, End: 2 * s})
	rec.LaneSpan(sim.Span{Lane: 0, Task: -1, State: sim.Working, Start: 2 * s, End: end})
	for i := range int64(3) {
		task := int32(i)
		started := (i + 1) * 20 * µs
		rec.TaskSpan(sim.Span{Lane: -1, Task: task, State: sim.Ready, Start: 0, End: started - 20*µs + 1})
		rec.TaskSpan(sim.Span{Lane: 0, Task: task, State: sim.Working, Start: started - 20*µs + 1, End: started})
		rec.TaskSpan(sim.Span{Lane: -1, Task: task, State: sim.Waiting, Start: started, End: started + 2*s - 20*µs})
		rec.TaskSpan(sim.Span{Lane: -1, Task: task, State: sim.Ready, Start: started + 2*s - 20*µs, End: 2*s + i*30*µs})
		rec.TaskSpan(sim.Span{Lane: 0, Task: task, State: sim.Working, Start: 2*s + i*30*µs, End: 2*s + (i+1)*30*µs})
	}
	return Run{Result: r, Spans: rec}
}

// cpuThreads is two CPU-bound threads taking turns on the GIL in 5 ms
// slices, plus a third lane in GIL-released C code and a blocked loop-like
// stretch, so that every state appears.
func cpuThreads() Run {
	end := 2*s + 10*ms
	r := &sim.Result{
		Model: "threads(2)", Runtime: "cpython", Cores: 2,
		Makespan: end, Tasks: 2,
		Latency:        sim.Stats{Mean: 2 * s, P50: 2 * s, P95: end, P99: end, Max: end},
		Throughput:     0.99,
		CPUBusy:        2*s + 5*ms,
		CPUUtilization: 0.5,
		GILWait:        2 * s, GILSwitches: 400,
		PeakThreads: 3, PeakProcesses: 1, PeakTasks: 2,
		PeakMemoryBytes: 10 << 20, PeakVirtualBytes: 40 << 20,
		Lanes: []sim.Lane{
			{ID: 0, Name: "main", Kind: sim.MainThread},
			{ID: 1, Name: "worker-1", Kind: sim.WorkerThread},
			{ID: 2, Name: "worker-2", Kind: sim.WorkerThread},
		},
	}
	rec := &sim.Recorder{}
	rec.LaneSpan(sim.Span{Lane: 0, Task: -1, State: sim.Overhead, Start: 0, End: 30 * ms})
	rec.LaneSpan(sim.Span{Lane: 0, Task: -1, State: sim.Blocked, Start: 30 * ms, End: 600 * ms})
	rec.LaneSpan(sim.Span{Lane: 0, Task: -1, State: sim.WorkingC, Start: 600 * ms, End: 1200 * ms})
	rec.LaneSpan(sim.Span{Lane: 0, Task: -1, State: sim.Ready, Start: 1200 * ms, End: 1500 * ms})
	for t, k := int64(0), 0; t < 2*s; t, k = t+5*ms, k+1 {
		a, b := sim.Working, sim.GILWait
		if k%2 == 1 {
			a, b = b, a
		}
		rec.LaneSpan(sim.Span{Lane: 1, Task: 0, State: a, Start: t, End: t + 5*ms})
		rec.LaneSpan(sim.Span{Lane: 2, Task: 1, State: b, Start: t, End: t + 5*ms})
	}
	return Run{Result: r, Spans: rec}
}

// composite is processes(2)*threads(2): lanes grouped by process.
func composite() Run {
	r := &sim.Result{
		Model: "processes(2)*threads(2)", Runtime: "cpython", Cores: 4,
		Makespan: 1 * s, Tasks: 4, PeakThreads: 4, PeakProcesses: 2,
		PeakMemoryBytes: 40 << 20, PeakVirtualBytes: 1 << 30,
	}
	rec := &sim.Recorder{}
	for p := range 2 {
		for i := range 2 {
			// As the engine numbers them: the parent, process 0, has no
			// lane; the workers are processes 1 and 2.
			id := 2*p + i
			r.Lanes = append(r.Lanes, sim.Lane{ID: id, Process: p + 1, Name: fmt.Sprintf("p%d/worker-%d", p+1, i+1), Kind: sim.WorkerThread})
			rec.LaneSpan(sim.Span{Lane: int32(id), State: sim.Overhead, Start: 0, End: 100 * ms})
			rec.LaneSpan(sim.Span{Lane: int32(id), State: sim.Working, Start: 100 * ms, End: int64(5+i) * 100 * ms})
			rec.LaneSpan(sim.Span{Lane: int32(id), State: sim.Waiting, Start: int64(5+i) * 100 * ms, End: 1 * s})
		}
	}
	return Run{Result: r, Spans: rec}
}

// manyThreads is `threads` with n lanes that each wait 1 s, started 1 ms
// apart, and a handful of identical lanes at the start: it must fold.
func manyThreads(n int) Run {
	r := &sim.Result{
		Model: "threads", Runtime: "cpython", Cores: 2,
		Makespan: 1*s + int64(n)*ms, Tasks: n, PeakThreads: n + 1,
		PeakMemoryBytes: int64(n) * 16 << 10, PeakVirtualBytes: int64(n) * 8 << 20,
	}
	rec := &sim.Recorder{}
	for i := range n {
		r.Lanes = append(r.Lanes, sim.Lane{ID: i, Name: fmt.Sprintf("thread-%d", i+1), Kind: sim.WorkerThread})
		start := int64(i) * ms
		if i < 5 {
			start = 0 // five identical lanes: folded into one
		}
		rec.LaneSpan(sim.Span{Lane: int32(i), Task: int32(i), State: sim.Waiting, Start: start, End: start + 1*s})
	}
	return Run{Result: r, Spans: rec}
}

// manyTasks is asyncio with n tasks: drawn as one aggregate row.
func manyTasks(n int) Run {
	r := &sim.Result{
		Model: "asyncio", Runtime: "cpython", Cores: 2,
		Makespan: 1*s + int64(n)*ms, Tasks: n, PeakThreads: 1, PeakTasks: n,
		Lanes: []sim.Lane{{ID: 0, Name: "loop", Kind: sim.LoopThread}},
	}
	rec := &sim.Recorder{}
	for i := range n {
		t0 := int64(i) * ms
		rec.LaneSpan(sim.Span{Lane: 0, Task: int32(i), State: sim.Working, Start: t0, End: t0 + ms})
		rec.TaskSpan(sim.Span{Lane: -1, Task: int32(i), State: sim.Ready, Start: 0, End: t0})
		rec.TaskSpan(sim.Span{Lane: 0, Task: int32(i), State: sim.Working, Start: t0, End: t0 + ms})
		rec.TaskSpan(sim.Span{Lane: -1, Task: int32(i), State: sim.Waiting, Start: t0 + ms, End: t0 + s})
	}
	return Run{Result: r, Spans: rec}
}

func seedRuns() []Run { return []Run{seedSync(), seedThreads(), seedAsyncio()} }

func TestTableGolden(t *testing.T) {
	noRecords := cpuThreads()
	nothing := Run{Result: &sim.Result{Model: "processes(2, start=spawn)", Makespan: 80 * ms}}
	tests := []struct {
		name string
		runs []Run
		opt  Options
	}{
		{"table_seed", seedRuns(), Options{}},
		{"table_seed_color", seedRuns(), Options{Color: Colors16}},
		{"table_notes", []Run{seedThreads(), noRecords, nothing}, Options{Width: 80}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Table(&buf, tt.runs, tt.opt); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, "testdata/"+tt.name+".golden", buf.Bytes())
		})
	}
}

func TestTimelineGolden(t *testing.T) {
	tests := []struct {
		name string
		run  Run
		opt  Options
	}{
		{"sync", seedSync(), Options{}},
		{"threads", seedThreads(), Options{}},
		{"asyncio", seedAsyncio(), Options{}},
		{"sync_color", seedSync(), Options{Color: Colors16}},
		{"threads_color", seedThreads(), Options{Color: Colors16}},
		{"asyncio_color", seedAsyncio(), Options{Color: Colors16}},
		{"cpu", cpuThreads(), Options{Width: 80}},
		{"cpu_color", cpuThreads(), Options{Width: 80, Color: Colors16}},
		{"cpu_color256", cpuThreads(), Options{Width: 80, Color: Colors256}},
		{"cpu_truecolor", cpuThreads(), Options{Width: 80, Color: TrueColor}},
		{"composite", composite(), Options{Width: 72}},
		{"many_threads", manyThreads(1000), Options{}},
		{"many_tasks", manyTasks(40), Options{Width: 80}},
		{"no_spans", Run{Result: seedSync().Result}, Options{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Timeline(&buf, tt.run, tt.opt); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, "testdata/timeline_"+tt.name+".golden", buf.Bytes())
		})
	}
}

// longNames is the seed's runs with names that cannot fit.
func longNames() []Run {
	runs := append(seedRuns(), cpuThreads(), composite(), manyThreads(100), manyTasks(20))
	for i, run := range runs {
		r := *run.Result
		r.Model = strings.Repeat("processes(64)*threads(128)", 3) + fmt.Sprint(i)
		r.Lanes = append([]sim.Lane(nil), r.Lanes...)
		for k := range r.Lanes {
			r.Lanes[k].Name = "a-thread-name-much-longer-than-the-label-column-µ-" + r.Lanes[k].Name
		}
		r.Records = append([]sim.TaskRecord(nil), r.Records...)
		for k := range r.Records {
			r.Records[k].Name = "fetch-µ-" + strings.Repeat("x", 40)
		}
		r.Makespan *= 1234567 // labels of the axis grow too
		r.GILSwitches = 1234567890123
		r.PeakThreads = 123456789
		runs[i] = Run{Result: &r, Spans: run.Spans}
	}
	return runs
}

func TestWidth(t *testing.T) {
	for _, w := range []int{24, 40, 60, 80, 100, 160} {
		for _, color := range []Colors{NoColor, Colors16, Colors256, TrueColor} {
			opt := Options{Width: w, Color: color}
			var buf bytes.Buffer
			runs := longNames()
			if err := Table(&buf, runs, opt); err != nil {
				t.Fatal(err)
			}
			for _, run := range runs {
				if err := Timeline(&buf, run, opt); err != nil {
					t.Fatal(err)
				}
			}
			for i, line := range strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n") {
				if n := utf8.RuneCountInString(stripSGR(line)); n > w {
					t.Errorf("width %d, color %v: line %d has %d columns: %q", w, color, i+1, n, line)
				}
			}
		}
	}
}

func TestDefaultWidth(t *testing.T) {
	var buf bytes.Buffer
	for _, run := range longNames() {
		if err := Timeline(&buf, run, Options{}); err != nil {
			t.Fatal(err)
		}
	}
	longest := 0
	for _, line := range strings.Split(buf.String(), "\n") {
		longest = max(longest, utf8.RuneCountInString(line))
	}
	if longest != DefaultWidth {
		t.Errorf("longest line is %d columns, want exactly %d", longest, DefaultWidth)
	}
}

func TestNoColorEscapes(t *testing.T) {
	var buf bytes.Buffer
	runs := append(seedRuns(), cpuThreads(), composite(), manyThreads(50), manyTasks(30))
	if err := Table(&buf, runs, Options{}); err != nil {
		t.Fatal(err)
	}
	for _, run := range runs {
		if err := Timeline(&buf, run, Options{Width: 80}); err != nil {
			t.Fatal(err)
		}
	}
	if strings.Contains(buf.String(), "\x1b") {
		t.Errorf("escape sequence in uncoloured output:\n%q", buf.String())
	}
	buf.Reset()
	if err := Timeline(&buf, cpuThreads(), Options{Color: Colors16}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "\x1b[31m") {
		t.Errorf("coloured output has no red GIL wait")
	}
}

func TestTooNarrow(t *testing.T) {
	if err := Timeline(&bytes.Buffer{}, seedSync(), Options{Width: minWidth - 1}); err == nil {
		t.Error("no error for a width below the minimum")
	}
	if err := Timeline(&bytes.Buffer{}, Run{}, Options{}); err == nil {
		t.Error("no error for a run without a result")
	}
	if err := Table(&bytes.Buffer{}, []Run{{}}, Options{}); err == nil {
		t.Error("no error for a run without a result")
	}
}

// stripSGR removes ANSI SGR sequences, for measuring.
func stripSGR(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '[' {
			j := i + 2
			for j < len(s) && s[j] != 'm' {
				j++
			}
			i = j
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// BenchmarkTimelineManyTasks draws asyncio with a million tasks, the
// issue's performance workload.
func BenchmarkTimelineManyTasks(b *testing.B) {
	run := manyTasks(1_000_000)
	b.ResetTimer()
	for b.Loop() {
		if err := Timeline(io.Discard, run, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTimelineManyThreads draws 10,000 threads.
func BenchmarkTimelineManyThreads(b *testing.B) {
	run := manyThreads(10_000)
	b.ResetTimer()
	for b.Loop() {
		if err := Timeline(io.Discard, run, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// The table's note on overload says what each overloaded model serves of
// what is offered.
func TestTableOverloadServed(t *testing.T) {
	runs := []Run{
		{Result: &sim.Result{Model: "sync", Makespan: 193 * s, Tasks: 1920, Arrived: 1920, Offered: 192, Served: 9.9258, Overloaded: true}},
		{Result: &sim.Result{Model: "threads(16)", Makespan: 12 * s, Tasks: 1920, Arrived: 1920, Offered: 192, Served: 150.68, Overloaded: true}},
		{Result: &sim.Result{Model: "asyncio", Makespan: 10 * s, Tasks: 1920, Arrived: 1920, Offered: 192, Served: 192}},
	}
	var buf bytes.Buffer
	if err := Table(&buf, runs, Options{Width: 100}); err != nil {
		t.Fatal(err)
	}
	want := "of 192/s offered, sync serves 9.93/s, threads(16) 151/s"
	if got := strings.Join(strings.Fields(buf.String()), " "); !strings.Contains(got, want) {
		t.Errorf("the table does not say %q:\n%s", want, buf.String())
	}
}

// TestTableModelNames: at 100 columns a long model name is shown whole up
// to 32 columns, and cut only as far as the rows still read apart; the
// columns on the right go first.
func TestTableModelNames(t *testing.T) {
	run := func(model string) Run {
		return Run{Result: &sim.Result{Model: model, Makespan: 461 * ms, Tasks: 4}}
	}
	tests := []struct {
		models []string
		want   []string // each row's first column, as shown
	}{
		{[]string{"processes(2, start=forkserver)", "processes(2)"},
			[]string{"processes(2, start=forkserver)", "processes(2)"}},
		{[]string{"processes(2, start=forkserver) · cpython-3.8", "processes(2, start=forkserver) · cpython-3.11",
			"threads(2) · cpython-3.8"},
			[]string{"processes(2, start=forkserver) · cpython-3.8", "processes(2, start=forkserver) · cpython-3.11",
				"threads(2) · cpython-3.8"}},
		{[]string{"processes(2, start=forkserver) · a runtime named at length", "threads(2)"},
			[]string{"processes(2, start=forkserver)…", "threads(2)"}},
	}
	for _, tt := range tests {
		var runs []Run
		for _, m := range tt.models {
			runs = append(runs, run(m))
		}
		var buf bytes.Buffer
		if err := Table(&buf, runs, Options{Width: 100}); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(buf.String(), "\n")
		for i, want := range tt.want {
			if got := strings.SplitN(lines[i+1], "  ", 2)[0]; strings.TrimSpace(got) != want {
				t.Errorf("%v: row %d reads %q, want %q\n%s", tt.models, i+1, got, want, buf.String())
			}
		}
	}
}

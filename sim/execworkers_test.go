package sim

import (
	"context"
	"slices"
	"testing"

	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/runtime"
	"github.com/conclab/conclab/workload"
)

// TestExecWorkersStartSideBySide: a JVM's or a Go program's workers are
// fresh programs, started side by side whatever the start method says;
// CPython's forked workers start one after another, the parent's fork
// (ForkParent) apart.
func TestExecWorkersStartSideBySide(t *testing.T) {
	wl, err := workload.ParseInline("2 x [work 1s]")
	if err != nil {
		t.Fatal(err)
	}
	d, err := model.Parse("processes(2)")
	if err != nil {
		t.Fatal(err)
	}
	java, _ := runtime.Builtin("java")
	for _, tt := range []struct {
		exec  bool
		apart int64 // between the two workers' forks
	}{{true, 0}, {false, 7_000_000}} {
		prof := java
		prof.ExecWorkers = tt.exec
		prof.ForkParent = 7_000_000 // a JVM's is 0: this shows exec workers ignore it
		res, err := Run(context.Background(), Config{Workload: wl, Deployment: d, Profile: prof, Cores: 2, SwitchInterval: workload.DefaultSwitchInterval, RecordTasks: true})
		if err != nil {
			t.Fatal(err)
		}
		want := tt.apart + prof.ProcessFork + 1e9 + prof.ProcessTask
		if res.Makespan != want {
			t.Errorf("exec workers %v: makespan %d, want %d", tt.exec, res.Makespan, want)
		}
	}
}

// TestProcessesStartAtFirstSubmit: ProcessPoolExecutor starts its workers
// at the first submit, so a batch released at 300 ms pays their start-up
// after 300 ms, exactly as one released at 0 does after 0; forked workers
// one after another, the parent's fork apart, spawned ones side by side.
func TestProcessesStartAtFirstSubmit(t *testing.T) {
	prof, _ := runtime.Builtin("cpython")
	prof.ResourceTracker = 0 // TestResourceTracker has it
	for _, tt := range []struct {
		model string
		apart int64 // between the two workers' starts
		start int64
		boot  int64 // a forkserver's, before the first
	}{{"processes(2)", prof.ForkParent, prof.ProcessFork, 0}, {"processes(2, start=spawn)", 0, prof.ProcessSpawn, 0},
		{"processes(2, start=forkserver)", 0, prof.ProcessForkserver, prof.ForkserverBoot}} {
		d, err := model.Parse(tt.model)
		if err != nil {
			t.Fatal(err)
		}
		var spans [2]int64
		for i, at := range []string{"0ms", "300ms"} {
			wl, err := workload.Parse("w.yaml", []byte("tasks: [{name: A, count: 2, start: "+at+", steps: [{work: 1s}]}]\n"))
			if err != nil {
				t.Fatal(err)
			}
			res, err := Run(context.Background(), Config{Workload: wl, Deployment: d, Profile: prof, Cores: 2, SwitchInterval: workload.DefaultSwitchInterval})
			if err != nil {
				t.Fatal(err)
			}
			spans[i] = res.Makespan
		}
		want := tt.boot + tt.apart + tt.start + 1e9 + prof.ProcessTask
		if spans[0] != want || spans[1] != 300_000_000+want {
			t.Errorf("%s: makespan %d released at 0 and %d at 300 ms, want %d and %d", tt.model, spans[0], spans[1], want, 300_000_000+want)
		}
	}
}

// TestForkedWorkersTakeTasksTogether: ProcessPoolExecutor hands out no task
// before it has forked its last worker, so the first worker up waits for
// the others; spawned workers, and a JVM's, take tasks as each is up.
func TestForkedWorkersTakeTasksTogether(t *testing.T) {
	wl, err := workload.ParseInline("4 x [work 100ms]")
	if err != nil {
		t.Fatal(err)
	}
	cpython, _ := runtime.Builtin("cpython")
	java, _ := runtime.Builtin("java")
	for _, tt := range []struct {
		model  string
		prof   runtime.Profile
		starts []int64 // of the first two tasks
	}{
		// The last of three forks is up two forks after the first.
		{"processes(3)", cpython, []int64{2*cpython.ForkParent + cpython.ProcessFork, 2*cpython.ForkParent + cpython.ProcessFork}},
		{"processes(2, start=spawn)", cpython, []int64{cpython.ProcessSpawn, cpython.ProcessSpawn}},
		// The server's start-up once, then each worker's own, side by side.
		{"processes(2, start=forkserver)", cpython, []int64{cpython.ForkserverBoot + cpython.ProcessForkserver, cpython.ForkserverBoot + cpython.ProcessForkserver}},
		{"processes(2, start=forkserver)", java, []int64{java.ProcessSpawn, java.ProcessSpawn}},
		{"processes(2)*threads(1)", cpython, []int64{cpython.ProcessFork, cpython.ForkParent + cpython.ProcessFork}},
		{"processes(2)", java, []int64{java.ProcessSpawn, java.ProcessSpawn}},
	} {
		got := taskStarts(t, wl, tt.model, tt.prof)
		for i, want := range tt.starts {
			// A task starts once its worker has taken it: the pool's
			// per-task cost on top.
			if got[i] < want || got[i] > want+tt.prof.ProcessTask+tt.prof.PoolTask {
				t.Errorf("%s on %s: task %d started at %d, want %d (and its hand-over)", tt.model, tt.prof.Name, i, got[i], want)
			}
		}
	}
}

// TestForkedStartupIsADelay: a forked worker's start-up is mostly a
// delay after its parent's fork, the forks one after another, and only
// its last ForkChild its own CPU, so eight forked workers on 2 cores are
// up one fork apart, not at the pace of eight start-ups sharing two cores
// (measured: eight were up within 15.5–19.4 ms, one in 8.4–10.7 ms); the
// parent's forks and the children's CPU share the cores, which delays the
// last by less than one child's CPU. A spawned worker's start-up is its
// own CPU, which the cores share.
func TestForkedStartupIsADelay(t *testing.T) {
	wl, err := workload.ParseInline("8 x [work 1ms]")
	if err != nil {
		t.Fatal(err)
	}
	prof, _ := runtime.Builtin("cpython")
	prof.ResourceTracker = 0 // TestResourceTracker has it
	for _, tt := range []struct {
		model string
		first int64 // when the first task starts: the last worker is up
		late  int64 // how much later it may start, beyond its hand-over
	}{
		{"processes(8)", 7*prof.ForkParent + prof.ProcessFork, prof.ForkChild},
		// Eight boots of CPU on two cores: four boots each.
		{"processes(8, start=spawn)", 4 * prof.ProcessSpawn, 0},
	} {
		d, err := model.Parse(tt.model)
		if err != nil {
			t.Fatal(err)
		}
		res, err := Run(context.Background(), Config{Workload: wl, Deployment: d, Profile: prof, Cores: 2,
			SwitchInterval: workload.DefaultSwitchInterval, RecordTasks: true})
		if err != nil {
			t.Fatal(err)
		}
		first := res.Records[0].Start
		for _, r := range res.Records {
			first = min(first, r.Start)
		}
		if first < tt.first || first > tt.first+tt.late+prof.ProcessTask {
			t.Errorf("%s: first task started at %d, want %d (and its hand-over)", tt.model, first, tt.first)
		}
	}
}

// TestResourceTracker: a spawn or forkserver pool starts multiprocessing's
// resource tracker, a fresh interpreter whose start-up shares the cores
// with the workers' own and counts as one more process; fork starts none,
// and neither does a JVM.
func TestResourceTracker(t *testing.T) {
	wl, err := workload.ParseInline("2 x [work 1s]")
	if err != nil {
		t.Fatal(err)
	}
	prof, _ := runtime.Builtin("cpython")
	prof.ProcessSpawn, prof.ResourceTracker = 60_000_000, 30_000_000
	java, _ := runtime.Builtin("java")
	for _, tt := range []struct {
		model   string
		prof    runtime.Profile
		first   int64 // when the first task starts
		tracker bool
	}{
		// Three start-ups on two cores: the tracker's 30 ms take 45; the
		// workers then have 30 ms of theirs left, at full speed.
		{"processes(2, start=spawn)", prof, 75_000_000, true},
		{"processes(2)", prof, prof.ForkParent + prof.ProcessFork, false},
		{"processes(2, start=spawn)", java, java.ProcessSpawn, false},
	} {
		d, err := model.Parse(tt.model)
		if err != nil {
			t.Fatal(err)
		}
		res, err := Run(context.Background(), Config{Workload: wl, Deployment: d, Profile: tt.prof, Cores: 2,
			SwitchInterval: workload.DefaultSwitchInterval, RecordTasks: true})
		if err != nil {
			t.Fatal(err)
		}
		first := min(res.Records[0].Start, res.Records[1].Start)
		if first < tt.first || first > tt.first+tt.prof.ProcessTask {
			t.Errorf("%s on %s: first task started at %d, want %d (and its hand-over)", tt.model, tt.prof.Name, first, tt.first)
		}
		lanes := 0
		for _, l := range res.Lanes {
			if l.Kind == HelperProcess {
				lanes++
				if l.Name != "tracker" {
					t.Errorf("%s: helper lane %q", tt.model, l.Name)
				}
			}
		}
		if want := map[bool]int{true: 1, false: 0}[tt.tracker]; lanes != want {
			t.Errorf("%s on %s: %d tracker lanes, want %d", tt.model, tt.prof.Name, lanes, want)
		}
		if want := 3 + lanes; res.PeakProcesses != want {
			t.Errorf("%s on %s: peak processes %d, want %d", tt.model, tt.prof.Name, res.PeakProcesses, want)
		}
	}
}

// TestMainModuleRerun: a CPython worker process started with spawn or
// forkserver runs the program's main module again (main_module) before
// its first task, as CPU of its own; a forked one has its parent's, and a
// JVM's or a Go program's workers have none to run.
func TestMainModuleRerun(t *testing.T) {
	wl, err := workload.Parse("main.yaml", []byte("main_module: 300ms\ntasks: [{count: 2, steps: [{work: 100ms}]}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if wl.MainModule != 300*ms {
		t.Fatalf("main_module parsed as %d", wl.MainModule)
	}
	cpython, _ := runtime.Builtin("cpython")
	java, _ := runtime.Builtin("java")
	for _, tt := range []struct {
		model string
		prof  runtime.Profile
		start int64 // when each task starts, at least (and its hand-over)
	}{
		{"processes(2, start=spawn)", cpython, cpython.ProcessSpawn + 300*ms},
		{"processes(2, start=forkserver)", cpython, cpython.ForkserverBoot + cpython.ProcessForkserver + 300*ms},
		{"processes(2)", cpython, cpython.ForkParent + cpython.ProcessFork},
		{"processes(2, start=spawn)", java, java.ProcessSpawn},
	} {
		for _, got := range taskStarts(t, wl, tt.model, tt.prof) {
			if got < tt.start || got > tt.start+tt.prof.ProcessTask+tt.prof.PoolTask {
				t.Errorf("%s on %s: a task started at %d, want %d (and its hand-over)", tt.model, tt.prof.Name, got, tt.start)
			}
		}
	}
}

// taskRecords runs wl under model on 4 cores with prof and returns its
// tasks' records.
func taskRecords(t *testing.T, wl *workload.Workload, expr string, prof runtime.Profile) []TaskRecord {
	t.Helper()
	d, err := model.Parse(expr)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), Config{Workload: wl, Deployment: d, Profile: prof, Cores: 4,
		SwitchInterval: workload.DefaultSwitchInterval, RecordTasks: true})
	if err != nil {
		t.Fatal(err)
	}
	return res.Records
}

// taskStarts is when taskRecords' tasks started, in order.
func taskStarts(t *testing.T, wl *workload.Workload, expr string, prof runtime.Profile) []int64 {
	t.Helper()
	var starts []int64
	for _, r := range taskRecords(t, wl, expr, prof) {
		starts = append(starts, r.Start)
	}
	slices.Sort(starts)
	return starts
}

// An open workload is a server's: its worker processes, and an event
// loop's process pool, are up before the first request, whatever the
// start method, and the main module they ran again is behind them. The
// first request waits for none of it (it waited for a spawned worker's
// 57 ms and more until 2026-12-05, which made the p99 of a spawn server
// taking 100 requests a second 76 ms where its requests took 7–28 ms).
func TestServerWorkersUpFront(t *testing.T) {
	cpython, _ := runtime.Builtin("cpython")
	wl, err := workload.Parse("server.yaml", []byte("main_module: 300ms\narrivals: {rate: 10/s, count: 4, pattern: uniform}\n"+
		"tasks: [{steps: [{work: 20ms}, {work: 5ms, offload: process}]}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"processes(2)", "processes(2, start=spawn)", "processes(2, start=forkserver)", "processes(2)*asyncio", "asyncio"} {
		// Its hand-over, the 20 ms, the step sent to the loop's pool and
		// back: a millisecond or two beside the 25 ms of work.
		for _, r := range taskRecords(t, wl, m, cpython) {
			if wait, took := r.Start-r.Release, r.End-r.Release; wait > ms || took > 28*ms {
				t.Errorf("%s: %s waited %s to start and took %s, want its worker up (under 1 ms) and about 25 ms", m, r.Name,
					workload.FormatDuration(wait), workload.FormatDuration(took))
			}
		}
	}
}

package sim

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/conclab/conclab/runtime"
	"github.com/conclab/conclab/workload"
)

// Tests of the shapes of SPEC §1.1: gather, use, choose and deadlocks.

// The exact case of issue 11: 100 requests that each hold one of 10
// connections for 50 ms take 10 × 50 ms however many of them run at once.
func TestPoolOfTenConnections(t *testing.T) {
	wl, err := workload.Parse("pool.yaml", []byte(`
resources: {db: {capacity: 10}}
tasks: [{name: req, count: 100, steps: [{use: db, steps: [{wait: 50ms}]}]}]`))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		model     string
		wait      int64 // resource_wait: tasks queued for a connection
		peakQueue int
	}{
		// 50 threads: 40 queue at once; the other 50 tasks queue for a
		// thread first, then 200 ms each for a connection.
		{"threads(50)", 10*50*ms*(0+1+2+3+4) + 50*200*ms, 40},
		// asyncio: all 100 queue at once, 10 per 50 ms.
		{"asyncio", 10 * 50 * ms * (0 + 1 + 2 + 3 + 4 + 5 + 6 + 7 + 8 + 9), 90},
		{"asyncio(eager)", 10 * 50 * ms * 45, 90},
	} {
		r := run(t, wl, c.model, runOpt{})
		if r.Makespan != 500*ms || r.Tasks != 100 || r.Deadlock != nil {
			t.Errorf("%s: makespan %s, %d tasks, deadlock %v; want 500ms, 100", c.model, workload.FormatDuration(r.Makespan), r.Tasks, r.Deadlock)
		}
		db := r.Resources[0]
		if r.ResourceWait != c.wait || db.Wait != c.wait || db.PeakQueue != c.peakQueue || db.Acquires != 100 || db.Utilization != 1 {
			t.Errorf("%s: resource wait %s, db %+v; want wait %s, peak queue %d, 100 acquires, utilization 1",
				c.model, workload.FormatDuration(r.ResourceWait), db, workload.FormatDuration(c.wait), c.peakQueue)
		}
		// On CPython's costs it takes a little longer, never less.
		r = run(t, wl, c.model, runOpt{prof: builtin(t, "cpython")})
		if r.Makespan < 500*ms || r.Makespan > 510*ms || r.Tasks != 100 {
			t.Errorf("%s on cpython: makespan %s, %d tasks; want 500 to 510 ms", c.model, workload.FormatDuration(r.Makespan), r.Tasks)
		}
	}
}

// Two tasks that take two locks in opposite orders deadlock on two
// threads, at the instant the second waits for the first's lock, and the
// deadlock says who holds what.
func TestLockOrderDeadlock(t *testing.T) {
	wl, err := workload.Parse("locks.yaml", []byte(`
resources: {a: {capacity: 1}, b: {capacity: 1}}
tasks:
  - {name: A, steps: [{use: a, steps: [{wait: 10ms}, {use: b, steps: [{wait: 1ms}]}]}]}
  - {name: B, steps: [{use: b, steps: [{wait: 10ms}, {use: a, steps: [{wait: 1ms}]}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	want := &Deadlock{At: 10 * ms, Cycle: []DeadlockLink{
		{Task: "A", Holds: []string{"a", "worker-1"}, WaitsFor: "b"},
		{Task: "B", Holds: []string{"b", "worker-2"}, WaitsFor: "a"},
	}}
	r := run(t, wl, "threads(2)", runOpt{})
	if !reflect.DeepEqual(r.Deadlock, want) || r.Tasks != 0 || r.Makespan != 10*ms {
		t.Errorf("threads(2): deadlock %+v, %d tasks, makespan %s; want %+v", r.Deadlock, r.Tasks, workload.FormatDuration(r.Makespan), want)
	}
	// asyncio deadlocks the same way (asyncio.Lock), holding no thread.
	r = run(t, wl, "asyncio", runOpt{})
	if d := r.Deadlock; d == nil || len(d.Cycle) != 2 || d.Cycle[0].WaitsFor != "b" || !reflect.DeepEqual(d.Cycle[1].Holds, []string{"b"}) {
		t.Errorf("asyncio: deadlock %+v", d)
	}
	// One after another, or each in a process of its own (scope process),
	// they never wait for each other.
	for _, m := range []string{"sync", "processes(2)"} {
		if r := run(t, wl, m, runOpt{prof: builtin(t, "cpython")}); r.Deadlock != nil || r.Tasks != 2 {
			t.Errorf("%s: deadlock %+v, %d tasks", m, r.Deadlock, r.Tasks)
		}
	}
}

// Two tasks that each gather two branches on threads(2) take both
// threads, and their branches queue behind them for ever (as CPython 3.11
// does every time); a second pool for the branches finishes them.
func TestGatherOnABoundedPoolDeadlocks(t *testing.T) {
	wl := inlineYAML(t, `tasks: [{name: t, count: 2, steps: [{gather: [{count: 2, steps: [{wait: 10ms}]}]}]}]`)
	for i, prof := range []runtime.Profile{bare, builtin(t, "cpython")} {
		r := run(t, wl, "threads(2)", runOpt{prof: prof})
		d := r.Deadlock
		if d == nil || r.Tasks != 0 {
			t.Fatalf("%s: threads(2) finished %d tasks, no deadlock", prof.Name, r.Tasks)
		}
		want := []DeadlockLink{
			{Task: "t-1", Holds: []string{"worker-1"}, WaitsFor: "t-1/1"},
			{Task: "t-1/1", WaitsFor: "a free worker thread"},
		}
		if !reflect.DeepEqual(d.Cycle, want) {
			t.Errorf("%s: cycle %+v, want %+v", prof.Name, d.Cycle, want)
		}
		r = run(t, wl, "threads(2, fanout=4)", runOpt{prof: prof})
		if r.Deadlock != nil || r.Tasks != 2 || i == 0 && r.Makespan != 10*ms {
			t.Errorf("%s: threads(2, fanout=4): %d tasks, makespan %s, deadlock %+v", prof.Name, r.Tasks, workload.FormatDuration(r.Makespan), r.Deadlock)
		}
	}
	if d := run(t, wl, "threads(2)", runOpt{}).Deadlock; d.At != 0 {
		t.Errorf("deadlocked at %s, want 0s", workload.FormatDuration(d.At))
	}
}

// A lock held around a gather whose branch takes it too deadlocks on
// every model (asyncio.Lock and threading.Lock are not reentrant, and the
// branch is another task; run inline it is the same thread taking it
// twice).
func TestBranchTakesItsParentsLock(t *testing.T) {
	wl := inlineYAML(t, `
resources: {lock: {capacity: 1}}
tasks: [{name: t, steps: [{use: lock, steps: [{gather: [{steps: [{use: lock, steps: [{wait: 1ms}]}]}]}]}]}]`)
	for _, m := range []string{"sync", "threads(4)", "threads", "asyncio", "asyncio(eager)", "processes(1)", "processes(2)*asyncio"} {
		d := run(t, wl, m, runOpt{}).Deadlock
		if d == nil || len(d.Cycle) != 2 || d.Cycle[0].Task != "t" || d.Cycle[0].WaitsFor != "t/1" || d.Cycle[1].WaitsFor != "lock" {
			t.Errorf("%s: deadlock %+v", m, d)
		}
	}
}

func inlineYAML(t testing.TB, text string) *workload.Workload {
	t.Helper()
	wl, err := workload.Parse("w.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return wl
}

// gatherModels are the models the shape tests run.
var gatherModels = []string{
	"sync", "threads", "threads(1)", "threads(2)", "threads(3, fanout=2)", "threads(8)",
	"asyncio", "asyncio(eager)", "asyncio(limit=2)", "asyncio(limit=2, executor=1, eager)",
	"processes(1)", "processes(2)", "processes(3, start=spawn)", "processes(2)*threads(2)", "processes(2)*threads(1, fanout=2)",
	"processes(2)*asyncio", "processes(2)*asyncio(eager)",
}

// randomShapes builds a small workload with resources, gathers, uses and
// chooses among its steps, drawn from r.
func randomShapes(r *rand.Rand) *workload.Workload {
	wl := &workload.Workload{Name: "shapes", Seed: r.Uint64()}
	for i := 0; i < 1+r.IntN(3); i++ {
		res := workload.Resource{Name: fmt.Sprintf("r%d", i), Capacity: 1 + r.IntN(3)}
		if r.IntN(3) == 0 {
			res.Scope = workload.ScopeGlobal
		}
		wl.Resources = append(wl.Resources, res)
	}
	dur := func(hi int64) workload.Dist {
		a := r.Int64N(hi + 1)
		switch r.IntN(6) {
		case 0:
			return workload.Dist{Kind: workload.Exp, A: a}
		case 1:
			return workload.Dist{Kind: workload.Uniform, A: a / 2, B: a}
		case 2:
			return workload.Dist{}
		}
		return workload.Dist{A: a}
	}
	var steps func(depth int) []workload.Step
	steps = func(depth int) []workload.Step {
		out := make([]workload.Step, 0, 3)
		for n := 1 + r.IntN(3); len(out) < n; {
			k := r.IntN(12)
			if depth >= 3 {
				k = r.IntN(6)
			}
			var st workload.Step
			switch {
			case k < 2:
				st = workload.Step{Kind: workload.Work, Dur: dur(5 * ms), GILReleased: r.IntN(4) == 0}
			case k < 5:
				st = workload.Step{Kind: workload.Wait, Dur: dur(10 * ms), Blocking: r.IntN(6) == 0}
			case k < 6:
				st = workload.Step{Kind: workload.Work, Dur: dur(2 * ms), Offload: workload.Offload(1 + r.IntN(2))}
				if st.Offload == workload.OffloadProcess && r.IntN(2) == 0 {
					st.Input, st.Output = r.Int64N(200_000), r.Int64N(100_000)
				}
			case k < 8:
				st = workload.Step{Kind: workload.Use, Resource: r.IntN(len(wl.Resources)), Steps: steps(depth + 1)}
			case k < 10:
				st = workload.Step{Kind: workload.Gather}
				for b := 0; b < 1+r.IntN(2); b++ {
					st.Branches = append(st.Branches, workload.Branch{Count: 1 + r.IntN(3), Steps: steps(depth + 1)})
				}
			case k < 11:
				st = workload.Step{Kind: workload.Choose}
				for a := 0; a < 1+r.IntN(3); a++ {
					st.Alternatives = append(st.Alternatives, workload.Alternative{Weight: float64(1 + r.IntN(9)), Steps: steps(depth + 1)})
				}
			default:
				st = workload.Step{Kind: workload.Repeat, Count: 1 + r.IntN(3), Steps: steps(depth + 1)}
			}
			out = append(out, st)
		}
		return out
	}
	for g := 0; g < 1+r.IntN(3); g++ {
		grp := workload.Group{Name: fmt.Sprintf("g%d", g), Count: 1 + r.IntN(4), Steps: steps(0)}
		if r.IntN(3) == 0 {
			grp.Input, grp.Output = r.Int64N(500_000), r.Int64N(50_000)
		}
		if r.IntN(2) == 0 {
			grp.Every = r.Int64N(5 * ms)
		}
		wl.Groups = append(wl.Groups, grp)
	}
	return wl
}

// TestShapeInvariants runs random workloads with every new construct
// under every model on runtimes with and without costs and a GIL, and
// checks what checkRun checks: every task finishes or a deadlock is
// reported, no resource has more holders than its capacity, every unit is
// given back, the CPU charged is what each task and branch draws from its
// own stream, at most one GIL holder per process, causes that name real
// lanes and tasks, the same output for the same input.
func TestShapeInvariants(t *testing.T) {
	n := 600
	if testing.Short() {
		n = 100
	}
	r := rand.New(rand.NewPCG(11, 7))
	profiles := []runtime.Profile{costly("cpython", true, 1), costly("cpython-ft", false, 1.1), bare}
	deadlocks, barged := 0, int64(0)
	for i := 0; i < n; i++ {
		wl := randomShapes(r)
		m := gatherModels[r.IntN(len(gatherModels))]
		prof := profiles[r.IntN(len(profiles))]
		cores := 1 + r.IntN(4)
		name := fmt.Sprintf("case %d: %s on %s, %d cores", i, m, prof.Name, cores)
		checkRun(t, name, wl, deployment(t, m), prof, cores, 5*ms)
		if t.Failed() {
			t.Logf("workload: %+v %+v", wl.Resources, wl.Groups)
			return
		}
		res := run(t, wl, m, runOpt{prof: prof, cores: cores})
		if res.Deadlock != nil {
			deadlocks++
		}
		for _, rs := range res.Resources {
			barged += rs.Barged
		}
	}
	// The generator makes both kinds of ending, and threads that take a
	// semaphore's unit before the waiter woken for it (rare: the short
	// run's 100 cases have none).
	if deadlocks == 0 || deadlocks == n || barged == 0 && !testing.Short() {
		t.Errorf("%d of %d random runs deadlocked; %d waiters found their unit taken", deadlocks, n, barged)
	}
}

// A choose draws the same alternative for a task (and for each of its
// branches) under every model, however the model orders their steps.
func TestChooseSameUnderEveryModel(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	for i := 0; i < 60; i++ {
		wl := randomShapes(r)
		var first map[uint64][]int
		firstModel := ""
		for _, m := range gatherModels {
			draws := map[uint64][]int{}
			cfg := Config{Workload: wl, Deployment: deployment(t, m), Profile: costly("cpython", true, 1), Cores: 2, SwitchInterval: 5 * ms}
			e, err := newEngine(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			e.onChoose = func(key uint64, alt int) { draws[key] = append(draws[key], alt) }
			e.setup()
			if err := e.loop(); err != nil {
				t.Fatal(err)
			}
			if e.dead != nil {
				continue // a deadlock stops some tasks before their choices
			}
			if first == nil {
				first, firstModel = draws, m
				continue
			}
			if !reflect.DeepEqual(draws, first) {
				t.Fatalf("workload %d: %s drew %v, %s drew %v", i, m, draws, firstModel, first)
			}
		}
	}
}

// Nesting a task's steps in a gather of one branch changes nothing but
// the cost of creating the branch's task: nothing at all where branches
// run inline (sync, worker processes) or the pool has no costs, one
// TaskCreate per gather on an event loop.
func TestOneBranchGather(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 3))
	wrap := func(wl *workload.Workload) *workload.Workload {
		out := *wl
		out.Groups = nil
		for _, g := range wl.Groups {
			g.Steps = []workload.Step{{Kind: workload.Gather, Branches: []workload.Branch{{Count: 1, Steps: g.Steps}}}}
			out.Groups = append(out.Groups, g)
		}
		return &out
	}
	fixed := func(wl *workload.Workload) {
		var fix func([]workload.Step)
		fix = func(steps []workload.Step) {
			for i := range steps {
				steps[i].Dur.Kind = workload.Fixed // a branch draws from a stream of its own
				fix(steps[i].Steps)
			}
		}
		for _, g := range wl.Groups {
			fix(g.Steps)
		}
	}
	creating := bare
	creating.TaskCreate = 3 * us
	for i := 0; i < 200; i++ {
		wl := randomWorkload(r)
		fixed(wl)
		nested := wrap(wl)
		for _, m := range []string{"sync", "processes(1)", "processes(3)"} {
			a, b := run(t, wl, m, runOpt{prof: costly("cpython", true, 1)}), run(t, nested, m, runOpt{prof: costly("cpython", true, 1)})
			if !reflect.DeepEqual(a, b) {
				t.Fatalf("workload %d under %s: nested in a gather\n%+v\nflat\n%+v", i, m, b, a)
			}
		}
		// One task: its steps alone on the loop or the pool.
		one := &workload.Workload{Name: "one", Seed: wl.Seed, Groups: wl.Groups[:1]}
		one.Groups[0].Count = 1
		for _, m := range []string{"threads(2)", "threads", "asyncio", "asyncio(eager)"} {
			a, b := run(t, one, m, runOpt{prof: creating}), run(t, wrap(one), m, runOpt{prof: creating})
			want := a.Makespan
			if m == "asyncio" || m == "asyncio(eager)" {
				want += creating.TaskCreate
			}
			if b.Makespan != want || b.Tasks != 1 {
				t.Fatalf("workload %d under %s: makespan %d nested in a gather, %d flat (want %d)", i, m, b.Makespan, a.Makespan, want)
			}
		}
	}
}

// A task's data goes to its worker process and back at the profile's
// cost per byte on each side: the parent pickles and writes inputs one at
// a time into the call queue's pipe, the worker reading and unpickling
// each after (the next input only once this one is read), a worker
// pickles its result, and the task ends when the parent has unpickled it.
// Without worker processes it costs nothing.
func TestPickling(t *testing.T) {
	prof := bare
	prof.PickleSend, prof.PickleRecv = 4*ms, 6*ms // per 10^6 bytes
	wl := inlineYAML(t, `tasks: [{name: t, count: 2, input: 10MB, output: 1MB, steps: [{work: 100ms}]}]`)
	for _, c := range []struct {
		model string
		want  []int64 // each task's end
	}{
		// in1: the parent writes [0,40], worker 1 reads it [40,100] and
		// works [100,200]; in2: the parent writes [100,140] and worker 2
		// reads it [140,200] beside worker 1's work (two threads, two
		// cores) and works [200,300]. Each then pickles its result (4)
		// and the parent unpickles it (6).
		{"processes(2)", []int64{210 * ms, 310 * ms}},
		// One worker: in1 [0,40] then [40,100], work [100,200], out1
		// [200,204] and its unpickling [204,210]; then in2 [210,310] as it
		// takes the task, work [310,410], out2 [410,420].
		{"processes(1)", []int64{210 * ms, 420 * ms}},
		{"asyncio", []int64{100 * ms, 200 * ms}},
		{"processes(2)*threads(2)", []int64{100 * ms, 100 * ms}},
	} {
		r := run(t, wl, c.model, runOpt{prof: prof})
		var ends []int64
		for _, tr := range r.Records {
			ends = append(ends, tr.End)
		}
		if !reflect.DeepEqual(ends, c.want) {
			t.Errorf("%s: tasks end at %v, want %v", c.model, ends, c.want)
		}
	}
	// An input the pipe holds (64 KiB) leaves the parent free once
	// written: in1 [0,5], worker 1 reads it [5,15] while the parent writes
	// in2 [5,10], which worker 2 reads [10,20]; each then works 100 ms.
	small := bare
	small.PickleSend, small.PickleRecv = 100*ms, 200*ms
	r := run(t, inlineYAML(t, `tasks: [{name: t, count: 2, input: 50KB, steps: [{work: 100ms}]}]`), "processes(2)", runOpt{prof: small})
	if ends := []int64{r.Records[0].End, r.Records[1].End}; !reflect.DeepEqual(ends, []int64{115 * ms, 120 * ms}) {
		t.Errorf("50 KB inputs: tasks end at %v, want [115ms 120ms]", ends)
	}
	// A step offloaded to a process: the pool's feeder thread pickles
	// its input [0,40], the worker process reads and unpickles it
	// [40,100], runs the step [100,200] and pickles the result [200,204],
	// which the pool's thread unpickles [204,210] before the task is
	// ready on the loop.
	wl = inlineYAML(t, `tasks: [{steps: [{work: 100ms, offload: process, input: 10MB, output: 1MB}]}]`)
	if r := run(t, wl, "asyncio", runOpt{prof: prof}); r.Makespan != 210*ms {
		t.Errorf("offloaded: makespan %s, want 210ms", workload.FormatDuration(r.Makespan))
	}
	// The feeder is a thread of the loop's process, not the loop: B's
	// work, ready at 1 ms, takes the GIL from the pickling feeder at the
	// switch interval and they take turns, 5 ms each (B [6,11], [16,21],
	// [26,31], [36,41]), so B ends at 41 ms, where a loop that pickled
	// the input itself would run B only after it, at [40,60]. The feeder,
	// done at 60 ms, is blocked on the pipe while the worker reads
	// [60,120]; A's step runs [120,220], its result comes back [220,230].
	wl = inlineYAML(t, `tasks: [{name: A, steps: [{work: 100ms, offload: process, input: 10MB, output: 1MB}]}, {name: B, steps: [{wait: 1ms}, {work: 20ms}]}]`)
	r = run(t, wl, "asyncio", runOpt{prof: prof})
	if ends := []int64{r.Records[0].End, r.Records[1].End}; !reflect.DeepEqual(ends, []int64{230 * ms, 41 * ms}) {
		t.Errorf("offloaded beside a loop's work: A and B end at %v, want [230ms 41ms]", ends)
	}
}

// Waiters get a resource's units in the order they asked: a unit given
// back goes straight to the first. A thread given one wakes like any
// thread signalled (WakeLatency); an asyncio task given one just joins its
// loop's ready queue.
func TestResourceWaitersFIFO(t *testing.T) {
	wl := inlineYAML(t, `
resources: {lock: {capacity: 1}}
tasks:
  - {name: A, steps: [{use: lock, steps: [{wait: 10ms}]}]}
  - {name: B, start: 1ms, steps: [{use: lock, steps: [{wait: 10ms}]}]}
  - {name: C, start: 2ms, steps: [{use: lock, steps: [{wait: 10ms}]}]}`)
	prof := bare
	prof.WakeLatency = 100 * us
	for _, c := range []struct {
		model string
		ends  []int64 // A, B, C
	}{
		{"threads(4)", []int64{10 * ms, 20*ms + 100*us, 30*ms + 200*us}},
		{"asyncio", []int64{10 * ms, 20 * ms, 30 * ms}},
	} {
		r := run(t, wl, c.model, runOpt{prof: prof})
		for i, want := range c.ends {
			if got := r.Records[i].End; got != want {
				t.Errorf("%s: %s ends at %s, want %s", c.model, r.Records[i].Name, workload.FormatDuration(got), workload.FormatDuration(want))
			}
		}
	}
}

// CPython's threading.BoundedSemaphore (capacity above 1) lets a running
// thread take a unit given back before the waiter it woke runs again
// (runtime.Profile.Barging): A gives a unit back at 10 ms, wakes C and
// keeps the GIL for 1 ms of work, so when it asks again at 11 ms the unit
// is still free and it takes it; C, running at last, finds none and
// queues again, to be served at 21 ms when A is done. Where units are
// handed over in order (a lock, asyncio.Semaphore, Java's fair
// Semaphore), C gets the unit at 10 ms and A waits for C.
func TestSemaphoreBarging(t *testing.T) {
	const text = `
resources: {db: {capacity: %d}}
tasks:
  - {name: A, steps: [{use: db, steps: [{wait: 10ms}]}, {work: 1ms}, {use: db, steps: [{wait: 10ms}]}]}
  - {name: B, steps: [{use: db, steps: [{wait: 30ms}]}]}
  - {name: C, start: 1ms, steps: [{use: db, steps: [{wait: 5ms}]}]}`
	cpython := bare
	cpython.WakeLatency = 100 * us
	java := cpython
	java.Name = "java"
	for _, c := range []struct {
		name, model string
		capacity    int
		prof        runtime.Profile
		a, c        int64 // when A and C end
		barged      int64
	}{
		// A barges: it ends at 21 ms; C, woken at 10 ms for nothing,
		// is woken again at 21 ms and runs 100 µs later.
		{"semaphore", "threads(3)", 2, cpython, 21 * ms, 26*ms + 100*us, 1},
		// In order: C gets the unit at 10 ms, runs once A's work lets the
		// GIL go (11 ms) and ends at 16 ms; A, queued at 11 ms, gets C's
		// unit and ends 100 µs after 26 ms.
		{"java", "threads(3)", 2, java, 26*ms + 100*us, 16 * ms, 0},
		{"asyncio", "asyncio", 2, cpython, 26 * ms, 16 * ms, 0},
	} {
		r := run(t, inlineYAML(t, fmt.Sprintf(text, c.capacity)), c.model, runOpt{prof: c.prof})
		if a, cc := r.Records[0].End, r.Records[2].End; a != c.a || cc != c.c || r.Resources[0].Barged != c.barged {
			t.Errorf("%s: A ends at %s, C at %s, %d barged; want %s, %s, %d", c.name, workload.FormatDuration(a), workload.FormatDuration(cc),
				r.Resources[0].Barged, workload.FormatDuration(c.a), workload.FormatDuration(c.c), c.barged)
		}
		// B holds its unit throughout; a pool thread, woken for it, runs
		// it 100 µs after its release.
		if b := r.Records[1].End; b != 30*ms+100*us && (c.model != "asyncio" || b != 30*ms) {
			t.Errorf("%s: B ends at %s, want 30.1ms (30ms on asyncio)", c.name, workload.FormatDuration(b))
		}
	}
}

// A thread given a unit needs its GIL again before it runs a line: beside
// a CPU-bound thread it waits for the switch interval, as after any
// wake-up (the convoy effect).
func TestResourceWakeNeedsTheGIL(t *testing.T) {
	wl := inlineYAML(t, `
resources: {lock: {capacity: 1}}
tasks:
  - {name: A, steps: [{use: lock, steps: [{wait: 10ms}]}]}
  - {name: B, start: 1ms, steps: [{use: lock, steps: [{work: 1ms}]}]}
  - {name: cpu, start: 2ms, steps: [{work: 50ms}]}`)
	prof := bare
	prof.WakeLatency = 100 * us
	r := run(t, wl, "threads(3)", runOpt{prof: prof})
	// A's sleep ends at 10 ms, and it waits for cpu to be made to drop
	// the GIL (15 ms); B, given the lock 100 µs later, waits its own
	// interval (20.1 ms), then works 1 ms.
	if a, b := r.Records[0].End, r.Records[1].End; a != 15*ms || b != 21*ms+100*us {
		t.Errorf("A ends at %s, B at %s; want 15ms and 21.1ms", workload.FormatDuration(a), workload.FormatDuration(b))
	}
}

// Under asyncio(eager) a child task runs at once inside its parent's step
// until it first suspends: children that never suspend cost no
// scheduling, and their parent goes on without suspending (3.12's eager
// task factory). Without it each child is scheduled, resumed and its end
// called back, and the parent resumed after the last.
func TestEagerGather(t *testing.T) {
	wl := inline(t, "[gather [3 x [work 1ms]]]")
	prof := bare
	prof.LoopResume = ms
	// Eager: the task's resume, three children's work, its done callback.
	if r := run(t, wl, "asyncio(eager)", runOpt{prof: prof}); r.Makespan != 5*ms {
		t.Errorf("asyncio(eager): makespan %s, want 5ms", workload.FormatDuration(r.Makespan))
	}
	// Lazy: the task's resume; per child a resume, its work, its done
	// callback; the task's resume and its done callback.
	if r := run(t, wl, "asyncio", runOpt{prof: prof}); r.Makespan != 12*ms {
		t.Errorf("asyncio: makespan %s, want 12ms", workload.FormatDuration(r.Makespan))
	}
}

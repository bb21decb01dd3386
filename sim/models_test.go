package sim

import (
	"context"
	"errors"
	"slices"
	"testing"
)

// C code that releases the GIL runs in parallel on threads.
func TestGILReleasedWorkIsParallel(t *testing.T) {
	wl := inline(t, "2 x [work 1s released]")
	if r := run(t, wl, "threads(2)", runOpt{}); r.Makespan != 1*s || r.GILWait != 0 {
		t.Errorf("threads(2): makespan %d, gil wait %d; want 1 s, 0", r.Makespan, r.GILWait)
	}
	// On one core the two share it.
	if r := run(t, wl, "threads(2)", runOpt{cores: 1}); r.Makespan != 2*s {
		t.Errorf("threads(2) on 1 core: makespan %d, want 2 s", r.Makespan)
	}
	// A Python thread and a C thread overlap too, once the C thread runs:
	// the main thread started the Python thread first, then needed the GIL
	// back to return from Thread.start() (one switch interval), and the C
	// thread needed it for its bootstrap (another).
	mixed := inline(t, "py: [work 1s]; c: [work 1s released]")
	if r := run(t, mixed, "threads", runOpt{}); r.Makespan != 1010*ms {
		t.Errorf("python beside C code: makespan %d, want 1.010 s", r.Makespan)
	}
}

// A CPU step on the event loop holds up every other task of the loop.
func TestAsyncioCPUStepIsSerial(t *testing.T) {
	wl := inline(t, "4 x [work 100ms, wait 1s]")
	r := run(t, wl, "asyncio", runOpt{})
	// The 4th task starts its wait at 400 ms.
	if r.Makespan != 1400*ms {
		t.Errorf("makespan %d, want 1.4 s", r.Makespan)
	}
	if r.LoopStallMax != 100*ms || r.SlowCallbacks != 4 {
		t.Errorf("stall max %d, slow callbacks %d; want 100 ms and 4", r.LoopStallMax, r.SlowCallbacks)
	}
	if got := r.Records[3].Start; got != 300*ms {
		t.Errorf("4th task first ran at %d, want 300 ms", got)
	}
	// With a limit of 2, tasks 3 and 4 wait for the semaphore.
	r = run(t, wl, "asyncio(limit=2)", runOpt{})
	if r.Makespan != 2300*ms {
		t.Errorf("limit=2: makespan %d, want 2.3 s", r.Makespan)
	}
}

// Sync code runs in file order, waiting for each task's release.
func TestSyncFileOrder(t *testing.T) {
	wl := inline(t, "late: [wait 1s] start 5s; early: [wait 1s]")
	r := run(t, wl, "sync", runOpt{})
	if r.Records[0].Start != 5*s || r.Records[1].Start != 6*s || r.Makespan != 7*s {
		t.Errorf("records %+v, makespan %d", r.Records, r.Makespan)
	}
	// A pool takes them by release time instead.
	r = run(t, wl, "threads(1)", runOpt{})
	if r.Records[1].Start != 0 || r.Records[0].Start != 5*s || r.Makespan != 6*s {
		t.Errorf("threads(1): records %+v, makespan %d", r.Records, r.Makespan)
	}
}

// ThreadPoolExecutor creates a worker only when no worker is idle.
func TestThreadPoolLazyWorkers(t *testing.T) {
	spaced := inline(t, "5 x [wait 500ms] every 1s")
	if r := run(t, spaced, "threads(4)", runOpt{}); r.PeakThreads != 1 {
		t.Errorf("spaced tasks: %d workers, want 1", r.PeakThreads)
	}
	burst := inline(t, "10 x [wait 1s]")
	if r := run(t, burst, "threads(4)", runOpt{}); r.PeakThreads != 4 || r.Makespan != 3*s {
		t.Errorf("burst: %d workers, makespan %d; want 4 and 3 s", r.PeakThreads, r.Makespan)
	}
	// One thread per task: all at once, and they exit.
	if r := run(t, burst, "threads", runOpt{}); r.PeakThreads != 10 || r.Makespan != 1*s {
		t.Errorf("threads: %d threads, makespan %d; want 10 and 1 s", r.PeakThreads, r.Makespan)
	}
}

// Worker processes pay their start-up before taking tasks; spawn costs more.
func TestProcessStartup(t *testing.T) {
	prof := builtin(t, "cpython")
	wl := inline(t, "2 x [wait 1s]")
	fork := run(t, wl, "processes(2)", runOpt{prof: prof})
	spawn := run(t, wl, "processes(2, start=spawn)", runOpt{prof: prof})
	if fork.Records[0].Start < prof.ProcessFork || spawn.Records[0].Start < prof.ProcessSpawn {
		t.Errorf("first task started at %d (fork) and %d (spawn), before start-up", fork.Records[0].Start, spawn.Records[0].Start)
	}
	if spawn.Makespan <= fork.Makespan {
		t.Errorf("spawn (%d) not slower than fork (%d)", spawn.Makespan, fork.Makespan)
	}
	if fork.PeakProcesses != 3 {
		t.Errorf("peak processes %d, want 3 (parent and 2 workers)", fork.PeakProcesses)
	}
	// A forkserver: the server's start-up, then each worker's; the server
	// is one more process.
	server := run(t, wl, "processes(2, start=forkserver)", runOpt{prof: prof})
	if want := prof.ForkserverBoot + prof.ProcessForkserver; server.Records[0].Start < want {
		t.Errorf("forkserver: first task started at %d, before the server's and its worker's start-ups (%d)", server.Records[0].Start, want)
	}
	if server.PeakProcesses != 5 {
		t.Errorf("forkserver: peak processes %d, want 5 (parent, server, resource tracker and 2 workers)", server.PeakProcesses)
	}
}

// Thread composites spread tasks round-robin over processes with room.
func TestCompositeDispatch(t *testing.T) {
	wl := inline(t, "8 x [work 100ms]")
	r := run(t, wl, "processes(2)*threads(2)", runOpt{})
	// Two processes, each with its own GIL: two tasks at a time in
	// parallel, 4 rounds of 100 ms.
	if r.Makespan != 400*ms {
		t.Errorf("makespan %d, want 400 ms", r.Makespan)
	}
	if r.PeakThreads != 2+4 {
		t.Errorf("peak threads %d, want 6 (2 process mains + 4 workers)", r.PeakThreads)
	}
}

// A worker's event loop takes every queued task at one wake-up (asyncio
// accepts up to its backlog each time the listening socket is readable),
// so the first worker up takes a burst queued before the workers start,
// as uvicorn's first worker does (issue 10): 4 × 500 ms of work on
// processes(2)*asyncio run one after another on loop-1.
func TestLoopTakesTheBurst(t *testing.T) {
	prof := builtin(t, "cpython")
	rec := &Recorder{}
	r := run(t, inline(t, "4 x [work 500ms]"), "processes(2)*asyncio", runOpt{prof: prof, sink: rec})
	// loop-1 is up after one fork, begins an iteration (LoopTurn), creates
	// the 4 tasks (its heap grows by four: 44 tracked objects, too few for
	// a collection, and the 2 a task's first run frees, made first), then
	// runs each in that same iteration: a resume, 500 ms of work, and the
	// resume of gather's done callback.
	young := (prof.GCObjectsPerTask + prof.GCObjectsTransient) * prof.GCYoung
	want := prof.ProcessFork + prof.LoopTurn + 4*(prof.TaskCreate+prof.TaskFirstTouch+young) +
		4*(500*ms+2*prof.LoopResume)
	if r.Makespan != want {
		t.Errorf("makespan %d, want %d", r.Makespan, want)
	}
	loop1 := int(r.Records[0].Lane)
	for _, x := range r.Records {
		if x.Lane != loop1 {
			t.Errorf("%s ran on lane %d, want loop-1 (%d)", x.Name, x.Lane, loop1)
		}
	}
	accepted := 0
	for _, sp := range rec.Tasks {
		if sp.Cause.Kind == Accepted && sp.Cause.Lane == int32(loop1) && sp.Cause.Task == 0 {
			accepted++
		}
	}
	if accepted != 3 {
		t.Errorf("%d tasks waited with cause accepted (with task 0, on loop-1), want 3", accepted)
	}
}

// A worker's loop busy in a callback accepts nothing: what arrives then
// waits for the first loop to poll, which takes it all. Here C-1 and C-2
// arrive while A (100 ms) and B (300 ms) compute; loop-1 polls first, at
// 100 ms, and runs both; B's loop would have made C-2 wait until 310 ms.
func TestBusyLoopAcceptsNothing(t *testing.T) {
	rec := &Recorder{}
	r := run(t, inline(t, "A: [work 100ms]; B: [work 300ms] start 10ms; 2 x C: [work 100ms] every 5ms start 20ms"), "processes(2)*asyncio", runOpt{sink: rec})
	for i, want := range []struct{ start, end int64 }{{0, 100 * ms}, {10 * ms, 310 * ms}, {100 * ms, 200 * ms}, {200 * ms, 300 * ms}} {
		if x := r.Records[i]; x.Start != want.start || x.End != want.end {
			t.Errorf("%s ran %d–%d, want %d–%d", x.Name, x.Start, x.End, want.start, want.end)
		}
	}
	if r.Records[2].Lane != r.Records[0].Lane || r.Records[3].Lane != r.Records[0].Lane {
		t.Errorf("C-1 and C-2 ran on lanes %d and %d, want A's loop (%d)", r.Records[2].Lane, r.Records[3].Lane, r.Records[0].Lane)
	}
	causes := map[int32]Cause{}
	for _, sp := range rec.Tasks {
		if sp.State == Ready && sp.Cause.Kind != NoCause {
			causes[sp.Task] = sp.Cause
		}
	}
	loop1 := r.Records[0].Lane
	if c := causes[2]; c != because(LoopPolled, int32(loop1), 0) {
		t.Errorf("C-1 waited with cause %+v, want loop-polled after A on loop-1", c)
	}
	if c := causes[3]; c != because(Accepted, int32(loop1), 2) {
		t.Errorf("C-2 waited with cause %+v, want accepted with C-1 on loop-1", c)
	}
}

// Memory: a thread costs its stack's reservation; a pending coroutine a
// few hundred bytes, resident and so reserved too.
func TestMemoryPeaks(t *testing.T) {
	prof := builtin(t, "cpython")
	wl := inline(t, "10000 x [wait 1s]")
	th := run(t, wl, "threads(1000)", runOpt{prof: prof})
	as := run(t, wl, "asyncio", runOpt{prof: prof})
	if want := prof.ProcessRSS + 1000*prof.ThreadRSS; th.PeakMemoryBytes != want {
		t.Errorf("threads(1000): resident %d, want %d", th.PeakMemoryBytes, want)
	}
	if want := prof.ProcessVirtual + 1000*prof.ThreadVirtual; th.PeakVirtualBytes != want {
		t.Errorf("threads(1000): reserved %d, want %d", th.PeakVirtualBytes, want)
	}
	if want := prof.ProcessRSS + 10000*prof.TaskRSS; as.PeakMemoryBytes != want {
		t.Errorf("asyncio: resident %d, want %d", as.PeakMemoryBytes, want)
	}
	if want := prof.ProcessVirtual + 10000*prof.TaskRSS; as.PeakVirtualBytes != want {
		t.Errorf("asyncio: reserved %d, want %d (the process and its pending tasks)", as.PeakVirtualBytes, want)
	}
	if as.PeakTasks != 10000 || th.PeakTasks != 10000 {
		t.Errorf("peak tasks %d and %d, want 10000", as.PeakTasks, th.PeakTasks)
	}
}

// Identical tasks get identical draws under every model: distributions
// depend on the seed and the task, not on scheduling.
func TestDrawsIndependentOfModel(t *testing.T) {
	wl := inline(t, "seed=9; 20 x [wait exp(100ms)]")
	a := run(t, wl, "threads", runOpt{})
	b := run(t, wl, "processes(20)", runOpt{})
	for i := range a.Records {
		if a.Records[i].End != b.Records[i].End {
			t.Fatalf("task %d: %d under threads, %d under processes(20)", i, a.Records[i].End, b.Records[i].End)
		}
	}
	wl2 := inline(t, "seed=10; 20 x [wait exp(100ms)]")
	if c := run(t, wl2, "threads", runOpt{}); c.Makespan == a.Makespan {
		t.Errorf("another seed gave the same makespan %d", c.Makespan)
	}
}

func TestContextStopsLongRuns(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	calls := 0
	_, err := Run(ctx, Config{Workload: inline(t, "200000 x [work 1ms, wait 1s]"), Deployment: deployment(t, "asyncio"),
		Profile: bare, Cores: 2, SwitchInterval: 5 * ms, Progress: func(Progress) { calls++ }})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	var last Progress
	r, err := Run(context.Background(), Config{Workload: inline(t, "200000 x [work 1us]"), Deployment: deployment(t, "threads(4)"),
		Profile: bare, Cores: 2, SwitchInterval: 5 * ms, Progress: func(p Progress) { calls++; last = p }})
	if err != nil || r.Tasks != 200000 || calls < 2 {
		t.Errorf("err %v, tasks %d, progress calls %d", err, r.Tasks, calls)
	}
	if last != (Progress{Done: 200000, Total: 200000, Now: r.Makespan}) {
		t.Errorf("the last progress report is %+v, want every task done at the makespan %d", last, r.Makespan)
	}
	// Two tasks that compute for hours finish at the end only: the virtual
	// clock is what moves meanwhile.
	var nows []int64
	_, err = Run(context.Background(), Config{Workload: inline(t, "2 x [work 1h]"), Deployment: deployment(t, "threads(2)"),
		Profile: bare, Cores: 2, SwitchInterval: 5 * ms, Progress: func(p Progress) { nows = append(nows, p.Now) }})
	if err != nil || len(nows) < 3 || !slices.IsSorted(nows) || nows[0] <= 0 {
		t.Errorf("err %v; the virtual clock reported %v, want it moving on during the run", err, nows)
	}
}

// Latency percentiles stay within 0.1 % beyond the exact range.
func TestCollectorHistogram(t *testing.T) {
	var c collector
	n := int64(200_000)
	for i := int64(1); i <= n; i++ {
		c.add(i * 1000)
	}
	st := c.stats()
	for _, q := range []struct {
		got  int64
		want float64
	}{{st.P50, 0.5}, {st.P95, 0.95}, {st.P99, 0.99}} {
		want := q.want * float64(n) * 1000
		if d := (float64(q.got) - want) / want; d < -0.001 || d > 0.001 {
			t.Errorf("p%.0f = %d, want ≈ %.0f", q.want*100, q.got, want)
		}
	}
	if st.Max != n*1000 || st.Mean != (n+1)*500 {
		t.Errorf("max %d, mean %d", st.Max, st.Mean)
	}
}

// A processes(N) worker runs its tasks on its one thread; the parent's
// main thread only forks them.
func TestProcessWorkersUseTheirOwnThread(t *testing.T) {
	prof := builtin(t, "cpython")
	r := run(t, inline(t, "4 x [work 100ms]"), "processes(2)", runOpt{prof: prof})
	if len(r.Lanes) != 3 || r.Lanes[2].Name != "main" || r.Lanes[2].Process != 0 || r.PeakThreads != 2 || r.GILSwitches != 0 {
		t.Errorf("lanes %+v, peak threads %d, GIL switches %d; want 2 workers' lanes and the parent's main, 2 threads, no switch",
			r.Lanes, r.PeakThreads, r.GILSwitches)
	}
}

// An idle event loop sleeps in epoll_wait, whose timeout is whole
// milliseconds rounded up: short awaited sleeps take at least 1 ms, while
// whole-millisecond ones barely overshoot.
func TestLoopTimerResolution(t *testing.T) {
	prof := builtin(t, "cpython")
	over := prof.SleepOvershoot
	short := run(t, inline(t, "[repeat 100 [wait 500us]]"), "asyncio", runOpt{prof: prof})
	if lo, hi := 100*(1*ms+over), 100*(1*ms+over+20*us); short.Makespan < lo || short.Makespan > hi {
		t.Errorf("100 × await sleep(0.0005): %d, want ≈ 100 × (1 ms + %d)", short.Makespan, over)
	}
	whole := run(t, inline(t, "[repeat 100 [wait 2ms]]"), "asyncio", runOpt{prof: prof})
	if lo, hi := 100*(2*ms+over), 100*(3*ms); whole.Makespan < lo || whole.Makespan >= hi {
		t.Errorf("100 × await sleep(0.002): %d, want ≈ 100 × (2 ms + %d)", whole.Makespan, over)
	}
	// A busy loop does not round: a timer due while it computes is taken
	// as soon as the loop looks.
	busy := run(t, inline(t, "a: [wait 500us]; b: [work 10ms]"), "asyncio", runOpt{})
	if end := busy.Records[0].End; end != 10*ms {
		t.Errorf("timer due during a 10 ms callback ran at %d, want 10 ms", end)
	}
}

// Under asyncio(limit=K), gather creates every task at once and the
// semaphore holds all but K: suspended (Waiting), not ready.
func TestAsyncioLimitHoldsCreatedTasks(t *testing.T) {
	prof := builtin(t, "cpython")
	rec := &Recorder{}
	r := run(t, inline(t, "10 x [wait 100ms]"), "asyncio(limit=2)", runOpt{prof: prof, sink: rec})
	if r.Records[0].Start < 10*prof.TaskCreate {
		t.Errorf("first task ran at %d, before gather created all ten (%d)", r.Records[0].Start, 10*prof.TaskCreate)
	}
	if r.PeakMemoryBytes != prof.ProcessRSS+10*prof.TaskRSS {
		t.Errorf("resident %d, want the process and ten pending tasks", r.PeakMemoryBytes)
	}
	held := 0
	for _, sp := range rec.Tasks {
		if sp.Start == 0 && sp.Lane < 0 && sp.State == Waiting && sp.End >= 100*ms {
			held++
		}
	}
	if held != 8 {
		t.Errorf("%d tasks held by the semaphore from the start, want 8", held)
	}
	if r.Makespan < 500*ms || r.Makespan > 520*ms {
		t.Errorf("makespan %d, want about 5 rounds of 100 ms", r.Makespan)
	}
}

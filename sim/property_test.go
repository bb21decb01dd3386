package sim

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sort"
	"testing"

	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/runtime"
	"github.com/conclab/conclab/workload"
)

// randomWorkload builds a small workload of every kind of step, drawn from r.
func randomWorkload(r *rand.Rand) *workload.Workload {
	dur := func(lo, hi int64) workload.Dist {
		a := lo + r.Int64N(hi-lo+1)
		switch r.IntN(8) {
		case 7:
			return workload.Dist{Kind: workload.Fixed} // steps that take no time at all
		case 0:
			return workload.Dist{Kind: workload.Exp, A: a}
		case 1:
			return workload.Dist{Kind: workload.Uniform, A: a / 2, B: a}
		case 2:
			return workload.Dist{Kind: workload.Normal, A: a, B: a / 3}
		}
		return workload.Dist{Kind: workload.Fixed, A: a}
	}
	var steps func(depth int) []workload.Step
	steps = func(depth int) []workload.Step {
		n := 1 + r.IntN(4)
		out := make([]workload.Step, 0, n)
		for i := 0; i < n; i++ {
			var st workload.Step
			switch k := r.IntN(10); {
			case k < 4:
				st = workload.Step{Kind: workload.Work, Dur: dur(0, 20*ms), GILReleased: r.IntN(4) == 0}
			case k < 9 || depth > 1:
				st = workload.Step{Kind: workload.Wait, Dur: dur(0, 30*ms), Blocking: r.IntN(3) == 0}
			default:
				st = workload.Step{Kind: workload.Repeat, Count: 1 + r.IntN(4), Steps: steps(depth + 1)}
			}
			if st.Kind != workload.Repeat && r.IntN(5) == 0 {
				st.Offload = workload.Offload(1 + r.IntN(2))
			}
			out = append(out, st)
		}
		return out
	}
	wl := &workload.Workload{Name: "random", Seed: r.Uint64()}
	for g := 0; g < 1+r.IntN(4); g++ {
		grp := workload.Group{Name: fmt.Sprintf("g%d", g), Count: 1 + r.IntN(6), Steps: steps(0)}
		if r.IntN(2) == 0 {
			grp.Start = r.Int64N(50 * ms)
		}
		if r.IntN(2) == 0 {
			grp.Every = r.Int64N(10 * ms)
		}
		if g > 0 && r.IntN(3) == 0 {
			grp.After = []int{r.IntN(g)}
			if g > 1 && r.IntN(2) == 0 && grp.After[0] != g-1 {
				grp.After = append(grp.After, g-1)
			}
		}
		wl.Groups = append(wl.Groups, grp)
	}
	return wl
}

var randomModels = []string{
	"sync", "threads", "threads(1)", "threads(2)", "threads(5)", "asyncio", "asyncio(limit=2)",
	"asyncio(limit=3, executor=1)", "processes(1)", "processes(3)", "processes(2, start=spawn)",
	"processes(3, start=forkserver)", "processes(2)*threads(3)", "processes(3)*asyncio", "processes(2)*asyncio(limit=1)",
}

// costly is a runtime whose every cost is non-zero, so that every path that
// charges one is exercised.
func costly(name string, gil bool, slow float64) runtime.Profile {
	return runtime.Profile{
		Name: name, GIL: gil, Asyncio: true, Processes: true, Slowdown: slow,
		ThreadStart: 50 * us, PoolSubmit: 8 * us, PoolTask: 20 * us, WakeLatency: 10 * us, LoopResume: 7 * us, LoopTurn: 5 * us,
		LoopTimer: 4 * us, TaskCreate: 3 * us, TimerSlack: 50 * us, SelectResolution: 1 * ms,
		ProcessFork: 2 * ms, ProcessSpawn: 40 * ms, ForkserverBoot: 30 * ms, ProcessForkserver: 12 * ms, ProcessTask: 90 * us, PickleSend: 5 * ms, PickleRecv: 6 * ms,
		SleepOvershoot: 70 * us, LoopTimerOvershoot: 400 * us,
		ThreadRSS: 16 << 10, ThreadVirtual: 8 << 20, TaskRSS: 900, ProcessRSS: 10 << 20, ProcessVirtual: 30 << 20,
	}
}

// workOf is the CPU the workload's steps need on a runtime: every task the
// workload releases (listed, or drawn as arrivals), every sample drawn the
// way the engine draws it.
func workOf(wl *workload.Workload, slow float64) int64 {
	var src source
	if wl.Arrivals != nil {
		src = newArrivals(wl)
	} else {
		b, err := newBatch(wl, false)
		if err != nil {
			panic(err)
		}
		src = b
	}
	progs := make([]program, len(wl.Groups))
	for i, g := range wl.Groups {
		progs[i] = compile(g.Steps)
	}
	var total int64
	// replay draws what the task (or branch) of stream key does from pc,
	// its branches each from its own stream, in the order they are made.
	var replay func(p *program, pc int32, key uint64)
	replay = func(p *program, pc int32, key uint64) {
		rng := workload.NewRand(wl.Seed, key)
		counters := make([]int32, p.depth+1)
		kids := uint64(0)
		for {
			o, d, ok := p.next(&pc, counters, &rng)
			if !ok || o.kind == opRet {
				return
			}
			switch o.kind {
			case opChoose:
				pc = p.chooses[o.count].starts[p.chooses[o.count].pick(&rng)]
			case opGather:
				g := &p.gathers[o.count]
				for i := int32(0); i < g.total; i++ {
					replay(p, p.branchStart(o.count, i), workload.ChildStream(key, kids))
					kids++
				}
				pc = g.after
			case opWork:
				if o.released || slow == 1 {
					total += d
				} else {
					total += int64(float64(d)*slow + 0.5)
				}
			}
		}
	}
	for {
		a, _, ok := src.next()
		if !ok {
			break
		}
		src.pop()
		src.finished(a.group, 0) // a later phase's tasks come once it is done
		replay(&progs[a.group], 0, uint64(a.id))
	}
	return total
}

// TestInvariants runs thousands of random workloads under random models and
// runtimes and checks what must hold for every one of them.
func TestInvariants(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 300
	}
	r := rand.New(rand.NewPCG(7, 11))
	// ft reserves no more than it keeps resident, as the built-in go
	// profile's goroutines do: reserved memory must still cover resident.
	ft := costly("cpython-ft", false, 1.1)
	ft.ThreadVirtual, ft.ProcessVirtual = ft.ThreadRSS/2, ft.ProcessRSS
	profiles := []runtime.Profile{costly("cpython", true, 1), ft, bare}
	for i := 0; i < n; i++ {
		wl := randomWorkload(r)
		m := randomModels[r.IntN(len(randomModels))]
		prof := profiles[r.IntN(len(profiles))]
		cores := 1 + r.IntN(4)
		si := (1 + r.Int64N(5)) * ms
		name := fmt.Sprintf("case %d: %s on %s, %d cores, switch %s", i, m, prof.Name, cores, workload.FormatDuration(si))
		checkRun(t, name, wl, deployment(t, m), prof, cores, si)
		if t.Failed() {
			t.Logf("workload: %+v", wl.Groups)
			return
		}
	}
}

func checkRun(t *testing.T, name string, wl *workload.Workload, d model.Deployment, prof runtime.Profile, cores int, si int64) {
	t.Helper()
	cfg := Config{Workload: wl, Deployment: d, Profile: prof, Cores: cores, SwitchInterval: si, RecordTasks: true}
	e, err := newEngine(context.Background(), cfg)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	rec := &Recorder{}
	e.sink, e.tsink = rec, rec
	// No resource ever has more holders than its capacity; every unit
	// given back was taken by the same task (or branch).
	held := map[int32]map[int32]int{}
	e.onHold = func(x, sl int32, take bool) {
		if held[x] == nil {
			held[x] = map[int32]int{}
		}
		n := 0
		for _, k := range held[x] {
			n += k
		}
		switch {
		case take && n >= int(e.inst[x].cap):
			t.Errorf("%s: resource %s: a holder beyond its capacity %d", name, wl.Resources[e.inst[x].res].Name, e.inst[x].cap)
		case take:
			held[x][sl]++
		case held[x][sl] == 0:
			t.Errorf("%s: resource %s given back by a task that holds none", name, wl.Resources[e.inst[x].res].Name)
		default:
			held[x][sl]--
		}
	}
	e.setup()
	if err := e.loop(); err != nil {
		t.Fatal(err)
	}
	res := e.result()

	// Every task finishes, after its release, or the run ends in a
	// deadlock: a cycle of tasks that cannot finish.
	if d := res.Deadlock; d != nil {
		if res.Tasks >= e.src.total() || len(d.Cycle) == 0 || d.At < 0 || d.At > res.Makespan {
			t.Errorf("%s: deadlock %+v with %d of %d tasks finished, makespan %d", name, d, res.Tasks, e.src.total(), res.Makespan)
		}
		for _, l := range d.Cycle {
			if l.Task == "" || l.WaitsFor == "" {
				t.Errorf("%s: deadlock link %+v", name, l)
			}
		}
	} else if res.Tasks != e.src.total() {
		t.Errorf("%s: %d of %d tasks finished", name, res.Tasks, e.src.total())
	}
	if len(res.Records) != e.src.total() {
		t.Errorf("%s: %d records of %d tasks", name, len(res.Records), e.src.total())
	}
	for _, tr := range res.Records {
		if tr.End == -1 && res.Deadlock != nil && tr.Name != "" {
			continue // not finished: a deadlock
		}
		if tr.Release < 0 || tr.End < tr.Start || tr.Start < tr.Release || tr.End > res.Makespan {
			t.Errorf("%s: task %s: release %d start %d end %d makespan %d", name, tr.Name, tr.Release, tr.Start, tr.End, res.Makespan)
		}
	}
	// A later phase (after:) is released when the last task of the groups
	// it is after has finished, its start and every counted from then.
	if res.Deadlock == nil && len(res.Records) == e.src.total() {
		first, ends := 0, make([]int64, len(wl.Groups))
		for g, gr := range wl.Groups {
			from := int64(0)
			for _, p := range gr.After {
				from = max(from, ends[p])
			}
			for c := range gr.Count {
				tr := res.Records[first+c]
				ends[g] = max(ends[g], tr.End)
				if want := from + gr.Start + int64(c)*gr.Every; len(gr.After) > 0 && tr.Release != want {
					t.Errorf("%s: task %s is after %v: released at %d, want %d", name, tr.Name, gr.After, tr.Release, want)
				}
			}
			first += gr.Count
		}
	}
	if res.Deadlock == nil {
		for x, hs := range held {
			for _, k := range hs {
				if k != 0 {
					t.Errorf("%s: resource %s still held at the end", name, wl.Resources[e.inst[x].res].Name)
				}
			}
		}
	}

	// CPU consumed equals the work plus the costs, and never exceeds the
	// cores. (A deadlock leaves work undone.)
	if got, want := e.charged-e.costs, workOf(wl, prof.Slowdown); got != want && res.Deadlock == nil {
		t.Errorf("%s: steps charged %d ns of CPU, the workload needs %d", name, got, want)
	}
	// Costs still being paid when the last task ends (worker processes
	// still starting after every task is done) were charged but not run.
	left := int64(e.unfinishedCPU() + 0.5)
	// (Each completion on a core rounds up to a whole nanosecond: a lane
	// span or a coroutine's steps each, for every task released, finished
	// or not: a deadlock leaves them unfinished.)
	events := int64(e.events.seq) + int64(e.src.total())*8*coroutinesPerTask(wl) + int64(len(rec.Lanes))
	if diff := res.CPUBusy - (e.charged - left); diff < -events || diff > events*int64(cores) {
		t.Errorf("%s: CPU busy %d, charged %d (left %d, events %d)", name, res.CPUBusy, e.charged, left, events)
	}
	if res.CPUBusy < 0 || res.Makespan < 0 || res.CPUBusy > int64(cores)*res.Makespan {
		t.Errorf("%s: CPU busy %d exceeds %d cores × makespan %d", name, res.CPUBusy, cores, res.Makespan)
	}

	// Every resident byte is also reserved address space.
	if res.PeakVirtualBytes < res.PeakMemoryBytes {
		t.Errorf("%s: reserved %d below resident %d", name, res.PeakVirtualBytes, res.PeakMemoryBytes)
	}

	// Lanes: spans in order, never overlapping; at most one GIL holder per
	// process at any instant; never more CPU consumers running at full speed
	// than cores (checked through the busy total above).
	byLane := map[int32][]Span{}
	for _, sp := range rec.Lanes {
		if sp.End <= sp.Start {
			t.Errorf("%s: empty or reversed span %+v", name, sp)
		}
		byLane[sp.Lane] = append(byLane[sp.Lane], sp)
	}
	type holding struct{ start, end int64 }
	perProc := map[int][]holding{}
	for lane, spans := range byLane {
		for i := 1; i < len(spans); i++ {
			if spans[i].Start < spans[i-1].End {
				t.Errorf("%s: lane %d spans overlap: %+v then %+v", name, lane, spans[i-1], spans[i])
			}
		}
		if prof.GIL {
			for _, sp := range spans {
				if sp.State == Working || sp.State == Overhead || sp.State == Pickling {
					p := res.Lanes[lane].Process
					perProc[p] = append(perProc[p], holding{sp.Start, sp.End})
				}
			}
		}
	}
	for p, hs := range perProc {
		sort.Slice(hs, func(i, j int) bool { return hs[i].start < hs[j].start })
		for i := 1; i < len(hs); i++ {
			if hs[i].start < hs[i-1].end {
				t.Errorf("%s: process %d has two GIL holders in [%d, %d)", name, p, hs[i].start, hs[i-1].end)
				break
			}
		}
	}

	// A worker is freed before its task ends when the task was a gather's
	// branch, or when the parent (or a loop's pool feeder) still unpickles
	// its result.
	movesData := e.feed != nil
	for _, p := range e.procs {
		if p.loop != nil && p.loop.procs.feed != nil {
			movesData = true
		}
	}
	checkCauses(t, name, d, prof, res, rec, e.src.total(), e.tree || movesData, coroutinesPerTask(wl))

	// A gather is made, then done; the branch that finished last is
	// one of its own, and no branch's span outlasts the run.
	for _, g := range rec.Gathers {
		if g.Done >= 0 && (g.Created < g.At || g.Done < g.Created || g.Last < 0 || rec.Branches[g.Last].Parent != g.Branch) {
			t.Errorf("%s: gather %+v", name, g)
		}
	}
	for _, s := range rec.BranchSpans {
		if s.Start >= s.End || s.End > res.Makespan || int(s.Task) >= len(rec.Branches) {
			t.Errorf("%s: branch span %+v", name, s)
		}
	}

	// Determinism: the same input gives the same output, spans and all.
	rec2 := &Recorder{}
	cfg.Sink = rec2
	res2, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	rec2.Holds = nil // the first run's onHold was the check above, not the recorder
	if !reflect.DeepEqual(res, res2) || !reflect.DeepEqual(rec, rec2) {
		t.Errorf("%s: two runs of the same input differ", name)
	}
	if d.Kind == model.Sync && res.PeakThreads != 1 {
		t.Errorf("%s: sync ran %d threads", name, res.PeakThreads)
	}
}

// checkCauses checks the causes the engine gave the spans: each names a
// real lane (and task), fits the state it ended, and happens only under the
// rules that make it: every GIL wait ends with a hand-over by another
// thread of its process, forced switches only where there is a GIL, queue
// causes only on a task's wait for its first step, loop causes only on
// coroutines waiting for their loop.
func checkCauses(t *testing.T, name string, d model.Deployment, prof runtime.Profile, res *Result, rec *Recorder, tasks int, early bool, perTask int64) {
	t.Helper()
	limit := d.Limit
	if d.Inner != nil {
		limit = d.Inner.Limit
	}
	lanes := res.Lanes
	// stretch bounds how much slower CPU work runs than alone: every lane
	// running on the cores at once.
	stretch := int64(max(1, (len(lanes)+res.Cores-1)/max(1, res.Cores)))
	laneOK := func(l int32) bool { return l >= 0 && int(l) < len(lanes) }
	// record is task i's record; a task a deadlock kept from finishing
	// has none.
	record := func(i int32) (TaskRecord, bool) {
		if i < 0 || int(i) >= len(res.Records) || res.Records[i].End < 0 {
			return TaskRecord{}, false
		}
		return res.Records[i], true
	}
	// Lane spans by lane, for "the lane did this then".
	byLane := make([][]Span, len(lanes))
	for _, sp := range rec.Lanes {
		byLane[sp.Lane] = append(byLane[sp.Lane], sp)
	}
	// born is when a lane's first span began.
	born := func(lane int32) int64 {
		first := int64(-1)
		for _, x := range byLane[lane] {
			if first < 0 || x.Start < first {
				first = x.Start
			}
		}
		return first
	}
	during := func(lane int32, a, b int64, f func(Span) bool) bool {
		for _, x := range byLane[lane] {
			if x.Start < b && x.End > a && f(x) {
				return true
			}
		}
		return false
	}
	// Spans of tasks by task, for the lane a task went on to.
	byTask := map[int32][]Span{}
	for _, sp := range rec.Tasks {
		byTask[sp.Task] = append(byTask[sp.Task], sp)
	}
	timers := int64(len(byTask)) * perTask // timers that can fall due in one iteration, at most: one per coroutine
	// loopGILWait is how long, during a task's wait in its loop's ready
	// queue, the loop's thread waited for its process's GIL (held by an
	// executor thread) to begin the iteration that resumed the task.
	loopGILWait := func(sp Span) int64 {
		var waited int64
		for _, next := range byTask[sp.Task] {
			if next.Start != sp.End || next.Lane < 0 {
				continue
			}
			for _, x := range byLane[next.Lane] {
				if x.State == GILWait && x.Start < sp.End && x.End > sp.Start {
					waited += min(x.End, sp.End) - max(x.Start, sp.Start)
				}
			}
			break
		}
		return waited
	}
	bad := 0
	fail := func(format string, args ...any) {
		if bad++; bad <= 5 {
			t.Errorf("%s: "+format, append([]any{name}, args...)...)
		}
	}
	check := func(sp Span, task bool) {
		c := sp.Cause
		if c.Kind >= numCauses {
			fail("span %+v: unknown cause", sp)
			return
		}
		if c.Kind == NoCause {
			switch {
			case sp.State == GILWait && (task || sp.End < res.Makespan):
				fail("GIL wait %+v ended without a hand-over", sp)
			case sp.State == ResourceWait && (res.Deadlock == nil || sp.End < res.Makespan):
				fail("wait for a resource %+v ended without a unit given back", sp)
			case res.Deadlock != nil && sp.End == res.Makespan:
				// Still waiting when a deadlock stopped the run.
			case task && sp.State == Ready && d.UsesAsyncio() &&
				sp.End-sp.Start-loopGILWait(sp) > prof.WakeLatency+(prof.LoopTurn+timers*prof.LoopTimerFire)*stretch:
				// Only an idle loop waking up, and its iteration's own
				// work (slower when more threads run than there are
				// cores), take time by themselves: the iteration pops
				// the timers due, at most one per coroutine (a task or
				// a gather's child), and pays
				// LoopTimerFire for each.
				fail("coroutine %d waited in its loop's ready queue without a cause: %+v", sp.Task, sp)
			case task && sp.State == Ready && d.Kind == model.Sync:
				fail("sync task %d waited without a cause: %+v", sp.Task, sp)
			}
			return
		}
		if !laneOK(c.Lane) || c.Task < -1 || int(c.Task) >= tasks || (!task && c.Lane == sp.Lane) {
			fail("span %+v: cause names no other lane or task", sp)
			return
		}
		if c.Task >= 0 && c.Task == sp.Task && (c.Kind == WorkerFreed || c.Kind == PlaceFreed || c.Kind == LoopBusy) {
			fail("span %+v: a task is its own cause", sp)
		}
		other := lanes[c.Lane]
		samePlace := sp.Lane < 0 || lanes[sp.Lane].Process == other.Process
		switch c.Kind {
		case GILReleased, GILForced:
			if !prof.GIL || sp.State != GILWait || !samePlace || c.Lane == sp.Lane {
				fail("span %+v: a GIL hand-over by lane %d (runtime %s)", sp, c.Lane, prof.Name)
			}
			// The forced lane's span ends then, preempted; or, when its
			// step ended at that very instant and the next (say a gather's
			// submit) had not run yet, the zero-length span that carried
			// the cause is not recorded (nor, when the waiter gave the GIL
			// straight back, the holder's zero-length wait), and all that
			// shows is the holder's span ending then.
			if c.Kind == GILForced && !task && !during(c.Lane, sp.End-1, sp.End, func(x Span) bool {
				return x.End == sp.End && (x.Cause.Kind == Preempted && x.Cause.Lane == sp.Lane || x.Cause.Kind == NoCause)
			}) && !during(c.Lane, sp.End, sp.End+1, func(x Span) bool {
				return x.Start == sp.End && x.State == GILWait
			}) {
				fail("span %+v: lane %d forced to drop the GIL, but not preempted then", sp, c.Lane)
			}
		case Preempted:
			ok := sp.State == Working || (!task && sp.State == Overhead)
			if !prof.GIL || !ok || !samePlace || c.Lane == sp.Lane {
				fail("span %+v: preempted by lane %d (runtime %s)", sp, c.Lane, prof.Name)
			}
			// The other party tells the same story: its wait ended then,
			// the holder forced to drop the GIL.
			// Or the waiter that got it began waiting at that very instant
			// (the newest waiter often gets it: forcedPick), and its
			// zero-length wait is not recorded: its span before ends then,
			// or, for a thread started that instant, it has none.
			if !task && born(c.Lane) != sp.End && !during(c.Lane, sp.End-1, sp.End, func(x Span) bool {
				return x.End == sp.End && (x.State == GILWait && x.Cause == because(GILForced, sp.Lane, x.Cause.Task) || x.State != GILWait)
			}) {
				fail("span %+v: preempted by lane %d, whose wait did not end then by a forced switch", sp, c.Lane)
			}
		case Woken:
			if task || (sp.State != Idle && sp.State != Waiting) {
				fail("span %+v: woken by lane %d", sp, c.Lane)
			}
		case WorkerFreed, Submitted, ThreadStarted, ProcessStarted, PlaceFreed:
			if !task || sp.Lane >= 0 || (sp.State != Ready && sp.State != Waiting) {
				fail("span %+v: a queue cause on a span that is no wait in a queue", sp)
				return
			}
			switch c.Kind {
			case WorkerFreed, PlaceFreed:
				r, ok := record(c.Task)
				switch end := r.End; {
				case c.Task < 0:
					fail("span %+v: freed by no task", sp)
				case !ok && (res.Deadlock != nil || early):
				case end < sp.Start || end > sp.End && !early:
					// (A worker freed by a gather's branch names the branch's
					// task, which ends later; so does one whose task's result
					// the parent still unpickles.)
					fail("span %+v: freed by task %d, which ended at %d", sp, c.Task, end)
				}
				if c.Kind == PlaceFreed && (limit == 0 || other.Kind != LoopThread) {
					fail("span %+v: a place of a semaphore freed under %s", sp, d)
				}
			case Submitted:
				if other.Kind != MainThread {
					fail("span %+v: submitted by %s", sp, other.Name)
				}
			case ThreadStarted:
				if other.Kind != WorkerThread {
					fail("span %+v: got thread %s", sp, other.Name)
				}
			case ProcessStarted:
				if other.Kind != ProcessMain && other.Kind != LoopThread || other.Process == 0 {
					fail("span %+v: got process of %s", sp, other.Name)
				}
			}
		case LoopPolled, Accepted:
			// A worker's loop took it from the queue: after a callback of
			// Task, or at one wake-up with Task, which it ran first.
			r, ok := record(c.Task)
			if !task || sp.State != Ready || sp.Lane >= 0 || other.Kind != LoopThread || other.Process == 0 || c.Task < 0 ||
				(ok || res.Deadlock == nil) && (r.Lane != int(c.Lane) || r.Start > sp.End) {
				fail("span %+v: taken by loop %s after or with task %d, which it did not run", sp, other.Name, c.Task)
			}
		case LoopBusy, LoopBlocked:
			if !task || sp.State != Ready || other.Kind != LoopThread {
				fail("span %+v: waited for loop %s", sp, other.Name)
			}
			if c.Kind == LoopBlocked && (c.Task < 0 || !during(c.Lane, sp.Start, sp.End, func(x Span) bool { return x.State == Blocked })) {
				fail("span %+v: blocked loop %s was never blocked then", sp, other.Name)
			}
		case ResourceFreed:
			if sp.State != ResourceWait || int(c.Resource) >= len(res.Resources) || c.Task < 0 {
				fail("span %+v: a unit of resource %d given back by task %d", sp, c.Resource, c.Task)
			}
		case BranchesDone:
			if task || sp.State != Waiting || c.Task != sp.Task {
				fail("span %+v: woken by the last branch on lane %d", sp, c.Lane)
			}
		case SpinEnded:
			if task || sp.State != Waiting || c.Lane == sp.Lane {
				fail("span %+v: a lock's spin ended on lane %d", sp, c.Lane)
			}
		case Offloaded:
			// A result unpickled by an event loop's pool feeder: the task
			// was pickling there (or waiting for its GIL to) until then,
			// and the feeder busy up to then (a few bytes take no time,
			// and leave no span of their own).
			fed := (sp.State == Pickling || sp.State == GILWait) && sp.Lane == c.Lane
			ran := during(c.Lane, sp.Start, sp.End, func(x Span) bool { return x.Task == sp.Task })
			if fed {
				ran = during(c.Lane, sp.Start, sp.End, func(x Span) bool { return x.State != Idle && x.End >= sp.End })
			}
			if !task || !fed && (sp.State != Waiting || sp.Lane >= 0) || (other.Kind != ExecutorThread && other.Kind != ProcessMain) || !ran {
				fail("span %+v: offloaded to %s, which did not run it then", sp, other.Name)
			}
		}
	}
	for _, sp := range rec.Lanes {
		check(sp, false)
	}
	for _, sp := range rec.Tasks {
		check(sp, true)
	}
}

// unfinishedCPU is the CPU work charged but not yet run: what the threads
// on the cores have left and what the GIL's waiters will run once they
// hold it.
// coroutinesPerTask bounds how many coroutines one task of wl runs at
// once: itself and its gathers' children, theirs too.
func coroutinesPerTask(wl *workload.Workload) int64 {
	var in func(steps []workload.Step) int64
	in = func(steps []workload.Step) int64 {
		var most int64
		for _, st := range steps {
			var n int64
			switch st.Kind {
			case workload.Repeat, workload.Use:
				n = in(st.Steps)
			case workload.Gather:
				for _, b := range st.Branches {
					n += int64(b.Count) * (1 + in(b.Steps))
				}
			case workload.Choose:
				for _, a := range st.Alternatives {
					n = max(n, in(a.Steps))
				}
			}
			most = max(most, n)
		}
		return most
	}
	var most int64
	for _, g := range wl.Groups {
		most = max(most, in(g.Steps))
	}
	return 1 + most
}

func (e *engine) unfinishedCPU() float64 {
	var left float64
	for _, th := range e.cpu.h {
		left += th.finish - e.cpu.v
	}
	for _, p := range e.procs {
		for i := 0; i < p.waiters.len(); i++ {
			left += p.waiters.buf[(p.waiters.head+i)%len(p.waiters.buf)].pending
		}
	}
	return left
}

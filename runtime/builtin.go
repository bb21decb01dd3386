package runtime

import (
	"embed"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/conclab/conclab/workload"
)

// Names returns the names of the built-in profiles, in the order to show
// them (workload.Runtimes, which the runtime: key takes).
func Names() []string { return slices.Clone(workload.Runtimes) }

// Aliases maps each alias among the built-in names to the profile it
// stands for: cpython is the reference machine's python3, CPython 3.11,
// and cpython-ft the free-threaded build measured there, 3.13t.
var aliases = map[string]string{"cpython": "cpython-3.11", "cpython-ft": "cpython-3.13t"}

// AliasOf returns the versioned profile the built-in name stands for
// ("cpython-3.11" for "cpython"), or "" when name is no alias.
func AliasOf(name string) string { return aliases[name] }

// Builtin returns the built-in profile called name. Each call returns a
// fresh Profile: changing its Sources does not change the next one. An
// alias gives the profile it stands for under the alias's name.
func Builtin(name string) (Profile, error) {
	if !slices.Contains(workload.Runtimes, name) {
		names := Names()
		return Profile{}, fmt.Errorf("unknown runtime %q (want %s or %s)",
			name, strings.Join(names[:len(names)-1], ", "), names[len(names)-1])
	}
	target := name
	if a := aliases[name]; a != "" {
		target = a
	}
	var p Profile
	switch target {
	case "cpython-3.11":
		p = cpython()
	case "cpython-3.14t":
		p = cpython314t()
	case "java":
		p = java()
	case "go":
		p = golang()
	default:
		var err error
		if p, err = measured(target); err != nil {
			panic(err) // embedded at build time; TestBuiltin reads every one
		}
	}
	p.Name = name
	return p, nil
}

// ForPython returns the name of the built-in profile of a CPython release
// (major.minor, free-threaded or not), and whether it is that release's
// own: a release without one gets the nearest measured release of its kind.
func ForPython(major, minor int, freeThreaded bool) (name string, exact bool) {
	suffix := ""
	if freeThreaded {
		suffix = "t"
	}
	want := fmt.Sprintf("cpython-%d.%d%s", major, minor, suffix)
	if slices.Contains(workload.Runtimes, want) {
		return want, true
	}
	// The nearest release of its kind.
	best, dist := "", math.MaxInt
	for _, n := range workload.Runtimes {
		var mj, mn int
		if aliases[n] != "" || strings.HasSuffix(n, "t") != freeThreaded {
			continue
		}
		if _, err := fmt.Sscanf(n, "cpython-%d.%d", &mj, &mn); err != nil {
			continue
		}
		if d := abs((major*100 + minor) - (mj*100 + mn)); d < dist {
			best, dist = n, d
		}
	}
	return best, false
}

func abs(x int) int { return max(x, -x) }

//go:embed profiles/*.json
var profileFiles embed.FS

// measured builds the profile of a CPython release from what
// scripts/measure-releases measured on the reference machine
// (runtime/profiles/NAME.json): each cost is the reference figure of
// cpython (3.11) times the release's median over 3.11's in the same rounds,
// so that the releases differ by what they do, not by what the machine did
// that day; sizes, counts and the kernel's settings are as measured.
func measured(name string) (Profile, error) {
	m, err := readMeasurement(name)
	if err != nil {
		return Profile{}, err
	}
	ref, err := readMeasurement("cpython-3.11")
	if err != nil {
		return Profile{}, err
	}
	// Every constant measured: a missing one would be taken from the
	// built-in profile of the same name (builtinFigure), which is this;
	// but the GILArrived waits, which every release takes from 3.11.
	for _, c := range constants {
		if _, ok := m.Results[c.field]; !ok && !isArrived(c.field) && !goOnly(c.field) {
			return Profile{}, fmt.Errorf("profiles/%s.json: no %s (scripts/measure-releases --only %s)", name, c.field, c.field)
		}
	}
	p, err := m.Profile()
	if err != nil {
		return Profile{}, fmt.Errorf("profiles/%s.json: %w", name, err)
	}
	if p.Name != name {
		return Profile{}, fmt.Errorf("profiles/%s.json: a measurement of %s", name, p.Name)
	}
	base := cpython()
	for _, c := range constants {
		if isArrived(c.field) {
			// 3.11's, whichever release (builtinFigure), 0 without a GIL.
			builtinFigure(&p, c, "as 3.11's (CPython's GIL hands over to a thread back from I/O by the same code "+
				"in every release from 3.2 to 3.13; what differs is the machine)")
			continue
		}
		if goOnly(c.field) {
			*c.ptr(&p) = 0 // the Go runtime's alone
			continue
		}
		date, runs := m.when(c.field)
		where := fmt.Sprintf("measured here: %s runtime/measure.py in %d rounds interleaved with CPython %s "+
			"(scripts/measure-releases, runtime/profiles/%s.json and cpython-3.11.json), %s",
			interpreters[name], runs, ref.Python, name, date)
		s, r := m.Results[c.field], ref.Results[c.field]
		if c.field == "GCThreshold" {
			p.Sources[c.field] = fmt.Sprintf("gc.get_threshold()[0] of %s here: %.0f (read 2026-12-02 and added to "+
				"runtime/profiles/%s.json; 3.13 raised it from 700 to 2000)", interpreters[name], s.Median, name)
			continue
		}
		if c.size || isCount(c.field) || c.field == "TimerSlack" || c.field == "SelectResolution" || c.field == "LockSpin" {
			// Taken as measured: a kernel setting, or (LockSpin) a figure
			// that is 0 for 3.11, with nothing to scale.
			p.Sources[c.field] = fmt.Sprintf("%s: %s, median of %d (spread %s): %s", where, formatStat(s.Median, c),
				s.N, Spread(s, c.size), how[c.field])
			continue
		}
		if !(r.Median > 0) || !(s.Median >= 0) {
			return Profile{}, fmt.Errorf("profiles/%s.json: %s: no figure to compare with 3.11's", name, c.field)
		}
		f := s.Median / r.Median
		*c.ptr(&p) = int64(math.Round(float64(*c.ptr(&base)) * f))
		p.Sources[c.field] = fmt.Sprintf("%s: %s against %s for 3.11 in the same rounds (%.2f×; spread %s), "+
			"times cpython's %s: %s", where, formatNS(s.Median), formatNS(r.Median), f, Spread(s, false),
			formatNS(float64(*c.ptr(&base))), how[c.field])
	}
	p.Verify = "conclab verify --suite --python " + interpreters[name]
	return p, nil
}

// isArrived says whether field is one of the GILArrived waits.
func isArrived(field string) bool { return strings.HasPrefix(field, "GILArrived") }

// formatStat writes a measured figure in the constant's unit.
func formatStat(v float64, c constant) string {
	switch {
	case isCount(c.field):
		return fmt.Sprintf("%.0f%s", v, CountNoun(c.field))
	case c.size:
		unit, div := sizeUnit(v)
		return sig(v/div) + " " + unit
	}
	return formatNS(v)
}

// readMeasurement reads runtime/profiles/NAME.json.
func readMeasurement(name string) (*Measurement, error) {
	data, err := profileFiles.ReadFile("profiles/" + name + ".json")
	if err != nil {
		return nil, err
	}
	m, err := ParseMeasurement(data)
	if err != nil {
		return nil, fmt.Errorf("profiles/%s.json: %w", name, err)
	}
	return m, nil
}

// interpreters are the interpreters the built-in profiles were measured
// with on the reference machine: pyenv's builds of each release, and the
// free-threaded build that scripts/build-python-ft makes.
var interpreters = map[string]string{
	"cpython-3.8":   "~/.pyenv/versions/3.8.18/bin/python3.8",
	"cpython-3.9":   "~/.pyenv/versions/3.9.18/bin/python3.9",
	"cpython-3.10":  "~/.pyenv/versions/3.10.13/bin/python3.10",
	"cpython-3.11":  "~/.pyenv/versions/3.11.7/bin/python3.11",
	"cpython-3.12":  "~/.pyenv/versions/3.12.1/bin/python3.12",
	"cpython-3.13":  "~/.pyenv/versions/3.13.0/bin/python3.13",
	"cpython-3.13t": "\"$(scripts/build-python-ft)\"",
}

// How the cpython constants were measured: two runs of measure.py,
// whose output is runtime/testdata/cpython-measured.json. The VM the
// project runs on has changed hosts twice: an Intel Xeon until 2026-11-30
// (runtime/testdata/cpython-measured-2026-11-25.json), an AMD EPYC whose
// start-ups cost 3–8 times as much on 2026-12-01 and the morning of 12-02
// (cpython-measured-2026-12-02-epyc.json: fork 49 ms, Thread.start()
// 439 µs, a task's creation 4.3 µs), and since then an AMD EPYC of family
// 26 (Zen 5), where the same cost 8 ms, 97 µs and 1.7 µs. Both call
// themselves "AMD EPYC"; measure.py now writes the family and model too.
const measuredPython = "measured here: python3 runtime/measure.py (CPython 3.11.7, Debian 12, AMD EPYC family 26 " +
	"(Zen 5) VM, 2 cores, shared), the mean of the medians of two runs of 5, 2026-12-02: "

// forkserverSource begins the sources of the forkserver's two costs.
const forkserverSource = "measured here: CPython 3.11.7 runtime/measure.py --only ForkserverBoot,ProcessForkserver in 9 " +
	"rounds interleaved with the other releases (scripts/measure-releases), AMD EPYC family 26 (Zen 5) VM, 2 cores, " +
	"2026-12-04, the median: with "

// arrivedSource begins the sources of the GILArrived waits: one host's,
// which vary from machine to machine more than anything else in the
// profile (see the GILArrived fields).
const arrivedSource = "measured here: python3 runtime/gil_sleeper.py --cpu k --runs 2 (CPython 3.11.7, AMD EPYC VM, 2 cores), " +
	"2026-12-03 and 2026-12-04, the mean wait for the GIL of a thread back from a 20 ms sleep, 50 sleeps a run, beside " +
	"k CPU-bound threads that read no clock; the figure leans to the host of 2026-12-04, where the convoy beside 2 " +
	"and 5 threads took 1.57–1.98 and 2.19–3.15 s against 1.74 and 2.56 predicted. Another machine's differ by up " +
	"to 2× (conclab calibrate measures them): "

func cpython() Profile {
	return Profile{
		Name:      "cpython",
		Python:    "3.11",
		Verify:    "conclab verify --suite",
		GIL:       true,
		Asyncio:   true,
		Slowdown:  1,
		Processes: true,

		ThreadStart:        97310,
		PoolSubmit:         10997,
		PoolTask:           4083,
		WakeLatency:        13397,
		GILHandover:        33673,
		GILArrived2:        15000000,
		GILArrived3:        18800000,
		GILArrived4:        20000000,
		GILArrived5:        32000000,
		GILArrived6:        36700000,
		LockSpin:           0,
		LoopResume:         950,
		LoopTurn:           1137,
		LoopTimer:          3059,
		LoopTimerFire:      1805,
		TaskCreate:         1671,
		GatherChild:        383,
		TaskFirstTouch:     274,
		GCObjectsPerTask:   11,
		GCObjectsAtCreate:  6,
		GCObjectsTransient: 2,
		GCObjectsPerChild:  1,
		GCObjectsPerGather: 11,
		GCBaseObjects:      18440,
		GCThreshold:        700,
		GCCount0:           478,
		GCCount1:           8,
		GCCount2:           3,
		GCYoung:            95,
		GCScan:             310,
		ProcessFork:        8013724,
		ForkParent:         1246411,
		ForkChild:          1500000,
		ProcessSpawn:       57045132,
		ResourceTracker:    35066000,
		ForkserverBoot:     32762451,
		ProcessForkserver:  28129695,
		ProcessTask:        176336,
		PickleSend:         1320307,
		PickleRecv:         1121972,
		PickleFresh:        695250,
		SleepOvershoot:     81881,
		LoopTimerOvershoot: 617017,
		TimerSlack:         50000,
		SelectResolution:   1000000,

		ThreadRSS:      16556,
		ThreadVirtual:  9419199,
		TaskRSS:        984,
		ProcessRSS:     13846528,
		ProcessVirtual: 16961536,

		Sources: map[string]string{
			"Slowdown": "by definition: cpython is the reference for the speed of Python code",
			"ThreadStart": measuredPython + "elapsed time per threading.Thread.start() of 1000 threads that " +
				"stay alive (parked on an Event): creation, stack mapping, the new thread's first run and " +
				"the start hand-shake (runs 79–198 µs; 439 µs on the VM's EPYC host of 2026-12-01, 115 µs on its Intel host before)",
			"PoolSubmit": measuredPython + "process CPU per ThreadPoolExecutor.submit(trivial) while the " +
				"one worker is busy, amortised over 20000: the future, the work item and the queue put (runs 8.39–12.6 µs)",
			"PoolTask": measuredPython + "process CPU per queued trivial task drained by the busy worker, " +
				"amortised over 20000: the queue get, the run wrapper and set_result (runs 2.89–5.28 µs)",
			"WakeLatency": measuredPython + "median elapsed time from threading.Event.set() to the run of the " +
				"thread blocked in wait(), over 2000 wake-ups (runs 8.41–15.5 µs)",
			"GILHandover": "measured here: CPython 3.11.7 runtime/measure.py --only GILHandover in 5 rounds " +
				"interleaved with the other releases (scripts/measure-releases), 2026-12-03: median elapsed time " +
				"from a thread releasing the GIL to time.sleep() until the thread waiting for it runs Python, over " +
				"1000 hand-overs, the waiter kept out for 0.5 ms each time (runs 28.4–38.0 µs). CPython's drop_gil " +
				"signals the waiters and goes on; the GIL is free until the signalled thread has woken, and a thread " +
				"back from a wait takes it first",
			"GILArrived2": arrivedSource + "15.0 ms beside 2 (runs 15–16 ms on 2026-12-04, 25 ms on 2026-12-03)",
			"GILArrived3": arrivedSource + "18.8 ms beside 3 (runs 20–23 ms on 2026-12-04, 23 ms on 2026-12-03)",
			"GILArrived4": arrivedSource + "20.0 ms beside 4 (runs 17–20 ms on 2026-12-04, 29–35 ms on 2026-12-03)",
			"GILArrived5": arrivedSource + "32.0 ms beside 5 (runs 32–33 ms on 2026-12-04, 53–63 ms on 2026-12-03)",
			"GILArrived6": arrivedSource + "36.7 ms beside 6 (runs 27–38 ms on 2026-12-04, 58–78 ms on 2026-12-03)",
			"LockSpin": "measured here: 0, runtime/measure.py lock_spin on CPython 3.11.7, 2026-12-03, which gives 0 " +
				"with a GIL: that build parks a thread on a held lock at once (Python/lock.c: MAX_SPIN_COUNT is 0 " +
				"unless Py_GIL_DISABLED)",
			"LoopResume": measuredPython + "process CPU per resume of a task (a step up to its next " +
				"`await asyncio.sleep(0)`, or its done callbacks), the loop's own iterations taken out: a task " +
				"alone doing 50000 such awaits against 1000 tasks doing 50 each, the iterations counted " +
				"(select calls), the collector off (runs 0.87–1.21 µs)",
			"LoopTurn": measuredPython + "process CPU per iteration of the event loop beyond the callbacks it " +
				"runs, from the same two runs: BaseEventLoop._run_once's select with a zero timeout (a system " +
				"call), the timer heap and the ready queue (runs 0.94–1.38 µs; 3.9 µs on the EPYC host of 2026-12-01). A task " +
				"alone pays one per resume; a thousand ready together share one",
			"LoopTimer": measuredPython + "process CPU per task of 10000 tasks gathered on " +
				"`await asyncio.sleep(0.05)`, less the same on `asyncio.sleep(0)` and less the first's extra " +
				"loop iterations × LoopTurn, each after a first run of both, the collector off: the timer " +
				"handle, its future, the heap's push and pop and the timer's callback (runs 1.74–6.68 µs)",
			"LoopTimerFire": "measured here: CPython 3.11.7 runtime/measure.py --only LoopTimer,LoopTimerFire in 9 " +
				"rounds interleaved with the other releases (scripts/measure-releases, 2026-12-02, AMD EPYC family 26): " +
				"0.59 of LoopTimer (the median of the rounds' shares, 0.43–0.66; each run's own LoopTimer 3.5–5.6 µs, " +
				"its part after the tasks' first steps 2.1–3.6 µs), times LoopTimer. The part of a timed await paid " +
				"when the timer falls due: _run_once pops it off the heap (a Python __lt__ per level, about 13 at " +
				"10,000 timers), runs its callback, which sets the future's result and schedules the task's wake-up",
			"GatherChild": "measured here: CPython 3.11.7 runtime/measure.py --only GatherChild in 9 rounds " +
				"interleaved with the other releases (scripts/measure-releases, 2026-12-02, AMD EPYC family 26): " +
				"process CPU per task of asyncio.gather over 20000 pending tasks, the best of four rounds after two " +
				"that grow the heap, the collector off, median of the rounds (322–565 ns): the done callback it adds " +
				"to each child and its bookkeeping. The exported asyncio-10k spends 4.1–4.9 ms in its " +
				"asyncio.gather(*tasks) of 10,000 tasks on 3.11–3.13",
			"TaskCreate": measuredPython + "process CPU per asyncio.create_task of a trivial coroutine, " +
				"amortised over 20000, in the third round of as many (the first two grow the heap), " +
				"the collector off: its share is GCYoung's and GCScan's (runs 1.48–2.72 µs; 4.3 µs on the EPYC host of 2026-12-01)",
			"TaskFirstTouch": measuredPython + "process CPU per task of a first gather of 10000 tasks on " +
				"asyncio.sleep(0.001) beyond a second one in the same fresh interpreter, the collector off: " +
				"the first grows the heap (runs 0–1.92 µs; 3.9 µs on the EPYC host of 2026-12-01)",
			"GCObjectsPerTask": measuredPython + "Δ len(gc.get_objects()) per pending task of 50000 tasks of a " +
				"coroutine awaiting asyncio.sleep(10): the task, two coroutines, the future and the timer handle " +
				"(11 in every run; 10 when the task's coroutine is asyncio.sleep itself)",
			"GCObjectsAtCreate": measuredPython + "Δ len(gc.get_objects()) per task after asyncio.ensure_future of " +
				"50000 such coroutines, before the loop ran any: the task, its coroutine, its context, the weak " +
				"reference of asyncio's task registry, the ready handle and the bound step (6 in every run, " +
				"python3 runtime/measure.py --child gc; 7 on 3.8–3.10). The first run makes the rest",
			"GCObjectsTransient": measuredPython + "the objects of kinds there are fewer of once those 50000 tasks " +
				"first ran (a census of gc.get_objects() by type): the ready handle and the bound step, 2 in every " +
				"run; the run made a timer handle, a future, an iterator, a bound method, a tuple, a context and " +
				"the sleep's coroutine. A loop that makes thousands of tasks in one iteration and runs them in the " +
				"next passes these on to generation 2, where they die: CPython's full collections then come " +
				"sooner than for a heap that only grew",
			"GCObjectsPerChild": measuredPython + "Δ len(gc.get_objects()) per pending child of asyncio.gather " +
				"beyond a task's, from 2000 gathers of 10 coroutines awaiting asyncio.sleep(10) against 20000 " +
				"gathers of one: the (callback, context) entry of its done callback (1 in every run)",
			"GCObjectsPerGather": measuredPython + "tracked objects of a task that awaits a gather of six, beyond its six children's " +
				"and a sleeping child task's (GCObjectsPerTask + GCObjectsPerChild), counted in a tree of gathers " +
				"three levels deep whose leaves await asyncio.sleep(10), the collector off: 11.1 in every run. " +
				"The gathering future, its children list, the done callback's closure and its cells; a gather " +
				"of one coroutine counted 5. Each name a coroutine's list comprehension takes from it is one " +
				"more (a cell): the same tree with a second parameter counted 14.8 objects per task, not 13.8",
			"GCBaseObjects": measuredPython + "len(gc.get_objects()) of a fresh interpreter with asyncio imported, " +
				"after gc.collect()",
			"GCThreshold": measuredPython + "gc.get_threshold()[0], 700 as in every release up to 3.12",
			"GCCount0":    measuredPython + gcCountHow + ": (478, 8, 3) in every run",
			"GCCount1":    measuredPython + gcCountHow + ": (478, 8, 3) in every run",
			"GCCount2":    measuredPython + gcCountHow + ": (478, 8, 3) in every run",
			"GCYoung": measuredPython + "process CPU of the generation-0 and -1 collections (gc.callbacks) while " +
				"50000 such tasks are created, per tracked object allocated (runs 85–102 ns)",
			"GCScan": measuredPython + "process CPU of the collector's own full collections (gc.callbacks) while a tree of gathers " +
				"six levels deep (55,986 tasks whose leaves await asyncio.sleep(0.05)) is built and run, over " +
				"the tracked objects each visited (runs 294–355 ns). Per object it grows with the heap: about " +
				"190 ns at 80,000 objects, 290–320 ns from 170,000 to 790,000 (python3 " +
				"runtime/gather_children.py --tree --objects); gc.collect() on 50,000 tasks just made, in " +
				"allocation order, took 199 ns. CPython's collector (Modules/gcmodule.c, 3.8–3.13) collects " +
				"generation 0 every 700 net allocations, generation 1 every 10 of those, and all three every " +
				"10 of those once the objects generation 1 passed on since the last full collection number a " +
				"quarter of those it kept: a loop holding tens of thousands of tasks spends most of its time there",
			"ProcessFork": measuredPython + "elapsed time, mostly the parent's CPU, from creating " +
				"ProcessPoolExecutor(1, mp_context=fork) to its first trivial result (runs 5.93–12.1 ms; " +
				"49.5 ms on the VM's EPYC host of 2026-12-01, 5.75 ms on its Intel host before). The worker's own " +
				"CPU clock read 1.1–1.9 ms when it took its first job in an exported program (2026-12-04); the rest " +
				"is the parent's: the first pool's imports and queues, the fork",
			"ForkParent": "measured here: python3 runtime/measure.py --runs 1, four runs in a row (CPython 3.11.7, AMD EPYC " +
				"family 26 (Zen 5) VM, 2 cores), 2026-12-04, the median of their medians (runs 1.20–1.33 ms; 0.55–0.83 ms " +
				"with --only ForkParent, whose process has not grown the heap the other measurements grow): the " +
				"elapsed time of Process.start() with fork in the parent, the median of 21. An exported program's " +
				"forks took 0.68–1.87 ms each (four per pool), and its workers came up 1.1 ms apart: one at 8.4–10.7 ms " +
				"after the first submit, eight on 2 cores at 15.5–19.4 ms, the last of four at 10.8–13.1 ms",
			"ForkChild": "measured here: CPython 3.11.7, AMD EPYC family 26 (Zen 5) VM, 2 cores, 2026-12-04: an exported " +
				"program's worker's CPU clock (time.process_time() in its first job) read 1.1–1.9 ms when it took its " +
				"first task; 1.5 ms is the middle. measure.py's fork_start() reads the same clock in a fresh program's " +
				"first pool: 12.1–13.7 ms on the same host on 2026-12-05, when a page fault there cost 5–26 µs (459–498 " +
				"faults each), the figure a machine in that state gives (conclab verify measures it so)",
			"ProcessSpawn": "measured here: CPython 3.11.7 runtime/measure.py --only ProcessSpawn in 9 rounds interleaved " +
				"with the other releases (scripts/measure-releases), AMD EPYC family 26 (Zen 5) VM, 2 cores, 2026-12-04, the " +
				"median (runs 52.9–67.9 ms): in a fresh program whose main module imports what an exported program imports " +
				"(asyncio, concurrent.futures, gc, hashlib, json, multiprocessing, os, sys, threading, time), the elapsed " +
				"time, dominated by the worker's CPU, from creating its first ProcessPoolExecutor(1, mp_context=spawn) to " +
				"its first trivial result. The worker, a fresh interpreter, runs the main module again before its first " +
				"task: a program that imports more starts its workers later. Until 2026-12-04 this was measured with " +
				"measure.py itself as the main module, in a process whose heap the other measurements had grown: 83.3 ms " +
				"(runs 65.9–117 ms; 207 ms on the EPYC host of 2026-12-01), where an exported program's two spawned " +
				"workers were up after 50 and 65 ms",
			"ResourceTracker": "measured here: CPython 3.11.7 runtime/measure.py --only ResourceTracker in 9 rounds " +
				"interleaved with the other releases (scripts/measure-releases), AMD EPYC family 26 (Zen 5) VM, 2 cores, " +
				"2026-12-04, the median (runs 32.3–37.9 ms; 21–26 ms for the other GIL releases here, whose interpreters " +
				"start faster): the process CPU of python -c 'from multiprocessing.resource_tracker import main', the " +
				"tracker's start-up. A program's first named semaphore (a spawn or forkserver pool's queues) starts it, " +
				"beside the first workers, on the same cores: two spawned workers alone were up together after 50–53 ms, " +
				"with the tracker starting beside them 30–35 ms apart (the second after 79–88 ms)",
			"ForkserverBoot": forkserverSource + "in a fresh program, the elapsed time from creating " +
				"ProcessPoolExecutor(1, mp_context=forkserver) to its first trivial result, less the same for a second " +
				"pool the same server serves (runs 29.8–45.5 ms): the server's own start-up, a fresh interpreter " +
				"importing multiprocessing's server. The server never imports the main module: CPython 3.8 to 3.13.7 " +
				"look its path up under a key the preparation data does not have (gh-126631, fixed in 3.13.8 and 3.14)",
			"ProcessForkserver": forkserverSource + "the elapsed time of that second pool (runs 26.5–30.0 ms): the " +
				"server forks the worker, and the worker, not finding the main module preloaded, runs it again " +
				"before it unpickles its task. The program's main module imports what an exported program imports " +
				"(asyncio, concurrent.futures, gc, hashlib, json, multiprocessing, os, sys, threading, time): a program " +
				"that imports more starts its workers later (with measure.py's imports as the main module, 38.6 ms), " +
				"one run by python3 -c, which has no main module to run, sooner (10.3–11.2 ms). Two, three and four " +
				"workers of one pool came up 5–8 ms apart, two at a time on 2 cores",
			"ProcessTask": measuredPython + "elapsed time per trivial task round trip (pickle, pipe, " +
				"both processes) through a warm ProcessPoolExecutor(1), amortised over 2000 (runs 125–216 µs)",
			"PickleSend": measuredPython + "the sender's share of the elapsed time per 10^6 bytes of a 16 MB bytes " +
				"payload moved through a warm ProcessPoolExecutor(1) (fork): from submit() to the task's first line " +
				"in the worker, and from a task's return of 16 MB to result() in the parent, the median of 12; split " +
				"between sender and receiver by their process CPU on a multiprocessing.Pipe (runs 0.75–1.79 ms per MB). " +
				"The payload's kind matters: a list of 100,000 small tuples (2.8 MB) took 13–24 ms per MB to pickle " +
				"and send on the EPYC host of 2026-12-01, where 16 MB of bytes took 14 ms per MB",
			"PickleRecv": measuredPython + "the receiver's share of the same (runs 0.45–1.56 ms per MB). The pipe " +
				"holds 64 KiB, so sender and receiver overlap; the engine has the sender pickle, then the receiver " +
				"unpickle, and the two shares add up to the whole way",
			"PickleFresh": measuredPython + "extra elapsed time per 10^6 bytes of the first 16 MB payload a fresh " +
				"ProcessPoolExecutor(1) worker gets, over the median of the next three (7 runs of 6 pools, runs " +
				"0.07–1.36 ms per MB: a few ms in some 40): the page faults of memory neither side has written " +
				"before, mostly the receiver's (a fresh worker's reading and unpickling), which the engine has the receiving process pay. On the EPYC host of 2026-12-01, whose " +
				"VM paid far more for a page touched the first time, a first 24 MB payload took 17–25 ms per MB " +
				"where later ones took 5–12",
			"SleepOvershoot": measuredPython + "median of time.sleep(0.0005) elapsed − 0.0005 over 300 " +
				"sleeps (runs 79–113 µs); 2 ms sleeps overshoot 110 µs and 10 ms sleeps " +
				"171 µs: the timer slack (50 µs, or 0.1 % of the timeout when larger) plus the wake-up",
			"LoopTimerOvershoot": measuredPython + "median of `await asyncio.sleep(0.0005)` elapsed − 0.0005 " +
				"over 300 awaits (runs 585–659 µs); the engine derives it from SelectResolution, " +
				"TimerSlack and SleepOvershoot (1 ms + 50 µs + the wake-up, less 0.5 ms) and this is the check",
			"TimerSlack": measuredPython + "/proc/self/timerslack_ns, Linux's default timer slack; " +
				"epoll_wait may fire late by the larger of it and 0.1 % of the timeout (capped at 100 ms)",
			"SelectResolution": measuredPython + "selectors.DefaultSelector is EpollSelector, whose timeout " +
				"is whole milliseconds, rounded up so as never to wake early (Lib/selectors.py)",
			"ThreadRSS": measuredPython + "Δ VmRSS (/proc/self/status) ÷ 1000 after starting 1000 " +
				"threads parked on a threading.Event, in a fresh interpreter (16.54–16.57 KB)",
			"ThreadVirtual": measuredPython + "Δ VmSize ÷ 1000 for the same 1000 threads: each reserves " +
				"its 8 MiB stack (ulimit -s) plus a guard page and its share of malloc arenas",
			"TaskRSS": measuredPython + "Δ VmRSS ÷ 10000 after creating 10000 asyncio tasks awaiting " +
				"one asyncio.Event, in a fresh interpreter (task, coroutine frame, waiter future)",
			"ProcessRSS": measuredPython + "VmRSS of a fresh `python3 -c` that sleeps, read from " +
				"/proc/PID/status (runs 13.77–13.93 MB)",
			"ProcessVirtual": measuredPython + "VmSize of the same fresh `python3 -c` (16.96 MB every run)",
		},
	}
}

// cpython314t is the free-threaded CPython 3.14: no interpreter on the
// reference machine, so its slowdown is the published one and its costs
// those measured on 3.13t, and each source says so.
func cpython314t() Profile {
	p, err := measured("cpython-3.13t")
	if err != nil {
		panic(err) // embedded at build time
	}
	p.Python = "3.14t"
	p.Verify = ""
	p.Slowdown, p.Sources["Slowdown"] = freeThreadedSlowdown("3.14t")
	for field, src := range p.Sources {
		if field != "Slowdown" {
			p.Sources[field] = "as cpython-3.13t (no 3.14t interpreter on the reference machine): " + src
		}
	}
	return p
}

// slowdownShapes are the shapes of Python code runtime/slowdown.py times,
// in the order to show them, with the shape the programs conclab export
// writes do their work in (mixed) first: its factor is the profile's.
var slowdownShapes = []string{"mixed", "loops", "calls", "attributes", "dicts_and_strings"}

// freeThreadedSlowdown is the factor by which the free-threaded build of a
// CPython release runs single-threaded Python code slower than the build
// with the GIL, and its source: measured with runtime/slowdown.py on both
// builds of the same source where the reference machine has them
// (profiles/slowdown-RELEASE.json), else the published figure.
func freeThreadedSlowdown(release string) (float64, string) {
	data, err := profileFiles.ReadFile("profiles/slowdown-" + strings.TrimSuffix(release, "t") + ".json")
	if err != nil {
		return 1.10, "What's New In Python 3.14, \"Free-threaded mode improvements\" " +
			"(https://docs.python.org/3/whatsnew/3.14.html): the single-threaded penalty of the " +
			"free-threaded build is \"roughly 5-10%, depending on the platform and C compiler\"; 1.10 is " +
			"the upper end. No " + release + " interpreter on the reference machine to measure"
	}
	f, err := ParseSlowdown(data)
	if err != nil {
		panic(err) // embedded at build time; TestBuiltin reads every one
	}
	return f.Factor("mixed"), f.Source()
}

// The built-in java and go profiles are what conclab calibrate --runtime
// java and --runtime go wrote on the reference machine, kept as they came
// out (runtime/java.yaml, runtime/go.yaml): every figure with its source.
var (
	//go:embed java.yaml
	javaYAML []byte
	//go:embed go.yaml
	goYAML []byte
)

func java() Profile {
	p := mustParse("runtime/java.yaml", javaYAML)
	p.Verify = "conclab verify seed-cpu --runtime java"
	return p
}

func golang() Profile {
	p := mustParse("runtime/go.yaml", goYAML)
	p.Verify = "conclab verify seed-cpu --runtime go"
	return p
}

// mustParse reads a built-in profile; the tests read every one, so a
// broken file never ships.
func mustParse(name string, data []byte) Profile {
	p, err := parse(name, data)
	if err != nil {
		panic(err)
	}
	return p
}

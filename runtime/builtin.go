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
	p, err := m.Profile()
	if err != nil {
		return Profile{}, fmt.Errorf("profiles/%s.json: %w", name, err)
	}
	if p.Name != name {
		return Profile{}, fmt.Errorf("profiles/%s.json: a measurement of %s", name, p.Name)
	}
	base := cpython()
	for _, c := range constants {
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
		if c.size || isCount(c.field) || c.field == "TimerSlack" || c.field == "SelectResolution" {
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

// formatStat writes a measured figure in the constant's unit.
func formatStat(v float64, c constant) string {
	switch {
	case isCount(c.field):
		return fmt.Sprintf("%.0f objects", v)
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

// How the cpython constants were measured: one run of measure.py, whose
// output is runtime/testdata/cpython-measured.json. The VM the project
// runs on moved to an AMD EPYC host on 2026-12-01, whose start-ups cost
// 3–8 times what they did before (fork 49 ms, not 5.8; Thread.start()
// 439 µs, not 115); the profile measured before, on 2026-11-25, is
// runtime/testdata/cpython-measured-2026-11-25.json.
const measuredPython = "measured here: python3 runtime/measure.py (CPython 3.11.7, Debian 12, AMD EPYC VM, 2 cores, " +
	"shared), median of 5, 2026-12-02: "

func cpython() Profile {
	return Profile{
		Name:      "cpython",
		Python:    "3.11",
		Verify:    "conclab verify --suite",
		GIL:       true,
		Asyncio:   true,
		Slowdown:  1,
		Processes: true,

		ThreadStart:        438544,
		PoolSubmit:         20516,
		PoolTask:           3924,
		WakeLatency:        18927,
		LoopResume:         1097,
		LoopTurn:           3935,
		LoopTimer:          6327,
		TaskCreate:         4294,
		TaskFirstTouch:     3922,
		GCObjectsPerTask:   11,
		GCObjectsPerChild:  1,
		GCObjectsPerGather: 11,
		GCBaseObjects:      18435,
		GCThreshold:        700,
		GCYoung:            123,
		GCScan:             313,
		ProcessFork:        49454414,
		ProcessSpawn:       206509214,
		ProcessTask:        246604,
		PickleSend:         7908171,
		PickleRecv:         7812810,
		PickleFresh:        4266777,
		SleepOvershoot:     118997,
		LoopTimerOvershoot: 643735,
		TimerSlack:         50000,
		SelectResolution:   1000000,

		ThreadRSS:      16577,
		ThreadVirtual:  9419199,
		TaskRSS:        983,
		ProcessRSS:     13819904,
		ProcessVirtual: 16961536,

		Sources: map[string]string{
			"Slowdown": "by definition: cpython is the reference for the speed of Python code",
			"ThreadStart": measuredPython + "elapsed time per threading.Thread.start() of 1000 threads that " +
				"stay alive (parked on an Event): creation, stack mapping, the new thread's first run and " +
				"the start hand-shake (runs 348–478 µs; 115 µs on the machine's host before 2026-12-01)",
			"PoolSubmit": measuredPython + "process CPU per ThreadPoolExecutor.submit(trivial) while the " +
				"one worker is busy, amortised over 20000: the future, the work item and the queue put (runs 17.8–22.1 µs)",
			"PoolTask": measuredPython + "process CPU per queued trivial task drained by the busy worker, " +
				"amortised over 20000: the queue get, the run wrapper and set_result (runs 3.33–5.91 µs)",
			"WakeLatency": measuredPython + "median elapsed time from threading.Event.set() to the run of the " +
				"thread blocked in wait(), over 2000 wake-ups (runs 18.2–27.8 µs)",
			"LoopResume": measuredPython + "process CPU per resume of a task (a step up to its next " +
				"`await asyncio.sleep(0)`, or its done callbacks), the loop's own iterations taken out: a task " +
				"alone doing 50000 such awaits against 1000 tasks doing 50 each, the iterations counted " +
				"(select calls), the collector off (runs 1.06–1.70 µs)",
			"LoopTurn": measuredPython + "process CPU per iteration of the event loop beyond the callbacks it " +
				"runs, from the same two runs: BaseEventLoop._run_once's select with a zero timeout (a system " +
				"call, about 1.3 µs on this VM), the timer heap and the ready queue (runs 3.90–5.39 µs). A task " +
				"alone pays one per resume; a thousand ready together share one",
			"LoopTimer": measuredPython + "process CPU per task of 10000 tasks gathered on " +
				"`await asyncio.sleep(0.05)`, less the same on `asyncio.sleep(0)` and less the first's extra " +
				"loop iterations × LoopTurn, each after a first run of both, the collector off: the timer " +
				"handle, its future, the heap's push and pop and the timer's callback (runs 6.25–9.34 µs)",
			"TaskCreate": measuredPython + "process CPU per asyncio.create_task of a trivial coroutine, " +
				"amortised over 20000, in the third round of as many (the first two grow the heap: 8.1 and " +
				"6.4 µs), the collector off: its share is GCYoung's and GCScan's (runs 4.00–6.07 µs)",
			"TaskFirstTouch": measuredPython + "process CPU per task of a first gather of 10000 tasks on " +
				"asyncio.sleep(0.001) beyond a second one in the same fresh interpreter, the collector off: " +
				"the first grows the heap (runs 2.89–4.09 µs)",
			"GCObjectsPerTask": measuredPython + "Δ len(gc.get_objects()) per pending task of 50000 tasks of a " +
				"coroutine awaiting asyncio.sleep(10): the task, two coroutines, the future and the timer handle " +
				"(11 in every run; 10 when the task's coroutine is asyncio.sleep itself)",
			"GCObjectsPerChild": measuredPython + "Δ len(gc.get_objects()) per pending child of asyncio.gather " +
				"beyond a task's, from 2000 gathers of 10 coroutines awaiting asyncio.sleep(10) against 20000 " +
				"gathers of one: the (callback, context) entry of its done callback (1 in every run)",
			"GCObjectsPerGather": measuredPython + "(python3 runtime/measure.py --only GCScan,GCObjectsPerGather, " +
				"the same day) tracked objects of a task that awaits a gather of six, beyond its six children's " +
				"and a sleeping child task's (GCObjectsPerTask + GCObjectsPerChild), counted in a tree of gathers " +
				"three levels deep whose leaves await asyncio.sleep(10), the collector off: 11.1 in every run. " +
				"The gathering future, its children list, the done callback's closure and its cells; a gather " +
				"of one coroutine counted 5. Each name a coroutine's list comprehension takes from it is one " +
				"more (a cell): the same tree with a second parameter counted 14.8 objects per task, not 13.8",
			"GCBaseObjects": measuredPython + "len(gc.get_objects()) of a fresh interpreter with asyncio imported, " +
				"after gc.collect()",
			"GCThreshold": measuredPython + "gc.get_threshold()[0], 700 as in every release up to 3.12",
			"GCYoung": measuredPython + "process CPU of the generation-0 and -1 collections (gc.callbacks) while " +
				"50000 such tasks are created, per tracked object allocated (runs 116–184 ns)",
			"GCScan": measuredPython + "(python3 runtime/measure.py --only GCScan,GCObjectsPerGather, the same " +
				"day) process CPU of the collector's own full collections (gc.callbacks) while a tree of gathers " +
				"six levels deep (55,986 tasks whose leaves await asyncio.sleep(0.05)) is built and run, over " +
				"the tracked objects each visited (runs 306–361 ns). Per object it grows with the heap: about " +
				"130–210 ns at 80,000 objects, 250–300 ns from 270,000 to 790,000 (python3 " +
				"runtime/gather_children.py --tree --objects); gc.collect() on 50,000 tasks just made, in " +
				"allocation order, took 199 ns. CPython's collector (Modules/gcmodule.c, 3.8–3.13) collects " +
				"generation 0 every 700 net allocations, generation 1 every 10 of those, and all three every " +
				"10 of those once the objects generation 1 passed on since the last full collection number a " +
				"quarter of those it kept: a loop holding tens of thousands of tasks spends most of its time there",
			"ProcessFork": measuredPython + "elapsed time, dominated by CPU, from creating " +
				"ProcessPoolExecutor(1, mp_context=fork) to its first trivial result (runs 48.3–50.9 ms; " +
				"5.75 ms on the machine's host before 2026-12-01: page-table copies and faults cost more here)",
			"ProcessSpawn": measuredPython + "elapsed time, dominated by CPU, from creating " +
				"ProcessPoolExecutor(1, mp_context=spawn) to its first trivial result (runs 179–261 ms)",
			"ProcessTask": measuredPython + "elapsed time per trivial task round trip (pickle, pipe, " +
				"both processes) through a warm ProcessPoolExecutor(1), amortised over 2000 (runs 211–285 µs)",
			"PickleSend": measuredPython + "the sender's share of the elapsed time per 10^6 bytes of a 16 MB bytes " +
				"payload moved through a warm ProcessPoolExecutor(1) (fork): from submit() to the task's first line " +
				"in the worker, and from a task's return of 16 MB to result() in the parent, the median of 12; split " +
				"between sender and receiver by their process CPU on a multiprocessing.Pipe (runs 6.37–11.3 ms per MB). " +
				"The payload's kind matters: a list of 100,000 small tuples (2.8 MB) took 13–24 ms per MB to pickle " +
				"and send on 2026-12-01",
			"PickleRecv": measuredPython + "the receiver's share of the same (runs 4.96–9.95 ms per MB). The pipe " +
				"holds 64 KiB, so sender and receiver overlap; the engine has the sender pickle, then the receiver " +
				"unpickle, and the two shares add up to the whole way",
			"PickleFresh": measuredPython + "process CPU per 10^6 bytes of bytearray(40 MB), which zero-fills a " +
				"fresh mapping page by page (runs 4.06–5.56 ms per MB). A process's first payload of " +
				"a size writes its copies (the sender's pickle; the receiver's buffer and object) into such pages",
			"SleepOvershoot": measuredPython + "median of time.sleep(0.0005) elapsed − 0.0005 over 300 " +
				"sleeps (runs 115–149 µs); 2 ms sleeps overshoot 126 µs and 10 ms sleeps " +
				"165 µs, so it is about constant: the timer slack plus the wake-up",
			"LoopTimerOvershoot": measuredPython + "median of `await asyncio.sleep(0.0005)` elapsed − 0.0005 " +
				"over 300 awaits (runs 636–734 µs); the engine derives it from SelectResolution, " +
				"TimerSlack and SleepOvershoot (1 ms + 50 µs + the wake-up, less 0.5 ms) and this is the check",
			"TimerSlack": measuredPython + "/proc/self/timerslack_ns, Linux's default timer slack; " +
				"epoll_wait may fire late by the larger of it and 0.1 % of the timeout (capped at 100 ms)",
			"SelectResolution": measuredPython + "selectors.DefaultSelector is EpollSelector, whose timeout " +
				"is whole milliseconds, rounded up so as never to wake early (Lib/selectors.py)",
			"ThreadRSS": measuredPython + "Δ VmRSS (/proc/self/status) ÷ 1000 after starting 1000 " +
				"threads parked on a threading.Event, in a fresh interpreter (16.58 KB every run)",
			"ThreadVirtual": measuredPython + "Δ VmSize ÷ 1000 for the same 1000 threads: each reserves " +
				"its 8 MiB stack (ulimit -s) plus a guard page and its share of malloc arenas",
			"TaskRSS": measuredPython + "Δ VmRSS ÷ 10000 after creating 10000 asyncio tasks awaiting " +
				"one asyncio.Event, in a fresh interpreter (task, coroutine frame, waiter future)",
			"ProcessRSS": measuredPython + "VmRSS of a fresh `python3 -c` that sleeps, read from " +
				"/proc/PID/status (runs 13.80–13.85 MB)",
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

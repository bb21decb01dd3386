package runtime

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"regexp"
	goruntime "runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/conclab/conclab/internal/python"
	"github.com/conclab/conclab/internal/toolchain"
)

// MeasureScript is runtime/measure.py, the standard-library Python program
// that measures the cpython constants on the machine it runs on. It prints
// one JSON document (see Measurement) on stdout and one progress line per
// measurement on stderr.
//
//go:embed measure.py
var MeasureScript string

// Stat is one constant measured several times: the median, the smallest
// and largest run, and how many runs.
type Stat struct {
	Median float64 `json:"median"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
	N      int     `json:"n"`
}

// Measurement is the JSON document measure.py prints. Results are keyed by
// Profile field name (ThreadStart, …) plus a few extras (SleepOvershoot2ms,
// SleepOvershoot10ms); times are nanoseconds, sizes bytes.
type Measurement struct {
	Hostname       string `json:"hostname"`
	CPU            string `json:"cpu"`
	Python         string `json:"python"`
	Implementation string `json:"implementation"`
	// GIL is false for a free-threaded build running without the GIL;
	// nil (a measure.py older than the field) means true.
	GIL      *bool           `json:"gil,omitempty"`
	Platform string          `json:"platform"`
	Cores    int             `json:"cores"`
	Date     string          `json:"date"`
	Runs     int             `json:"runs"`
	Quick    bool            `json:"quick"`
	Seconds  float64         `json:"seconds"`
	Results  map[string]Stat `json:"results"`
	// Remeasured lists the constants measured again later (measure.py
	// --only, scripts/measure-releases --only), whose figures in Results
	// replaced the first ones.
	Remeasured []Remeasure `json:"remeasured,omitempty"`
}

// Remeasure is one later measurement of some constants of a Measurement.
type Remeasure struct {
	Date      string   `json:"date"`
	Runs      int      `json:"runs"`
	Constants []string `json:"constants"`
}

// when says on which date and in how many runs constant field got the
// figure in m.Results.
func (m *Measurement) when(field string) (date string, runs int) {
	date, runs = m.Date, m.Runs
	for _, r := range m.Remeasured {
		if slices.Contains(r.Constants, field) {
			date, runs = r.Date, r.Runs
		}
	}
	return date, runs
}

// MeasureJava is runtime/measure.java, the Java program that measures the
// java profile's constants (class Measure), and MeasureGo
// runtime/measure_go.txt, the Go program that measures the go profile's.
// Both print the document measure.py prints, with "implementation" java or
// go and the JVM's or Go's version as "python", and its progress lines.
var (
	//go:embed measure.java
	MeasureJava string
	//go:embed measure_go.txt
	MeasureGo string
)

// nativeMeasured lists the constants that measure.java and measure_go.txt
// measure; the others (the event loop's, the collector's, pickling) mean
// nothing for a JVM or a Go program, and stay the built-in profile's.
var nativeMeasured = map[string]bool{
	"ThreadStart": true, "PoolSubmit": true, "PoolTask": true, "WakeLatency": true,
	"ProcessFork": true, "ProcessSpawn": true, "ProcessTask": true, "SleepOvershoot": true,
	"ThreadRSS": true, "ThreadVirtual": true, "ProcessRSS": true, "ProcessVirtual": true,
}

// goOnly says whether a constant is the Go runtime's alone: its
// netpoller's unit; measure_go.txt measures it, and every other runtime
// has 0.
func goOnly(field string) bool { return field == "NetpollResolution" }

// measures says whether the measuring program of implementation impl
// (cpython, java, go) measures the constant c.
func measures(impl string, c constant) bool {
	switch {
	case goOnly(c.field):
		return impl == "go"
	case impl == "java" || impl == "go":
		return nativeMeasured[c.field]
	}
	return true
}

// ParseMeasurement reads the output of a measuring program (measure.py,
// measure.java, measure_go.txt) and checks that it holds every constant
// that program measures with consistent figures.
func ParseMeasurement(data []byte) (*Measurement, error) {
	var m Measurement
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("measure.py output: %w", err)
	}
	for _, c := range constants {
		s, ok := m.Results[c.field]
		if !ok && (c.later || !measures(m.Implementation, c)) {
			continue
		}
		if !ok {
			return nil, fmt.Errorf("measure.py output: no %s", c.field)
		}
		if err := checkStat(c.field, s); err != nil {
			return nil, err
		}
	}
	return &m, nil
}

// gcCountHow is how measure.py reads the collector's counts.
const gcCountHow = "gc.get_count() in the first coroutine of a fresh interpreter that imported what an " +
	"exported program imports (asyncio, concurrent.futures, gc, hashlib, json, multiprocessing, os, sys, " +
	"threading, time) and called asyncio.run: the collections the start-up made leave the counts part of " +
	"the way to the next collection of each generation"

// how says what measure.py does for each constant, for the profile's
// sources.
var how = map[string]string{
	"ThreadStart": "elapsed time per threading.Thread.start() of threads that stay alive (parked on an " +
		"Event), amortised over many: creation, stack mapping, the new thread's first run and the hand-shake",
	"PoolSubmit": "process CPU per ThreadPoolExecutor.submit(trivial) while the one worker is busy, " +
		"amortised over many: the future, the work item and the queue put",
	"PoolTask": "process CPU per queued trivial task drained by a ThreadPoolExecutor's busy worker, " +
		"amortised over many: the queue get, the run wrapper and set_result",
	"GILHandover": "median elapsed time from a thread releasing the GIL to time.sleep() to the run of the thread waiting for it",
	"GILArrived2": arrivedHow(2), "GILArrived3": arrivedHow(3), "GILArrived4": arrivedHow(4),
	"GILArrived5": arrivedHow(5), "GILArrived6": arrivedHow(6),
	"LockSpin": "median elapsed time a thread blocked on a lock released 2 ms later waits, one thread per core spinning in " +
		"Python, less the same with none: free-threaded CPython's PyMutex makes 40 sched_yield() calls before it " +
		"sleeps (Python/lock.c, MAX_SPIN_COUNT), and each gives the core to the thread computing there; 0 with a GIL",
	"WakeLatency": "median elapsed time from threading.Event.set() to the run of the thread blocked " +
		"in its wait(): the futex wake-up and the scheduler",
	"LoopResume": "process CPU per resume of a task (a step to its next `await asyncio.sleep(0)`, or its done " +
		"callbacks): a task alone doing 50000 such awaits against 1000 tasks doing 50 each, the loop's " +
		"iterations counted and LoopTurn taken out, the collector off",
	"LoopTurn": "process CPU per iteration of the event loop beyond the callbacks it runs (_run_once: select " +
		"with a zero timeout, the timer heap, the ready queue): the same two runs, solved for both figures",
	"LoopTimer": "process CPU per task of 10000 tasks gathered on `await asyncio.sleep(0.05)`, less the same " +
		"with `asyncio.sleep(0)` and less the first's extra loop iterations × LoopTurn, the collector off, " +
		"the best of 5 of each: the timer handle, its future, the heap push and pop and the timer's callback " +
		"of a timed await (LoopTimerFire and the part up to the tasks' first steps, which arms it)",
	"LoopTimerFire": "of LoopTimer, the part after the tasks' first steps (a callback the loop runs then splits " +
		"each run): the timers fall due, _run_once pops each off the heap and runs its callback, which sets " +
		"the future's result and schedules the task's wake-up",
	"GatherChild": "process CPU per task of asyncio.gather over 20000 pending tasks, the best of the rounds " +
		"after the first two (which grow the heap), the collector off: the done callback it adds to each " +
		"and its bookkeeping",
	"TaskCreate": "process CPU per asyncio.create_task of a trivial coroutine, amortised over 20000, in the third " +
		"round of as many (the first two grow the heap: TaskFirstTouch) with the collector off (its share is " +
		"GCYoung and GCScan)",
	"TaskFirstTouch": "process CPU per task of a first gather of 10000 tasks beyond a second one in the same " +
		"fresh interpreter, the cyclic collector off: the first grows the heap",
	"GCObjectsPerTask": "Δ len(gc.get_objects()) per pending task of a coroutine awaiting asyncio.sleep, in a " +
		"fresh interpreter",
	"GCObjectsPerChild": "Δ len(gc.get_objects()) per pending child of asyncio.gather beyond a task's: 2000 gathers " +
		"of 10 coroutines awaiting asyncio.sleep against 20000 gathers of one",
	"GCObjectsPerGather": "tracked objects of a task awaiting a gather of six beyond its children's and a sleeping " +
		"child task's, counted in a tree of gathers three levels deep, the collector off",
	"GCBaseObjects": "len(gc.get_objects()) of a fresh interpreter with asyncio imported",
	"GCThreshold":   "gc.get_threshold()[0]: the net tracked allocations that trigger a collection of generation 0",
	"GCCount0":      gcCountHow, "GCCount1": gcCountHow, "GCCount2": gcCountHow,
	"GCYoung": "process CPU of the generation-0 and -1 collections while 50000 tasks are created, per " +
		"tracked object allocated",
	"GCScan": "process CPU of the collector's full collections while a tree of gathers six levels deep (55,986 " +
		"tasks) is built and run, per tracked object visited",
	"ProcessFork": "in a fresh program whose main module imports what an exported program imports, elapsed " +
		"time from creating its first ProcessPoolExecutor(1, mp_context=fork) to its first trivial result: the " +
		"pool's set-up, the fork, the child's own set-up (fork_child)",
	"ForkParent": "in the same program, the median elapsed time of Process.start() with fork in the parent over " +
		"12 forks, four at a time, the earlier still alive as a pool's workers are: two pipes, os.fork() (the page " +
		"tables copied; more for a bigger parent) and the finalizer; a pool forks its workers one after another " +
		"from one thread, so its workers come up this far apart",
	"ForkChild": "in the same first pool, the worker's CPU clock (time.process_time()) when it took its first task: " +
		"the parent's pages it wrote, each copied at a page fault, and multiprocessing's bootstrap",
	"ProcessSpawn": "in a fresh program whose main module imports what an exported program imports, elapsed " +
		"time, dominated by the worker's CPU, from creating its first ProcessPoolExecutor(1, mp_context=spawn) to " +
		"its first trivial result: a fresh interpreter that runs the main module again",
	"ResourceTracker": "median process CPU (getrusage of the children) of python -c 'from multiprocessing.resource_tracker " +
		"import main': the resource tracker's start-up, a fresh interpreter without a main module, which a program's first " +
		"spawn or forkserver pool starts beside its first workers",
	"ForkserverBoot": "in a fresh program, elapsed time from creating ProcessPoolExecutor(1, mp_context=forkserver) " +
		"to its first trivial result, less the same for a second pool the same server serves: the server's own " +
		"start-up, a fresh interpreter importing multiprocessing's server (not the main module: CPython 3.8 to " +
		"3.13.7 never pass its path to the server)",
	"ProcessForkserver": "elapsed time, dominated by the new worker's CPU, from creating " +
		"ProcessPoolExecutor(1, mp_context=forkserver) to its first trivial result with the server running: the " +
		"server's fork, and the worker's own start, which runs the program's main module again (one that imports " +
		"what an exported program imports) as a spawned worker does",
	"ProcessTask": "elapsed time per trivial task round trip (pickle, pipe, both processes) through a warm " +
		"ProcessPoolExecutor(1), amortised over many",
	"PickleSend": "the sender's share of the elapsed time per 10^6 bytes of a 16 MB bytes payload moved " +
		"through a warm ProcessPoolExecutor(1), to the worker and back, split by each side's process CPU " +
		"(a list of small objects costs several times more per byte)",
	"PickleRecv":         "the receiver's share of the same",
	"PickleFresh":        "extra elapsed time per 10^6 bytes of a fresh worker's first 16 MB payload over later ones",
	"SleepOvershoot":     "median of time.sleep(0.0005) elapsed − 0.0005: timer slack plus the wake-up",
	"LoopTimerOvershoot": "median of `await asyncio.sleep(0.0005)` elapsed − 0.0005 on an event loop",
	"TimerSlack": "/proc/self/timerslack_ns: the slack the kernel may add to this thread's timers " +
		"(prctl PR_SET_TIMERSLACK); epoll_wait adds the larger of it and 0.1 % of the timeout",
	"SelectResolution": "the unit of selectors.DefaultSelector's timeout: epoll and poll take whole " +
		"milliseconds and asyncio's selector rounds up (Lib/selectors.py), select takes microseconds",
	"ThreadRSS": "Δ VmRSS (/proc/self/status) per thread after starting 1000 threads parked on a " +
		"threading.Event, in a fresh interpreter",
	"ThreadVirtual": "Δ VmSize per thread for the same 1000 threads: its stack reservation (ulimit -s) " +
		"and its share of malloc arenas",
	"TaskRSS": "Δ VmRSS per task after creating 10000 asyncio tasks awaiting one asyncio.Event, in a " +
		"fresh interpreter",
	"ProcessRSS":     "VmRSS of a fresh `python3 -c` that sleeps, read from /proc/PID/status",
	"ProcessVirtual": "VmSize of the same fresh `python3 -c`",
}

// arrivedHow says what measure.py does for GILArrived<cpu>.
func arrivedHow(cpu int) string {
	return fmt.Sprintf("mean lateness of a thread's 20 ms sleeps (16 a run) beside %d threads running Python code "+
		"that read no clock, less the same sleeps' alone: its wait for the GIL, which it never asks the holder to "+
		"drop, so it gets it when the condition variable wakes it rather than the thread that asked (a share of "+
		"the switches that differs from machine to machine); 0 without a GIL", cpu)
}

// Release is the CPython release measured, as profiles name it: "3.12",
// or "3.13t" for a free-threaded build running without the GIL.
func (m *Measurement) Release() string {
	release := m.Python
	if parts := strings.SplitN(release, ".", 3); len(parts) >= 2 {
		release = parts[0] + "." + parts[1]
	}
	if m.GIL != nil && !*m.GIL {
		release += "t"
	}
	return release
}

// howJava says what measure.java does for each constant it measures.
var howJava = map[string]string{
	"ThreadStart": "elapsed time per Thread.start() of 1000 threads that stay alive (parked on a CountDownLatch)",
	"PoolSubmit": "CPU of the submitting thread (ThreadMXBean) per submit() of a no-op to " +
		"Executors.newFixedThreadPool(1) while its thread is busy, amortised over 20000",
	"PoolTask":    "CPU of the pool's thread per queued no-op it then drains, amortised over 20000",
	"WakeLatency": "median elapsed time from LockSupport.unpark to the run of the parked thread",
	"ProcessFork": "a JVM cannot fork: as process_spawn",
	"ProcessSpawn": "elapsed time until the last of as many worker JVMs as cores (java -cp DIR Measure --worker, as an " +
		"exported program starts its workers), started side by side as processes(N) starts them, said it is up, " +
		"after it warmed up as the exported program's workers do (a step of work and one of waiting, a pool, a " +
		"thread): JVM start-up, class loading and the JIT's first compilations; what each keeps a core busy for",
	"ProcessTask":    "elapsed time per line sent to a warm worker JVM through its standard input and read back, amortised over 2000",
	"SleepOvershoot": "median of a 500 µs wait (LockSupport.parkNanos until the deadline) elapsed − 500 µs",
	"ThreadRSS":      "Δ VmRSS (/proc/self/status) per thread after starting 1000 threads parked on a latch, in a fresh JVM",
	"ThreadVirtual":  "Δ VmSize per thread for the same 1000 threads: the thread stack's reservation (-Xss)",
	"ProcessRSS":     "VmRSS of an idle worker JVM, read from /proc/PID/status",
	"ProcessVirtual": "VmSize of the same JVM: mostly the heap's reservation (a quarter of RAM by default) and code cache",
}

// howGo says what measure_go.txt does for each constant it measures.
var howGo = map[string]string{
	"ThreadStart": "threads are goroutines: elapsed time per go statement of 100000 goroutines that stay alive " +
		"(blocked on a channel), each having run",
	"PoolSubmit": "CPU of the sending goroutine (locked to its thread, CLOCK_THREAD_CPUTIME_ID) per task queued " +
		"on a buffered channel while the one worker goroutine is busy, amortised over 200000",
	"PoolTask":    "CPU of the worker goroutine per queued task it then drains, amortised over 200000",
	"WakeLatency": "median elapsed time from a send on a channel to the run of the goroutine blocked receiving",
	"ProcessFork": "a Go program cannot fork without exec: as process_spawn",
	"ProcessSpawn": "CPU time (getrusage) of a worker process (the program run again, as an exported program " +
		"starts its workers) from its start to its line saying it is up; the mean of as many as cores started " +
		"side by side, as processes(N) starts them",
	"ProcessTask": "elapsed time per line sent to a warm worker process through its standard input and read back, amortised over 20000",
	"SleepOvershoot": "median of time.Sleep(1 ms) elapsed − 1 ms with nothing else running: how late the netpoller's " +
		"epoll_wait of 1 ms ends",
	"NetpollResolution": "median of time.Sleep(50 µs) elapsed − sleep_overshoot: the netpoller's epoll_wait takes whole " +
		"milliseconds, and the runtime waits 1 ms for less (runtime/netpoll_epoll.go)",
	"ThreadRSS":      "Δ VmRSS (/proc/self/status) per goroutine after starting 100000 goroutines blocked on a channel, in a fresh process",
	"ThreadVirtual":  "Δ VmSize per goroutine for the same 100000 goroutines",
	"ProcessRSS":     "VmRSS of an idle worker process, read from /proc/PID/status",
	"ProcessVirtual": "VmSize of the same process: the Go runtime reserves address space for its heap up front",
}

// WorkerCosts names the constants of a worker process's start-up and of
// the data moved to and from it: they depend on the machine more than on
// the runtime, and the tests measure them here (CalibrateOptions.Only)
// and put them on a built-in profile (Onto). A fork's are measured in a
// fresh program that imports what an exported program imports, its first
// pool, as the exported program forks its workers (fork_start).
var WorkerCosts = []string{"ProcessFork", "ForkParent", "ForkChild", "ProcessSpawn", "ResourceTracker", "ForkserverBoot", "ProcessForkserver", "PickleSend", "PickleRecv", "PickleFresh"}

// Onto returns p with each of its cost constants that m holds set to m's
// median: a built-in profile with this machine's figures for a few
// constants (CalibrateOptions.Only), as the tests take worker start-ups
// and data moves, which depend on the machine more than on the runtime.
func (m *Measurement) Onto(p Profile) Profile {
	p.Sources = maps.Clone(p.Sources)
	for _, c := range constants {
		s, ok := m.Results[c.field]
		if !ok || !(s.Median >= 0) {
			continue
		}
		*c.ptr(&p) = int64(math.Round(s.Median))
		if p.Sources != nil {
			p.Sources[c.field] = "measured on this machine, median of " + strconv.Itoa(s.N) + " runs"
		}
	}
	return p
}

// Profile builds the profile of the measured runtime from the medians:
// for a CPython the profile of its release, cpython-<Release>; java or go
// when Implementation says so. Every cost constant its program measures
// has a source naming the machine, the interpreter or toolchain, the date
// and the spread over the runs. The rules (the GIL, asyncio, processes,
// the slowdown) and the constants its program does not measure are the
// built-in profile's; a free-threaded CPython has no GIL and runs Python
// code slower by the factor measured for its release (freeThreadedSlowdown),
// which measure.py cannot measure alone: it needs the build with the GIL
// beside it.
func (m *Measurement) Profile() (Profile, error) {
	p, descr := cpython(), how
	switch m.Implementation {
	case "java":
		p, descr = java(), howJava
	case "go":
		p, descr = golang(), howGo
	default:
		p.Python = m.Release()
		p.Name = "cpython-" + p.Python
	}
	sources := map[string]string{"Slowdown": p.Sources["Slowdown"]}
	if m.GIL != nil && !*m.GIL {
		p.GIL = false
		p.Slowdown, sources["Slowdown"] = freeThreadedSlowdown(p.Python)
	}
	host := m.Hostname
	if host == "" {
		host = "an unnamed host"
	}
	machine := []string{host}
	if m.CPU != "" {
		machine = append(machine, m.CPU)
	}
	if m.Cores > 0 {
		machine = append(machine, fmt.Sprintf("%d cores", m.Cores))
	}
	impl := m.Implementation
	if impl == "" {
		impl = "CPython"
	}
	machine = append(machine, impl+" "+m.Python)
	if m.Date != "" {
		machine = append(machine, m.Date)
	}
	where := "measured by conclab calibrate on " + strings.Join(machine, ", ")
	for _, c := range constants {
		s, ok := m.Results[c.field]
		if !measures(m.Implementation, c) {
			if src := p.Sources[c.field]; src != "" {
				sources[c.field] = src
			}
			continue
		}
		if !ok && c.later {
			builtinFigure(&p, c, "not measured by this run (an older measure.py)")
			sources[c.field] = p.Sources[c.field]
			continue
		}
		if !ok {
			return Profile{}, fmt.Errorf("measurement: no %s", c.field)
		}
		v := int64(math.Round(s.Median))
		if math.IsNaN(s.Median) || s.Median > math.MaxInt64/2 {
			return Profile{}, fmt.Errorf("measurement: %s: median %v out of range", c.field, s.Median)
		}
		// A timer never fires early by more than noise; a negative median
		// overshoot means none.
		v = max(v, 0)
		*c.ptr(&p) = v
		spread := Spread(s, c.size)
		if isCount(c.field) {
			spread = CountSpread(s) + CountNoun(c.field)
		}
		src := fmt.Sprintf("%s, median of %d (spread %s): %s", where, s.N, spread, descr[c.field])
		if c.field == "ProcessSpawn" || c.field == "ProcessFork" {
			if c, ok := m.Results["ProcessSpawnCPU"]; ok {
				src += fmt.Sprintf("; each used %s of CPU (all threads)", formatNS(c.Median))
			}
			a, okA := m.Results["ProcessSpawnAlone"]
			e, okE := m.Results["ProcessSpawnElapsed"]
			if okA && okE {
				src += fmt.Sprintf("; one started alone took %s of CPU and was up after %s elapsed", formatNS(a.Median), formatNS(e.Median))
			}
		}
		if c.field == "SleepOvershoot" {
			var also []string
			for _, extra := range []struct{ key, what string }{
				{"SleepOvershoot2ms", "2 ms"}, {"SleepOvershoot10ms", "10 ms"},
			} {
				if e, ok := m.Results[extra.key]; ok {
					also = append(also, fmt.Sprintf("%s sleeps overshoot %s", extra.what, formatNS(e.Median)))
				}
			}
			if len(also) > 0 {
				src += "; " + strings.Join(also, " and ")
			}
		}
		sources[c.field] = src
	}
	if p.ExecWorkers {
		// No runtime but CPython has a forkserver: every worker of a JVM
		// or a Go program is a fresh program, whatever the start method.
		p.ForkserverBoot, p.ProcessForkserver, p.ForkParent, p.ForkChild, p.ResourceTracker = 0, p.ProcessSpawn, 0, 0, 0
		sources["ResourceTracker"] = "no resource tracker: multiprocessing's alone"
		sources["ForkParent"] = "no fork: every worker is a fresh program, started side by side"
		sources["ForkChild"] = "no fork: every worker is a fresh program, started side by side"
		sources["ForkserverBoot"] = "no server: every worker is a fresh program"
		sources["ProcessForkserver"] = "as process_spawn: every worker is a fresh program"
	}
	p.Sources = sources
	return p, nil
}

// Spread formats the smallest and largest run of s in one unit, like
// "74.9–80.4 µs" or "16.50–16.51 KiB"; size says s is in bytes.
func Spread(s Stat, size bool) string {
	if size {
		unit, div := sizeUnit(s.Max)
		return fmt.Sprintf("%s–%s %s", sig(s.Min/div), sig(s.Max/div), unit)
	}
	unit, div := timeUnit(s.Max)
	return fmt.Sprintf("%s–%s %s", sig(s.Min/div), sig(s.Max/div), unit)
}

func timeUnit(ns float64) (string, float64) {
	switch {
	case ns >= 1e9:
		return "s", 1e9
	case ns >= 1e6:
		return "ms", 1e6
	case ns >= 1e3:
		return "µs", 1e3
	}
	return "ns", 1
}

func sizeUnit(b float64) (string, float64) {
	switch {
	case b >= 1<<30:
		return "GiB", 1 << 30
	case b >= 1<<20:
		return "MiB", 1 << 20
	case b >= 1<<10:
		return "KiB", 1 << 10
	}
	return "B", 1
}

func formatNS(ns float64) string {
	unit, div := timeUnit(ns)
	return sig(ns/div) + " " + unit
}

// sig writes x with three significant digits (at least one decimal below 100).
func sig(x float64) string {
	switch a := math.Abs(x); {
	case a >= 100:
		return strconv.FormatFloat(x, 'f', 0, 64)
	case a >= 10:
		return strconv.FormatFloat(x, 'f', 1, 64)
	}
	return strconv.FormatFloat(x, 'f', 2, 64)
}

// Progress is one measurement finished by measure.py.
type Progress struct {
	Done, Total int     // measurements done so far, of how many
	Name        string  // the constant, by Profile field name (or an extra)
	Run, Runs   int     // which run, of how many
	Value       float64 // nanoseconds, or bytes when Size, or objects when Count
	Size        bool
	Count       bool
}

// progressLine matches measure.py's progress lines on stderr.
var progressLine = regexp.MustCompile(`^measure: (\d+)/(\d+) (\w+) run (\d+)/(\d+) = ([-+0-9.eE]+) (ns|B|objects|count)$`)

// parseProgress reads one of measure.py's stderr lines; ok is false for
// anything else (a warning, a traceback).
func parseProgress(line string) (Progress, bool) {
	m := progressLine.FindStringSubmatch(line)
	if m == nil {
		return Progress{}, false
	}
	var p Progress
	var err [5]error
	p.Done, err[0] = strconv.Atoi(m[1])
	p.Total, err[1] = strconv.Atoi(m[2])
	p.Name = m[3]
	p.Run, err[2] = strconv.Atoi(m[4])
	p.Runs, err[3] = strconv.Atoi(m[5])
	p.Value, err[4] = strconv.ParseFloat(m[6], 64)
	p.Size, p.Count = m[7] == "B", m[7] == "objects" || m[7] == "count"
	if errors.Join(err[:]...) != nil {
		return Progress{}, false
	}
	return p, true
}

// CalibrateOptions says how to run measure.py, measure.java or
// measure_go.txt.
type CalibrateOptions struct {
	// Runtime is the runtime to measure: cpython (or ""), java or go.
	Runtime string
	// Toolchain is the java or go command for runtime java or go; java
	// or go on PATH when empty (see toolchain.Find).
	Toolchain string
	Python    string         // the interpreter; default python3 (check it with python.Find first)
	Runs      int            // repetitions of every measurement; 0: the script's default (5, or 3 when Quick)
	Quick     bool           // fewer repetitions inside each measurement, for tests
	Timeout   time.Duration  // bound on the whole run; 0: none beyond ctx
	Progress  func(Progress) // called as each measurement finishes; may be nil
	Log       io.Writer      // receives stderr lines that are not progress; may be nil
	// Only, when set, measures these constants alone (Profile field
	// names, measure.py --only), for CPython: the tests that take a
	// machine's figures for a few of them.
	Only []string
}

// CanCalibrate returns an error wrapping errors.ErrUnsupported on a system
// other than Linux, where Calibrate cannot run: measure.py reads memory
// and timer slack from /proc.
func CanCalibrate() error {
	if goruntime.GOOS != "linux" {
		return fmt.Errorf("calibrate runs on Linux only (measure.py reads /proc), not on %s: %w", goruntime.GOOS, errors.ErrUnsupported)
	}
	return nil
}

// Calibrate runs measure.py with the given interpreter and returns what it
// measured. The interpreter runs in a process group of its own that ends
// with conclab (see internal/python), killed with every child it started
// when ctx is done or the timeout passes. For runtime java and go it builds
// measure.java with javac, or measure_go.txt with go build (outside the
// timeout's measurements but within it), and runs that the same way.
func Calibrate(ctx context.Context, o CalibrateOptions) (*Measurement, error) {
	return calibrate(ctx, o, nil)
}

// calibrate is Calibrate with a hook that receives the process group id
// once the interpreter runs (for tests).
func calibrate(ctx context.Context, o CalibrateOptions, started func(pgid int)) (*Measurement, error) {
	if err := CanCalibrate(); err != nil {
		return nil, err
	}
	if o.Python == "" {
		o.Python = python.Default
	}
	if o.Runs < 0 {
		return nil, fmt.Errorf("calibrate: %d runs (want 1 or more)", o.Runs)
	}
	if o.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, o.Timeout, fmt.Errorf("measure.py took longer than %s", o.Timeout))
		defer cancel()
	}
	what := "measure.py"
	var job *python.Job
	var args []string
	switch o.Runtime {
	case "", "cpython":
		j, err := python.NewJob(o.Python, "conclab-calibrate-*")
		if err != nil {
			return nil, err
		}
		job = j
		defer job.Close()
		script, err := job.Write("measure.py", []byte(MeasureScript))
		if err != nil {
			return nil, err
		}
		args = []string{script}
	case "java", "go":
		tc, err := toolchain.Find(ctx, toolchain.Lang(o.Runtime), o.Toolchain)
		if err != nil {
			return nil, err
		}
		program := []byte(MeasureJava)
		what = "measure.java"
		if o.Runtime == "go" {
			program, what = []byte(MeasureGo), "measure_go.txt"
		}
		built, err := tc.Build(ctx, program, "Measure")
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		defer built.Close()
		if job, err = python.NewJob(built.Args[0], "conclab-calibrate-*"); err != nil {
			return nil, err
		}
		defer job.Close()
		args = built.Args[1:]
	default:
		return nil, fmt.Errorf("calibrate: runtime %q (want cpython, java or go)", o.Runtime)
	}
	if o.Runs > 0 {
		args = append(args, "--runs", strconv.Itoa(o.Runs))
	}
	if o.Quick {
		args = append(args, "--quick")
	}
	if len(o.Only) > 0 {
		if what != "measure.py" {
			return nil, fmt.Errorf("calibrate: Only measures CPython's constants, not %s's", o.Runtime)
		}
		args = append(args, "--only", strings.Join(o.Only, ","))
	}
	cmd := job.Command(ctx, args...)
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	errPipe, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := job.Start(cmd); err != nil {
		return nil, err
	}
	if started != nil {
		started(job.GroupID())
	}
	var tail []string // the last lines that were not progress, for the error
	sc := bufio.NewScanner(errPipe)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if p, ok := parseProgress(line); ok {
			if o.Progress != nil {
				o.Progress(p)
			}
			continue
		}
		if o.Log != nil {
			fmt.Fprintln(o.Log, line)
		}
		tail = append(tail, line)
		if len(tail) > 5 {
			tail = tail[1:]
		}
	}
	io.Copy(io.Discard, errPipe) // a line too long for the scanner: drain, or Wait blocks
	err = cmd.Wait()
	if ctx.Err() != nil {
		return nil, context.Cause(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("%s failed (%v)%s", what, err, python.LastLine([]byte(strings.Join(tail, "\n"))))
	}
	if len(o.Only) > 0 {
		return parseOnly(stdout.Bytes(), o.Only)
	}
	return ParseMeasurement(stdout.Bytes())
}

// parseOnly reads measure.py --only's output, which holds the constants
// named and no others.
func parseOnly(data []byte, only []string) (*Measurement, error) {
	var m Measurement
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("measure.py output: %w", err)
	}
	for _, field := range only {
		s, ok := m.Results[field]
		if !ok {
			return nil, fmt.Errorf("measure.py output: no %s", field)
		}
		if err := checkStat(field, s); err != nil {
			return nil, err
		}
	}
	return &m, nil
}

// checkStat says whether a constant's figures are consistent.
func checkStat(field string, s Stat) error {
	if s.N < 1 || !(s.Min <= s.Median && s.Median <= s.Max) || math.IsInf(s.Max, 0) || math.IsInf(s.Min, 0) {
		return fmt.Errorf("measure.py output: %s: inconsistent figures (median %v, min %v, max %v, n %d)",
			field, s.Median, s.Min, s.Max, s.N)
	}
	return nil
}

// Constant describes one cost constant of a Profile.
type Constant struct {
	Key   string // its key in YAML, e.g. thread_start
	Field string // its Profile field name, the key of Sources, e.g. ThreadStart
	About string // what it is, in a few words
	Size  bool   // bytes; otherwise nanoseconds (unless Count)
	Count bool   // a number of things (Size is also set: a whole number)
	// GoOnly: the Go runtime's alone (netpoll_resolution), 0 for every
	// other runtime and measured only by measure_go.txt.
	GoOnly bool

	ptr func(*Profile) *int64
}

// Of returns the constant's value in p.
func (c Constant) Of(p Profile) int64 { return *c.ptr(&p) }

// Constants lists the cost constants of a Profile in the order YAML writes
// them.
func Constants() []Constant {
	out := make([]Constant, len(constants))
	for i, c := range constants {
		out[i] = Constant{Key: c.key, Field: c.field, About: c.about, Size: c.size, Count: isCount(c.field), GoOnly: goOnly(c.field), ptr: c.ptr}
	}
	return out
}

// isCount says whether the constant named field is a number of things
// (objects the collector tracks), written as a whole number like a size.
func isCount(field string) bool {
	return strings.HasPrefix(field, "GC") && strings.Contains(field, "Objects") || field == "GCThreshold" ||
		strings.HasPrefix(field, "GCCount")
}

// CountNoun is what a count constant counts, with its leading space:
// " objects" for the collector's objects, nothing for its generation
// counts (allocations for the first, collections for the others).
func CountNoun(field string) string {
	if strings.HasPrefix(field, "GCCount") {
		return ""
	}
	return " objects"
}

// CountSpread is Spread for a count: "11–11".
func CountSpread(s Stat) string { return fmt.Sprintf("%s–%s", sig(s.Min), sig(s.Max)) }

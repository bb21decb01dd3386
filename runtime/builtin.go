package runtime

import (
	_ "embed"
	"fmt"
	"strings"
)

// Names returns the names of the built-in profiles, in the order to show them.
func Names() []string {
	return []string{"cpython", "cpython-ft", "java", "go"}
}

// Builtin returns the built-in profile called name. Each call returns a
// fresh Profile: changing its Sources does not change the next one.
func Builtin(name string) (Profile, error) {
	switch name {
	case "cpython":
		return cpython(), nil
	case "cpython-ft":
		return cpythonFT(), nil
	case "java":
		return java(), nil
	case "go":
		return golang(), nil
	}
	names := Names()
	return Profile{}, fmt.Errorf("unknown runtime %q (want %s or %s)",
		name, strings.Join(names[:len(names)-1], ", "), names[len(names)-1])
}

// How the cpython constants were measured. The numbers are the medians in
// runtime/testdata/cpython-measured.json, the output of that run.
const (
	measuredPython = "measured here: python3 runtime/measure.py (CPython 3.11.7, Debian 12, 2 cores), median of 5, 2026-11-25: "
	// The pickling costs came later, measured on another machine of the
	// project (runtime/testdata/cpython-pickle-measured.json).
	measuredPickle = "measured here: python3 runtime/measure.py --only PickleSend,PickleFresh (CPython 3.11.7, " +
		"Debian 12, AMD EPYC VM, 2 cores, shared), median of 5, 2026-12-01: "
	measuredGather = "measured here: python3 runtime/measure.py --only GCObjectsPerChild --runs 3 (CPython 3.11.7, Debian 12, 2 cores), 2026-12-01: "
	measuredGC     = "measured here: python3 runtime/measure.py --only TaskFirstTouch,GCScan --runs 3 (CPython 3.11.7, Debian 12, 2 cores), 2026-12-01, median of 3 runs: "
)

func cpython() Profile {
	return Profile{
		Name:      "cpython",
		GIL:       true,
		Asyncio:   true,
		Slowdown:  1,
		Processes: true,

		ThreadStart:        114649,
		PoolSubmit:         7414,
		PoolTask:           3052,
		WakeLatency:        10528,
		LoopResume:         2155,
		LoopTimer:          4317,
		TaskCreate:         2756,
		TaskFirstTouch:     3714,
		GCObjectsPerTask:   11,
		GCObjectsPerChild:  1,
		GCObjectsPerGather: 5,
		GCBaseObjects:      18420,
		GCYoung:            154,
		GCScan:             233,
		ProcessFork:        5752410,
		ProcessSpawn:       75046277,
		ProcessTask:        227992,
		PickleSend:         5346359,
		PickleRecv:         5486602,
		PickleFresh:        3321266,
		SleepOvershoot:     90450,
		LoopTimerOvershoot: 613410,
		TimerSlack:         50000,
		SelectResolution:   1000000,

		ThreadRSS:      16507,
		ThreadVirtual:  9419309,
		TaskRSS:        980,
		ProcessRSS:     13844480,
		ProcessVirtual: 16961536,

		Sources: map[string]string{
			"Slowdown": "by definition: cpython is the reference for the speed of Python code",
			"ThreadStart": measuredPython + "elapsed time per threading.Thread.start() of 1000 threads that " +
				"stay alive (parked on an Event): creation, stack mapping, the new thread's first run and " +
				"the start hand-shake (runs 96.8–288 µs)",
			"PoolSubmit": measuredPython + "process CPU per ThreadPoolExecutor.submit(trivial) while the " +
				"one worker is busy, amortised over 20000: the future, the work item and the queue put (runs 6.45–8.79 µs)",
			"PoolTask": measuredPython + "process CPU per queued trivial task drained by the busy worker, " +
				"amortised over 20000: the queue get, the run wrapper and set_result (runs 2.94–3.17 µs)",
			"WakeLatency": measuredPython + "median elapsed time from threading.Event.set() to the run of the " +
				"thread blocked in wait(), over 2000 wake-ups (runs 10.1–18.7 µs)",
			"LoopResume": measuredPython + "process CPU per iteration of a task doing " +
				"`await asyncio.sleep(0)` 50000 times: one suspension and one resume (runs 2.12–2.28 µs)",
			"LoopTimer": measuredPython + "process CPU per task of 10000 tasks gathered on " +
				"`await asyncio.sleep(0.05)`, less the same on `asyncio.sleep(0)`: the timer handle, its " +
				"future and the heap push of a timed await (runs 3.87–6.31 µs)",
			"TaskCreate": measuredPython + "process CPU per asyncio.create_task of a trivial coroutine, " +
				"amortised over 20000 (runs 2.5–2.8 µs)",
			"TaskFirstTouch": measuredGC + "process CPU per task of a first gather of 10000 tasks on " +
				"asyncio.sleep(0.001) beyond a second one in the same fresh interpreter, the collector off: " +
				"the first grows the heap (runs 3.40–3.95 µs)",
			"GCObjectsPerTask": measuredGC + "Δ len(gc.get_objects()) per pending task of 50000 tasks of a " +
				"coroutine awaiting asyncio.sleep(10): the task, two coroutines, the future and the timer handle " +
				"(11 in every run; 10 when the task's coroutine is asyncio.sleep itself)",
			"GCObjectsPerChild": measuredGather + "Δ len(gc.get_objects()) per pending child of asyncio.gather " +
				"beyond a task's, from 2000 gathers of 10 coroutines awaiting asyncio.sleep(10) against 20000 " +
				"gathers of one: the (callback, context) entry of its done callback (1 in every run)",
			"GCObjectsPerGather": measuredGather + "Δ len(gc.get_objects()) per pending asyncio.gather beyond its " +
				"parent task's, from 20000 tasks each gathering one coroutine awaiting asyncio.sleep(10), less " +
				"two tasks and one child's share: the gathering future, the children list, the tuple of " +
				"awaitables and the done callback's closure (5 in every run)",
			"GCBaseObjects": measuredGC + "len(gc.get_objects()) of a fresh interpreter with asyncio imported, " +
				"after gc.collect()",
			"GCYoung": measuredGC + "process CPU of the generation-0 and -1 collections (gc.callbacks) while " +
				"50000 such tasks are created, per tracked object allocated (runs 120–160 ns)",
			"GCScan": measuredGC + "process CPU of gc.collect() with the 50000 tasks pending, per tracked object " +
				"(runs 216–243 ns). CPython's collector (Modules/gcmodule.c, 3.8–3.13) collects generation 0 " +
				"every 700 net allocations, generation 1 every 10 of those, and all three every 10 of those " +
				"once the objects generation 1 passed on since the last full collection number a quarter of " +
				"those it kept: a loop holding tens of thousands of tasks spends most of its time there",
			"ProcessFork": measuredPython + "elapsed time, dominated by CPU, from creating " +
				"ProcessPoolExecutor(1, mp_context=fork) to its first trivial result (runs 5.38–8.14 ms)",
			"ProcessSpawn": measuredPython + "elapsed time, dominated by CPU, from creating " +
				"ProcessPoolExecutor(1, mp_context=spawn) to its first trivial result (runs 72–80.1 ms)",
			"ProcessTask": measuredPython + "elapsed time per trivial task round trip (pickle, pipe, " +
				"both processes) through a warm ProcessPoolExecutor(1), amortised over 2000 (runs 114–269 µs)",
			"PickleSend": measuredPickle + "the sender's share of the elapsed time per 10^6 bytes of a 16 MB bytes " +
				"payload moved through a warm ProcessPoolExecutor(1) (fork): from submit() to the task's first line " +
				"in the worker, and from a task's return of 16 MB to result() in the parent, the median of 12; split " +
				"between sender and receiver by their process CPU on a multiprocessing.Pipe (runs 3.93–5.76 ms per MB). " +
				"The payload's kind matters: a list of 100,000 small tuples (2.8 MB) took 13–24 ms per MB to pickle and send",
			"PickleRecv": measuredPickle + "the receiver's share of the same (runs 4.82–6.48 ms per MB; a list of " +
				"small tuples: 28–33 ms per MB). The pipe holds 64 KiB, so sender and receiver overlap; the engine " +
				"has the sender pickle, then the receiver unpickle, and the two shares add up to the whole way",
			"PickleFresh": measuredPickle + "process CPU per 10^6 bytes of bytearray(40 MB), which zero-fills a " +
				"fresh mapping page by page, median of 5 (runs 2.99–3.55 ms per MB). A process's first payload of " +
				"a size writes its copies (the sender's pickle; the receiver's buffer and object) into such pages: " +
				"a first 24 MB task took 515 ms to reach its worker here, later ones 175–200 ms",
			"SleepOvershoot": measuredPython + "median of time.sleep(0.0005) elapsed − 0.0005 over 300 " +
				"sleeps (runs 85.3–96.7 µs); 2 ms sleeps overshoot 99.3 µs and 10 ms sleeps " +
				"106 µs, so it is about constant: the timer slack plus the wake-up",
			"LoopTimerOvershoot": measuredPython + "median of `await asyncio.sleep(0.0005)` elapsed − 0.0005 " +
				"over 300 awaits (runs 608–633 µs); the engine derives it from SelectResolution, " +
				"TimerSlack and SleepOvershoot (1 ms + 50 µs + the wake-up, less 0.5 ms) and this is the check",
			"TimerSlack": measuredPython + "/proc/self/timerslack_ns, Linux's default timer slack; " +
				"epoll_wait may fire late by the larger of it and 0.1 % of the timeout (capped at 100 ms)",
			"SelectResolution": measuredPython + "selectors.DefaultSelector is EpollSelector, whose timeout " +
				"is whole milliseconds, rounded up so as never to wake early (Lib/selectors.py)",
			"ThreadRSS": measuredPython + "Δ VmRSS (/proc/self/status) ÷ 1000 after starting 1000 " +
				"threads parked on a threading.Event, in a fresh interpreter (runs 16.50–16.62 KB)",
			"ThreadVirtual": measuredPython + "Δ VmSize ÷ 1000 for the same 1000 threads: each reserves " +
				"its 8 MiB stack (ulimit -s) plus a guard page and its share of malloc arenas",
			"TaskRSS": measuredPython + "Δ VmRSS ÷ 10000 after creating 10000 asyncio tasks awaiting " +
				"one asyncio.Event, in a fresh interpreter (task, coroutine frame, waiter future)",
			"ProcessRSS": measuredPython + "VmRSS of a fresh `python3 -c` that sleeps, read from " +
				"/proc/PID/status (runs 13.79–13.87 MB)",
			"ProcessVirtual": measuredPython + "VmSize of the same fresh `python3 -c` (16.96 MB every run)",
		},
	}
}

// cpythonFT is cpython without the GIL, running Python code slower. Its
// costs and memory are those measured for cpython: there is no
// free-threaded build on the reference machine.
func cpythonFT() Profile {
	p := cpython()
	p.Name = "cpython-ft"
	p.GIL = false
	p.Slowdown = 1.10
	p.Sources["Slowdown"] = "What's New In Python 3.14, \"Free-threaded mode improvements\" " +
		"(https://docs.python.org/3/whatsnew/3.14.html): the single-threaded penalty of the " +
		"free-threaded build is \"roughly 5-10%, depending on the platform and C compiler\"; 1.10 is " +
		"the upper end (3.13t was about 40%)"
	for field, src := range p.Sources {
		if field != "Slowdown" {
			p.Sources[field] = "as cpython, measured with the GIL build (no free-threaded build on " +
				"this machine): " + src
		}
	}
	return p
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

func java() Profile { return mustParse("runtime/java.yaml", javaYAML) }

func golang() Profile { return mustParse("runtime/go.yaml", goYAML) }

// mustParse reads a built-in profile; the tests read every one, so a
// broken file never ships.
func mustParse(name string, data []byte) Profile {
	p, err := parse(name, data)
	if err != nil {
		panic(err)
	}
	return p
}

package runtime

import (
	"fmt"
	"strings"

	"github.com/conclab/conclab/model"
)

// Profile holds a runtime's rules and its measured constants. Every time is
// in nanoseconds of CPU work (costs) or of elapsed time (overshoots); every
// size is in bytes.
type Profile struct {
	Name      string  // cpython, cpython-3.12, cpython-3.13t, java, go, …
	Python    string  // the CPython release whose figures these are: "3.12", "3.13t"; "" for other runtimes and unversioned files
	Verify    string  // the conclab verify command that proves the profile on a machine like the one it was measured on; "" if none
	GIL       bool    // threads of one process take turns running Python code
	Asyncio   bool    // the runtime accepts asyncio models
	Slowdown  float64 // factor on `work` that holds the GIL (Python code); 1 for cpython
	Processes bool    // the runtime accepts processes models
	// ExecWorkers: every worker process is a fresh program started with
	// exec (a JVM, a Go binary), never a forked copy of its parent, so
	// the workers of processes(N) start side by side whatever the model's
	// start method says (the engine staggers forked ones).
	ExecWorkers bool

	ThreadStart        int64 // elapsed time of Thread.start() (creation, first run, hand-shake), paid by the starting thread with the GIL
	PoolSubmit         int64 // CPU of ThreadPoolExecutor.submit on the submitting thread (future, work item, queue put)
	PoolTask           int64 // CPU per task on a pool worker (queue get, run wrapper, set_result)
	WakeLatency        int64 // elapsed time before a thread blocked on a lock or queue runs once signalled
	LoopResume         int64 // CPU per resume of a task by the event loop
	LoopTurn           int64 // CPU of one iteration of an event loop beyond the callbacks it runs (select, the timer heap)
	LoopTimer          int64 // CPU per awaited timer (asyncio.sleep: timer handle, future, heap push)
	TaskCreate         int64 // CPU to create one asyncio task
	TaskFirstTouch     int64 // CPU per asyncio task beyond the most a loop has had pending: the heap grows (page faults, allocator arenas)
	GCObjectsPerTask   int64 // objects the cyclic GC tracks per pending asyncio task (task, coroutines, future, timer handle); 0: no such collector
	GCObjectsAtCreate  int64 // of those, what create_task makes before the task first runs (task, coroutine, context, weak reference, ready handle, bound step); 0: all at creation
	GCObjectsTransient int64 // objects made at creation that its first run frees (the ready handle and the bound step)
	GCObjectsPerChild  int64 // objects the cyclic GC tracks per pending child of an asyncio.gather beyond GCObjectsPerTask (its done callback)
	GCObjectsPerGather int64 // objects the cyclic GC tracks per pending asyncio.gather beyond its parent task's (the gathering future, its children list)
	GCBaseObjects      int64 // objects the cyclic GC tracks in an interpreter with asyncio, before any task
	GCThreshold        int64 // net tracked allocations that trigger a collection of generation 0 (gc.get_threshold()[0]: 700 up to 3.12, 2000 in 3.13)
	GCCount0           int64 // the collector's generation counts when a program's first coroutine runs (gc.get_count()): what its imports left;
	GCCount1           int64 // a full collection comes that much sooner than from a fresh start
	GCCount2           int64
	GCYoung            int64 // CPU of the young collections (generations 0 and 1) per tracked object allocated
	GCScan             int64 // CPU of a full collection per tracked object
	ProcessFork        int64 // CPU to start one worker process with fork
	ProcessSpawn       int64 // CPU to start one worker process with spawn
	ProcessTask        int64 // CPU per task sent to a worker process (pickle, pipe)
	PickleSend         int64 // the sender's share of moving 10^6 bytes of a task's data to or from a worker process (input:, output:): pickling and writing
	PickleRecv         int64 // the receiver's share: reading and unpickling
	PickleFresh        int64 // CPU to write 10^6 bytes into memory the process has not used before (page faults), per copy of a payload
	SleepOvershoot     int64 // extra elapsed time of a blocking sleep (timer slack + wake-up)
	LoopTimerOvershoot int64 // extra elapsed time of an awaited sleep(0.0005) on an event loop (a check of the two below)
	TimerSlack         int64 // the kernel's timer slack for this thread (Linux: 50 µs), part of SleepOvershoot
	SelectResolution   int64 // unit of an idle event loop's select timeout, rounded up (epoll: 1 ms); 0 = exact

	ThreadRSS      int64 // resident memory of one idle thread
	ThreadVirtual  int64 // reserved address space of one thread (its stack)
	TaskRSS        int64 // resident memory of one pending asyncio task
	ProcessRSS     int64 // resident memory of one interpreter process
	ProcessVirtual int64 // reserved address space of one interpreter process

	// Sources says where each constant comes from, by field name: a
	// measurement made here with its command, or a published figure.
	Sources map[string]string
}

// CPython reports whether the profile is a CPython's: its programs are
// Python, which export and verify run.
func (p Profile) CPython() bool { return p.Python != "" || strings.HasPrefix(p.Name, "cpython") }

// Eager reports whether the runtime has asyncio's eager task factory
// (asyncio.eager_task_factory, new in CPython 3.12). A profile that does
// not say its CPython release (a profile file from an older conclab) is
// given the benefit of the doubt.
func (p Profile) Eager() bool {
	if !p.Asyncio {
		return false
	}
	if p.Python == "" {
		return true
	}
	var major, minor int
	if _, err := fmt.Sscanf(p.Python, "%d.%d", &major, &minor); err != nil {
		return true
	}
	return major > 3 || major == 3 && minor >= 12
}

// Check reports whether the runtime can run d: asyncio models need
// asyncio, processes models worker processes (model.Check says which
// models the runtime runs), and asyncio(eager) CPython 3.12 or newer.
func (p Profile) Check(d model.Deployment) error {
	if err := model.Check(d, p.Name, p.Asyncio, p.Processes); err != nil {
		return err
	}
	if d.UsesEager() && !p.Eager() {
		return fmt.Errorf("model %q is not available on runtime %s: asyncio(eager) is asyncio.eager_task_factory, "+
			"new in CPython 3.12, and %s is CPython %s (use --runtime cpython-3.12 or newer)", d.String(), p.Name, p.Name, p.Python)
	}
	return nil
}

// forcedToNewest is how CPython hands the GIL over after a forced switch
// (SPEC §3, rule 3), by the number of threads waiting besides the one made
// to drop it: entry 0 for 2 waiters, 1 for 3, …, the last for 7 or more. It
// is the share of hand-overs that go to the newest of those waiters (the
// thread that held the GIL before the one dropping); the others each get
// about an equal part of the rest. With one waiter there is no choice. A
// voluntary release goes to the longest waiter: measured the same way (each
// thread giving the GIL up every 1 ms), 9 in 10 hand-overs among 3 threads
// went to it.
//
// Measured with runtime/gil_handover.py (N threads spinning in Python code
// for 3 s, 3 runs each; rank of the thread that got the GIL among the
// waiters) on 2026-12-01, CPython 3.11.7 and 3.12.1, 2 cores; the two
// releases agree within the runs' spread (±0.08). The mechanism is in
// Python/ceval_gil.c, unchanged in this respect from 3.2 to 3.13: every
// waiter sleeps on one condition variable with a timeout of one interval
// and, when it expires, asks for a drop and goes back to sleep, so the
// order in which the condition variable wakes them is not the order in
// which they began waiting.
var forcedToNewest = []float64{0.77, 0.67, 0.58, 0.59, 0.55, 0.56}

// ToNewest returns the share of forced switches that give the GIL to the
// newest of waiters threads waiting besides the one made to drop it, or 0
// when the longest waiter gets it: a runtime without a GIL, or a single
// waiter.
func (p Profile) ToNewest(waiters int) float64 {
	if !p.GIL || waiters < 2 {
		return 0
	}
	return forcedToNewest[min(waiters-2, len(forcedToNewest)-1)]
}

// Barging reports whether a unit of a resource of this capacity, given
// back while threads wait for it, goes to whichever thread asks first
// rather than to the first waiter. CPython's threading.BoundedSemaphore
// (capacity above 1; SPEC §1.1) is a Condition: release() notifies the
// first waiter, which takes the unit only once it runs Python again (its
// GIL back, after the wake-up), and a thread that calls acquire() before
// that takes it; the waiter then waits again at the end of the queue.
// Measured with runtime/barging.py (4 threads each holding a
// BoundedSemaphore(1) for 2 ms, then asking again at once or after 0.1 or
// 1 ms of Python) on 2026-12-02: the releasing thread took it again 99 %
// of the time on CPython 3.11, 3.12 and 3.13, and 82–99 % on the
// free-threaded 3.13t. threading.Lock (capacity 1) is a C lock: on 3.11,
// 3.12 and 3.13 with the GIL the releaser took it again 24–50 % of the
// time, depending on where the kernel runs the woken thread, and on 3.13t
// never (its PyMutex hands the lock to a waiter of over 1 ms),
// so a lock keeps its first-come order here. Java's fair Semaphore and
// Go's channels hand units over in order.
func (p Profile) Barging(capacity int) bool {
	return capacity > 1 && p.CPython()
}

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
	GILHandover        int64 // elapsed time from a thread releasing the GIL to a blocking call to the waiter it signalled running Python; the GIL is free meanwhile
	GILArrived2        int64 // mean wait for the GIL of a thread back from a sleep beside 2 CPU-bound threads (switch interval 5 ms): how often such a thread wins a forced switch (ArrivedShare)
	GILArrived3        int64 // the same beside 3
	GILArrived4        int64 // beside 4
	GILArrived5        int64 // beside 5
	GILArrived6        int64 // beside 6; beyond, its share falls as 1/threads
	LockSpin           int64 // free-threaded builds: elapsed time a thread that finds a lock held spins (sched_yield) before it can take it or sleep, per thread computing beside it on its core; 0: locks sleep at once
	LoopResume         int64 // CPU per resume of a task by the event loop
	LoopTurn           int64 // CPU of one iteration of an event loop beyond the callbacks it runs (select, the timer heap)
	LoopTimer          int64 // CPU per awaited timer (asyncio.sleep: timer handle, future, heap push and pop, its callback, the wake-up)
	LoopTimerFire      int64 // of LoopTimer, what the loop pays when the timer falls due (heap pop, its callback, the future's result, the wake-up handle); the rest is paid to arm it
	TaskCreate         int64 // CPU to create one asyncio task
	GatherChild        int64 // CPU per child of asyncio.gather beyond its task's creation (the done callback it adds, the gather's own bookkeeping)
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
	ProcessFork        int64 // elapsed start-up of one worker process with fork, a first pool's (mostly the parent's CPU: the pool's set-up, the fork)
	ForkParent         int64 // the parent's elapsed time in one fork (Process.start()): a pool forks its workers one after another, this far apart
	ForkChild          int64 // of ProcessFork, the worker's own CPU before its first task (the parent's pages it writes, copied at a fault each; multiprocessing's bootstrap): the last part of its start-up, on a core
	ProcessSpawn       int64 // CPU to start one worker process with spawn
	ResourceTracker    int64 // CPU of multiprocessing's resource tracker's start-up, a fresh interpreter that a program's first spawn or forkserver pool starts beside its workers
	ForkserverBoot     int64 // elapsed start-up of a forkserver, which a program's first forkserver pool waits for before its first worker
	ProcessForkserver  int64 // CPU to start one worker process that a running forkserver forked (CPython 3.8 to 3.13.7 run the main module again in it)
	ProcessTask        int64 // CPU per task sent to a worker process (pickle, pipe)
	PickleSend         int64 // the sender's share of moving 10^6 bytes of a task's data to or from a worker process (input:, output:): pickling and writing
	PickleRecv         int64 // the receiver's share: reading and unpickling
	PickleFresh        int64 // extra time per 10^6 bytes of a first payload of a size over later ones, paid by the process receiving it (memory not written before)
	SleepOvershoot     int64 // extra elapsed time of a blocking sleep (timer slack + wake-up)
	LoopTimerOvershoot int64 // extra elapsed time of an awaited sleep(0.0005) on an event loop (a check of the two below)
	TimerSlack         int64 // the kernel's timer slack for this thread (Linux: 50 µs), part of SleepOvershoot
	SelectResolution   int64 // unit of an idle event loop's select timeout, rounded up (epoll: 1 ms); 0 = exact
	// NetpollResolution is, for Go, the unit of the timeout an idle P's
	// netpoller blocks in (epoll_wait takes whole milliseconds: the
	// runtime waits 1 ms for less, and truncates more). A blocking sleep
	// is a runtime timer: the netpoller fires it in these units, each wake
	// SleepOvershoot late, or a goroutine that blocks meanwhile fires it
	// (sim: goSleep). 0: a sleep is the kernel's, SleepOvershoot late.
	NetpollResolution int64

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

// WorkerStart is what starting a worker process with method m costs:
// each worker's start-up, and a forkserver's, paid once before the first
// worker (0 for the other methods). A runtime whose workers are fresh
// programs (ExecWorkers) has no forkserver: its workers start as spawned
// ones do.
func (p Profile) WorkerStart(m model.StartMethod) (each, server int64) {
	switch {
	case m == model.Spawn, m == model.Forkserver && p.ExecWorkers:
		return p.ProcessSpawn, 0
	case m == model.Forkserver:
		return p.ProcessForkserver, p.ForkserverBoot
	}
	return p.ProcessFork, 0
}

// RerunsMain says whether a worker process started with m runs the
// program's main module again before its first task (a workload's
// main_module): CPython's spawn does (multiprocessing.spawn.prepare runs
// it as __mp_main__), and so does its forkserver, whose server does not
// import the main module for its children to inherit before CPython
// 3.13.8 (gh-126631), so that each child runs it; a forked worker has its
// parent's, and a JVM's or a Go program's workers have no Python module.
func (p Profile) RerunsMain(m model.StartMethod) bool {
	return m != model.Fork && !p.ExecWorkers
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

// forcedRanks is how CPython hands the GIL over after a forced switch
// (SPEC §3, rule 3), by the number of threads waiting besides the one made
// to drop it: row 0 for 2 waiters, 1 for 3, …, the last for 7. A row gives
// the share of hand-overs that go to each waiter by its rank, longest
// waiter first and newest (the thread that held the GIL before the one
// dropping) last. With one waiter there is no choice; with more than 7 the
// newest gets the last row's share and the others equal parts of the rest
// (the ranks past the newest are about equal from 7 waiters on). A
// voluntary release goes to the longest waiter: measured the same way
// (each thread giving the GIL up every 1 ms), 9 in 10 hand-overs among 3
// threads went to it.
//
// The ranks past the newest are not equal: the longer a thread has
// waited, the likelier it gets the GIL, and that keeps the tail of the
// waits down (6 threads: p99 125–150 ms measured here and in CI; the
// engine gave 175–190 with the rest shared equally and the newest at 0.56).
//
// Measured with runtime/gil_handover.py (N threads spinning in Python code
// for 3 s, 4–5 runs per count and interpreter; rank of the thread that got
// the GIL among the waiters) on 2026-12-02 on the VM's AMD Zen 5 host (CPU
// family 26), 2 cores, CPython 3.11.7 (python3) and 3.12.1, in two
// sessions: other processes used at most 0.14 of a core during 3.11.7's
// runs of the second (/proc/stat; the first was watched only by the load
// average). Shares by rank, longest waiter first, pooled over 3.11.7's
// runs; p99 of the waits, the range of the sessions' medians:
//
//	threads  shares, longest … newest          p99 (3.11.7)  3.12.1's newest
//	3        0.49 0.51 (runs: 0.21–0.64)        47–51 ms      0.38–0.52
//	4        0.41 0.17 0.43                     67–71 ms      0.33
//	5        0.27 0.18 0.11 0.44                99–104 ms     0.27–0.28
//	6        0.20 0.17 0.13 0.11 0.39           125–140 ms    0.24–0.26
//	7        0.15 0.15 0.13 0.11 0.10 0.38      159–200 ms    0.21–0.32
//	8        0.12 0.13 0.11 0.10 0.10 0.11 0.34 199–209 ms    0.19–0.32
//
// The share to the newest moves from session to session (3 threads: 0.64
// in a session of 2026-12-02 on this host, 0.49–0.54 in the two above; 6
// threads: 0.56, then 0.36–0.42; with another process busy on the other
// core it falls to 0.2–0.4), while the waits stay within about ±10 %; the
// shape of the others, falling from the longest waiter to the newest but
// one (about flat from 7 threads on), holds in every session and on both
// releases.
//
// The rows keep that shape and give the newest 0.62 among 2 waiters and
// 0.55 from 3 on, the upper end of what was measured: drawn independently
// at each hand-over, with the engine's slices of one interval and a
// timer's overshoot (CPython's average 5.6–5.8 ms, 520–540 hand-overs in
// 3 s: the median slice is 5.09–5.11 ms, but one in ten among 3 threads
// lasts about 7.4 ms), the pooled shares give waits 15–28 % short (p99 35, 110
// and 170 ms for 3, 6 and 8 threads); these rows give 45, 70, 105, 140,
// 190 and 230 ms for 3 to 8 threads (9 seeds of 2 s), the measured ones
// above within 10 % but 8 threads' (+10–15 %). The mechanism is in
// Python/ceval_gil.c, unchanged in this respect from 3.2 to 3.13: every
// waiter sleeps on one condition variable with a timeout of one interval
// and, when it expires, asks for a drop and goes back to sleep, so the
// order in which the condition variable wakes them is not the order in
// which they began waiting.
var forcedRanks = [][]float64{
	{0.38, 0.62},
	{0.32, 0.13, 0.55},
	{0.22, 0.14, 0.09, 0.55},
	{0.15, 0.125, 0.095, 0.08, 0.55},
	{0.11, 0.10, 0.09, 0.08, 0.07, 0.55},
	{0.08, 0.08, 0.08, 0.07, 0.07, 0.07, 0.55},
}

// longestOfTwo is the share of forced switches among 3 CPU-bound threads
// that give the GIL to the longer of the two waiters, by the hand-overs it
// has waited through: 2 (its first chance), 3, and 4 or more. Drawn
// independently at one share (forcedRanks' 0.38), the waits' tail came
// out short of CPython's: p99 45 ms where runs with 58–67 % of hand-overs
// to the newest waiter gave 52–68 ms (here and in CI, 2026-12-02). CPython
// has memory: a waiter that asks for the drop (its timed wait ran out
// first) goes back to sleep on the condition variable behind the other
// and is woken after it, and its next timeout again runs out before the
// other's, so a thread passed over is likely passed over again. Measured
// with runtime/gil_handover.py's holds (15 runs of 2 s, 3.11.7, 2026-12-02;
// the runs with 55 % or more to the newest pooled, 1,100 hand-overs): the
// longer waiter got it 0.45–0.56 of the time at its first chance, 0.35–0.41
// at its second, 0.23–0.34 after that. In runs with under half to the
// newest it is 0.65, 0.50, 0.36–0.43: the same fall, from higher. These
// shares give the newest 0.62 overall, as forcedRanks, and a p99 of 55 ms
// at slices of one interval.
var longestOfTwo = []float64{0.50, 0.39, 0.28}

// A thread that came to the GIL from elsewhere (back from a sleep or I/O,
// woken by another thread, a new thread's bootstrap) rather than being
// made to drop it never asks for the drop: its timed waits run out at
// their own phase, after a switch has happened. It gets the GIL only when
// the condition variable wakes it instead of the awake thread that asked,
// which takes it most of the time. The profile keeps how long such a
// thread waits, GILArrived2 to GILArrived6: the mean wait for the GIL of
// a thread back from a 20 ms sleep beside 2 to 6 CPU-bound threads, at
// the default switch interval (runtime/measure.py gil_arrived, which
// `conclab calibrate` runs; runtime/gil_sleeper.py shows more of it).
// Drawn at each switch with a share q, such a thread waits 1/q − 1
// intervals on average in the engine (it arrives during a slice that
// ends when the holder, interrupted, lets go: the draws of its first
// switch and of the slices after it make up the rest), so
// q = interval / (wait + interval), and the waits' 90th percentiles fit
// that draw (sim.TestThreadBackFromSleepWaitsTheProfilesFigure). How often the woken waiter wins differs from machine to
// machine more than from release to release (the code is the same from
// 3.2 to 3.13): beside 2 to 6 threads the waits averaged 25, 23, 29–35,
// 53–63 and 58–78 ms on the host of 2026-12-03, and 15–16, 20–23, 17–20,
// 32–33 and 27–38 ms on the host of 2026-12-04 (both AMD EPYC, Linux
// 6.18), so the built-in figures are one host's and calibrate measures
// the machine's. A thread woken by a lock that another released just
// after taking the GIL waits as long (22–25 ms beside 2 and 3,
// 2026-12-03) as one released mid-slice (29–34): the phase it arrives at
// does not matter. Drawn as the CPU-bound waiters are (forcedRanks), it
// got the GIL at the first or second switch, 4–8 ms.

// arrivedInterval is the switch interval the GILArrived waits are
// measured at: CPython's default.
const arrivedInterval = 5e6

// MaxArrivedShare caps what arrived waiters get together at a forced
// switch while a waiter made to drop the GIL waits too, so that many
// threads back from I/O leave the awake one a tenth: a bound, not a
// measurement.
const MaxArrivedShare = 0.9

// ArrivedShare returns the share of a forced switch that goes to one
// waiter that came to the GIL from elsewhere, among waiters threads
// waiting besides the one made to drop it (from the GILArrived waits); 1
// when it is the only waiter or there is no GIL.
func (p Profile) ArrivedShare(waiters int) float64 {
	if !p.GIL || waiters < 2 {
		return 1
	}
	waits := [...]int64{p.GILArrived2, p.GILArrived3, p.GILArrived4, p.GILArrived5, p.GILArrived6}
	n := min(waiters, len(waits)+1)
	q := min(1, arrivedInterval/(float64(waits[n-2])+arrivedInterval))
	return q * float64(n) / float64(waiters)
}

// usualToNewest is the share of forced switches CPython gave the newest
// waiter in the sessions forcedRanks was measured in (3.11.7's runs
// pooled, the table there), by waiters as forcedRanks: what a run of
// CPython's usual order gives, where forcedRanks gives the newest more.
// Among 3 threads it is 0.60 instead, the share of the runs longestOfTwo
// was measured in: the engine predicts that regime's waits (p99 52–68 ms),
// and runs with under half to the newest have a shorter tail (p99 37–52
// ms, 0.39–0.47 to the newest, 2026-12-02) that it does not predict.
var usualToNewest = []float64{0.60, 0.43, 0.44, 0.39, 0.38, 0.34}

// UsualToNewest returns the share of forced switches that CPython, in its
// usual order on the host forcedRanks was measured on, gives to the newest
// of waiters threads waiting besides the one made to drop it; 0 as
// ToNewest.
func (p Profile) UsualToNewest(waiters int) float64 {
	if !p.GIL || waiters < 2 {
		return 0
	}
	return usualToNewest[min(waiters-2, len(usualToNewest)-1)]
}

// ToNewest returns the share of forced switches that give the GIL to the
// newest of waiters threads waiting besides the one made to drop it, or 0
// when the longest waiter gets it: a runtime without a GIL, or a single
// waiter.
func (p Profile) ToNewest(waiters int) float64 {
	if !p.GIL || waiters < 2 {
		return 0
	}
	row := forcedRanks[min(waiters-2, len(forcedRanks)-1)]
	return row[len(row)-1]
}

// ForcedRank returns the rank among waiters threads waiting besides the
// one made to drop the GIL (0 the longest waiter, waiters-1 the newest) of
// the one that gets it after a forced switch, for u drawn uniformly from
// [0, 1): the draw falls in a rank's share of forcedRanks, or, between
// two waiters, of longestOfTwo by waited, the hand-overs the longer one
// has seen go to others since it began waiting. A runtime without a GIL,
// or a single waiter, gives the longest waiter.
func (p Profile) ForcedRank(waiters, waited int, u float64) int {
	if !p.GIL || waiters < 2 {
		return 0
	}
	if waiters == 2 {
		if u < longestOfTwo[min(max(waited-2, 0), len(longestOfTwo)-1)] {
			return 0
		}
		return 1
	}
	if waiters-2 < len(forcedRanks) {
		row := forcedRanks[waiters-2]
		for k, share := range row[:len(row)-1] {
			if u < share {
				return k
			}
			u -= share
		}
		return waiters - 1
	}
	q := p.ToNewest(waiters)
	if u < q {
		return waiters - 1
	}
	return min(waiters-2, int((u-q)/(1-q)*float64(waiters-1)))
}

// ForcedRankAsleep returns the rank, longest first, among waiters threads
// of the one that gets the GIL after a forced switch when none of them was
// made to drop it at the last hand-over: all are asleep on the GIL's
// condition variable, and they share as ForcedRank's others do among one
// more waiter, the awake one's share taken out.
func (p Profile) ForcedRankAsleep(waiters int, u float64) int {
	if !p.GIL || waiters < 2 {
		return 0
	}
	if waiters-1 < len(forcedRanks) {
		others := forcedRanks[waiters-1]
		others = others[:len(others)-1]
		sum := 0.0
		for _, share := range others {
			sum += share
		}
		u *= sum
		for k, share := range others[:len(others)-1] {
			if u < share {
				return k
			}
			u -= share
		}
		return waiters - 1
	}
	return min(waiters-1, int(u*float64(waiters)))
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

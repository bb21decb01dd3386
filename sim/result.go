package sim

import "github.com/conclab/conclab/model"

// State is what a lane (a thread) or a task is doing during a span.
type State uint8

// Lane states (what a thread does) and task states (what a task experiences).
const (
	Idle         State = iota // lane: nothing to do (a pool worker with an empty queue, a loop with nothing ready)
	Working                   // lane/task: running Python code, holding the GIL (or no GIL exists)
	WorkingC                  // lane/task: running C code with the GIL released
	GILWait                   // lane/task: ready to run Python code, waiting for the GIL
	Waiting                   // lane: sleeping in a wait (GIL released); task: awaiting I/O
	Blocked                   // lane: an event loop thread stuck in a blocking call; task: stalled by it
	Ready                     // task: ready but not running (queued for a worker, or in the loop's ready queue)
	Overhead                  // lane: runtime costs (thread/process start-up, pool and loop overhead)
	ResourceWait              // lane: a thread blocked taking a resource (GIL released); task: waiting for a unit of a resource (the span's Cause names it)
	Pickling                  // lane: pickling or unpickling a task's data for a worker process; task: its data on the way
	// Running is a measured work step (package truth), never the engine's:
	// the thread ran Python code, or waited for the GIL, from the step's
	// start to its end; who held the GIL when is not measured.
	Running // lane/task: running Python code (measured: the GIL holder unknown)
	numStates
)

// NumStates is how many states there are: every State is below it.
const NumStates = int(numStates)

// String returns the state's name as used in legends and JSON.
func (s State) String() string {
	switch s {
	case Idle:
		return "idle"
	case Working:
		return "working"
	case WorkingC:
		return "working-gil-released"
	case GILWait:
		return "gil-wait"
	case Waiting:
		return "waiting"
	case Blocked:
		return "blocked"
	case Ready:
		return "ready"
	case Overhead:
		return "overhead"
	case ResourceWait:
		return "resource-wait"
	case Pickling:
		return "pickling"
	case Running:
		return "running-python"
	}
	return "unknown"
}

// LaneKind says what a lane stands for.
type LaneKind uint8

// The lane kinds.
const (
	MainThread     LaneKind = iota // the main thread of sync code
	WorkerThread                   // a pool worker thread, or a per-task thread
	LoopThread                     // an asyncio event loop thread
	ExecutorThread                 // a thread of an event loop's executor
	ProcessMain                    // the single thread of a worker process
	HelperProcess                  // a process of the runtime's own that runs no task: multiprocessing's resource tracker
)

// Lane is one thread of the simulated program.
type Lane struct {
	ID      int
	Process int    // index of its process, 0-based
	Name    string // e.g. "main", "worker-3", "loop", "executor-1", "proc-2"
	Kind    LaneKind
}

// Span is a stretch of time in which a lane, or a task, was in one state.
// Task is -1 for spans of a lane that belong to no task; Lane is -1 for
// spans of a task that runs on no lane (waiting in a queue). Cause is why
// the span ended, as the engine knew it: a reader needs no other span to
// tell who let a GIL waiter go on or what a queued task waited for.
type Span struct {
	Lane       int32
	Task       int32
	State      State
	Cause      Cause
	Start, End int64
}

// Sink receives the spans of a run as they close. Spans of one lane or task
// arrive in time order; spans of different lanes interleave, in an order
// that carries no meaning (each span's Cause says what ended it).
type Sink interface {
	LaneSpan(s Span) // what a thread was doing
	TaskSpan(s Span) // what a task was going through
}

// TaskRecord is one task's life. A task that a deadlock kept from
// finishing has End -1, and Start -1 (Lane -1) if it never ran.
type TaskRecord struct {
	Name    string
	Release int64 // when it became ready (its start, or arrival)
	Start   int64 // when it first ran
	End     int64
	Lane    int // lane it first ran on
}

// Stats summarises a set of durations in nanoseconds.
type Stats struct {
	Mean, P50, P95, P99, Max int64
}

// Result is what a run measured. Times are nanoseconds of virtual time.
type Result struct {
	Model      string           // the normalised model expression
	Deployment model.Deployment // the model run
	Runtime    string
	GIL        bool // the runtime has a GIL
	// ExecWorkers: the runtime's worker processes are fresh programs (a
	// JVM's, a Go program's), whatever the start method.
	ExecWorkers bool
	// MainModule is the CPU each worker process spent running the
	// program's main module again before its first task (the workload's
	// main_module, for spawn and forkserver workers); 0 for none.
	MainModule int64
	// UpFront: the workload is open, a server's, and its worker
	// processes were up before its first request, their start-ups not
	// in its timeline.
	UpFront bool
	Cores   int

	Makespan   int64
	Tasks      int   // number of tasks finished
	Latency    Stats // end − release
	QueueDelay Stats // first run − release
	// Throughput is tasks finished per second: of the makespan for a
	// batch, Served for an open workload.
	Throughput float64
	// Open workloads only: Arrived is the number of tasks that arrived
	// (drawn from the arrivals; a Poisson window's count varies around
	// rate × window). Offered is Arrived per second of the arrival window
	// (its for:, or the last arrival's time for count:). Served is tasks
	// finished per second of the time the deployment took to finish them:
	// the arrival window when it kept up (the last requests' own latency
	// is no shortfall, so a deployment that keeps up serves what is
	// offered), the makespan when it was Overloaded (it was still catching
	// up at the end, so the makespan is the time it needed).
	Arrived         int
	Offered, Served float64

	CPUBusy        int64 // core-nanoseconds
	CPUUtilization float64
	GILWait        int64 // summed over threads
	GILSwitches    int64
	// ResourceWait is the time tasks waited for units of resources,
	// summed over tasks (gather branches included).
	ResourceWait  int64
	LoopStallMax  int64
	SlowCallbacks int64

	PeakThreads   int
	PeakTasks     int     // tasks in flight (released, not finished)
	MeanTasks     float64 // time-average of tasks in flight over the makespan
	Backlog       int     // open workloads: tasks in flight when arrivals stopped
	Overloaded    bool    // open workloads: the queue grew without bound; latency percentiles then depend on the window
	PeakProcesses int
	// ForkserverAt is when processes(N, start=forkserver) started its
	// server, and ForkserverBoot how long the server took before it forked
	// the first worker; both 0 for any other model.
	ForkserverAt, ForkserverBoot int64
	PeakMemoryBytes              int64
	PeakVirtualBytes             int64

	// NetpollSleeps is, for Go, how many sleeps the netpoller ended (no
	// goroutine blocked after they were due), and NetpollLate how long
	// after they were due in all.
	NetpollSleeps, NetpollLate int64

	// Resources says how each of the workload's resources was used, in
	// the order the workload declares them.
	Resources []ResourceStats
	// Deadlock is set when the run stopped because its remaining tasks
	// wait for each other in a cycle: Tasks is then less than the tasks
	// released, and Makespan the instant the run stopped, when nothing
	// could happen any more (at or after Deadlock.At).
	Deadlock *Deadlock

	Lanes   []Lane
	Records []TaskRecord // every task, when asked for
}

// ResourceStats is how one resource of the workload was used over a run.
type ResourceStats struct {
	Name      string
	Capacity  int // units of each instance
	Instances int // one per worker process (scope process), or one (global)
	Acquires  int64
	// Wait is the time tasks waited for its units, summed over tasks.
	Wait int64
	// PeakQueue is the most tasks that waited for one instance at once.
	PeakQueue int
	// Utilization is the mean share of its units held over the makespan:
	// unit-nanoseconds held ÷ (capacity × instances × makespan).
	Utilization float64
	// Barged counts the times a waiting thread was woken for a unit given
	// back and found it taken by a thread that asked after it (CPython's
	// threading.BoundedSemaphore: Profile.Barging); it queued again.
	Barged int64
}

// Deadlock is tasks waiting for each other in a cycle, so that none of
// them can ever go on (two locks taken in opposite orders; pool workers
// all waiting for branches queued behind them).
type Deadlock struct {
	At    int64 // when the cycle closed: the last of its waits began
	Cycle []DeadlockLink
}

// DeadlockLink is one task of a deadlock's cycle: what it holds and what
// it waits for, which the next link holds.
type DeadlockLink struct {
	Task     string   // a task's name; a gather branch is its task's name and its path, "req-1/2"
	Holds    []string // resources it holds (one entry per unit), and the pool thread it occupies
	WaitsFor string   // a resource, a branch (a task name), or a pool's thread
}

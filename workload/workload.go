package workload

import "strconv"

// Nanoseconds are the unit of every duration and instant in a Workload.
// Durations in files are Go-style ("2s", "15ms", "250us") or distributions.

// Pos is a place in the source text, 1-based. A zero Pos means "no source"
// (a workload built in code).
type Pos struct {
	Line, Col int
}

// DistKind says how a duration is drawn.
type DistKind uint8

// The duration kinds. Fixed is a plain duration; the others draw from the
// workload's seed.
const (
	Fixed     DistKind = iota // A
	Exp                       // exponential with mean A
	Uniform                   // uniform in [A, B]
	Normal                    // normal with mean A and standard deviation B, clamped at 0
	LogNormal                 // log-normal with mean A and standard deviation B
)

// Dist is a duration or a distribution of durations, in nanoseconds.
type Dist struct {
	Kind DistKind
	A, B int64
}

// StepKind is what a step does.
type StepKind uint8

// The step kinds.
const (
	Work   StepKind = iota // CPU time
	Wait                   // I/O or sleep
	Repeat                 // a block of steps repeated Count times
	Use                    // hold one unit of Resource while Steps run (a pool, a lock)
	Gather                 // run Branches side by side; go on when every one has finished
	Choose                 // run one of Alternatives, drawn by weight
)

// Offload says where an asyncio task sends a step.
type Offload uint8

// The offload targets; OffloadNone runs the step in place.
const (
	OffloadNone Offload = iota
	OffloadThread
	OffloadProcess
)

// Step is one step of a task.
type Step struct {
	Kind        StepKind
	Dur         Dist // Work and Wait
	GILReleased bool // Work only: C code that releases the GIL
	Blocking    bool // Wait only: blocks the thread even on an event loop
	Offload     Offload
	// Input and Output are the bytes pickled to and from the worker
	// process of a step offloaded to one (OffloadProcess); 0 otherwise.
	Input, Output int64
	Count         int           // Repeat only
	Steps         []Step        // Repeat and Use
	Resource      int           // Use: index in Workload.Resources
	Branches      []Branch      // Gather
	Alternatives  []Alternative // Choose
	// Source is where in a program the step is (Work, Wait, Use), as its
	// source: key says it; conclab record writes "app.py:42(parse)".
	Source string
	Pos    Pos
}

// Branch is one branch of a gather: Count copies of Steps, each run as a
// task of its own (an asyncio child task, a future on a thread pool).
type Branch struct {
	Count int // ≥ 1
	Steps []Step
	Pos   Pos
}

// Alternative is one path of a choose, taken with probability Weight over
// the sum of its siblings' weights.
type Alternative struct {
	Weight float64 // > 0
	Steps  []Step
	Pos    Pos
}

// Scope says who shares a resource.
type Scope uint8

// The scopes of a resource.
const (
	ScopeProcess Scope = iota // each worker process has its own (threading.BoundedSemaphore, asyncio.Semaphore)
	ScopeGlobal               // one for all processes (a multiprocessing semaphore)
)

// String returns the scope as a workload writes it.
func (s Scope) String() string {
	if s == ScopeGlobal {
		return "global"
	}
	return "process"
}

// Resource is a pool of Capacity units that steps hold with use: a
// connection pool, a semaphore, a lock (Capacity 1). Waiters queue FIFO.
type Resource struct {
	Name     string
	Capacity int // ≥ 1
	Scope    Scope
	Pos      Pos
}

// Group is one entry of `tasks:`: Count copies of the same steps.
type Group struct {
	Name  string // copies are Name-1 … Name-Count when Count > 1
	Count int    // ≥ 1
	Start int64  // release time of the first copy
	Every int64  // stagger between copies
	// After holds the groups (indices, each earlier in the file) whose
	// tasks must all have finished before this group's are released: a
	// later phase of a program. Start and Every then count from the
	// moment the last of them finished, not from time 0.
	After []int
	// AfterNames are the names After was written with, and AfterPos
	// where; the checker resolves them.
	AfterNames []string
	AfterPos   Pos
	Weight     float64 // arrivals only: relative share of arrivals; 1 unless given
	// Input and Output are the bytes pickled to a worker process with
	// each task and back with its result, under processes(N); 0 for none.
	Input, Output int64
	Steps         []Step
	Pos           Pos
}

// ArrivalPattern is how open-workload arrivals are spaced.
type ArrivalPattern uint8

// The arrival patterns.
const (
	Poisson ArrivalPattern = iota
	UniformArrivals
)

// Arrivals describes an open workload: tasks arrive at a rate instead of
// being listed. Exactly one of For and Count is set.
type Arrivals struct {
	Rate    float64 // per second
	Pattern ArrivalPattern
	For     int64 // window length
	Count   int
	Pos     Pos
}

// Model is a model expression as written in the file, with its place.
type Model struct {
	Expr string
	Pos  Pos
}

// DefaultSwitchInterval is CPython's sys.getswitchinterval() unless a
// program sets it, 5 ms: the switch interval of a workload that gives none,
// in nanoseconds.
const DefaultSwitchInterval = 5_000_000

// Workload is a validated workload.
type Workload struct {
	Name           string
	About          string
	Runtime        string // "" means the default, cpython
	Cores          int    // 0 means this machine's logical CPUs
	SwitchInterval int64  // 0 means DefaultSwitchInterval
	Seed           uint64 // the default is 1
	// MainModule is the CPU a CPython worker process started with spawn
	// or forkserver spends running the program's main module again, its
	// imports and module-level set-up, before its first task
	// (main_module:; 0, none beyond the profile's start-up).
	MainModule int64
	Resources  []Resource
	Groups     []Group
	Arrivals   *Arrivals
	Models     []Model
	File       string // where it came from, for messages ("" for inline)
}

// Limits that every parsed Workload respects.
const (
	MaxTasks     = 100_000_000   // total tasks (sum of counts, or an arrivals count), gather branches included
	MaxRepeat    = 1_000_000_000 // product of the counts of nested repeats and gathers
	MaxDepth     = 8             // nesting of repeat blocks
	MaxNest      = 16            // nesting of blocks of any kind: repeat, use, gather, choose
	MaxCores     = 4096
	MaxResources = 100            // resources: entries
	MaxCapacity  = 1_000_000      // units of one resource
	MaxBytes     = int64(1) << 40 // an input: or output: size (1 TiB)
)

// NumTasks returns how many tasks the workload has: the sum of the groups'
// counts. For an open workload (Arrivals set) it is the arrivals count if
// one was given, else 0 (the number depends on the draws).
func (w *Workload) NumTasks() int {
	if w.Arrivals != nil {
		return w.Arrivals.Count
	}
	n := 0
	for i := range w.Groups {
		n += w.Groups[i].Count
	}
	return n
}

// FirstRelease returns when a closed workload's first task is released:
// the earliest start of a group with copies, 0 when there is none or the
// workload is open (Arrivals set).
func (w *Workload) FirstRelease() int64 {
	if w.Arrivals != nil {
		return 0
	}
	first := int64(-1)
	for _, g := range w.Groups {
		if g.Count > 0 && (first < 0 || g.Start < first) {
			first = g.Start
		}
	}
	return max(first, 0)
}

// TaskName returns the name of copy (0-based) of group: the group's name
// when it has one copy, else "name-1" … "name-N".
func (w *Workload) TaskName(group, copy int) string {
	g := &w.Groups[group]
	if g.Count == 1 {
		return g.Name
	}
	return g.Name + "-" + strconv.Itoa(copy+1)
}

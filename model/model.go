package model

// Kind is the shape of a model.
type Kind uint8

// The model kinds. A composite is Processes with Inner set.
const (
	Sync          Kind = iota // one thread, tasks one after another in file order
	ThreadPool                // ThreadPoolExecutor(Threads)
	ThreadPerTask             // one threading.Thread per task
	Asyncio                   // one event loop
	Processes                 // ProcessPoolExecutor(Procs), or P workers of Inner
)

// StartMethod is how worker processes start.
type StartMethod uint8

// The start methods.
const (
	Fork       StartMethod = iota
	Spawn                  // a fresh interpreter per worker
	Forkserver             // workers forked by a server process, itself started as a spawn is
)

// StartMethodNamed is the method multiprocessing calls name (fork, spawn
// or forkserver); ok is false for any other name.
func StartMethodNamed(name string) (m StartMethod, ok bool) {
	for _, m := range []StartMethod{Fork, Spawn, Forkserver} {
		if m.String() == name {
			return m, true
		}
	}
	return Fork, false
}

// String is the method's name in a model expression: fork, spawn or
// forkserver.
func (m StartMethod) String() string {
	switch m {
	case Spawn:
		return "spawn"
	case Forkserver:
		return "forkserver"
	}
	return "fork"
}

// Deployment is a parsed model expression.
type Deployment struct {
	Kind     Kind
	Threads  int         // ThreadPool: pool size
	Fanout   int         // ThreadPool: threads of a second pool for gather branches; 0 = branches go to the same pool
	Eager    bool        // Asyncio: 3.12's eager_task_factory (a new task runs at once until it first suspends)
	Limit    int         // Asyncio: at most Limit tasks in flight; 0 = no limit
	Executor int         // Asyncio: executor threads for offload: thread; 0 = default min(32, cores+4)
	Procs    int         // Processes: worker processes
	Start    StartMethod // Processes
	Inner    *Deployment // Processes: nil for plain workers; else ThreadPool or Asyncio per process
}

// DefaultPoolSize is ThreadPoolExecutor's default number of threads on a
// machine of cores CPUs: min(32, cores+4) since Python 3.8. It is also the
// size of an event loop's default executor.
func DefaultPoolSize(cores int) int { return min(32, cores+4) }

// ExecutorThreads is the size of an asyncio model's executor for steps
// offloaded to a thread: Executor, or the default for cores.
func (d Deployment) ExecutorThreads(cores int) int {
	if d.Executor > 0 {
		return d.Executor
	}
	return DefaultPoolSize(cores)
}

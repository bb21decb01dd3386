package sim

import (
	"context"
	"fmt"
	"math"

	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/runtime"
	"github.com/conclab/conclab/workload"
)

// act is what a thread was doing, so that the engine knows what comes next
// when it completes.
type act uint8

const (
	actNone      act = iota
	actStartup       // thread or process start-up cost
	actBegin         // per-task overhead before a task's first step (pool, process)
	actStep          // a step of the current task (or of an offloaded job)
	actResume        // an event loop's per-resume overhead
	actAwait         // an event loop arming the timer of an awaited wait
	actSubmit        // the main thread submitting a task to a pool (and starting its thread)
	actWake          // a blocked thread, signalled, gets to run
	actCreate        // an event loop's main coroutine creating the tasks gathered
	actOffload       // an event loop submitting a step to its executor
	actBoot          // a new thread's bootstrap, before Thread.start() returns in its starter
	actDone          // an event loop running a finished task's done callbacks
	actGather        // a task creating a gather's child task (asyncio) or submitting its branch (threads)
	actLock          // a thread that waited for the executor's lock to submit a branch, woken
	actEager         // asyncio(eager): the loop created a child task, which runs at once
	actPickle        // the sender pickling a task's data for a worker process (or the parent unpickling a result)
	actUnpickle      // the receiver unpickling a task's data (a worker its input, a loop an offloaded step's result)
	actPickleOut     // a worker process pickling its task's result
	actTurn          // an event loop's own work of one iteration (select, timers), before the callbacks it runs
	actRetake        // a thread notified that a unit of the resource it waits for was given back, running again (resource.go)
	actForked        // a forked worker process whose parent's part of the start-up is done; its own follows (startProcess)
	actFork          // the parent of processes(N) forking a worker (forkOne)
)

// role is what a thread is for.
type role uint8

const (
	roleWorker  role = iota // runs whole tasks: sync main, pool worker, per-task thread, process worker
	roleLoop                // an event loop thread
	roleJob                 // runs single offloaded steps for an event loop
	roleSubmit              // the main thread handing tasks to a thread pool
	rolePickle              // a process pool's parent's thread that forks its workers or moves tasks' data (pickle.go)
	roleTracker             // multiprocessing's resource tracker: it starts up, then idles
)

type thread struct {
	id        int32
	proc      *process
	role      role
	pool      *pool // the pool the thread belongs to (roleWorker in a pool, roleJob)
	act       act
	slot      int32   // task slot it is running, -1 when none
	job       job     // roleJob: the step it is running
	feed      *feeder // rolePickle: the data it moves
	holdsGIL  bool
	inC       bool    // running C code with the GIL released
	pending   float64 // CPU work to do once it holds the GIL
	since     int64   // when it started waiting for the GIL
	queuedAt  uint64  // its process's hand-overs when it started waiting
	arrived   bool    // it began waiting for the GIL from elsewhere (back from a wait, C code, a new thread), not made to drop it (gil.go forcedPick)
	finish    float64 // cpuSet: progress-clock time its work ends
	cpuIdx    int
	oneShot   bool  // a per-task thread: exits after its task
	idleSince int64 // when it last went idle
	// Free-threaded: the spin of a lock wait (spin.go). spinLeft is what
	// is left of it, in nanoseconds with one thread computing per core
	// beside it, spinK the threads per core computing beside it since
	// spinAt (0: not spinning); spinGen tells its current end event.
	spinLeft  float64
	spinK     int32
	spinAt    int64
	spinGen   uint32
	spinWaits bool  // it goes on once its spin ends (spinEnd)
	spinFor   int32 // the thread whose lock it spins on
	// Go: its sleep on the runtime's timers (gotimers.go), the sleep's
	// generation and whether it is still asleep.
	sleepGen uint32
	asleep   bool

	laneState State
	laneSince int64
	laneTask  int32

	// Only with a sink: the cause to record when the lane's span closes,
	// the last task the thread ran (what it let the GIL go after), and
	// what a task handed to it at idleSince waited for.
	why      Cause
	lastTask int32
	offer    Cause
}

// process is one interpreter process with its GIL.
type process struct {
	id        int
	gil       bool
	holder    *thread
	last      int64         // last time the GIL changed hands
	waiters   ring[*thread] // in the order they began waiting: the longest waiter first
	rng       workload.Rand // who gets the GIL after a forced switch (gil.go)
	gen       uint32        // generation of the scheduled forced-switch event
	handovers uint64        // times its GIL went to a waiter (gil.go grant)
	bumped    *thread       // the thread a forced switch made drop the GIL at the last hand-over, or nil (gil.go forcedPick)
	handFrom  *thread       // the thread that released the GIL to a waiter still waking (drop), or nil
	handGen   uint32        // generation of the scheduled hand-over event
	started   bool
	up        int64   // when it started
	main      *thread // the thread that hands it work or takes it: a pool's main thread, its only thread, its loop
	dataPeak  int64   // the largest payload it has received, up to mmapThresholdMax (pickle.go)

	// Go: the runtime's timers of its sleeping goroutines, and the timer
	// its netpoller waits for (pollFor; MaxInt64: none) and the
	// generation of that wait's end (gotimers.go).
	timers  schedule[goSleeper]
	pollFor int64
	pollGen uint32

	// What the process runs. A worker process has a pool; an asyncio
	// process has a loop (which has pools of its own for offload).
	pool *pool
	loop *loop

	// Where the gather branches of its threads' tasks go: nil runs them
	// one after another on the thread itself (sync, a worker process); a
	// pool takes them as futures. central says the pool's queue is the
	// engine's central one (a single ThreadPoolExecutor: branches queue
	// behind tasks submitted before them).
	fan     *pool
	central bool
	widx    int32 // index among the worker processes (resources of scope process)
}

// pool is a set of threads taking work from a FIFO: a ThreadPoolExecutor,
// per-task threads, the workers of processes(N), or an event loop's
// executor.
type pool struct {
	cap      int  // at most this many threads (or processes); 0 = unbounded
	busy     int  // threads with work
	procs    bool // each thread lives in a process of its own (process pool)
	parent   *process
	threads  []*thread
	idle     fifo  // thread ids, longest idle first
	jobs     []job // roleJob pools: queued offloaded steps
	jobHead  int
	name     string
	overhead int64   // CPU per task or job taken
	wake     bool    // an idle thread waits WakeLatency once signalled
	starting int     // threads started that have not taken work yet
	queue    fifo    // gather branches waiting for a thread of a pool with a queue of its own
	feed     *feeder // an event loop's process pool: what moves its steps' data (pickle.go)
}

// job is an offloaded step of an asyncio task.
type job struct {
	slot     int32
	dur      int64
	work     bool
	released bool
	in, out  int64 // bytes pickled to its worker process and back
}

// slot is the state of a task that has been handed to a process. It is
// kept small, 40 bytes: an asyncio run holds one per pending task.
type slot struct {
	id       int32 // task id (file order)
	group    int32
	pc       int32
	proc     int32 // index of its process
	rng      workload.Rand
	release  int64
	firstRun int64 // -1 until it first runs (its lane then is in its TaskRecord, when kept)
}

// taskSpan is the open span of a task; kept only when spans are wanted.
type taskSpan struct {
	state State // numStates when finished
	lane  int32
	since int64
	why   Cause // the cause to record when the span closes
	admit int64 // on a loop: when it last joined the ready queue
	mark  int64 // on a loop: the loop's blocked time then (loop.blockedAt)
}

type engine struct {
	now    int64
	prof   runtime.Profile
	dep    model.Deployment
	wl     *workload.Workload
	si     int64
	gil    bool
	slow   float64
	sink   Sink
	record bool

	// procStart is the start-up of one worker process of processes(N):
	// the profile's fork or spawn.
	procStart int64
	// upFront: the workload is open, a server's, whose worker processes
	// (processes(N)'s, and an event loop's process pool) are up before
	// its first request, their start-ups paid before time 0: a server
	// takes requests once it has started, as the servers verify runs
	// say they are ready only then. A batch program's start when it
	// starts (SPEC §3: at time 0).
	upFront bool
	// forked says the workers of processes(N) are forked (startProcess).
	forked bool
	// forkGate counts the forked workers of processes(N) not up yet: none
	// takes a task before all are.
	forkGate int
	// forkQ lists the worker threads of processes(N) the parent's main
	// thread forks, one after another, from forkNext on (forkOne).
	forkQ    []int32
	forkNext int
	// parent is the main thread of processes(N)'s parent process when it
	// does more than hand out tasks: it forks the workers, and it moves
	// tasks' data (pickler, the same thread, when they carry some).
	parent *thread
	// serverAt and serverBoot: processes(N, start=forkserver)'s server
	// starts at serverAt and forks its first worker serverBoot later.
	serverAt, serverBoot int64
	// Go: the sleeps a netpoller ended, and how long after they were due
	// in all (gotimers.go).
	polled, polledLate int64

	ctx      context.Context
	progress func(Progress)

	events eventQueue
	cpu    cpuSet
	// pickBuf holds forcedPick's waiters drawn by rank.
	pickBuf []int

	progs    []program
	maxDepth int

	// Gathers and resources (tree.go, resource.go): only when a program
	// has them (tree), a frame per slot.
	tree     bool
	frames   []frame
	holds    []hold
	freeHold int32
	inst     []resInst
	resBase  []int32
	resWait  int64
	dead     *Deadlock
	// With a TreeSink: by slot, the branch in it and the gather it has
	// open (tree.go).
	tsink      TreeSink
	trec       []treeRec
	nextBranch int32

	// Data moved to worker processes (pickle.go): by the parent's main
	// thread under processes(N) (an event loop's process pool has a
	// feeder of its own).
	feed       *feeder
	mainModule int64 // what each worker process runs of the main module again (Result.MainModule)
	// Testing hooks: every unit taken and given back; every choice, by
	// the random stream of the task (or branch) that made it.
	onHold   func(inst int32, sl int32, take bool)
	onWait   func(inst int32, sl int32) // a HoldSink's: a wait for a unit began
	onChoose func(key uint64, alt int)

	threads []*thread
	procs   []*process
	lanes   []Lane
	cont    []*thread // threads that hold what they need and continue now
	src     source
	// releaseAt is when the pending release event fires (MaxInt64: none),
	// releaseGen its generation: an event of an older one is stale.
	releaseAt  int64
	releaseGen uint32
	central    arrivalQueue // released tasks not yet handed to a process
	rr         int          // round-robin position among worker processes
	workers    []*process
	slots      []slot
	spans      []taskSpan // by slot, only with a sink
	freeSlot   []int32
	counters   []int32

	released, done int
	lastRelease    int64
	backlog        [2]int    // open workloads: tasks in flight mid-window and at its end
	dispatchDue    bool      // queued tasks wait to be handed out at the end of the instant
	kept           []*thread // pool threads that finished a task in this instant holding the GIL (releaseKept)
	spinners       []*thread // threads in a lock spin (spin.go)

	// The main thread of a thread-pool program submits each task, and
	// starts the threads, holding the GIL like any other thread.
	submitter     *thread
	submitQ       arrivalQueue
	submitting    arrival
	submitCreates bool
	pendingCreate int       // threads whose start the main thread is paying for
	submitBusy    bool      // the main thread is submitting, or waiting in Thread.start()
	lockWait      []*thread // threads waiting to submit a branch until the main thread has submitted its tasks
	lat, queue    collector
	records       []TaskRecord

	// metrics
	gilWait, switches     int64
	stallMax, slowCB      int64
	threadsAlive, peakThr int
	procsAlive, peakProc  int
	inFlight, peakTasks   int
	asyncPending          int
	gcFull                int // full collections of the cyclic GC, on every loop
	extraThreads          int // threads beyond each process's main thread
	peakRSS, peakVirt     int64
	end                   int64

	// CPU handed out, for the invariant "CPU consumed equals the work plus
	// the costs": work of steps (after the runtime's slowdown) and costs.
	charged, costs int64

	taskArea float64 // ∫ tasks in flight dt, for the mean number in the system
}

// Run simulates the workload under one deployment and returns what it
// measured. ctx stops a long run early: Run then returns its error. A
// broken rule of the engine is returned as an *InternalError.
func Run(ctx context.Context, cfg Config) (res *Result, err error) {
	defer recoverInternal(&err)
	e, err := newEngine(ctx, cfg)
	if err != nil {
		return nil, err
	}
	e.setup()
	if err := e.loop(); err != nil {
		return nil, err
	}
	return e.result(), nil
}

func newEngine(ctx context.Context, cfg Config) (*engine, error) {
	wl := cfg.Workload
	if wl == nil {
		return nil, fmt.Errorf("sim: no workload")
	}
	if cfg.Cores < 1 {
		return nil, fmt.Errorf("sim: cores must be at least 1, not %d", cfg.Cores)
	}
	if cfg.SwitchInterval < 1 {
		return nil, fmt.Errorf("sim: the switch interval must be positive")
	}
	slow := cfg.Profile.Slowdown
	if slow <= 0 {
		slow = 1
	}
	e := &engine{
		prof:     cfg.Profile,
		dep:      cfg.Deployment,
		wl:       wl,
		si:       cfg.SwitchInterval,
		gil:      cfg.Profile.GIL,
		slow:     slow,
		sink:     cfg.Sink,
		record:   cfg.RecordTasks,
		ctx:      ctx,
		progress: cfg.Progress,
		cpu:      cpuSet{cores: cfg.Cores},
		upFront:  wl.Arrivals != nil,
	}
	if ts, ok := cfg.Sink.(TreeSink); ok {
		e.tsink = ts
	}
	if hs, ok := cfg.Sink.(HoldSink); ok {
		e.onHold = func(x, sl int32, take bool) {
			in := &e.inst[x]
			hs.Hold(Hold{At: e.now, Resource: uint16(in.res), Instance: x - e.resBase[in.res], Task: e.slots[sl].id, Take: take,
				Queue: int32(in.waiters.len())})
		}
		e.onWait = func(x, sl int32) {
			in := &e.inst[x]
			hs.Hold(Hold{At: e.now, Resource: uint16(in.res), Instance: x - e.resBase[in.res], Task: e.slots[sl].id, Wait: true,
				Queue: int32(in.waiters.len())})
		}
	}
	for _, g := range wl.Groups {
		p := compile(g.Steps)
		if p.depth > e.maxDepth {
			e.maxDepth = p.depth
		}
		e.tree = e.tree || p.tree
		e.progs = append(e.progs, p)
	}
	if wl.Arrivals != nil {
		e.src = newArrivals(wl)
	} else {
		b, err := newBatch(wl, cfg.Deployment.Kind == model.Sync)
		if err != nil {
			return nil, err
		}
		e.src = b
		if e.record {
			e.records = make([]TaskRecord, 0, b.total())
		}
		if d := cfg.Deployment; d.Kind == model.Asyncio && d.Limit == 0 {
			e.reserveSlots(b.total())
		}
	}
	return e, nil
}

// checkEvery is how many events pass between looks at the context and
// calls of the progress function.
const checkEvery = 1 << 16

// loop runs events until every task has finished.
func (e *engine) loop() error {
	e.releaseAt = math.MaxInt64
	e.schedule()
	if w := e.window(); w > 0 {
		e.events.push(w/2, evSample, 0, 0)
		e.events.push(w, evSample, 1, 0)
	}
	for n := 1; !e.finished(); n++ {
		if n%checkEvery == 0 {
			if e.ctx != nil {
				if err := e.ctx.Err(); err != nil {
					return err
				}
			}
			if e.progress != nil {
				e.progress(Progress{Done: e.done, Total: e.src.total(), Now: e.now})
			}
		}
		tc := e.cpu.next(e.now)
		te := e.events.top()
		t := tc
		if te < t {
			t = te
		}
		if t == math.MaxInt64 {
			// Nothing can ever happen again: tasks wait for each other.
			if e.dead = e.deadlock(); e.dead == nil {
				panic("sim: nothing left to happen but tasks are unfinished, and they wait in no cycle")
			}
			e.end = max(e.end, e.now) // the run stops here
			e.stopped()
			break
		}
		if t >= horizon {
			return ErrTooLong
		}
		e.cpu.advance(t - e.now)
		e.taskArea += float64(e.inFlight) * float64(t-e.now)
		e.now = t
		if tc <= te {
			// The head finishes now by construction; others may too.
			for th := e.cpu.popDone(true); th != nil; th = e.cpu.popDone(false) {
				e.cpuDone(th)
			}
		} else {
			ev := e.events.pop().v
			e.handle(ev)
		}
		e.drain()
		// A hand-out can finish a zero-length task at once, which frees a
		// worker and asks for another hand-out in the same instant.
		// Then the pool threads given no task let the GIL go.
		for (e.dispatchDue || len(e.kept) > 0) && e.events.top() > e.now && e.cpu.next(e.now) > e.now {
			if e.dispatchDue {
				e.handOut()
			} else {
				e.releaseKept()
			}
			e.drain()
		}
		if len(e.spinners) > 0 {
			e.spinUpdate()
		}
	}
	if e.progress != nil {
		e.progress(Progress{Done: e.done, Total: e.src.total(), Now: e.now})
	}
	return nil
}

func (e *engine) drain() {
	// advance may append to e.cont while we walk it.
	for i := 0; i < len(e.cont); i++ {
		e.advance(e.cont[i])
	}
	e.cont = e.cont[:0]
}

func (e *engine) handle(ev event) {
	switch ev.kind {
	case evRelease:
		if ev.gen == e.releaseGen {
			e.release()
		}
	case evWake:
		th := e.threads[ev.a]
		if th.inC {
			panic("sim: woke a thread in C code")
		}
		e.python(th, 0, th.act)
	case evLaunch:
		if ev.a < 0 {
			e.forkOne()
			break
		}
		e.startProcess(e.threads[ev.a], e.procStart, e.forked)
	case evTracker:
		e.python(e.threads[ev.a], e.prof.ResourceTracker, actStartup)
	case evSample:
		e.backlog[ev.a] = e.inFlight
	case evLoopWake:
		l := e.procs[ev.a].loop
		if ev.gen == l.wakeGen && !l.busy {
			l.wakeAt = math.MaxInt64
			e.loopNext(l)
		}
	case evGILDrop:
		p := e.procs[ev.a]
		if ev.gen == p.gen {
			e.forceSwitch(p)
		}
	case evGILHandover:
		p := e.procs[ev.a]
		if ev.gen == p.handGen {
			e.handOver(p)
		}
	case evSpinEnd:
		if th := e.threads[ev.a]; ev.gen == th.spinGen && th.spinK > 0 {
			e.spinEnd(th)
		}
	case evNetpoll:
		if p := e.procs[ev.a]; ev.gen == p.pollGen {
			e.netpollWake(p)
		}
	}
}

// cpuDone is called when a thread's CPU work completes.
func (e *engine) cpuDone(th *thread) {
	if th.inC {
		// Back from C code: Python needs the GIL again before going on.
		th.inC = false
		e.python(th, 0, th.act)
		return
	}
	e.advance(th)
}

// newThread creates a lane.
func (e *engine) newThread(p *process, r role, kind LaneKind, name string) *thread {
	th := &thread{id: int32(len(e.threads)), proc: p, role: r, slot: -1, cpuIdx: -1, laneState: Idle, laneSince: e.now, laneTask: -1, lastTask: -1}
	e.threads = append(e.threads, th)
	e.lanes = append(e.lanes, Lane{ID: int(th.id), Process: p.id, Name: name, Kind: kind})
	if r == roleSubmit || r == rolePickle || r == roleTracker {
		// peak_threads counts the threads that run tasks.
		return th
	}
	e.threadsAlive++
	if e.threadsAlive > e.peakThr {
		e.peakThr = e.threadsAlive
	}
	if kind == WorkerThread || kind == ExecutorThread {
		e.extraThreads++
	}
	e.memory()
	return th
}

func (e *engine) exitThread(th *thread) {
	e.setLane(th, Idle)
	e.threadsAlive--
	e.extraThreads--
	e.memory()
}

func (e *engine) newProcess() *process {
	p := &process{id: len(e.procs), gil: e.gil, rng: workload.NewRand(e.wl.Seed, gilStream+uint64(len(e.procs))), pollFor: math.MaxInt64}
	e.procs = append(e.procs, p)
	e.procsAlive++
	if e.procsAlive > e.peakProc {
		e.peakProc = e.procsAlive
	}
	e.memory()
	return p
}

// memory updates the peaks of resident and reserved memory. Every
// resident byte is also reserved address space: a pending task's few
// hundred bytes of heap count in both, and a thread or process reserves at
// least what it keeps resident, whatever a profile's measured figures say
// (the go profile's goroutine keeps 2.5 KB resident on a 2 KiB stack).
func (e *engine) memory() {
	p := &e.prof
	rss := int64(e.procsAlive)*p.ProcessRSS + int64(e.extraThreads)*p.ThreadRSS + int64(e.asyncPending)*p.TaskRSS
	virt := int64(e.procsAlive)*max(p.ProcessVirtual, p.ProcessRSS) + int64(e.extraThreads)*max(p.ThreadVirtual, p.ThreadRSS) +
		int64(e.asyncPending)*p.TaskRSS
	if rss > e.peakRSS {
		e.peakRSS = rss
	}
	if virt > e.peakVirt {
		e.peakVirt = virt
	}
}

// setLane closes the lane's current span and opens one in state s.
func (e *engine) setLane(th *thread, s State) {
	if e.sink == nil {
		th.laneState = s
		return
	}
	// A span is one state for one task: a thread going on to another task
	// in the same state starts a new span.
	task := int32(-1)
	if s != Idle {
		if th.slot >= 0 {
			task = e.slots[th.slot].id
		} else if th.role == roleJob && th.job.slot >= 0 {
			task = e.slots[th.job.slot].id
		}
	}
	if th.laneState == s && th.laneTask == task {
		return
	}
	if e.now > th.laneSince {
		e.sink.LaneSpan(Span{Lane: th.id, Task: th.laneTask, State: th.laneState, Cause: th.why, Start: th.laneSince, End: e.now})
	}
	th.laneState, th.laneSince, th.laneTask = s, e.now, task
	th.why = Cause{}
	if task >= 0 {
		th.lastTask = task
	}
}

// taskOf is the task th runs now (a pool's task, a loop's current one, an
// offloaded step's), or -1.
func (e *engine) taskOf(th *thread) int32 {
	if th.slot >= 0 {
		return e.slots[th.slot].id
	}
	if th.role == roleJob && th.job.slot >= 0 {
		return e.slots[th.job.slot].id
	}
	return -1
}

// laneCause sets the cause to record when th's current span closes; it
// costs nothing without a sink.
func (e *engine) laneCause(th *thread, k CauseKind, lane, task int32) {
	if e.sink != nil {
		th.why = because(k, lane, task)
	}
}

// taskCause sets the cause to record when task slot sl's current span
// closes.
func (e *engine) taskCause(sl int32, k CauseKind, lane, task int32) {
	if e.sink != nil {
		if sl = e.spanOf(sl); sl >= 0 {
			e.spans[sl].why = because(k, lane, task)
		}
	}
}

// setTask closes the task's current span and opens one in state s.
func (e *engine) setTask(sl int32, s State, lane int32) {
	if e.sink == nil {
		return
	}
	if own := e.spanOf(sl); own >= 0 {
		sl = own
	} else if e.tsink != nil {
		e.setBranch(sl, s, lane)
		return
	} else {
		return
	}
	t := &e.spans[sl]
	if t.state == s && t.lane == lane {
		return
	}
	if e.now > t.since && t.state != numStates {
		e.sink.TaskSpan(Span{Lane: t.lane, Task: e.slots[sl].id, State: t.state, Cause: t.why, Start: t.since, End: e.now})
	}
	t.state, t.lane, t.since, t.why = s, lane, e.now, Cause{}
}

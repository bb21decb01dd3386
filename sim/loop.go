package sim

import (
	"fmt"
	"math"

	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/workload"
)

// SlowCallback is asyncio's slow-callback threshold
// (loop.slow_callback_duration, 100 ms): a step that holds an event loop
// this long is what asyncio's debug mode reports as a slow callback, and
// what Result.SlowCallbacks counts.
const SlowCallback = 100_000_000

// An idle event loop sleeps in epoll_wait, which Linux treats differently
// from time.sleep: the timeout is in units of the profile's
// SelectResolution (whole milliseconds for epoll; asyncio's selector rounds
// up so as never to wake early), and the kernel lets the timer fire late by
// a slack of 0.1 % of the timeout (at least the thread's timer slack, at
// most 100 ms), where time.sleep gets the timer slack alone. So on Linux
// `await asyncio.sleep(0.0005)` takes about 1.1 ms and `await
// asyncio.sleep(2)` about 2.002 s.
const (
	selectSlackDiv = 1000        // select_estimate_accuracy: 0.1 % of the timeout
	selectSlackMax = 100_000_000 // its cap
)

// selectWait is how long an idle loop sleeps in select to wake for a timer
// due in d: rounded up, the kernel's slack, then the wake-up itself (what a
// time.sleep overshoots beyond its own slack).
func (e *engine) selectWait(d int64) int64 {
	p := &e.prof
	if p.SelectResolution <= 0 {
		return d + p.SleepOvershoot
	}
	t := (d + p.SelectResolution - 1) / p.SelectResolution * p.SelectResolution
	slack := min(max(t/selectSlackDiv, p.TimerSlack), selectSlackMax)
	wake := max(p.SleepOvershoot-p.TimerSlack, 0)
	return t + slack + wake
}

// loop is an asyncio event loop: one thread, a FIFO ready queue, and the
// executors that offloaded steps run on.
type loop struct {
	th       *thread
	ready    fifo  // task slots
	cbStart  int64 // when the current callback began
	limit    int
	inFlight int
	busy     bool            // the loop thread is in a callback (or starting up)
	timers   schedule[int32] // task slots, by when their asyncio.sleep ends
	due      int64           // the timer being armed (actAwait)
	wakeAt   int64           // when the pending wake-up of the idle loop is due; MaxInt64 when none
	debt     int64           // CPU to create the tasks admitted since the loop last ran (actCreate)
	heap     heap            // its interpreter's tracked objects (gc.go)
	offload  job             // the step being submitted to an executor (actOffload)
	offTo    *pool
	wakeGen  uint32 // generation of the pending select() time-out
	exec     *pool
	procs    *pool
	eager    bool // asyncio(eager): a created task runs at once until it first suspends
	// todo is how many callbacks are left of the loop's current
	// iteration: BaseEventLoop._run_once runs those ready when it began,
	// and what they make ready waits for the next one (turn).
	todo int
	// fired counts the timers that fell due since the loop last paid for
	// an iteration: the next iteration runs their callbacks and pays
	// LoopTimerFire for each (kick).
	fired int64

	// Only with a sink, for the causes of its tasks' waits: the time spent
	// in blocking calls (counting the current one whole, which ends at
	// blockEnd), the task of the last one, the task whose callback ran
	// last and when it ended, and the task whose end last freed a place of
	// the semaphore.
	blocked  int64
	blockEnd int64
	blocker  int32
	last     int32
	lastEnd  int64
	freed    int32
	// created is the first task of those whose creation the loop pays in
	// its current debt: a task accepted after that callback waited behind
	// it.
	created int32
}

// blockedAt is how long the loop has been in blocking calls up to t (not
// before the start of the current call).
func (l *loop) blockedAt(t int64) int64 {
	return l.blocked - max(0, l.blockEnd-t)
}

// enqueue puts a task at the back of l's ready queue.
func (e *engine) enqueue(l *loop, sl int32) {
	l.ready.push(sl)
	e.setTask(sl, Ready, -1)
	if e.sink != nil {
		t := &e.spans[sl]
		t.admit, t.mark = e.now, l.blockedAt(e.now)
	}
}

// resumeCause is why a coroutine waited before the loop resumed it now:
// what held it before it joined the loop (a worker process starting, the
// semaphore), when that was the longer wait, else the loop's other work,
// blocking calls when they took most of it. A loop that ran nothing
// meanwhile was only waking up (its self-pipe's latency): no cause.
func (e *engine) resumeCause(l *loop, sl int32) {
	t := &e.spans[sl]
	if t.why.Kind == Accepted {
		return // what it waited for here is what came with it: that says more
	}
	if t.state != Ready || (t.why.Kind != NoCause && t.admit-t.since >= e.now-t.admit) || l.lastEnd <= t.admit {
		return
	}
	if blocked := l.blockedAt(e.now) - t.mark; 2*blocked > e.now-t.admit {
		t.why = because(LoopBlocked, l.th.id, l.blocker)
	} else {
		t.why = because(LoopBusy, l.th.id, l.last)
	}
}

func (e *engine) newLoop(p *process, d model.Deployment, name string) *thread {
	l := &loop{limit: d.Limit, eager: d.Eager, wakeAt: math.MaxInt64, blocker: -1, last: -1, freed: -1, created: -1}
	l.heap = e.freshHeap()
	p.loop = l
	l.th = e.newThread(p, roleLoop, LoopThread, name)
	p.main = l.th
	execN := d.ExecutorThreads(e.cpu.cores)
	prefix := ""
	if p.id > 0 {
		prefix = fmt.Sprintf("p%d/", p.id)
	}
	l.exec = &pool{cap: execN, parent: p, name: prefix + "executor", overhead: e.prof.PoolTask}
	l.procs = &pool{cap: e.cpu.cores, parent: p, procs: true, name: prefix + "pool-proc", overhead: e.prof.ProcessTask}
	if !p.started {
		l.busy = true // until its process has started
	}
	return l.th
}

// loopAdmit hands a task to p's loop: the main coroutine creates it
// (asyncio.create_task, as gather does) and it joins the ready queue. The
// loop pays for the creations of an instant in one go, before it resumes
// any of them, as gather creates all its tasks before the first runs; the
// end of the instant kicks an idle loop (kickIdle).
func (e *engine) loopAdmit(p *process, sl int32) {
	l := p.loop
	l.inFlight++
	if e.dep.Kind != model.Asyncio {
		// A worker process's loop creates the task when it gets it; a
		// single loop's gather created it at its release (see release).
		if l.debt == 0 && e.sink != nil {
			l.created = e.slots[sl].id
		}
		l.debt += e.prof.TaskCreate + e.tasksMade(l, 1, false)
		e.asyncPending++
		e.memory()
	}
	if e.sink != nil && e.slots[sl].release < e.now {
		// It waited for room: for its process to start, or for a place
		// under the limit.
		switch {
		case p.up == e.now:
			e.spans[sl].why = because(ProcessStarted, l.th.id, -1)
		case l.limit > 0:
			e.spans[sl].why = because(PlaceFreed, l.th.id, l.freed)
		}
	}
	e.enqueue(l, sl)
}

// kickIdle starts the idle loops that have tasks to run.
func (e *engine) kickIdle() {
	for _, p := range e.workers {
		if l := p.loop; l != nil {
			e.kickLoop(l)
		}
	}
}

// kickLoop starts l if it is idle and has tasks to run.
func (e *engine) kickLoop(l *loop) {
	if !l.busy && (l.ready.len() > 0 || l.debt > 0) {
		l.th.why = Cause{} // new tasks, not a pending wake-up, end its sleep
		l.wakeGen++
		l.wakeAt = math.MaxInt64
		e.kick(l)
	}
}

// loopReady puts a task whose offloaded step is done at the back of its
// loop's ready queue. The executor's call_soon_threadsafe wakes an idle
// loop through its self-pipe, after the wake-up latency.
func (e *engine) loopReady(sl int32, by *thread) {
	l := e.procs[e.slots[sl].proc].loop
	e.taskCause(sl, Offloaded, by.id, -1)
	e.enqueue(l, sl)
	if l.busy {
		return
	}
	at := later(e.now, e.prof.WakeLatency)
	if at < l.wakeAt {
		e.laneCause(l.th, Woken, by.id, e.slots[sl].id)
		l.wakeGen++
		l.wakeAt = at
		e.events.push(at, evLoopWake, int32(l.th.proc.id), l.wakeGen)
	}
}

// kick makes the loop resume the task at the head of its ready queue,
// beginning a new iteration of the loop when the last one has run all it
// had (turn).
func (e *engine) kick(l *loop) {
	th := l.th
	l.busy = true
	l.wakeAt = math.MaxInt64
	l.cbStart = e.now
	if l.todo == 0 && e.prof.LoopTurn > 0 {
		// The iteration's own work, and the callbacks of the timers due:
		// _run_once pops each off the heap and runs it, which sets its
		// future's result and schedules the task's wake-up.
		l.todo = -1 // paying for the iteration
		e.dueTimers(l)
		cost := e.prof.LoopTurn + l.fired*e.prof.LoopTimerFire
		l.fired = 0
		e.python(th, cost, actTurn)
		return
	}
	if l.todo > 0 {
		l.todo--
	}
	if l.debt > 0 {
		cost := l.debt
		l.debt = 0
		e.python(th, cost, actCreate)
		return
	}
	sl := l.ready.pop()
	th.slot = sl
	cost := e.prof.LoopResume
	if e.slots[sl].firstRun < 0 {
		e.started(sl, th)
		cost += e.firstRun(l)
	} else if e.tree && e.frames[sl].fresh {
		e.frames[sl].fresh = false
		cost += e.firstRun(l)
	}
	if e.sink != nil {
		e.resumeCause(l, sl)
	}
	e.setTask(sl, Working, th.id)
	e.python(th, cost, actResume)
}

// loopAdvance runs the loop thread's current task until it suspends.
func (e *engine) loopAdvance(th *thread) {
	l := th.proc.loop
	if th.act == actStartup {
		th.proc.started, th.proc.up = true, e.now
		l.busy = false
		e.dispatch() // may already have kicked the loop
		if !l.busy {
			e.loopRun(l)
		}
		return
	}
	switch th.act {
	case actTurn:
		e.turn(l)
		return
	case actCreate:
		e.endCallback(l)
		e.loopNext(l)
		return
	case actAwait:
		e.suspend(l, th.slot)
		return
	case actOffload:
		if sl := th.slot; e.tree && e.frames[sl].run == runEager {
			e.submitJob(l.offTo, l.offload)
			e.yield(l, sl)
			return
		}
		e.endCallback(l)
		e.setLane(th, Idle)
		th.slot = -1
		e.submitJob(l.offTo, l.offload)
		e.loopNext(l)
		return
	case actGather:
		e.loopCreated(l)
		return
	case actDone:
		e.loopFinish(l)
		return
	}
	for {
		sl := th.slot
		t := &e.slots[sl]
		o, d, ok := e.progs[t.group].next(&t.pc, e.counters[int(sl)*e.maxDepth:], &t.rng)
		switch {
		case !ok:
			e.loopEnd(l)
		case o.kind > opWait:
			if e.loopControl(l, o) {
				continue
			}
		case o.offload != workload.OffloadNone:
			// run_in_executor: the loop submits the step (and starts the
			// executor's thread when none is idle), then the task awaits it.
			pl := l.exec
			if o.offload == workload.OffloadProcess {
				pl = l.procs
			}
			l.offload, l.offTo = job{slot: sl, dur: d, work: o.kind == opWork, released: o.released}, pl
			cost := e.prof.PoolSubmit
			if pl.idle.len() == 0 && len(pl.threads) < pl.cap && !pl.procs {
				cost += e.prof.ThreadStart
			}
			if pl.procs && len(pl.threads) == 0 && !e.upFront {
				// ProcessPoolExecutor with fork forks all its workers at
				// the first submit, one after another, in the thread that
				// submits: the loop's (forkPool).
				cost += int64(pl.cap) * e.prof.ForkParent
			}
			if o.count > 0 && pl.procs {
				// Its data moves through the pool's feeder, not the loop.
				io := e.progs[t.group].io[o.count-1]
				l.offload.in, l.offload.out = io.in, io.out
				e.poolFeeder(pl)
			}
			e.setTask(sl, Waiting, -1)
			e.python(th, cost, actOffload)
		case o.kind == opWork && o.released:
			e.cwork(th, d, actStep)
		case o.kind == opWork:
			e.python(th, e.pyWork(d), actStep)
		case o.blocking:
			// time.sleep inside async def: the whole loop sleeps.
			e.setTask(sl, Blocked, th.id)
			if e.sink != nil {
				l.blocked += d + e.prof.SleepOvershoot
				l.blockEnd = later(e.now, d+e.prof.SleepOvershoot)
				l.blocker = t.id
			}
			e.sleep(th, d+e.prof.SleepOvershoot, Blocked, actStep)
		default:
			// await asyncio.sleep(d): due d from now; arming the timer costs
			// the loop some CPU before the task suspends (the rest of it
			// when it fires: kick).
			l.due = later(e.now, d)
			if arm := e.timerArm(); arm > 0 {
				e.python(th, arm, actAwait)
				return
			}
			e.suspend(l, sl)
		}
		return
	}
}

// loopControl carries out an instruction of the task the loop runs that
// is no step of its own, and says whether the task goes on at once.
func (e *engine) loopControl(l *loop, o *op) bool {
	th := l.th
	switch o.kind {
	case opChoose:
		e.choose(th.slot, o.count)
		return true
	case opAcquire:
		if e.acquireUnit(th, th.slot, o.count) {
			return true
		}
		if !e.blocksOn(th, o.count) {
			e.yield(l, th.slot) // awaiting the semaphore
		}
		return false
	case opRelease:
		e.releaseUnit(th, th.slot, o.count)
		return true
	case opGather:
		e.loopGather(l, o.count)
		return false
	case opRet:
		e.loopEnd(l)
		return false
	}
	panic("sim: an instruction an event loop does not run")
}

// loopEnd is the end of the task the loop runs. Its done callbacks (a
// gather's) run as a resume of the loop; a child that ran eagerly to its
// end inside its parent's step has none scheduled, and its parent goes on.
func (e *engine) loopEnd(l *loop) {
	th := l.th
	if e.tree {
		if f := &e.frames[th.slot]; f.run == runEager {
			e.asyncPending--
			e.taskGone(l, true)
			par := e.endBranch(th.slot, th)
			e.eagerNext(l, par)
			return
		}
	}
	if e.prof.LoopResume > 0 {
		e.python(th, e.prof.LoopResume, actDone)
		return
	}
	e.loopFinish(l)
}

// loopFinish is a task or a child task done, its callbacks run.
func (e *engine) loopFinish(l *loop) {
	th := l.th
	sl := th.slot
	e.endCallback(l)
	e.setLane(th, Idle)
	th.slot = -1
	e.asyncPending--
	e.taskGone(l, e.isBranch(sl))
	if e.isBranch(sl) {
		e.endBranch(sl, th)
	} else {
		if e.sink != nil {
			l.freed = e.slots[sl].id
		}
		e.finishTask(sl)
		l.inFlight--
		e.dispatch()
	}
	e.loopNext(l)
}

// suspend ends the step of a task that awaits its armed timer.
func (e *engine) suspend(l *loop, sl int32) {
	e.setTask(sl, Waiting, -1)
	l.timers.push(l.due, sl)
	e.yield(l, sl)
}

// loopNext is the loop's next iteration after a callback: due timers
// join the ready queue, in the order they fall due; a worker's loop polls
// its listening socket (accept); then it resumes the next ready task, or
// sleeps in select until its first timer is due.
func (e *engine) loopNext(l *loop) {
	e.dueTimers(l)
	if e.central.len() > 0 && e.dep.Kind == model.Processes {
		e.accept(l.th.proc)
	}
	e.loopRun(l)
}

// dueTimers moves the tasks whose timers are due to l's ready queue, in
// the order they fall due.
func (e *engine) dueTimers(l *loop) {
	for l.timers.len() > 0 && l.timers.top() <= e.now {
		e.enqueue(l, l.timers.pop().v)
		l.fired++
	}
}

// turn begins an iteration of the loop, its own work paid (LoopTurn):
// the timers due join the ready queue, and the iteration will run what is
// ready now, in order; what that makes ready waits for the next one. It
// is the same on a loop woken from select and on one that never slept:
// _run_once polls with a zero timeout when something is ready.
func (e *engine) turn(l *loop) {
	e.dueTimers(l)
	l.todo = l.ready.len()
	if l.debt > 0 {
		l.todo++
	}
	if l.todo == 0 {
		e.loopRun(l)
		return
	}
	e.kick(l)
}

// loopRun resumes the next ready task, or lets the loop sleep in select
// until its first timer is due.
func (e *engine) loopRun(l *loop) {
	if l.ready.len() > 0 || l.debt > 0 {
		e.kick(l)
		return
	}
	l.busy = false
	e.idle(l.th)
	if l.timers.len() > 0 {
		l.wakeGen++
		l.wakeAt = later(e.now, e.selectWait(l.timers.top()-e.now))
		e.events.push(l.wakeAt, evLoopWake, int32(l.th.proc.id), l.wakeGen)
	}
}

// endCallback measures the stretch the loop thread spent on one task.
func (e *engine) endCallback(l *loop) {
	if e.sink != nil {
		l.last, l.lastEnd = -1, e.now
		if l.th.slot >= 0 {
			l.last = e.slots[l.th.slot].id
		}
	}
	d := e.now - l.cbStart
	if d > e.stallMax {
		e.stallMax = d
	}
	if d >= SlowCallback {
		e.slowCB++
	}
}

// submitJob sends an offloaded step to an executor.
func (e *engine) submitJob(pl *pool, j job) {
	if pl.procs && len(pl.threads) == 0 {
		e.forkPool(pl)
	}
	if pl.idle.len() > 0 {
		th := e.threads[pl.idle.pop()]
		th.job = j
		th.pool.busy++
		if main := pl.parent.main; main != nil {
			e.laneCause(th, Woken, main.id, e.slots[j.slot].id)
		}
		if e.prof.WakeLatency > 0 {
			e.sleep(th, e.prof.WakeLatency, Idle, actWake)
			return
		}
		e.python(th, th.pool.overhead, actBegin)
		return
	}
	if len(pl.threads) < pl.cap {
		n := len(pl.threads) + 1
		var th *thread
		cost := int64(0) // the loop paid for the thread's start
		if pl.procs {
			p := e.newProcess()
			th = e.newThread(p, roleJob, ProcessMain, fmt.Sprintf("%s-%d", pl.name, n))
			cost = e.prof.ProcessFork
		} else {
			th = e.newThread(pl.parent, roleJob, ExecutorThread, fmt.Sprintf("%s-%d", pl.name, n))
		}
		th.pool = pl
		pl.threads = append(pl.threads, th)
		th.job = j
		pl.busy++
		e.startProcess(th, cost, pl.procs)
		return
	}
	pl.jobs = append(pl.jobs, j)
}

// forkPool starts the workers of pl, an event loop's process pool, at its
// first submit: ProcessPoolExecutor with fork forks every worker then
// (_start_executor_manager_thread: "using fork", CPython 3.8 to 3.13; 3.8
// to 3.10 do so whatever the start method), one after another, ForkParent
// apart, in the submitting thread, which has just paid for the forks; each
// worker's start-up runs from its fork, and the first up takes the first
// step queued.
func (e *engine) forkPool(pl *pool) {
	for i := 1; i <= pl.cap; i++ {
		th := e.newThread(e.newProcess(), roleJob, ProcessMain, fmt.Sprintf("%s-%d", pl.name, i))
		th.pool = pl
		th.job = job{slot: -1}
		pl.threads = append(pl.threads, th)
		// Forked (cap - i) forks ago.
		start := max(e.prof.ProcessFork-int64(pl.cap-i)*e.prof.ForkParent, e.forkChild())
		if e.upFront {
			start = 0 // a server's, up before its first request
		}
		e.startProcess(th, start, true)
	}
}

func (e *engine) startJob(th *thread, j job) {
	th.job = j
	th.pool.busy++
	e.python(th, th.pool.overhead, actBegin)
}

// jobAdvance runs an executor thread: start-up, overhead, the step, done.
func (e *engine) jobAdvance(th *thread) {
	switch th.act {
	case actStartup, actWake:
		th.proc.started = true
		if th.job.slot < 0 {
			// A worker of a forked pool, up before a step came for it.
			e.takeJob(th)
			return
		}
		e.python(th, th.pool.overhead, actBegin)
	case actBegin, actUnpickle:
		j := th.job
		if th.act == actUnpickle {
			e.unpickled(th.pool.feed, th)
			e.setTask(j.slot, Waiting, -1) // its task awaits the step's future
		}
		switch {
		case th.act == actBegin && j.in > 0:
			// The pool's feeder pickles the step's input and writes it;
			// the worker process reads and unpickles it (pickled).
			e.sendInput(th.pool.feed, th, j.slot, j.in)
		case !j.work:
			e.sleep(th, j.dur+e.prof.SleepOvershoot, Waiting, actStep)
		case j.released:
			e.cwork(th, j.dur, actStep)
		default:
			e.python(th, e.pyWork(j.dur), actStep)
		}
	case actStep, actPickleOut:
		if th.act == actStep && e.nextOffloaded(th) {
			return
		}
		if j := th.job; th.act == actStep && j.out > 0 {
			// It pickles the result, which the pool's manager thread
			// unpickles before the task is ready on the loop.
			e.setTask(j.slot, Pickling, th.id)
			e.python(th, e.sendCost(j.out), actPickleOut)
			return
		}
		th.pool.busy--
		done, out := th.job.slot, th.job.out
		e.setLane(th, Idle)
		th.job = job{slot: -1}
		e.takeJob(th)
		if out > 0 {
			f := th.pool.feed
			e.setTask(done, Pickling, f.th.id)
			e.pickle(f, pickleJob{slot: done, th: -1, bytes: out})
			return
		}
		// The result goes back to the loop through call_soon_threadsafe.
		e.loopReady(done, th)
	}
}

// takeJob gives th, an executor thread with no step, the first step
// queued for its pool, or makes it idle.
func (e *engine) takeJob(th *thread) {
	pl := th.pool
	if pl.jobHead < len(pl.jobs) {
		j := pl.jobs[pl.jobHead]
		pl.jobHead++
		if pl.jobHead == len(pl.jobs) {
			pl.jobs, pl.jobHead = pl.jobs[:0], 0
		}
		e.startJob(th, j)
		return
	}
	e.idle(th)
	pl.idle.push(th.id)
}

// nextOffloaded runs on th, an executor thread that has just run a step
// offloaded to a thread, the task's next step when that is offloaded to
// a thread too: consecutive offloaded steps are one call of a function
// that does them all (asyncio.to_thread(fetch) that computes and then
// waits), not a trip back to the loop between each. A repeat's next
// round is another call. It returns false when the call is over.
func (e *engine) nextOffloaded(th *thread) bool {
	j := &th.job
	if j.in > 0 || j.out > 0 || th.pool.procs {
		return false // a worker process's: a pickled step each
	}
	t := &e.slots[j.slot]
	p := e.progs[t.group]
	for int(t.pc) < len(p.ops) {
		o := &p.ops[t.pc]
		if o.kind != opWork && o.kind != opWait || o.offload != workload.OffloadThread {
			return false
		}
		t.pc++
		d := o.dist.Sample(&t.rng)
		if d <= 0 {
			continue
		}
		j.dur, j.work, j.released = d, o.kind == opWork, o.released
		switch {
		case !j.work:
			e.sleep(th, d+e.prof.SleepOvershoot, Waiting, actStep)
		case j.released:
			e.cwork(th, d, actStep)
		default:
			e.python(th, e.pyWork(d), actStep)
		}
		return true
	}
	return false
}

// timerArm is the CPU of arming an awaited sleep's timer: LoopTimer less
// the part paid when it fires, which the iteration that finds it due pays
// (kick). A profile without LoopTurn pays all of it here.
func (e *engine) timerArm() int64 {
	if e.prof.LoopTurn <= 0 {
		return e.prof.LoopTimer
	}
	return max(0, e.prof.LoopTimer-e.prof.LoopTimerFire)
}

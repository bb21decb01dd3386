package sim

import (
	"fmt"
	"math"

	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/workload"
)

// setup builds the processes and threads of the deployment at time 0
// (worker processes start at the first release).
func (e *engine) setup() {
	d := e.dep
	switch d.Kind {
	case model.Sync:
		p := e.newProcess()
		p.started = true
		p.pool = &pool{cap: 1, parent: p}
		th := e.newThread(p, roleWorker, MainThread, "main")
		th.pool = p.pool
		p.pool.threads = append(p.pool.threads, th)
		p.pool.idle.push(th.id)
		p.main = th
		e.workers = []*process{p}
	case model.ThreadPool, model.ThreadPerTask:
		p := e.newProcess()
		p.started = true
		p.pool = &pool{cap: d.Threads, parent: p, name: "worker", overhead: e.prof.PoolTask, wake: true}
		if d.Kind == model.ThreadPerTask {
			p.pool.cap = 0
			p.pool.name = "thread"
			p.pool.overhead = 0
		}
		e.workers = []*process{p}
		e.submitter = e.newThread(p, roleSubmit, MainThread, "main")
		p.main = e.submitter
		e.fanOut(p, d)
	case model.Asyncio:
		p := e.newProcess()
		p.started = true
		e.newLoop(p, d, "loop")
		e.workers = []*process{p}
	case model.Processes:
		e.newProcess() // the parent: it only hands out tasks
		start, boot := e.prof.WorkerStart(d.Start)
		if e.upFront {
			start, boot = 0, 0
		}
		if boot > 0 {
			// The program's first forkserver pool starts the server (a
			// fresh interpreter) and waits for it at its first worker's
			// start; the server then forks each worker, which starts on
			// its own, side by side with the others, as a spawned one
			// does. The server is one more process, idle once it is up.
			e.procsAlive++
			e.peakProc = max(e.peakProc, e.procsAlive)
			e.memory()
		}
		if e.prof.RerunsMain(d.Start) && !e.upFront {
			// Each worker runs the program's main module again, its own
			// CPU, before it takes a task.
			e.mainModule = e.wl.MainModule
			start += e.mainModule
		}
		e.procStart = start
		// ProcessPoolExecutor starts its worker processes at the first
		// submit (_start_executor_manager_thread, CPython 3.8 to 3.13), so
		// a program's own set-up before its first task (a recorded
		// workload's start) does not hide their start-up; an open
		// workload's start at 0, as a server makes its pool before it
		// takes requests.
		launch := e.wl.FirstRelease()
		tracker := launch
		if boot > 0 {
			e.serverAt, e.serverBoot = launch, boot
			launch += boot
		}
		// The parent forks its workers one after another, ForkParent
		// apart; each worker's start-up then runs beside the next forks.
		// Spawned workers, and a JVM's or a Go program's (fresh programs
		// whatever the start method), boot side by side.
		forked := d.Start == model.Fork && !e.prof.ExecWorkers
		e.forked = forked
		if forked && d.Inner == nil {
			// ProcessPoolExecutor forks every worker at the first submit
			// and starts the thread that hands out tasks only then
			// (_start_executor_manager_thread; multiprocessing.Pool's task
			// handler likewise after its forks): no worker takes a task
			// before the last is up. With fork on the EPYC host of
			// 2026-12-03, two, three and four workers took their first
			// tasks within 1, 3 and 5 ms of each other (medians of 7).
			e.forkGate = d.Procs
		}
		for i := 1; i <= d.Procs; i++ {
			p := e.newProcess()
			e.workers = append(e.workers, p)
			var th *thread
			switch {
			case d.Inner == nil:
				p.pool = &pool{cap: 1, parent: p, overhead: e.prof.ProcessTask}
				th = e.newThread(p, roleWorker, ProcessMain, fmt.Sprintf("proc-%d", i))
				th.pool = p.pool
				p.pool.threads = append(p.pool.threads, th)
			case d.Inner.Kind == model.Asyncio:
				th = e.newLoop(p, *d.Inner, fmt.Sprintf("loop-%d", i))
			default:
				p.pool = &pool{cap: d.Inner.Threads, parent: p, name: fmt.Sprintf("p%d/worker", i), overhead: e.prof.PoolTask + e.prof.ProcessTask, wake: true}
				e.fanOut(p, *d.Inner)
				// The worker process's main thread only accepts work; its
				// start-up is the process start.
				th = e.newThread(p, roleWorker, ProcessMain, fmt.Sprintf("proc-%d", i))
				th.oneShot = true
			}
			p.main = th
			if forked && e.prof.ForkParent > 0 && !e.upFront {
				e.forkQ = append(e.forkQ, th.id)
				continue
			}
			if launch > 0 {
				e.events.push(launch, evLaunch, th.id, 0)
				continue
			}
			e.startProcess(th, start, forked)
		}
		if len(e.forkQ) > 0 {
			// The parent's main thread forks them, one after another.
			if launch > 0 {
				e.events.push(launch, evLaunch, -1, 0)
			} else {
				e.forkOne()
			}
		}
		if d.Start != model.Fork && !e.prof.ExecWorkers && e.prof.ResourceTracker > 0 && !e.upFront {
			e.startTracker(tracker)
		}
	}
	e.setupPickler()
	e.setupResources()
	e.drain()
}

// parentMain returns the main thread of processes(N)'s parent process,
// made when first needed: to fork the workers, or to move tasks' data.
func (e *engine) parentMain() *thread {
	if e.parent == nil {
		e.parent = e.newThread(e.procs[0], rolePickle, MainThread, "main")
		e.procs[0].main = e.parent
	}
	return e.parent
}

// forkOne has the parent's main thread fork the next worker of forkQ:
// Process.start() with fork, ForkParent of the parent's CPU (the pipes,
// the fork copying its page tables, then the pages it writes copied while
// children share them), beside the workers already forked, which start up
// on the same cores.
func (e *engine) forkOne() {
	e.python(e.parentMain(), e.prof.ForkParent, actFork)
}

// forkDone starts the worker the parent has just forked, and forks the
// next. The worker's start-up, ProcessFork for a pool's first worker,
// less the fork just paid, is its own from here (startProcess).
func (e *engine) forkDone(th *thread) {
	w := e.threads[e.forkQ[e.forkNext]]
	e.forkNext++
	e.startProcess(w, max(e.procStart-e.prof.ForkParent, e.forkChild()), true)
	if e.forkNext < len(e.forkQ) {
		e.forkOne()
		return
	}
	th.act = actNone
	e.idle(th)
}

// startTracker starts multiprocessing's resource tracker at `at`: a spawn
// or forkserver pool's queues make named semaphores, and the first of a
// program's registers with the tracker, a fresh interpreter started then
// (resource_tracker.ensure_running), whose start-up takes the cores beside
// the first workers' own (CPython 3.11: two spawned workers were up
// together after 50–53 ms with the tracker already running, the second
// after 79–88 ms with it starting beside them). Made after the workers, so
// that their process numbers stay 1 to N.
func (e *engine) startTracker(at int64) {
	th := e.newThread(e.newProcess(), roleTracker, HelperProcess, "tracker")
	if at > 0 {
		e.events.push(at, evTracker, th.id, 0)
		return
	}
	e.python(th, e.prof.ResourceTracker, actStartup)
}

// startProcess starts worker process th.proc, whose start-up costs
// cost. A forked worker's is mostly a delay: the parent's part, one
// fork after another (a first pool's imports and the pool's queues, each
// fork's page tables), then ForkChild of the child's own CPU, the pages
// of its parent it writes copied at a page fault each, and
// multiprocessing's bootstrap. Where a fresh page costs under a
// microsecond that is 1–2 ms (CPython 3.11 in the exported program: a
// worker up 8.4–10.7 ms after the first submit, its CPU clock at 1.1–1.9
// ms; eight workers on 2 cores all up within 15.5–19.4 ms, where eight
// start-ups' CPU shared by two cores would take 32); on a virtual machine
// where one cost 5–26 µs, 12–18 ms, and workers forked side by side then
// wait for the cores. A spawned worker boots a fresh interpreter: its
// start-up is its own CPU.
func (e *engine) startProcess(th *thread, cost int64, forked bool) {
	if !forked {
		e.python(th, cost, actStartup)
		return
	}
	child := min(e.forkChild(), cost)
	if child <= 0 {
		e.sleep(th, cost, Overhead, actStartup)
		return
	}
	if cost > child {
		e.sleep(th, cost-child, Overhead, actForked)
		return
	}
	e.python(th, child, actStartup)
}

// forkChild is the part of a forked worker's start-up that is its own
// CPU, the last (ForkChild, at most the whole start-up).
func (e *engine) forkChild() int64 { return min(e.prof.ForkChild, e.prof.ProcessFork) }

// fanOut says where the gather branches of process p's threads go under
// d, a thread pool: a second pool when d has a fanout, else the pool
// itself (behind the tasks queued before them when that is the engine's
// central queue: a single ThreadPoolExecutor). Processes that set no fan
// run branches one after another on the thread itself.
func (e *engine) fanOut(p *process, d model.Deployment) {
	if d.Fanout > 0 {
		name := "fanout"
		if p.id > 0 && e.dep.Kind == model.Processes {
			name = fmt.Sprintf("p%d/fanout", p.id)
		}
		p.fan = &pool{cap: d.Fanout, parent: p, name: name, overhead: e.prof.PoolTask, wake: true}
		return
	}
	p.fan = p.pool
	p.central = e.dep.Kind != model.Processes && p.pool.cap > 0
}

// free is how many more tasks worker process p can take now; -1 when it
// cannot take any. A process without a bound counts its tasks in flight
// against it, so that the least loaded still comes first.
func (e *engine) free(p *process) int {
	if !p.started || e.forkGate > 0 {
		return -1
	}
	if p.loop != nil {
		if p.loop.busy && e.dep.Kind == model.Processes {
			// A worker's loop accepts only from select: while idle, or
			// when it polls between callbacks (loopNext).
			return -1
		}
		if p.loop.limit == 0 {
			return math.MaxInt32 - p.loop.inFlight
		}
		return p.loop.limit - p.loop.inFlight - 1
	}
	if e.submitter != nil {
		// The main thread starts the threads; tasks wait for an idle one.
		return p.pool.idle.len() - 1
	}
	if p.pool.cap == 0 {
		return math.MaxInt32 - p.pool.busy
	}
	return p.pool.cap - p.pool.busy - 1
}

// dispatch asks for queued tasks to be handed out at the end of the
// current instant, once every event of the instant has happened: worker
// processes that start together then share the first tasks.
func (e *engine) dispatch() { e.dispatchDue = true }

// handOut gives queued tasks to the worker processes with the most room,
// round-robin among equals (gunicorn's idle workers racing to accept). A
// worker's event loop that wins takes what it accepts at one wake-up
// (accept), not one task.
func (e *engine) handOut() {
	e.dispatchDue = false
	n := len(e.workers)
	for e.central.len() > 0 {
		var p *process
		best, at := -1, 0
		for i := 0; i < n; i++ {
			q := e.workers[(e.rr+i)%n]
			if f := e.free(q); f > best {
				p, best, at = q, f, i
			}
		}
		if p == nil {
			break
		}
		e.rr = (e.rr + at + 1) % n
		if p.loop != nil && e.dep.Kind == model.Processes {
			e.accept(p)
			e.kickLoop(p.loop) // it runs what it took before it polls again
			continue
		}
		a := e.central.pop()
		var sl int32
		if a.group < 0 {
			sl = a.id // a gather branch, a slot already
		} else {
			sl = e.newSlot(a, p)
		}
		if p.loop != nil {
			e.loopAdmit(p, sl)
		} else {
			e.poolAssign(p.pool, sl)
		}
	}
	e.kickIdle()
}

// LoopBacklog is how many tasks a worker's event loop takes at one
// wake-up: asyncio's _accept_connection calls accept() up to the server's
// backlog times each time the listening socket is readable, and uvicorn
// passes its --backlog (2048 by default) to create_server.
const LoopBacklog = 2048

// accept is a worker's event loop polling the listening socket (from
// select, idle or between callbacks): it takes every queued task at once,
// up to its backlog, or under asyncio(limit=K) up to its free places. So
// the first worker to poll takes a whole burst, and the others get what
// arrives after.
func (e *engine) accept(p *process) {
	l := p.loop
	n := LoopBacklog
	if l.limit > 0 {
		n = l.limit - l.inFlight
	}
	head := int32(-1)
	for ; n > 0 && e.central.len() > 0; n-- {
		sl := e.newSlot(e.central.pop(), p)
		e.loopAdmit(p, sl)
		if e.sink == nil {
			continue
		}
		w := &e.spans[sl].why
		switch {
		case e.slots[sl].release == e.now:
		case head >= 0:
			// Queued with the first of this wake-up: it waits behind it here.
			*w = because(Accepted, l.th.id, head)
		case w.Kind == NoCause && l.last >= 0:
			// Every loop was busy in a callback until this one ended and
			// the loop polled.
			*w = because(LoopPolled, l.th.id, l.last)
		case w.Kind == NoCause && l.created >= 0:
			// The callback that ended was the creation of the tasks it
			// took before: it waited behind the first of them.
			*w = because(LoopPolled, l.th.id, l.created)
		}
		if head < 0 {
			head = e.slots[sl].id
		}
	}
}

// newSlot makes the running state of a released task.
func (e *engine) newSlot(a arrival, p *process) int32 {
	i := e.allocSlot()
	if e.tree {
		e.frames[i] = frame{parent: -1, gather: -1, held: -1, wait: -1, joinTh: -1, key: uint64(a.id)}
	}
	e.slots[i] = slot{
		id:       a.id,
		group:    a.group,
		proc:     int32(p.id),
		rng:      workload.NewRand(e.wl.Seed, uint64(a.id)),
		release:  a.release,
		firstRun: -1,
	}
	if e.sink != nil {
		// Until now it was queued; under asyncio(limit=K) it was a created
		// task suspended in `async with` on the semaphore, not a ready one.
		st := Ready
		if p.loop != nil && p.loop.limit > 0 {
			st = Waiting
		}
		e.spans[i] = taskSpan{state: st, lane: -1, since: a.release}
	}
	return i
}

// started notes that the task in slot i runs for the first time, on th.
func (e *engine) started(i int32, th *thread) {
	sl := &e.slots[i]
	if sl.firstRun >= 0 {
		return
	}
	sl.firstRun = e.now
	e.queue.add(e.now - sl.release)
	if e.record {
		r := e.recordOf(sl.id)
		r.Start, r.Lane = e.now, int(th.id)
	}
}

// recordOf is task id's record, the records grown to hold it. Where a
// task first ran is kept there rather than in its slot: a slot is kept
// small, and only a run that lists its tasks needs it.
func (e *engine) recordOf(id int32) *TaskRecord {
	for int(id) >= len(e.records) {
		e.records = append(e.records, TaskRecord{})
	}
	return &e.records[id]
}

// submitNext makes the main thread of a thread-pool program submit the
// next released task: ThreadPoolExecutor.submit, and Thread.start() when
// no worker is idle and the pool may grow (for per-task threads, always).
func (e *engine) submitNext() {
	main := e.submitter
	if e.submitQ.len() == 0 {
		e.submitBusy = false
		e.idle(main)
		e.unlockSubmits()
		return
	}
	e.submitBusy = true
	a := e.submitQ.pop()
	pl := e.workers[0].pool
	cost, creates := e.prof.PoolSubmit, false
	switch {
	case pl.cap == 0:
		cost, creates = 0, true
	case pl.idle.len() == 0 && len(pl.threads)+e.pendingCreate < pl.cap:
		creates = true
	}
	if creates {
		// Thread.start(): the starting thread's half of ThreadStart.
		cost += e.prof.ThreadStart / 2
		e.pendingCreate++
	}
	e.submitting, e.submitCreates = a, creates
	e.python(main, cost, actSubmit)
}

// submitted puts the task the main thread submitted into the pool's queue.
// When it started a thread for it, Thread.start() then waits for the new
// thread to say it runs: the new thread needs the GIL for that, and the
// main thread needs it back afterwards, two hand-overs that cost a switch
// interval each while other threads compute.
func (e *engine) submitted() {
	e.central.push(e.submitting)
	if !e.submitCreates {
		e.dispatch()
		e.submitNext()
		return
	}
	e.pendingCreate--
	pl := e.workers[0].pool
	th := e.newThread(pl.parent, roleWorker, WorkerThread, fmt.Sprintf("%s-%d", pl.name, len(pl.threads)+1))
	th.pool, th.oneShot = pl, pl.cap == 0
	pl.threads = append(pl.threads, th)
	main := e.submitter
	main.act = actNone
	e.drop(main)
	e.setLane(main, Waiting)
	// The spin of free-threaded locks (spin.go): a ThreadPoolExecutor's
	// new thread reached its first task as late as its starter came back
	// (3.13t here: the third of three pool threads on 2 cores began at
	// 62 ms), so it spins, and its starter waits for it; a bare
	// Thread's target ran 0.3 ms after its start() began, and only the
	// starting thread spins.
	if pl.cap > 0 {
		e.spinStart(th, main)
	} else {
		e.spinStart(main, th)
	}
	// Its bootstrap, up to telling the starting thread that it runs.
	e.python(th, e.prof.ThreadStart-e.prof.ThreadStart/2, actBoot)
}

// booted is a new pool thread telling the main thread it runs
// (_started.set()); then it takes a task from the queue, or waits for one.
func (e *engine) booted(th *thread) {
	e.laneCause(e.submitter, Woken, th.id, -1)
	if e.submitter.spinK > 0 {
		// Still spinning: it takes the lock when its spin ends.
		e.submitter.act, e.submitter.spinWaits = actWake, true
	} else {
		e.sleep(e.submitter, e.prof.WakeLatency, Waiting, actWake)
	}
	th.idleSince = e.now
	if e.sink != nil {
		th.offer = because(ThreadStarted, th.id, -1)
	}
	th.pool.idle.push(th.id)
	e.handOut() // it takes the queue's head before the starter looks again
	if th.slot < 0 {
		e.idle(th) // nothing queued: it blocks in get(), letting go of the GIL
	}
}

// poolAssign gives a task to an idle thread of the pool, or to a new one.
func (e *engine) poolAssign(pl *pool, sl int32) {
	pl.busy++
	var th *thread
	if pl.idle.len() > 0 {
		th = e.threads[pl.idle.pop()]
		th.slot = sl
		if e.sink != nil {
			e.assignCause(pl, th, sl)
		}
		if pl.wake && th.idleSince < e.now && e.prof.WakeLatency > 0 {
			// Blocked in the queue's get(): the put wakes it, a little later.
			e.sleep(th, e.prof.WakeLatency, Idle, actWake)
			return
		}
		e.begin(th)
		return
	} else {
		p := pl.parent
		th = e.newThread(p, roleWorker, WorkerThread, fmt.Sprintf("%s-%d", pl.name, len(pl.threads)+1))
		th.pool = pl
		th.oneShot = pl.cap == 0
		pl.threads = append(pl.threads, th)
		th.slot = sl
		if e.sink != nil {
			// It waits for its process to start, or for its new thread to.
			e.spans[sl].why = because(ThreadStarted, th.id, -1)
			if e.slots[sl].release < e.now && p.up == e.now {
				e.spans[sl].why = because(ProcessStarted, p.main.id, -1)
			}
		}
		e.python(th, e.prof.ThreadStart, actStartup)
		return
	}
}

// assignCause records, for a task given to an idle thread th, what it
// waited for (if it waited): th itself, freed or started just now; the
// process, started just now; else the main thread submitting it. A thread
// blocked in the queue's get() is woken by whoever put the task there.
func (e *engine) assignCause(pl *pool, th *thread, sl int32) {
	p := pl.parent
	if e.slots[sl].release < e.now {
		w := &e.spans[sl].why
		switch {
		case th.idleSince == e.now && th.offer.Kind != NoCause:
			*w = th.offer
		case p.up == e.now:
			*w = because(ProcessStarted, p.main.id, -1)
		case e.submitter != nil:
			*w = because(Submitted, e.submitter.id, -1)
		}
	}
	if pl.wake && th.idleSince < e.now && p.main != nil && p.main != th {
		th.why = because(Woken, p.main.id, e.slots[sl].id)
	}
}

// begin starts the thread's assigned task: the pool's per-task cost first
// (after its input, if it has any, has come through the pipe).
func (e *engine) begin(th *thread) {
	e.started(th.slot, th)
	if in, _ := e.dataOf(th.slot, th); in > 0 {
		e.sendInput(e.feed, th, th.slot, in)
		return
	}
	e.python(th, th.pool.overhead, actBegin)
}

// advance decides what a thread does next, once it holds what it needs.
func (e *engine) advance(th *thread) {
	if th.act == actForked {
		// The parent's part of a forked worker's start-up is done: the
		// child's own follows, on a core.
		e.python(th, e.forkChild(), actStartup)
		return
	}
	switch th.role {
	case roleLoop:
		e.loopAdvance(th)
		return
	case roleJob:
		e.jobAdvance(th)
		return
	case rolePickle:
		if th.act == actFork {
			e.forkDone(th)
			return
		}
		e.pickled(th.feed)
		return
	case roleTracker:
		e.idle(th) // up: it only waits for the program's semaphores to unregister
		return
	case roleSubmit:
		if th.act == actWake {
			e.submitNext() // back from Thread.start()
		} else {
			e.submitted()
		}
		return
	}
	switch th.act {
	case actWake:
		e.begin(th)
		return
	case actRetake:
		if e.retake(th) {
			e.step(th)
		}
		return
	case actGather:
		e.branchSubmitted(th)
		return
	case actLock:
		e.submitBranch(th)
		return
	case actUnpickle:
		e.unpickled(e.feed, th)
		e.python(th, th.pool.overhead, actBegin)
		return
	case actPickleOut:
		e.finishWorker(th)
		return
	case actBoot:
		if th.spinK > 0 {
			// Its bootstrap is done; it tells its starter only once its
			// spin ends (spinEnd).
			th.act, th.spinWaits = actBoot, true
			e.drop(th)
			e.setLane(th, Waiting)
			return
		}
		e.booted(th)
		return
	case actStartup:
		p := th.proc
		switch {
		case th.slot >= 0:
			// A new pool thread, created for the task it now runs.
			e.begin(th)
		case th.pool == nil:
			// A composite worker's main thread: the process is up; its
			// pool creates threads as tasks come.
			e.idle(th)
		default:
			// The single worker of a processes(N) process, or a pool
			// thread that a gather started for the pool's queue.
			e.idle(th)
			th.idleSince = e.now
			if e.sink != nil {
				th.offer = because(ProcessStarted, th.id, -1)
				if th.pool.starting > 0 {
					th.offer = because(ThreadStarted, th.id, -1)
				}
			}
			th.pool.idle.push(th.id)
			if th.pool.starting > 0 {
				// Started by a submit: it takes the queue's head before
				// the next submit looks for an idle thread (a thread that
				// has run nothing yet is not idle to ThreadPoolExecutor).
				th.pool.starting--
				e.handOut()
			}
		}
		if !p.started {
			p.started, p.up = true, e.now
			if e.forkGate > 0 {
				e.forkGate--
			}
			e.dispatch()
		}
		return
	case actNone:
		if th.slot >= 0 {
			e.begin(th)
			return
		}
	}
	e.step(th)
}

// step runs the next step of the thread's task, or finishes it.
func (e *engine) step(th *thread) {
	for {
		sl := &e.slots[th.slot]
		o, d, ok := e.progs[sl.group].next(&sl.pc, e.counters[int(th.slot)*e.maxDepth:], &sl.rng)
		switch {
		case !ok:
			if e.prof.NetpollResolution > 0 {
				e.goSchedule(th.proc) // the goroutine ends, or blocks for the next task
			}
			e.finishWorker(th)
			return
		case o.kind == opWork:
			if o.released {
				e.cwork(th, d, actStep)
			} else {
				e.python(th, e.pyWork(d), actStep)
			}
			return
		case o.kind == opWait:
			e.setTask(th.slot, Waiting, th.id)
			if e.prof.NetpollResolution > 0 {
				e.goSleep(th, d)
			} else {
				e.sleep(th, d+e.prof.SleepOvershoot, Waiting, actStep)
			}
			return
		}
		if !e.threadControl(th, o) {
			return
		}
	}
}

// threadControl carries out an instruction of the task th runs that is
// no step of its own: a gather, a branch's end, a resource taken or given
// back. It says whether th goes on with its task (th.slot) at once.
func (e *engine) threadControl(th *thread, o *op) bool {
	switch o.kind {
	case opChoose:
		e.choose(th.slot, o.count)
		return true
	case opGather:
		return e.threadGather(th, o.count)
	case opAcquire:
		return e.acquireUnit(th, th.slot, o.count)
	case opRelease:
		e.releaseUnit(th, th.slot, o.count)
		return true
	case opRet:
		if e.frames[th.slot].run == runInline {
			par := e.endBranch(th.slot, th)
			e.inlineNext(th, par)
			return true
		}
		e.finishWorker(th)
		return false
	}
	panic("sim: an instruction threads do not run")
}

// pyWork is the CPU time of d of Python code on this runtime.
func (e *engine) pyWork(d int64) int64 {
	if e.slow == 1 {
		return d
	}
	return int64(float64(d)*e.slow + 0.5)
}

// idle parks a thread: it holds nothing.
func (e *engine) idle(th *thread) {
	th.act = actNone
	e.drop(th)
	e.setLane(th, Idle)
}

func (e *engine) finishWorker(th *thread) {
	sl := th.slot
	_, out := e.dataOf(sl, th)
	if out > 0 && th.act != actPickleOut {
		// The worker pickles the result; the parent unpickles it and the
		// task ends then, while the worker goes on.
		e.setTask(sl, Pickling, th.id)
		e.python(th, e.sendCost(out), actPickleOut)
		return
	}
	e.setLane(th, Idle)
	switch {
	case e.isBranch(sl):
		e.endBranch(sl, th)
	case out > 0:
		e.setTask(sl, Pickling, e.feed.th.id)
		e.pickle(e.feed, pickleJob{slot: sl, th: -1, bytes: out})
	default:
		e.finishTask(sl)
	}
	th.slot = -1
	th.act = actNone
	pl := th.pool
	pl.busy--
	if pl.queue.len() > 0 {
		// A branch queued for this pool: the thread takes it without
		// blocking in the queue's get(), and without letting the GIL go.
		th.slot = pl.queue.pop()
		pl.busy++
		e.begin(th)
		return
	}
	if th.oneShot {
		e.drop(th)
		e.exitThread(th)
	} else {
		// It blocks in the queue's get(), letting the GIL go, only if
		// nothing is queued by the end of this instant (releaseKept):
		// a ThreadPoolExecutor's worker takes a queued task holding the
		// GIL, so a thread that had it goes on with its next task before
		// any waiter runs.
		if th.holdsGIL {
			e.kept = append(e.kept, th)
		}
		th.idleSince = e.now
		if e.sink != nil {
			th.offer = because(WorkerFreed, th.id, e.slots[sl].id)
		}
		pl.idle.push(th.id)
	}
	e.dispatch()
}

// releaseKept lets the GIL go from the pool threads that finished a task
// in this instant and were given no other: they block in the queue's get().
func (e *engine) releaseKept() {
	for _, th := range e.kept {
		if th.slot < 0 && th.holdsGIL {
			e.drop(th)
		}
	}
	e.kept = e.kept[:0]
}

// finishTask records a finished task and frees its slot.
func (e *engine) finishTask(i int32) {
	sl := &e.slots[i]
	if e.sink != nil {
		e.setTask(i, numStates, -1)
	}
	e.done++
	e.inFlight--
	e.end = e.now
	e.lat.add(e.now - sl.release)
	if e.record {
		r := e.recordOf(sl.id)
		lane := r.Lane // set when it first ran (started)
		if sl.firstRun < 0 {
			lane = -1
		}
		*r = TaskRecord{Name: e.src.name(sl.id, sl.group), Release: sl.release, Start: sl.firstRun, End: e.now, Lane: lane}
	}
	e.freeSlot = append(e.freeSlot, i)
	if e.src.finished(sl.group, e.now) {
		e.schedule()
	}
}

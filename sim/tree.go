package sim

import (
	"strconv"

	"github.com/conclab/conclab/workload"
)

// This file holds the rules of SPEC §1.1 for gather, per model: each copy
// of a branch is a task of its own (a child task on an event loop, a future
// on a thread pool, a thread) or runs on its parent's thread, one after
// another (sync code, a worker process).

// How a gather branch runs, relative to the task that gathered it.
const (
	runTask   uint8 = iota // a task of its own: an asyncio child task, a future on a pool, a thread
	runInline              // on its parent's thread, after its earlier siblings (sync, a worker process)
	runEager               // asyncio(eager): on the loop, inside its parent's step, until it first suspends
)

// frame is what a slot needs beyond the flat program when its workload
// gathers or uses resources: where it sits in its task's tree, the gather
// it waits for, and the units it holds.
type frame struct {
	parent  int32  // the slot that gathered it; -1 for a task
	index   int32  // its number among its parent's children (for names)
	gather  int32  // the gather in progress (program.gathers), -1 when none
	made    int32  // copies of that gather created so far
	pending int32  // children not finished
	kids    int32  // children created in all: the next child's number
	held    int32  // the units it holds: the head of a list in engine.holds, -1
	wait    int32  // the resource instance it waits for, -1
	joinTh  int32  // the thread blocked until its children finish, -1
	run     uint8  // runTask, runInline or runEager
	fresh   bool   // created on a loop, not yet run: the rest of its objects are still to be made (gc.go)
	key     uint64 // its random stream
	since   int64  // when its current wait began
}

// reserveSlots makes room for n tasks in flight at once. A loop without
// a limit has every task it was given in flight: a batch released
// together (the million shape) then needs n slots at once, which growing
// one append at a time would copy some twenty times over.
func (e *engine) reserveSlots(n int) {
	e.slots = make([]slot, 0, n)
	e.freeSlot = make([]int32, 0, n)
	if e.maxDepth > 0 {
		e.counters = make([]int32, 0, n*e.maxDepth)
	}
	if e.sink != nil {
		e.spans = make([]taskSpan, 0, n)
	}
	if e.tree {
		e.frames = make([]frame, 0, n)
	}
}

// allocSlot returns a free slot, growing the slot tables when none is.
func (e *engine) allocSlot() int32 {
	if n := len(e.freeSlot); n > 0 {
		i := e.freeSlot[n-1]
		e.freeSlot = e.freeSlot[:n-1]
		return i
	}
	i := int32(len(e.slots))
	e.slots = append(e.slots, slot{})
	if e.maxDepth > 0 {
		e.counters = append(e.counters, make([]int32, e.maxDepth)...)
	}
	if e.sink != nil {
		e.spans = append(e.spans, taskSpan{})
	}
	if e.tree {
		e.frames = append(e.frames, frame{})
	}
	if e.tsink != nil && e.tree {
		e.trec = append(e.trec, treeRec{branch: -1})
	}
	return i
}

// isBranch says whether slot sl holds a gather branch (not a task).
func (e *engine) isBranch(sl int32) bool {
	return e.tree && e.frames[sl].parent >= 0
}

// spanOf is the slot whose task span sl's states go to: its own for a
// task, its parent's for a branch run inline (the task's own thread runs
// it), -1 for a branch that runs as a task of its own, whose states show on
// the lanes that run it.
func (e *engine) spanOf(sl int32) int32 {
	for e.tree && sl >= 0 {
		f := &e.frames[sl]
		if f.parent < 0 {
			return sl
		}
		if f.run != runInline {
			return -1
		}
		sl = f.parent
	}
	return sl
}

// newChild creates the next copy of the gather in progress in slot par,
// to run as run says. Its draws come from a stream derived from its
// parent's and its number, so they are the same under every model.
func (e *engine) newChild(par int32, run uint8) int32 {
	c := e.allocSlot()
	pf := &e.frames[par]
	p := &e.slots[par]
	key := workload.ChildStream(pf.key, uint64(pf.kids))
	e.slots[c] = slot{
		id:       p.id,
		group:    p.group,
		pc:       e.progs[p.group].branchStart(pf.gather, pf.made),
		proc:     p.proc,
		rng:      workload.NewRand(e.wl.Seed, key),
		release:  e.now,
		firstRun: e.now,
	}
	e.frames[c] = frame{parent: par, index: pf.kids, gather: -1, held: -1, wait: -1, joinTh: -1, run: run, key: key, since: e.now}
	pf.kids++
	pf.made++
	pf.pending++
	if e.sink != nil {
		e.spans[c] = taskSpan{state: numStates, lane: -1, since: e.now}
	}
	if e.tsink != nil {
		e.branchMade(par, c, run)
	}
	return c
}

// gatherTotal is how many copies the gather in progress in slot sl makes.
func (e *engine) gatherTotal(sl int32) int32 {
	return e.progs[e.slots[sl].group].gathers[e.frames[sl].gather].total
}

// startGather sets up gather g of the task in slot sl: its copies are made
// from now, and the task goes on after it once they have all finished.
func (e *engine) startGather(sl, g int32) {
	f := &e.frames[sl]
	f.gather, f.made = g, 0
	e.slots[sl].pc = e.progs[e.slots[sl].group].gathers[g].after
}

// threadGather starts gather g of the task that th runs (a thread that
// runs whole tasks). Inline, the first branch starts at once on th: it
// returns true and th goes on with th.slot. Otherwise th submits the
// branches one by one (ThreadPoolExecutor.submit, or Thread.start for a
// thread per task), then blocks until they have finished.
func (e *engine) threadGather(th *thread, g int32) bool {
	e.startGather(th.slot, g)
	if e.tsink != nil {
		run := runTask
		if th.proc.fan == nil {
			run = runInline
		}
		e.gatherBegun(th.slot, th.id, run)
	}
	if th.proc.fan == nil {
		e.inlineNext(th, th.slot)
		return true
	}
	e.submitBranch(th)
	return false
}

// inlineNext puts th on the next branch of par's gather, or back on par
// once they have all run.
func (e *engine) inlineNext(th *thread, par int32) {
	if e.frames[par].made < e.gatherTotal(par) {
		th.slot = e.newChild(par, runInline)
		return
	}
	e.frames[par].gather = -1
	e.gatherDone(par)
	th.slot = par
}

// submitBranch makes th pay for handing the next branch to its pool: the
// submit, or the starting thread's half of Thread.start().
//
// ThreadPoolExecutor.submit holds the executor's lock (_shutdown_lock)
// while it queues the work and starts a thread, and a thread that
// releases a lock takes it back at once when it asks again, before the
// waiter wakes: so while the main thread submits the released tasks, a
// worker's submit waits until it is done. The tasks take the threads
// first, and two tasks that each gather two branches on threads(2)
// deadlock, as CPython 3.11 does every time.
func (e *engine) submitBranch(th *thread) {
	if th.proc.central && e.submitBusy {
		th.act = actNone
		e.drop(th)
		e.setLane(th, Waiting)
		e.lockWait = append(e.lockWait, th)
		return
	}
	cost := e.prof.PoolSubmit
	if th.proc.fan.cap == 0 {
		cost = e.prof.ThreadStart / 2
	}
	e.python(th, cost, actGather)
}

// unlockSubmits wakes the threads that waited for the main thread to
// submit its tasks, to submit their branches.
func (e *engine) unlockSubmits() {
	for _, th := range e.lockWait {
		e.laneCause(th, Woken, e.submitter.id, -1)
		e.sleep(th, e.prof.WakeLatency, Waiting, actLock)
	}
	e.lockWait = e.lockWait[:0]
}

// branchSubmitted is th's submit done: the branch joins its pool, then th
// submits the next one, or waits for them all.
func (e *engine) branchSubmitted(th *thread) {
	par := th.slot
	c := e.newChild(par, runTask)
	e.enqueueBranch(th.proc, c)
	if e.frames[par].made < e.gatherTotal(par) {
		e.submitBranch(th)
		return
	}
	e.join(th)
}

// enqueueBranch hands branch c to the fan-out pool of process p: a thread
// of its own (a thread per task); the central queue behind the tasks
// submitted before it (a single ThreadPoolExecutor, whose submit starts a
// worker when none is idle and the pool may grow); or a pool of its own,
// which takes it at once when it has room, else queues it.
func (e *engine) enqueueBranch(p *process, c int32) {
	pl := p.fan
	switch {
	case pl.cap == 0:
		e.startThread(pl, c, e.prof.ThreadStart-e.prof.ThreadStart/2)
	case p.central:
		e.central.push(arrival{id: c, group: -1, release: e.now})
		if pl.idle.len() == 0 && len(pl.threads)+e.pendingCreate < pl.cap {
			e.startThread(pl, -1, e.prof.ThreadStart)
		}
		e.dispatch()
	case pl.idle.len() > 0 || len(pl.threads) < pl.cap:
		e.poolAssign(pl, c)
	default:
		pl.queue.push(c)
	}
}

// startThread starts a thread of pool pl that pays cost for its start,
// then runs slot sl, or (sl -1) takes what its pool's queue holds.
func (e *engine) startThread(pl *pool, sl int32, cost int64) {
	th := e.newThread(pl.parent, roleWorker, WorkerThread, pl.name+"-"+strconv.Itoa(len(pl.threads)+1))
	th.pool, th.oneShot = pl, pl.cap == 0
	pl.threads = append(pl.threads, th)
	th.slot = sl
	if sl >= 0 {
		pl.busy++
		if e.sink != nil && !e.isBranch(sl) {
			e.spans[sl].why = because(ThreadStarted, th.id, -1)
		}
	} else {
		pl.starting++
	}
	e.python(th, cost, actStartup)
}

// join blocks th until the branches its task gathered have finished (the
// futures' results), releasing the GIL; it goes on at once when they
// already have.
func (e *engine) join(th *thread) {
	par := th.slot
	f := &e.frames[par]
	if f.pending == 0 {
		f.gather = -1
		e.gatherDone(par)
		e.step(th)
		return
	}
	f.joinTh, f.since = th.id, e.now
	th.act = actNone
	e.drop(th)
	e.setLane(th, Waiting)
	e.setTask(par, Waiting, th.id)
}

// endBranch frees the slot of branch c, which finished on by, and returns
// its parent. When it was the last of its parent's gather, a parent
// blocked on a thread wakes (after WakeLatency, then it needs its GIL),
// and a parent suspended on an event loop joins the loop's ready queue
// (the gather's future resolved). A branch run inline or eagerly hands
// back to its parent's thread itself.
func (e *engine) endBranch(c int32, by *thread) int32 {
	f := &e.frames[c]
	if f.held >= 0 {
		panic("sim: a branch ended holding a resource")
	}
	par, run := f.parent, f.run
	if e.tsink != nil {
		e.trec[par].g.Last = e.trec[c].branch
		if run != runInline {
			e.setBranch(c, numStates, -1)
		}
	}
	e.freeSlot = append(e.freeSlot, c)
	pf := &e.frames[par]
	pf.pending--
	if run != runTask || pf.pending > 0 || pf.made < e.gatherTotal(par) {
		return par
	}
	if pf.joinTh >= 0 {
		th := e.threads[pf.joinTh]
		pf.joinTh, pf.gather = -1, -1
		e.gatherDone(par)
		e.laneCause(th, BranchesDone, by.id, e.slots[c].id)
		e.sleep(th, e.prof.WakeLatency, Waiting, actStep)
		return par
	}
	if l := e.procs[e.slots[par].proc].loop; l != nil {
		pf.gather = -1
		e.gatherGone(l)
		e.gatherDone(par)
		e.enqueue(l, par)
	}
	return par
}

// loopGather starts gather g of the task the loop runs. asyncio.gather
// creates a child task per copy (each paying TaskCreate, and GatherChild
// for the done callback gather adds to it), which join the ready queue in
// order; the parent suspends until they have all finished.
// Under asyncio(eager) each child runs at once, inside the parent's step,
// until it first suspends.
func (e *engine) loopGather(l *loop, g int32) {
	th := l.th
	e.startGather(th.slot, g)
	if e.tsink != nil {
		run := runTask
		if l.eager {
			run = runEager
		}
		e.gatherBegun(th.slot, th.id, run)
	}
	if l.eager {
		e.eagerNext(l, th.slot)
		return
	}
	n := int64(e.gatherTotal(th.slot))
	e.python(th, n*(e.prof.TaskCreate+e.prof.GatherChild)+e.gatherMade(l)+e.tasksMade(l, n, true), actGather)
}

// loopCreated makes the children the loop paid to create: they join its
// ready queue, and their parent suspends.
func (e *engine) loopCreated(l *loop) {
	par := l.th.slot
	n := e.gatherTotal(par)
	for e.frames[par].made < n {
		c := e.newChild(par, runTask)
		e.frames[c].fresh = true
		e.enqueue(l, c)
	}
	e.asyncPending += int(n)
	e.memory()
	e.setTask(par, Waiting, -1)
	e.yield(l, par)
}

// eagerNext creates the next child of par's gather under asyncio(eager),
// which then runs at once; once all are created, par goes on when none is
// left unfinished (3.12's gather returns a done future), else it
// suspends.
func (e *engine) eagerNext(l *loop, par int32) {
	th := l.th
	f := &e.frames[par]
	if f.made < e.gatherTotal(par) {
		var cost int64
		if f.made == 0 {
			cost = e.gatherMade(l)
		}
		th.slot = e.newChild(par, runEager)
		e.asyncPending++
		e.memory()
		// It runs at once: its objects are all made now.
		e.python(th, cost+e.prof.TaskCreate+e.prof.GatherChild+e.tasksMade(l, 1, true)+e.firstRun(l), actEager)
		return
	}
	th.slot = par
	if f.pending == 0 {
		f.gather = -1
		e.gatherGone(l)
		e.gatherDone(par)
		th.act = actStep
		e.cont = append(e.cont, th)
		return
	}
	e.setTask(par, Waiting, -1)
	e.yield(l, par)
}

// yield ends the step of the task in slot sl, which suspends: the loop
// goes on with its next iteration, or, for a child running eagerly inside
// its parent's step, with its parent's gather.
func (e *engine) yield(l *loop, sl int32) {
	if e.tree {
		if f := &e.frames[sl]; f.run == runEager {
			f.run = runTask
			e.eagerNext(l, f.parent)
			return
		}
	}
	e.endCallback(l)
	e.setLane(l.th, Idle)
	l.th.slot = -1
	e.loopNext(l)
}

// taskName is the name of the task or branch in slot sl: a branch is its
// task's name and its numbers among its parents' children, "req-1/2/1".
func (e *engine) taskName(sl int32) string {
	if !e.isBranch(sl) {
		return e.src.name(e.slots[sl].id, e.slots[sl].group)
	}
	f := &e.frames[sl]
	return e.taskName(f.parent) + "/" + strconv.Itoa(int(f.index)+1)
}

// choose draws the alternative of choose op c that the task in slot sl
// takes, from its own stream at its place among its draws (so under every
// model alike), and goes there.
func (e *engine) choose(sl int32, c int32) {
	t := &e.slots[sl]
	ch := &e.progs[t.group].chooses[c]
	k := ch.pick(&t.rng)
	t.pc = ch.starts[k]
	if e.onChoose != nil {
		key := uint64(t.id)
		if e.tree {
			key = e.frames[sl].key
		}
		e.onChoose(key, k)
	}
}

// treeRec is what a TreeSink is told of a slot: the branch in it (its
// Branch.ID) and the gather it has open.
type treeRec struct {
	branch int32
	open   bool
	g      Gather
}

// ownBranch is the slot whose branch spans sl's states go to: sl, or for
// a branch run inline, the nearest one up its tree that runs as a task
// of its own.
func (e *engine) ownBranch(sl int32) int32 {
	for e.frames[sl].run == runInline && e.frames[sl].parent >= 0 {
		sl = e.frames[sl].parent
	}
	return sl
}

// setBranch is setTask for a branch that runs as a task of its own, with
// a TreeSink: its spans go to BranchSpan, by its Branch.ID.
func (e *engine) setBranch(sl int32, s State, lane int32) {
	sl = e.ownBranch(sl)
	t := &e.spans[sl]
	if t.state == s && t.lane == lane {
		return
	}
	if e.now > t.since && t.state != numStates {
		e.tsink.BranchSpan(Span{Lane: t.lane, Task: e.trec[sl].branch, State: t.state, Start: t.since, End: e.now})
	}
	t.state, t.lane, t.since, t.why = s, lane, e.now, Cause{}
}

// branchMade tells the TreeSink of branch c, just made by gatherer par,
// and notes the end of the gather's making when c was its last copy.
func (e *engine) branchMade(par, c int32, run uint8) {
	pr := &e.trec[par]
	id := e.nextBranch
	e.nextBranch++
	parent := int32(-1)
	if e.isBranch(par) {
		parent = pr.branch
	}
	e.trec[c] = treeRec{branch: id}
	e.tsink.Branch(Branch{ID: id, Task: e.slots[c].id, Parent: parent, Name: e.taskName(c), Run: BranchRun(run), Created: e.now})
	if run != runInline {
		e.spans[c].state = Ready
	}
	if pr.open && int(e.frames[par].made) == pr.g.Count {
		pr.g.Created = e.now
	}
}

// gatherBegun notes the start of the gather the task in slot sl has just
// set up, made by thread lane, for a TreeSink.
func (e *engine) gatherBegun(sl int32, lane int32, run uint8) {
	branch := int32(-1)
	if e.isBranch(sl) {
		branch = e.trec[sl].branch
	}
	e.trec[sl].open = true
	e.trec[sl].g = Gather{Task: e.slots[sl].id, Branch: branch, Name: e.taskName(sl), Count: int(e.gatherTotal(sl)),
		Run: BranchRun(run), Lane: lane, At: e.now, Created: -1, Done: -1, Last: -1}
}

// gatherDone tells the TreeSink of the gather of slot par, whose last
// branch has finished: par can go on.
func (e *engine) gatherDone(par int32) {
	if e.tsink == nil || !e.trec[par].open {
		return
	}
	r := &e.trec[par]
	r.open = false
	r.g.Done = e.now
	e.tsink.Gather(r.g)
}

// treeStopped tells the TreeSink of the gathers a deadlock left open, and
// closes the spans of the branches it kept from finishing.
func (e *engine) treeStopped(free map[int32]bool) {
	if e.tsink == nil {
		return
	}
	for i := range e.trec {
		sl := int32(i)
		if free[sl] {
			continue
		}
		if r := &e.trec[i]; r.open {
			r.open = false
			e.tsink.Gather(r.g)
		}
		if e.isBranch(sl) && e.frames[sl].run != runInline && e.spans[sl].state != numStates {
			e.setBranch(sl, numStates, -1)
		}
	}
}

package sim

import (
	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/workload"
)

// This file holds the rules of SPEC §1.1 for resources: a use takes one
// unit of its resource, FIFO behind the tasks already waiting for one, and
// gives it back at the end of its steps, handing it straight to the first
// waiter. Threads block on it with the GIL released
// (threading.BoundedSemaphore) and, once given the unit, wake like any
// thread signalled and need their GIL again; an asyncio task suspends
// (asyncio.Semaphore) and the unit's release puts it in its loop's ready
// queue. Scope process gives each worker process an instance of its own;
// global is one instance for all (a multiprocessing semaphore, which
// blocks an event loop that takes it).
//
// Where the runtime says so (Profile.Barging: CPython's
// threading.BoundedSemaphore), threads are not served in order: a unit
// given back stays free, the first waiter is woken and takes it only once
// it runs again, and a thread that asks in between takes it instead; the
// waiter then queues again at the end (SPEC §1.1 says FIFO; CPython's
// semaphore is not).

// resInst is one instance of a resource: its units and its waiters.
type resInst struct {
	res      int32 // index in the workload's Resources
	cap      int32
	free     int32
	waiters  ring[waiter]
	peak     int   // longest queue of waiters
	held     int64 // units held now
	area     float64
	last     int64 // when held last changed
	acquires int64
	wait     int64 // time waiters spent in its queue
	barge    bool  // threads waiting for it are served as Profile.Barging says
	barged   int64 // waiters woken for a unit that another thread took first
}

// waiter is a task waiting for a unit: th is the thread blocked taking it,
// -1 for an asyncio task that suspended.
type waiter struct {
	slot, th int32
}

// hold is one unit a slot holds, in a list per slot (frame.held), the
// last taken first: uses nest, so a task gives units back in the reverse
// order it took them.
type hold struct {
	inst, next int32
}

// setupResources makes the instances of the workload's resources, once
// the worker processes exist.
func (e *engine) setupResources() {
	e.freeHold = -1
	for i, p := range e.workers {
		p.widx = int32(i)
	}
	for r, res := range e.wl.Resources {
		e.resBase = append(e.resBase, int32(len(e.inst)))
		n := len(e.workers)
		if res.Scope == workload.ScopeGlobal {
			n = 1
		}
		for k := 0; k < n; k++ {
			e.inst = append(e.inst, resInst{res: int32(r), cap: int32(res.Capacity), free: int32(res.Capacity),
				barge: res.Scope != workload.ScopeGlobal && e.prof.Barging(res.Capacity)})
		}
	}
}

// instOf is the instance of resource r that the task in slot sl uses.
func (e *engine) instOf(r, sl int32) int32 {
	if e.wl.Resources[r].Scope == workload.ScopeGlobal {
		return e.resBase[r]
	}
	return e.resBase[r] + e.procs[e.slots[sl].proc].widx
}

// blocksOn says whether a task on th waits for a unit of resource r by
// blocking its thread: always on threads; on an event loop only for a
// global resource shared by worker processes (a multiprocessing semaphore).
func (e *engine) blocksOn(th *thread, r int32) bool {
	return th.role != roleLoop ||
		e.wl.Resources[r].Scope == workload.ScopeGlobal && e.dep.Kind == model.Processes
}

// acquireUnit takes a unit of resource r for the task in slot sl, run by th,
// and says whether it has it and goes on now. Otherwise it waits, FIFO:
// th blocks (GIL released) when blocksOn says so, else the asyncio task
// suspends and its loop goes on. A thread takes a free unit of a barging
// instance even while others wait (they were woken for it, or will be).
func (e *engine) acquireUnit(th *thread, sl, r int32) bool {
	x := e.instOf(r, sl)
	in := &e.inst[x]
	block := e.blocksOn(th, r)
	if in.free > 0 && (in.waiters.len() == 0 || block && in.barge) {
		e.takeUnit(x, sl)
		return true
	}
	e.queueFor(th, x, sl, block)
	return false
}

// queueFor puts the task in slot sl, run by th, at the end of instance x's
// waiters: th blocks when block says so, else the asyncio task suspends.
func (e *engine) queueFor(th *thread, x, sl int32, block bool) {
	in := &e.inst[x]
	w := waiter{slot: sl, th: -1}
	if block {
		w.th = th.id
	}
	in.waiters.push(w)
	in.peak = max(in.peak, in.waiters.len())
	if e.onWait != nil {
		e.onWait(x, sl)
	}
	f := &e.frames[sl]
	f.wait, f.since = x, e.now
	if block {
		e.setTask(sl, ResourceWait, th.id)
		th.act = actNone
		e.drop(th)
		e.setLane(th, ResourceWait)
	} else {
		e.setTask(sl, ResourceWait, -1)
	}
}

// takeUnit gives a unit of instance x to slot sl.
func (e *engine) takeUnit(x, sl int32) {
	in := &e.inst[x]
	in.account(e.now)
	in.free--
	in.held++
	in.acquires++
	h := e.freeHold
	if h >= 0 {
		e.freeHold = e.holds[h].next
	} else {
		h = int32(len(e.holds))
		e.holds = append(e.holds, hold{})
	}
	f := &e.frames[sl]
	e.holds[h] = hold{inst: x, next: f.held}
	f.held = h
	if e.onHold != nil {
		e.onHold(x, sl, true)
	}
}

// account adds the units held since last to the instance's area.
func (in *resInst) account(now int64) {
	in.area += float64(in.held) * float64(now-in.last)
	in.last = now
}

// releaseUnit gives back the unit of resource r that the task in slot sl,
// run by th, took last, and hands it to the first waiter, if any.
func (e *engine) releaseUnit(th *thread, sl, r int32) {
	f := &e.frames[sl]
	h := f.held
	if h < 0 || e.inst[e.holds[h].inst].res != r {
		panic("sim: a task gave back a unit it does not hold")
	}
	x := e.holds[h].inst
	f.held = e.holds[h].next
	e.holds[h].next = e.freeHold
	e.freeHold = h
	in := &e.inst[x]
	in.account(e.now)
	in.free++
	in.held--
	// A barging instance's waiter, notified, leaves the queue now and
	// holds nothing yet: the unit is free, and the queue one shorter.
	notify := in.barge && in.waiters.len() > 0 && in.waiters.peek().th >= 0
	var w waiter
	if notify {
		w = in.waiters.pop()
	}
	if e.onHold != nil {
		e.onHold(x, sl, false)
	}
	if !notify {
		if in.waiters.len() == 0 {
			return
		}
		w = in.waiters.pop()
	}
	wf := &e.frames[w.slot]
	waited := e.now - wf.since
	in.wait += waited
	e.resWait += waited
	if !notify {
		wf.wait = -1
		e.takeUnit(x, w.slot)
	}
	if e.sink != nil {
		c := Cause{Kind: ResourceFreed, Resource: uint16(r), Lane: th.id, Task: e.slots[sl].id}
		if s := e.spanOf(w.slot); s >= 0 {
			e.spans[s].why = c
		}
		if w.th >= 0 {
			e.threads[w.th].why = c
		}
	}
	switch {
	case notify:
		// Notified, holding nothing: it runs after the wake-up latency,
		// with its GIL, and only then takes the unit, if it is still free
		// (retake).
		e.sleep(e.threads[w.th], e.prof.WakeLatency, ResourceWait, actRetake)
		return
	case w.th >= 0:
		// Signalled: it runs after the wake-up latency, then needs its GIL.
		e.sleep(e.threads[w.th], e.prof.WakeLatency, ResourceWait, actStep)
		return
	}
	// The waiter's future is resolved: its task joins the ready queue.
	l := e.procs[e.slots[w.slot].proc].loop
	e.enqueue(l, w.slot)
	e.kickLoop(l)
}

// retake is a thread notified for a unit of the instance its task waits
// for, running again: it takes the unit if nobody did in between, and says
// so; else it queues again at the end, blocked.
func (e *engine) retake(th *thread) bool {
	sl := th.slot
	f := &e.frames[sl]
	x := f.wait
	in := &e.inst[x]
	if in.free > 0 {
		f.wait = -1
		e.takeUnit(x, sl)
		return true
	}
	in.barged++
	e.queueFor(th, x, sl, true)
	return false
}

// resourceStats sums up each resource over its instances, over a run of
// length span.
func (e *engine) resourceStats(span int64) []ResourceStats {
	if len(e.wl.Resources) == 0 {
		return nil
	}
	out := make([]ResourceStats, len(e.wl.Resources))
	for r, res := range e.wl.Resources {
		out[r] = ResourceStats{Name: res.Name, Capacity: res.Capacity}
	}
	area := make([]float64, len(out))
	for i := range e.inst {
		in := &e.inst[i]
		in.account(e.now)
		s := &out[in.res]
		s.Instances++
		s.Acquires += in.acquires
		s.Wait += in.wait
		s.PeakQueue = max(s.PeakQueue, in.peak)
		s.Barged += in.barged
		area[in.res] += in.area
	}
	for r := range out {
		if d := float64(out[r].Capacity) * float64(out[r].Instances) * float64(span); d > 0 {
			out[r].Utilization = area[r] / d
		}
	}
	return out
}

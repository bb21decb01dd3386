package sim

// This file holds the rules of SPEC §3 for the CPU and the GIL: each rule
// has its one place here.

import (
	"slices"

	"github.com/conclab/conclab/runtime"
)

// python makes th run work nanoseconds of Python code (holding its
// process's GIL), then continue with next. Zero work still needs the GIL:
// returning from a sleep or from C code runs Python, so a thread coming back
// from I/O queues for the GIL like any other (the convoy effect).
func (e *engine) python(th *thread, work int64, next act) {
	th.act = next
	e.charged += work
	if next != actStep {
		e.costs += work
	}
	w := float64(work)
	p := th.proc
	if !p.gil || th.holdsGIL {
		e.compute(th, w)
		return
	}
	if p.holder == nil {
		// Free, or released to a waiter that is still waking: CPython's
		// take_gil takes a free GIL at once, whoever is signalled.
		e.take(p, th, false)
		if p.waiters.len() > 0 {
			e.armDrop(p)
		}
		e.compute(th, w)
		return
	}
	// Rule 3: wait; the longest waiter asks for a drop after one interval.
	th.pending = w
	th.since = e.now
	th.queuedAt = p.handovers
	th.arrived = true
	p.waiters.push(th)
	e.setLane(th, GILWait)
	if e.taskWaits(th) {
		e.setTask(th.slot, GILWait, th.id)
	}
	if p.waiters.len() == 1 {
		e.armDrop(p)
	}
}

// taskWaits says whether th's wait for the GIL is its task's too: not when
// it is an event loop submitting the task's step to an executor, which the
// task already awaits.
func (e *engine) taskWaits(th *thread) bool {
	return th.slot >= 0 && th.act != actOffload
}

// compute starts Python work on a thread that may run it.
func (e *engine) compute(th *thread, w float64) {
	if w <= 0 {
		e.cont = append(e.cont, th)
		return
	}
	st := Working
	switch th.act {
	case actStartup, actBegin, actResume, actAwait, actSubmit, actCreate, actOffload, actDone, actBoot, actGather, actEager, actTurn, actFork:
		st = Overhead
	case actPickle, actUnpickle, actPickleOut:
		st = Pickling
	}
	e.setLane(th, st)
	if th.slot >= 0 && st == Working {
		e.setTask(th.slot, Working, th.id)
	}
	e.cpu.add(th, w)
}

// cwork makes th run work nanoseconds of C code with the GIL released.
func (e *engine) cwork(th *thread, work int64, next act) {
	th.act = next
	e.charged += work
	e.drop(th)
	th.inC = true
	e.setLane(th, WorkingC)
	if th.slot >= 0 {
		e.setTask(th.slot, WorkingC, th.id)
	}
	e.cpu.add(th, float64(work))
}

// sleep makes th sleep for d (a wait: the GIL is released, no core used).
func (e *engine) sleep(th *thread, d int64, st State, next act) {
	e.park(th, st, next)
	e.events.push(later(e.now, d), evWake, th.id, 0)
}

// park stops th in state st, its GIL released, to go on with next once
// woken (evWake).
func (e *engine) park(th *thread, st State, next act) {
	th.act = next
	e.drop(th)
	e.setLane(th, st)
}

// take gives p's GIL to th. Rule 3: every waiter's interval restarts.
func (e *engine) take(p *process, th *thread, handover bool) {
	p.holder = th
	p.bumped = nil // forceSwitch sets it again after a forced switch
	th.holdsGIL = true
	p.last = e.now
	if handover {
		e.switches++
	}
}

// drop releases th's GIL if it holds it (rule 2): the longest waiter gets
// it, once it has woken. CPython's drop_gil signals the waiters' condition
// variable and goes on; the thread woken needs the profile's GILHandover
// to run, and meanwhile the GIL is free: a thread that asks for it then
// (back from a wait or from C code) takes it first (python), and the woken
// waiter waits on.
func (e *engine) drop(th *thread) {
	if !th.holdsGIL {
		return
	}
	th.holdsGIL = false
	p := th.proc
	p.holder = nil
	switch {
	case p.waiters.len() == 0:
		p.gen++ // nobody waits: no forced switch pending
	case e.prof.GILHandover > 0:
		p.handFrom = th
		p.handGen++
		e.events.push(later(e.now, e.prof.GILHandover), evGILHandover, int32(p.id), p.handGen)
	default:
		e.grant(p, GILReleased, th, 0)
	}
}

// handOver gives a released GIL to the longest waiter, now awake, unless
// another thread took it meanwhile.
func (e *engine) handOver(p *process) {
	from := p.handFrom
	p.handFrom = nil
	if p.holder == nil && p.waiters.len() > 0 {
		e.grant(p, GILReleased, from, 0)
	}
}

// gilStream numbers the random streams of the processes' GILs, apart from
// the tasks' streams (numbered by task from 0) and their children's.
const gilStream = 1 << 62

// grant hands p's free GIL to the k-th of its waiters: from, which
// released it (GILReleased) or was made to drop it (GILForced), ends the
// wait. After a release the longest waiter gets it (rule 2, k = 0); after a
// forced switch the one forcedPick chose.
func (e *engine) grant(p *process, why CauseKind, from *thread, k int) {
	w := p.waiters.take(k)
	p.handovers++
	e.gilWait += e.now - w.since
	e.take(p, w, true)
	if e.sink != nil {
		task := from.lastTask
		if t := e.taskOf(from); t >= 0 {
			task = t
		}
		w.why = because(why, from.id, task)
		if sl := e.spanOf(w.slot); sl >= 0 && e.taskWaits(w) {
			e.spans[sl].why = w.why
		}
	}
	if p.waiters.len() > 0 {
		e.armDrop(p)
	} else {
		p.gen++
	}
	e.compute(w, w.pending)
}

// forcedPick returns the place in p's queue of the thread that gets the
// GIL after a forced switch (the dropper not yet queued). CPython does not hand
// it to the longest waiter: every waiter sleeps on one condition variable
// with a timeout of one interval and goes back to sleep when it expires,
// restarting its interval when the GIL has changed hands meanwhile. The
// thread made to drop the GIL at the last hand-over began its interval
// then, so its timeout is the one that runs out and asks the holder to
// drop: it is awake when the GIL comes free, and takes it most often
// (measured with runtime/gil_handover.py, where it is also the newest
// waiter). A thread that came to the GIL from elsewhere (back from a wait
// or C code, woken by another thread, a new thread's bootstrap) asks for
// nothing: its timeouts run out after a switch. It gets the GIL when the
// condition variable wakes it, the profile's ArrivedShare of the switches,
// so a thread started beside CPU-bound ones waits, and its starter waits
// again: CPython started 6 CPU-bound threads at 1, 7, 18, 49, 62 and 92 ms
// (medians of 8 runs of the program conclab export -e 'cores=2; 6 x [work
// 300ms]' -m threads writes, 3.11.7, 2026-12-03). The other waiters,
// asleep, get it the more often the longer they have waited. When no
// waiter was made to drop it (the last hand-over was a release), every
// waiter is asleep and shares as the others do. The profile's ForcedRank
// and ForcedRankAsleep give the shares by rank, and p's random stream,
// from the workload's seed, draws each hand-over.
func (e *engine) forcedPick(p *process) int {
	n := p.waiters.len() // in the order they began waiting
	if n < 2 || !e.prof.GIL {
		return 0
	}
	hot := -1
	for i := range n {
		if p.waiters.at(i) == p.bumped {
			hot = i
			break
		}
	}
	u := p.rng.Float64()
	// The arrived waiters first, each with its share; what is left goes
	// by rank among the rest (the awake one among them).
	rest := e.pickBuf[:0]
	arrived := 0
	for i := range n {
		if w := p.waiters.at(i); w.arrived && i != hot {
			arrived++
		} else {
			rest = append(rest, i)
		}
	}
	e.pickBuf = rest
	if arrived > 0 {
		q := e.prof.ArrivedShare(n)
		if len(rest) == 0 {
			q = 1 / float64(arrived)
		} else if float64(arrived)*q > runtime.MaxArrivedShare {
			q = runtime.MaxArrivedShare / float64(arrived)
		}
		if u < float64(arrived)*q {
			k := int(u / q)
			for i := range n {
				if w := p.waiters.at(i); w.arrived && i != hot {
					if k == 0 {
						return i
					}
					k--
				}
			}
		}
		u = (u - float64(arrived)*q) / (1 - float64(arrived)*q)
	}
	if hot < 0 {
		return rest[e.prof.ForcedRankAsleep(len(rest), u)]
	}
	m := len(rest)
	if m == 1 {
		return hot
	}
	h := slices.Index(rest, hot)
	first := 0 // the longest waiter besides the awake one
	if h == 0 {
		first = 1
	}
	waited := int(p.handovers - p.waiters.at(rest[first]).queuedAt)
	r := e.prof.ForcedRank(m, waited, u)
	if r == m-1 {
		return hot
	}
	if r >= h {
		r++
	}
	return rest[r]
}

// armDrop schedules the forced switch for p's current waiters: the head has
// waited since max(its arrival, the last hand-over), and asks for the GIL
// when its timed wait of one interval runs out, the profile's
// SleepOvershoot after the interval (a timed wait on the kernel's timers,
// as a sleep is). CPython 3.11 here: 2 and 3 CPU-bound threads held the
// GIL 5.09–5.11 ms a slice (median of 550–590 slices, 2026-12-03), and
// threading.Lock.acquire(timeout=0.005) came back 124–139 µs late.
func (e *engine) armDrop(p *process) {
	p.gen++
	from := p.last
	if s := p.waiters.peek().since; s > from {
		from = s
	}
	e.events.push(later(from, e.si+e.prof.SleepOvershoot), evGILDrop, int32(p.id), p.gen)
}

// forceSwitch is rule 3: the holder drops the GIL at once and queues behind
// the others; one of them gets it (forcedPick).
func (e *engine) forceSwitch(p *process) {
	h := p.holder
	if h == nil || p.waiters.len() == 0 {
		return
	}
	if h.cpuIdx < 0 {
		// A pool thread between two tasks (releaseKept): it runs no code
		// the request could interrupt, and lets the GIL go as it would.
		e.drop(h)
		return
	}
	k := e.forcedPick(p)
	if e.sink != nil {
		w := p.waiters.at(k)
		h.why = because(Preempted, w.id, e.taskOf(w))
		if sl := e.spanOf(h.slot); sl >= 0 && e.spans[sl].state == Working {
			e.spans[sl].why = h.why
		}
	}
	h.pending = e.cpu.remove(h)
	h.holdsGIL = false
	p.holder = nil
	h.since = e.now
	h.queuedAt = p.handovers
	h.arrived = false
	p.waiters.push(h)
	e.setLane(h, GILWait)
	if e.taskWaits(h) {
		e.setTask(h.slot, GILWait, h.id)
	}
	e.grant(p, GILForced, h, k)
	p.bumped = h
}

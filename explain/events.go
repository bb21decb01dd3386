package explain

import (
	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/sim"
)

// kind is what an event tells. The order is the order of events that
// happen at the same instant.
type kind uint8

const (
	kFinish     kind = iota // a task finishes (first: it frees what the next one needs)
	kServer                 // a forkserver starts up (dur), before it forks the first worker
	kTracker                // multiprocessing's resource tracker starts up (dur: elapsed, on shared cores)
	kProcStart              // a worker process starts up
	kLoopSetup              // the main coroutine creates the tasks, before the loop runs any
	kCreate                 // a thread is created for a task
	kCompute                // a task runs code
	kBlocked                // a task blocks its event loop
	kWait                   // a task waits (sleeps, or awaits)
	kOffload                // a coroutine hands a blocking call to the executor
	kResWait                // a task waits for a unit of a resource (peer: the resource)
	kQueued                 // a released task waits before it first runs
	kResumeLate             // a coroutine's wait is over, but its loop is busy
	kMainGIL                // a pool's main thread waits for the GIL back (after starting a thread, or to submit)
	kGILWake                // a thread back from a wait (or C code) waits for the GIL
	kGILTurns               // CPU-bound threads take turns on the GIL
	kPhase                  // a later phase (after:) is released: task is its first, peer its group
)

// reason says why a task waited before running.
type reason uint8

const (
	rTurn       reason = iota // sync: one task after another
	rWorkers                  // all pool workers busy
	rSubmit                   // the main thread has not submitted it (or started its thread) yet
	rProcs                    // all worker processes busy
	rProcsStart               // worker processes still starting
	rLoopBusy                 // the loop runs other tasks
	rLoopStuck                // the loop is blocked by another task
	rSemaphore                // asyncio(limit=K)
	rAccepted                 // a worker's loop took it with others at one wake-up (otask: the first)
	rPolled                   // every worker's loop was in a callback until one polled
	rThread                   // its new thread starting (a worker process's pool)
	rNone                     // nothing but its own start (runtime costs)
)

// event is one thing that happened, before folding.
//
// Events are many (one per task step), so they are kept small and free of
// pointers: what only a line told for one event needs (the tasks a busy
// loop ran) is worked out when that line is written.
type event struct {
	at    int64
	dur   int64 // how long it lasted
	cpu   int64 // compute: time actually running the task's code
	lead  int64 // create: GIL wait before the start-up
	task  int32 // -1: none
	lane  int32 // the lane it happened on; -1: none
	other int32 // the lane that let the GIL go (or took it, for turns; the executor, for an offload); -1: none
	otask int32 // the task that lane last ran, or the task the loop turns to; -1: none
	loop  int32 // queued: the loop that was busy meanwhile; -1: none (see narrator.also)
	peer  int32 // create: the task the new thread takes first; main GIL: the thread just started; queued: the lane that takes the task; -1: none
	kind  kind
	why   reason
	first bool // the task's first action: "starts and …"
	warn  bool
	rel   bool // compute: C code with the GIL released
	force bool // GIL: the waiter's switch interval forced the holder to drop it
	// GIL: the waiter had been made to drop it (a forced switch) and got
	// it back when the thread that took it let it go (to wait, or to C
	// code), not by forcing it in turn
	back bool
	// resource wait: how many times the task, woken for a unit given
	// back, found it taken by a thread that asked after it (CPython's
	// threading semaphore; otask took it the first time) and queued again
	barges int32
}

// laneEvents reads what the lanes did: process start-ups, the main
// coroutine creating the tasks, thread creation, and waits for the GIL.
func (n *narrator) laneEvents() {
	if n.r.ForkserverBoot > 0 {
		n.add(event{at: n.r.ForkserverAt, kind: kServer, lane: -1, task: -1, other: -1, otask: -1, peer: -1, dur: n.r.ForkserverBoot})
	}
	for id, spans := range n.laneSpans {
		lane := int32(id)
		l := n.lanes[id]
		created := false
		mainPool := n.poolMain(lane)
		for i, s := range spans {
			if s.End <= s.Start {
				continue
			}
			switch {
			case l.Kind == sim.HelperProcess:
				if s.State == sim.Overhead {
					n.add(event{at: s.Start, kind: kTracker, lane: lane, task: -1, other: -1, otask: -1, peer: -1, dur: s.End - s.Start})
				}
				continue
			case l.Kind == sim.ProcessMain && !created && s.State == sim.Idle:
				continue // a forked worker waits for the one before it to start
			case l.Kind == sim.ProcessMain && !created && s.State == sim.Overhead && s.Task < 0:
				created = true
				n.add(event{at: s.Start, kind: kProcStart, lane: lane, task: -1, other: -1, otask: -1, peer: -1, dur: s.End - s.Start})
				continue
			case l.Kind == sim.LoopThread && !created && s.State == sim.Overhead && s.Task < 0:
				created = true
				if e, ok := n.loopSetup(lane, s); ok {
					n.add(e)
				}
				continue
			case (l.Kind == sim.WorkerThread || l.Kind == sim.ExecutorThread) && !created:
				created = true
				e := event{at: s.Start, kind: kCreate, lane: lane, task: -1, other: -1, otask: -1, peer: -1}
				j := i
				for ; j < len(spans) && spans[j].State == sim.GILWait; j++ {
					e.lead += spans[j].End - spans[j].Start
				}
				if e.lead > 0 {
					e.other, e.otask = gilFrom(spans[j-1])
				}
				e.task = n.bootTask[lane]
				// Thread.start: the starting thread's part, then the new
				// thread's bootstrap until it takes its first task.
				e.cpu = n.mainCost(lane)
				if b := n.boot[lane]; b.End > b.Start {
					end := b.End
					if st := n.firstStep(e.task); st > b.Start && st < end {
						end = st
					}
					e.dur = end - b.Start
				}
				n.add(e)
				if s.State == sim.GILWait {
					continue // told with the creation
				}
			}
			created = true
			if s.State != sim.GILWait {
				continue
			}
			prev, _ := n.before(lane, i)
			if prev.State == sim.GILWait {
				continue // the same wait, split in two
			}
			e := event{at: s.Start, kind: kGILWake, lane: lane, task: s.Task, dur: s.End - s.Start, peer: -1}
			e.other, e.otask = gilFrom(s)
			e.force = s.Cause.Kind == sim.GILForced
			switch {
			case mainPool && s.Task < 0:
				e.kind = kMainGIL
				if c := prev.Cause; prev.State == sim.Waiting && c.Kind == sim.Woken {
					e.peer = c.Lane // the thread it started, saying it runs
				}
			case prev.Cause.Kind == sim.Preempted && e.force:
				// Made to drop the GIL and forcing it back: CPU-bound
				// threads taking turns, told with the thread that took it.
				e.kind = kGILTurns
				e.other, e.otask = prev.Cause.Lane, prev.Cause.Task
			case prev.Cause.Kind == sim.Preempted:
				// Made to drop the GIL, and given it back when the thread
				// that took it let it go: not a turn of its own.
				e.back = true
			}
			n.add(e)
		}
	}
}

// loopSetup tells the loop's first stretch s, runtime overhead of no task:
// the main coroutine creating the tasks (gather) before the first runs.
func (n *narrator) loopSetup(lane int32, s sim.Span) (event, bool) {
	first, at, count := int32(-1), int64(0), 0
	for t, spans := range n.taskSpans.lists() {
		if len(spans) == 0 || spans[0].Start > s.End {
			continue // released after the main coroutine's stretch
		}
		created := false
		for k, x := range spans {
			if x.State == sim.Ready || (k == 0 && queueWait(x)) {
				created = true // gathered, then queued or held by the limit
				continue
			}
			if x.Lane == lane && x.Start >= s.Start {
				created = true
				if first < 0 || x.Start < at {
					first, at = int32(t), x.Start
				}
			}
			break
		}
		if created {
			count++
		}
	}
	if first < 0 || at > s.End {
		return event{}, false
	}
	return event{at: s.Start, kind: kLoopSetup, lane: lane, task: first, other: -1, otask: -1, peer: int32(min(count, 1<<30)), dur: at - s.Start}, true
}

// firstStep returns when task t first left the Ready state, or -1.
func (n *narrator) firstStep(t int32) int64 {
	if t < 0 || int(t) >= n.taskSpans.len() {
		return -1
	}
	for _, x := range n.taskSpans.of(int(t)) {
		if x.State != sim.Ready {
			return x.Start
		}
	}
	return -1
}

// poolMain says whether lane is the main thread of a thread pool (or of
// thread-per-task code): the thread that submits the tasks and starts the
// threads, running none of them.
func (n *narrator) poolMain(lane int32) bool {
	return lane >= 0 && int(lane) < len(n.lanes) && n.lanes[lane].Kind == sim.MainThread &&
		(n.d.Kind == model.ThreadPool || n.d.Kind == model.ThreadPerTask)
}

// gilFrom returns the lane that let the GIL go to the waiter of s, and
// the task that lane last ran; -1s when s did not end with a hand-over.
func gilFrom(s sim.Span) (lane, task int32) {
	if c := s.Cause; c.Kind == sim.GILReleased || c.Kind == sim.GILForced {
		return c.Lane, c.Task
	}
	return -1, -1
}

// nextWait returns the index of the task's next wait for a resource when
// it comes right after spans[i], a wait for one, past the GIL it was woken
// to get back (the unit it was woken for was taken meanwhile), else -1.
func nextWait(spans []sim.Span, i int) int {
	for j := i + 1; j < len(spans) && spans[j].Start == spans[j-1].End; j++ {
		switch {
		case spans[j].State == sim.ResourceWait:
			return j
		case spans[j].State != sim.GILWait && spans[j].End > spans[j].Start:
			return -1
		}
	}
	return -1
}

// takerBetween returns the first task other than t that took a unit of
// resource r from from to to, or -1.
func (n *narrator) takerBetween(r, t int32, from, to int64) int32 {
	for k := bisect(len(n.holds), func(k int) bool { return n.holds[k].At >= from }); k < len(n.holds) && n.holds[k].At <= to; k++ {
		if h := n.holds[k]; h.Take && int32(h.Resource) == r && h.Task != t {
			return h.Task
		}
	}
	return -1
}

// mainOf returns process p's pool main thread, or -1.
func (n *narrator) mainOf(p int) int32 {
	for id, l := range n.lanes {
		if l.Process == p && n.poolMain(int32(id)) {
			return int32(id)
		}
	}
	return -1
}

// phaseEvents tells when each later phase (a group with after:) was
// released: when the last task of the groups it waits for finished, and
// its start after that.
func (n *narrator) phaseEvents() {
	if n.wl == nil || len(n.bases) != len(n.wl.Groups) {
		return
	}
	for g, gr := range n.wl.Groups {
		if len(gr.After) == 0 {
			continue
		}
		first := n.bases[g]
		if first >= len(n.r.Records) || n.r.Records[first].End < 0 && n.r.Records[first].Start < 0 {
			continue // never released: a deadlock before it
		}
		var ended int64
		last := int32(-1)
		for _, p := range gr.After {
			for t := n.bases[p]; t < n.bases[p]+n.wl.Groups[p].Count && t < len(n.r.Records); t++ {
				if end := n.r.Records[t].End; end >= ended {
					ended, last = end, int32(t)
				}
			}
		}
		n.add(event{at: n.r.Records[first].Release, kind: kPhase, task: int32(first), lane: -1, other: -1,
			otask: last, peer: int32(g), dur: n.r.Records[first].Release - ended})
	}
}

// taskEvents reads what each task went through.
func (n *narrator) taskEvents() {
	for id, spans := range n.taskSpans.lists() {
		t := int32(id)
		started := false
		var end int64
		// A task starts when it first runs, even if only runtime overhead
		// (a coroutine's first step) comes before the step told.
		startAt := int64(-1)
		for k, s := range spans {
			if k == 0 && queueWait(s) {
				continue
			}
			if s.State == sim.Working || s.State == sim.WorkingC || s.State == sim.Waiting || s.State == sim.Blocked {
				startAt = s.Start
				break
			}
		}
		first := func(e *event) {
			e.first = !started
			if e.first && startAt >= 0 {
				e.at = min(e.at, startAt)
			}
			started = true
		}
		for i := 0; i < len(spans); i++ {
			s := spans[i]
			end = max(end, s.End)
			d := s.End - s.Start
			switch s.State {
			case sim.Ready:
				if d < n.sig {
					continue
				}
				e := event{at: s.Start, kind: kQueued, task: t, lane: -1, other: -1, otask: -1, dur: d}
				if started {
					e.kind = kResumeLate
				}
				e.why, e.loop, e.peer = n.why(s.Cause)
				if e.why == rAccepted || e.why == rPolled {
					e.otask = s.Cause.Task
				}
				n.add(e)
			case sim.Working, sim.WorkingC:
				// One computation: spans of the same state back to back,
				// through the GIL waits between them. C code with the GIL
				// released and Python code are told apart, so a change
				// between the two ends it.
				j := i
				for j+1 < len(spans) && spans[j+1].Start == spans[j].End &&
					(spans[j+1].State == s.State || spans[j+1].State == sim.GILWait) {
					j++
				}
				for j > i && spans[j].State == sim.GILWait {
					j--
				}
				var cpu int64
				rel := false
				for k := i; k <= j; k++ {
					if spans[k].State == sim.GILWait {
						continue
					}
					c, r := n.laneWork(spans[k].Lane, t, spans[k].Start, spans[k].End)
					cpu += c
					rel = rel || r
				}
				e := event{at: s.Start, kind: kCompute, task: t, lane: s.Lane, other: -1, otask: -1,
					dur: spans[j].End - s.Start, cpu: cpu, rel: rel}
				i = j
				end = max(end, spans[j].End)
				if cpu == 0 {
					continue // runtime overhead only: a start or a resume
				}
				first(&e)
				e.warn = n.onLoop(s.Lane) && e.dur >= sim.SlowCallback
				n.add(e)
			case sim.Waiting:
				if i == 0 && queueWait(s) {
					// Created by gather, suspended in `async with` until a
					// place of the limit frees (or its process starts).
					if d >= n.sig {
						e := event{at: s.Start, kind: kQueued, task: t, lane: -1, other: -1, otask: -1, dur: d}
						e.why, e.loop, e.peer = n.why(s.Cause)
						n.add(e)
					}
					continue
				}
				if n.gatherWait(t, s) {
					continue // told by the gather's line
				}
				e := event{at: s.Start, kind: kWait, task: t, lane: s.Lane, other: -1, otask: -1, dur: d}
				if c := s.Cause; c.Kind == sim.Offloaded && s.Lane < 0 && n.known(c.Lane) {
					// Run by an executor thread (or a worker process) after
					// a wait for a free one.
					e.kind = kOffload
					e.other = c.Lane
					start, waited := n.ranOn(c.Lane, t, s.Start, s.End)
					e.cpu = start - s.Start
					if waited > 0 {
						e.dur = waited
					}
				}
				if s.Lane < 0 {
					if loop := n.laneAfter(spans, i); loop >= 0 {
						e.otask = n.nextOnLane(loop, t, s.Start)
					}
				}
				first(&e)
				n.add(e)
			case sim.ResourceWait:
				// One wait, through the wake-ups for units that another
				// thread took first.
				j, barges, taker := i, int32(0), int32(-1)
				for again := nextWait(spans, j); again >= 0; again = nextWait(spans, j) {
					if barges == 0 {
						taker = n.takerBetween(int32(spans[j].Cause.Resource), t, spans[j].End, spans[again].Start)
					}
					j, barges = again, barges+1
				}
				i = j
				d = spans[j].End - s.Start
				if d < n.sig || spans[j].Cause.Kind != sim.ResourceFreed {
					continue // a wait a deadlock never ended: its line tells it
				}
				e := event{at: s.Start, kind: kResWait, task: t, lane: s.Lane, other: -1, otask: taker, dur: d,
					peer: int32(spans[j].Cause.Resource), barges: barges}
				first(&e)
				n.add(e)
			case sim.Blocked:
				e := event{at: s.Start, kind: kBlocked, task: t, lane: s.Lane, other: -1, otask: -1, dur: d, warn: true}
				first(&e)
				n.add(e)
			}
		}
		if int(t) < len(n.r.Records) && n.r.Records[t].End < 0 {
			continue // a deadlock kept it from finishing
		}
		if len(spans) > 0 {
			if int(t) < len(n.r.Records) && n.r.Records[t].End > 0 {
				end = n.r.Records[t].End
			}
			n.add(event{at: end, kind: kFinish, task: t, lane: -1, other: -1, otask: -1})
		}
	}
}

func (n *narrator) onLoop(lane int32) bool {
	return lane >= 0 && int(lane) < len(n.lanes) && n.lanes[lane].Kind == sim.LoopThread
}

// laneAfter returns the lane of the first span after spans[i] that runs on
// one, else of the last before it, else -1.
func (n *narrator) laneAfter(spans []sim.Span, i int) int32 {
	for k := i + 1; k < len(spans); k++ {
		if spans[k].Lane >= 0 {
			return spans[k].Lane
		}
	}
	for k := i - 1; k >= 0; k-- {
		if spans[k].Lane >= 0 {
			return spans[k].Lane
		}
	}
	return -1
}

// why says why a task waited in a queue, from the cause the engine gave
// the wait: the reason, the loop that kept it waiting (else -1) and the
// thread or process it waited to start (else -1).
func (n *narrator) why(c sim.Cause) (r reason, loop, peer int32) {
	if !n.known(c.Lane) {
		return rNone, -1, -1
	}
	switch c.Kind {
	case sim.WorkerFreed:
		switch {
		case n.d.Kind == model.Sync:
			return rTurn, -1, -1
		case n.lanes[c.Lane].Kind == sim.ProcessMain:
			return rProcs, -1, -1
		}
		return rWorkers, -1, -1
	case sim.Submitted:
		return rSubmit, -1, -1
	case sim.ThreadStarted:
		if n.mainOf(n.lanes[c.Lane].Process) >= 0 {
			return rSubmit, -1, c.Lane
		}
		return rThread, -1, c.Lane
	case sim.ProcessStarted:
		return rProcsStart, -1, c.Lane
	case sim.PlaceFreed:
		return rSemaphore, c.Lane, -1
	case sim.Accepted:
		return rAccepted, c.Lane, -1
	case sim.LoopPolled:
		return rPolled, -1, c.Lane
	case sim.LoopBusy:
		return rLoopBusy, c.Lane, -1
	case sim.LoopBlocked:
		return rLoopStuck, c.Lane, -1
	}
	return rNone, -1, -1
}

// known says whether lane is one of the run's.
func (n *narrator) known(lane int32) bool { return lane >= 0 && int(lane) < len(n.lanes) }

// ranOn returns when lane first ran task t's code during [a, b), and how
// long it waited (slept) in it meanwhile: an offloaded step on its
// executor thread.
func (n *narrator) ranOn(lane, t int32, a, b int64) (start, waited int64) {
	start = b
	if t < 0 || int(t) >= n.taskLanes.len() {
		return a, 0
	}
	for _, x := range n.taskLanes.of(int(t)) {
		if x.Lane != lane || x.End <= a || x.Start >= b {
			continue
		}
		start = min(start, max(x.Start, a))
		if x.State == sim.Waiting {
			waited += min(x.End, b) - max(x.Start, a)
		}
	}
	if start == b {
		start = a
	}
	return start, waited
}

// queueWait says whether s is a task's wait for its first step that the
// engine records as Waiting: under asyncio(limit=K) gather creates every
// task, and those beyond the limit are suspended on the semaphore.
func queueWait(s sim.Span) bool {
	k := s.Cause.Kind
	return s.State == sim.Waiting && s.Lane < 0 && (k == sim.PlaceFreed || k == sim.ProcessStarted)
}

func (n *narrator) innerLimit() int {
	if n.d.Kind == model.Asyncio {
		return n.d.Limit
	}
	if n.d.Inner != nil && n.d.Inner.Kind == model.Asyncio {
		return n.d.Inner.Limit
	}
	return 0
}

// add records e.
func (n *narrator) add(e event) { n.events = append(n.events, e) }

// key is what e folds with: the same kind of event, the same actors
// (threads) or the same sort of task step.
func (n *narrator) key(e *event) uint64 {
	var sub uint64
	switch e.kind {
	case kCreate:
		if e.lane >= 0 {
			sub = withSub | uint64(n.lanes[e.lane].Kind)
		}
	case kCompute:
		sub = withSub | bit(e.rel)<<2 | bit(e.warn)<<1 | bit(e.first)
	case kWait, kBlocked:
		sub = withSub | bit(e.lane >= 0)<<1 | bit(e.first)
	case kResWait:
		sub = withSub | uint64(uint16(e.peer))<<2 | bit(e.first)
	case kOffload:
		sub = withSub | bit(n.lanes[e.other].Kind == sim.ProcessMain)<<1 | bit(e.first)
	case kQueued, kResumeLate:
		sub = withSub | uint64(e.why)
	case kMainGIL:
		sub = withSub | bit(e.peer >= 0)
	case kGILWake:
		sub = withSub | bit(e.force)<<33 | bit(e.back)<<34
		if n.gilLanes() <= 2 {
			sub |= uint64(uint32(e.lane))
		}
	}
	return uint64(e.kind)<<40 | sub
}

// withSub marks a key that tells more than the kind of event.
const withSub = 1 << 32

func bit(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// gilLanes counts the threads that waited for the GIL other than to start
// (a pool's main thread aside):
// with two, GIL lines name them; with more, they speak of threads in
// general so that a busy pool folds into a line or two.
func (n *narrator) gilLanes() int {
	if n.gilWaiters >= 0 {
		return n.gilWaiters
	}
	c := 0
	for l, spans := range n.laneSpans {
		if n.poolMain(int32(l)) {
			continue // told apart (kMainGIL)
		}
		for i, s := range spans {
			if s.State == sim.GILWait && i > 0 {
				c++
				break
			}
		}
	}
	n.gilWaiters = c
	return c
}

// size is the length a folded line's steps are alike in, and how far
// apart they may be (largest ÷ smallest): waits on I/O vary more than
// computations; 0 when any will do.
func size(e *event) (int64, float64) {
	switch e.kind {
	case kCompute:
		return e.cpu, 2.2
	case kWait, kOffload, kBlocked:
		return e.dur, 3
	case kResWait:
		return e.dur, 0 // a queue's waits vary by nature: one line per resource
	}
	return 0, 0
}

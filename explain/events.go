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
	kProcStart              // a worker process starts up
	kLoopSetup              // the main coroutine creates the tasks, before the loop runs any
	kCreate                 // a thread is created for a task
	kCompute                // a task runs code
	kBlocked                // a task blocks its event loop
	kWait                   // a task waits (sleeps, or awaits)
	kOffload                // a coroutine hands a blocking call to the executor
	kQueued                 // a released task waits before it first runs
	kResumeLate             // a coroutine's wait is over, but its loop is busy
	kMainGIL                // a pool's main thread waits for the GIL back (after starting a thread, or to submit)
	kGILWake                // a thread back from a wait (or C code) waits for the GIL
	kGILTurns               // CPU-bound threads take turns on the GIL
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
	other int32 // the GIL holder's lane, or the task the loop turns to; -1: none
	otask int32 // the task on the holder's lane; -1: none
	loop  int32 // queued: the loop that was busy meanwhile; -1: none (see narrator.also)
	peer  int32 // create: the task the new thread takes first; main GIL: the thread just started; queued: the lane that takes the task; -1: none
	kind  kind
	why   reason
	first bool // the task's first action: "starts and …"
	warn  bool
	rel   bool // compute: C code with the GIL released
}

// laneEvents reads what the lanes did: process start-ups, the main
// coroutine creating the tasks, thread creation, and waits for the GIL.
func (n *narrator) laneEvents() {
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
					e.other = n.holder(l.Process, lane, s.Start, s.Start+e.lead)
					e.otask = n.taskOn(e.other, s.Start, s.Start+e.lead)
				}
				e.task = n.bootTask[lane]
				// Thread.start: the starting thread's part, then the new
				// thread's bootstrap until it takes its first task.
				e.cpu = n.mainPart(l.Process, s.Start)
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
			prev := sim.Idle
			for k := i - 1; k >= 0; k-- {
				if spans[k].End > spans[k].Start {
					prev = spans[k].State
					break
				}
			}
			if prev == sim.GILWait {
				continue // the same wait, split in two
			}
			e := event{at: s.Start, kind: kGILWake, lane: lane, task: s.Task, dur: s.End - s.Start, peer: -1}
			switch {
			case mainPool && s.Task < 0:
				e.kind = kMainGIL
				if prev == sim.Waiting {
					e.peer = n.startedLast(l.Process, s.Start)
				}
			case prev == sim.Working:
				e.kind = kGILTurns
			}
			e.other = n.holder(l.Process, lane, s.Start, s.End)
			e.otask = n.taskOn(e.other, s.Start, s.End)
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
			if x.State == sim.Ready || (k == 0 && n.semaphoreWait(spans)) {
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

// mainPart returns how long process p's pool main thread spent (runtime
// overhead: submitting, starting a thread) just before at, when a thread
// it started began; 0 if it did not.
func (n *narrator) mainPart(p int, at int64) int64 {
	m := n.mainOf(p)
	if m < 0 {
		return 0
	}
	spans := n.laneSpans[m]
	if k := n.endAfter(m, at-1); k < len(spans) && spans[k].End == at && spans[k].State == sim.Overhead {
		return spans[k].End - spans[k].Start
	}
	return 0
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

// startedLast returns the pool thread of process p that began last before
// at (the one the main thread has just started), or -1.
func (n *narrator) startedLast(p int, at int64) int32 {
	k := bisect(len(n.born), func(k int) bool { return n.born[k].at > at })
	for k--; k >= 0; k-- {
		if b := n.born[k]; n.lanes[b.lane].Process == p {
			return b.lane
		}
	}
	return -1
}

// taskOn returns the task lane ran longest during [a, b), or -1.
func (n *narrator) taskOn(lane int32, a, b int64) int32 {
	if lane < 0 || int(lane) >= len(n.laneSpans) {
		return -1
	}
	best, bestD := int32(-1), int64(-1)
	n.overlapping(lane, a, b, func(s sim.Span, d int64) {
		if s.Task >= 0 && d > bestD {
			best, bestD = s.Task, d
		}
	})
	return best
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
			if k == 0 && n.semaphoreWait(spans) {
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
				e.why, e.loop = n.why(t, spans, i)
				e.peer = n.laneAfter(spans, i)
				n.add(e)
			case sim.Working, sim.WorkingC:
				j := i
				for j+1 < len(spans) && spans[j+1].Start == spans[j].End &&
					(spans[j+1].State == sim.Working || spans[j+1].State == sim.WorkingC || spans[j+1].State == sim.GILWait) {
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
				e.warn = n.onLoop(s.Lane) && e.dur >= slowCallback
				n.add(e)
			case sim.Waiting:
				if i == 0 && n.semaphoreWait(spans) {
					// Created by gather, suspended in `async with` until a
					// place of the limit frees.
					if d >= n.sig {
						e := event{at: s.Start, kind: kQueued, task: t, lane: -1, other: -1, otask: -1, dur: d, why: rSemaphore}
						e.loop = n.laneAfter(spans, i)
						e.peer = e.loop
						n.add(e)
					}
					continue
				}
				e := event{at: s.Start, kind: kWait, task: t, lane: s.Lane, other: -1, otask: -1, dur: d}
				if x, ok := n.exec[t]; ok && s.Lane < 0 && x.start >= s.Start && x.start < s.End {
					e.kind = kOffload
					e.other = x.lane
					e.cpu = x.start - s.Start // queued for an executor thread
					if x.wait > 0 {
						e.dur = x.wait
					}
				}
				if s.Lane < 0 {
					if loop := n.laneAfter(spans, i); loop >= 0 {
						e.otask = n.nextOnLane(loop, t, s.Start)
					}
				}
				first(&e)
				n.add(e)
			case sim.Blocked:
				e := event{at: s.Start, kind: kBlocked, task: t, lane: s.Lane, other: -1, otask: -1, dur: d, warn: true}
				first(&e)
				n.add(e)
			}
		}
		if len(spans) > 0 {
			if int(t) < len(n.r.Records) && n.r.Records[t].End > 0 {
				end = n.r.Records[t].End
			}
			n.add(event{at: end, kind: kFinish, task: t, lane: -1, other: -1, otask: -1})
		}
	}
}

// slowCallback is asyncio's slow-callback threshold (debug mode).
const slowCallback = 100_000_000

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

// why says why task t waited in spans[i] (a Ready span), and on which
// loop, if a loop kept it waiting (else -1).
func (n *narrator) why(t int32, spans []sim.Span, i int) (reason, int32) {
	s := spans[i]
	loopLane := int32(-1)
	if l := n.laneAfter(spans, i); n.onLoop(l) {
		loopLane = l
	}
	switch {
	case loopLane >= 0:
		if n.innerLimit() > 0 && !started(spans, i) && len(n.busyWith(loopLane, t, s.Start, s.End)) == 0 {
			return rSemaphore, loopLane
		}
		if n.stuck(loopLane, s.Start, s.End) {
			return rLoopStuck, loopLane
		}
		return rLoopBusy, loopLane
	case n.d.Kind == model.Sync:
		return rTurn, -1
	case n.d.Kind == model.Processes && n.d.Inner == nil:
		for _, l := range n.lanes {
			if l.Kind != sim.ProcessMain || int(l.ID) >= len(n.laneSpans) {
				continue
			}
			for _, x := range n.laneSpans[l.ID] {
				if x.State == sim.Idle || x.End <= x.Start {
					continue // a forked worker waiting for the one before it
				}
				if x.State == sim.Overhead && x.Task < 0 && x.End > s.Start+(s.End-s.Start)/2 {
					return rProcsStart, -1
				}
				break
			}
		}
		return rProcs, -1
	case n.mainOf(0) >= 0 && !n.busyBefore(n.laneAfter(spans, i), t, s.End):
		// The thread that took the task was not busy with another one:
		// new, or idle. The task waited for the main thread to submit it
		// (or to start its thread), not for a free worker.
		return rSubmit, -1
	}
	return rWorkers, -1
}

// busyBefore says whether lane was running a task other than t just
// before at.
func (n *narrator) busyBefore(lane, t int32, at int64) bool {
	if lane < 0 || int(lane) >= len(n.laneSpans) {
		return false
	}
	spans := n.laneSpans[lane]
	for k := n.endAfter(lane, at) - 1; k >= 0; k-- {
		p := spans[k]
		if p.Task == t || p.End <= p.Start {
			continue
		}
		return p.Task >= 0 && p.State != sim.Idle
	}
	return false
}

func started(spans []sim.Span, i int) bool {
	for k := 0; k < i; k++ {
		if spans[k].State != sim.Ready {
			return true
		}
	}
	return false
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
	case kWait, kOffload, kBlocked:
		sub = withSub | bit(e.lane >= 0)<<1 | bit(e.first)
	case kQueued, kResumeLate:
		sub = withSub | uint64(e.why)
	case kMainGIL:
		sub = withSub | bit(e.peer >= 0)
	case kGILWake:
		if n.gilLanes() <= 2 {
			sub = withSub | uint64(uint32(e.lane))
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
	}
	return 0, 0
}

// semaphoreWait says whether a task's first span is its wait for a place
// under asyncio(limit=K): Waiting on no lane, before it ever ran.
func (n *narrator) semaphoreWait(spans []sim.Span) bool {
	return n.innerLimit() > 0 && len(spans) > 1 && spans[0].State == sim.Waiting && spans[0].Lane < 0
}

package sim

// CPython's cyclic garbage collector, as a loop full of tasks meets it.
//
// Every container object CPython allocates is tracked by the collector
// (Modules/gcmodule.c, 3.8–3.13). Generation 0 is collected when the
// tracked objects allocated less those freed pass the profile's
// GCThreshold (700 up to 3.12, 2000 in 3.13); generation 1 at
// every 11th of those; all three at every 11th generation-1 collection,
// but only once the objects that generation 1 has passed on since the last
// full collection number a quarter of those it kept then. A full
// collection visits every tracked object. A loop that holds tens of
// thousands of pending tasks (a tree of gathers) keeps hundreds of
// thousands of objects alive, and each full collection costs tens of
// milliseconds: the time per task grows with the number pending.
//
// The model follows that mechanism with the tasks as the allocations: a
// pending asyncio task is GCObjectsPerTask tracked objects (a child of a
// gather GCObjectsPerChild more: its done callback), freed when it ends,
// and a pending gather GCObjectsPerGather (its future and children list).
// A task is made in two steps: create_task makes GCObjectsAtCreate (the
// task, its coroutine, its context, the weak reference that registers it,
// the ready handle and the bound step), and its first run frees
// GCObjectsTransient of those (the handle and the bound step) and makes
// the rest (the awaited sleep's future and timer handle, the wake-up
// method, the sleep's coroutine and context). The transient ones matter:
// a loop that creates thousands of tasks in one iteration and runs them
// in the next passes their handles on to generation 2, where they die,
// and CPython's full collections come sooner than for a heap that only
// grew. What the collections cost is CPU of the loop's thread, paid with
// the creation or the first run. A task created beyond the most
// the loop has had pending also pays TaskFirstTouch: the heap grows. In a
// tree of gathers six wide, a task is 11 + 1 + 5/6 objects: the gathers'
// share is what makes a deep tree's collections more and longer than a
// flat gather's of as many tasks.

// A free-threaded build (3.13t) has another collector
// (Python/gc_free_threading.c): one generation, every collection visits
// the whole heap. It collects when the tracked objects allocated less
// those freed since the last collection pass the young threshold (2000)
// and a quarter of the objects that collection found alive
// (long_lived_total), so that the collections come as the heap grows by a
// quarter: no young collections to pay per object, and a loop that fills
// with tasks meets a few whole-heap collections, each GCScan per object
// alive. Its count is not kept from going below zero (record_deallocation),
// and gc.freeze() leaves it alone. The engine takes that collector for a
// profile without the GIL.

// The collector's thresholds, CPython's defaults (gc.get_threshold()); the
// young one is the profile's GCThreshold, this when a profile has none.
const (
	gcYoungThreshold  = 700 // net tracked allocations that trigger a collection of generation 0
	gcOlderThreshold  = 10  // collections of one generation that make the next one due
	gcLongLivedFactor = 4   // a full collection waits for survivors ≥ 1/4 of those it kept
)

// heap is one interpreter's tracked objects and collector counts, kept by
// its event loop.
type heap struct {
	pending int64 // tasks pending on the loop
	peak    int64 // the most ever pending
	objects int64 // tracked objects of the pending tasks and gathers

	count0, count1, count2 int64 // the collector's generation counts
	sinceYoung             int64 // tracked objects alive at the last generation-1 collection
	longPending            int64 // objects generation 1 passed on since the last full collection
	longTotal              int64 // objects the last full collection kept
}

// freshHeap is a loop's interpreter as its first coroutine runs: the
// collector's counts where the program's start-up left them (the
// profile's GCCount0–2), so that its first full collection comes when
// CPython's does, not a fresh start's 11 × 11 young collections later.
func (e *engine) freshHeap() heap {
	p := &e.prof
	if !p.GIL {
		// The start-up's last collection found the interpreter's objects
		// alive: the next waits for a quarter of them more.
		return heap{count0: p.GCCount0, longTotal: p.GCBaseObjects}
	}
	return heap{count0: max(0, p.GCCount0), count1: p.GCCount1, count2: p.GCCount2}
}

// tasksMade is the CPU the creation of n tasks on l costs beyond
// TaskCreate: growing the heap past its peak, and the collections their
// objects trigger. The tasks are made one after another (gather creates
// its children one by one), so each collection sees the tasks made
// before it, not those made after.
func (e *engine) tasksMade(l *loop, n int64, child bool) int64 {
	p := &e.prof
	h := &l.heap
	var cost int64
	if grown := h.pending + n - h.peak; grown > 0 {
		cost += grown * p.TaskFirstTouch
		h.peak = h.pending + n
	}
	h.pending += n
	if p.GCObjectsPerTask <= 0 {
		return cost
	}
	per := e.taskObjects(child)
	if at := p.GCObjectsAtCreate; at > 0 {
		per += at - p.GCObjectsPerTask // the rest at its first run
	}
	return cost + e.allocate(h, n*per, per)
}

// firstRun is the CPU of a task's first run on l for the collector: its
// transient objects freed, the rest of its own made (see tasksMade).
func (e *engine) firstRun(l *loop) int64 {
	p := &e.prof
	if p.GCObjectsPerTask <= 0 || p.GCObjectsAtCreate <= 0 {
		return 0
	}
	e.freed(&l.heap, p.GCObjectsTransient)
	n := p.GCObjectsPerTask - p.GCObjectsAtCreate + p.GCObjectsTransient
	return e.allocate(&l.heap, n, n)
}

// gatherMade is the CPU of a gather's own objects on l.
func (e *engine) gatherMade(l *loop) int64 {
	if e.prof.GCObjectsPerTask <= 0 {
		return 0
	}
	return e.allocate(&l.heap, e.prof.GCObjectsPerGather, 1)
}

// taskObjects is how many objects the collector tracks for a pending task,
// or for a pending child of a gather.
func (e *engine) taskObjects(child bool) int64 {
	if child {
		return e.prof.GCObjectsPerTask + e.prof.GCObjectsPerChild
	}
	return e.prof.GCObjectsPerTask
}

// allocate is the CPU of allocating n tracked objects on h in units of
// unit (a task's): the young collections' share of each, and the
// collections they trigger, each seeing the units made before it.
func (e *engine) allocate(h *heap, n, unit int64) int64 {
	if n <= 0 {
		return 0
	}
	unit = max(unit, 1)
	young := e.prof.GCThreshold
	if young <= 0 {
		young = gcYoungThreshold
	}
	if !e.prof.GIL {
		return e.allocateOneGeneration(h, n, unit, young)
	}
	cost := n * e.prof.GCYoung
	for n > 0 {
		// The units up to the one whose objects trigger a collection.
		k := min(n, ((young+1-h.count0+unit-1)/unit)*unit)
		h.objects += k
		h.count0 += k
		n -= k
		for h.count0 > young {
			h.count0 -= young + 1
			cost += e.collect(h)
		}
	}
	return cost
}

// allocateOneGeneration is allocate under the free-threaded collector:
// a collection of the whole heap each time the net allocations since the
// last pass both the young threshold and a quarter of what the last found
// alive (gc_should_collect), each seeing the units made before it.
func (e *engine) allocateOneGeneration(h *heap, n, unit, young int64) int64 {
	var cost int64
	for n > 0 {
		due := max(young, h.longTotal/gcLongLivedFactor)
		k := min(n, max(unit, ((due+1-h.count0+unit-1)/unit)*unit))
		h.objects += k
		h.count0 += k
		n -= k
		if h.count0 > due {
			live := e.prof.GCBaseObjects + h.objects
			h.count0, h.longTotal = 0, live
			e.gcFull++
			cost += live * e.prof.GCScan
		}
	}
	return cost
}

// collect is one collection that allocations triggered; it returns the
// cost of a full one (the young ones are paid per object in tasksMade).
func (e *engine) collect(h *heap) int64 {
	live := e.prof.GCBaseObjects + h.objects
	switch {
	case h.count2 > gcOlderThreshold && h.longPending >= h.longTotal/gcLongLivedFactor:
		h.count1, h.count2 = 0, 0
		h.longPending, h.longTotal, h.sinceYoung = 0, live, live
		e.gcFull++
		return live * e.prof.GCScan
	case h.count1 > gcOlderThreshold:
		h.count1 = 0
		h.count2++
		h.longPending += max(0, live-h.sinceYoung)
		h.sinceYoung = live
	default:
		h.count1++
	}
	return 0
}

// taskGone is the end of a task (child: of a gather) pending on l: its
// objects are freed.
func (e *engine) taskGone(l *loop, child bool) {
	l.heap.pending--
	e.freed(&l.heap, e.taskObjects(child))
}

// gatherGone is the end of a gather on l: its objects are freed.
func (e *engine) gatherGone(l *loop) {
	e.freed(&l.heap, e.prof.GCObjectsPerGather)
}

func (e *engine) freed(h *heap, n int64) {
	if e.prof.GCObjectsPerTask <= 0 {
		return
	}
	h.objects -= n
	if !e.prof.GIL {
		h.count0 -= n // record_deallocation: no floor
		return
	}
	h.count0 = max(0, h.count0-n)
	h.sinceYoung = max(0, h.sinceYoung-n)
}

package sim

import "math"

// evKind is what a timed event does when its time comes.
type evKind uint8

const (
	evRelease     evKind = iota // the next task(s) of the release stream
	evWake                      // a thread's sleep ends (a: thread)
	evLoopWake                  // an idle event loop's select() times out (a: process, gen)
	evSample                    // open workloads: note the tasks in flight (a: 0 mid-window, 1 at its end)
	evLaunch                    // a forked worker process starts (a: its thread)
	evTracker                   // multiprocessing's resource tracker starts (a: its thread)
	evGILDrop                   // a GIL waiter's switch interval expires (a: process, gen)
	evGILHandover               // the waiter a released GIL was signalled to wakes (a: process, gen)
	evSpinEnd                   // a thread's lock spin ends (a: thread, gen; spin.go)
	evNetpoll                   // a Go process's netpoller is back from epoll_wait (a: process, gen; gotimers.go)
)

// event is a timed event: what it does, on whom. Ties of time are broken
// by the order of scheduling, which keeps runs deterministic.
type event struct {
	a    int32
	gen  uint32
	kind evKind
}

// eventQueue is the engine's timed events (schedule.go).
type eventQueue struct {
	schedule[event]
}

func (q *eventQueue) push(t int64, kind evKind, a int32, gen uint32) {
	q.schedule.push(t, event{a: a, gen: gen, kind: kind})
}

// cpuSet shares the cores among the threads that are computing, by
// processor sharing: with n consumers each advances at min(1, cores/n) of
// real speed. Every consumer advances at the same rate, so a consumer's
// finish is fixed on a common progress clock v (CPU nanoseconds delivered
// to each consumer since the set was last empty) and the set is a heap
// ordered by that finish.
type cpuSet struct {
	cores int
	v     float64
	h     []*thread
	busy  int64 // core-nanoseconds delivered
}

const cpuEps = 1e-3 // ns; float slack when deciding that work is done

func (c *cpuSet) rate() float64 {
	n := len(c.h)
	if n <= c.cores {
		return 1
	}
	return float64(c.cores) / float64(n)
}

// next returns when the first consumer finishes, from now.
func (c *cpuSet) next(now int64) int64 {
	if len(c.h) == 0 {
		return math.MaxInt64
	}
	dt := (c.h[0].finish - c.v) / c.rate()
	if dt <= cpuEps {
		return now
	}
	if dt >= float64(horizon-now) {
		return horizon
	}
	return now + int64(math.Ceil(dt-cpuEps))
}

// advance moves the progress clock over dt nanoseconds of real time.
func (c *cpuSet) advance(dt int64) {
	n := len(c.h)
	if n == 0 || dt <= 0 {
		return
	}
	used := n
	if used > c.cores {
		used = c.cores
	}
	c.busy += dt * int64(used)
	c.v += float64(dt) * c.rate()
}

func (c *cpuSet) add(t *thread, work float64) {
	if len(c.h) == 0 {
		c.v = 0 // rebase: keeps the float clock small and exact
	}
	t.finish = c.v + work
	t.cpuIdx = len(c.h)
	c.h = append(c.h, t)
	c.up(t.cpuIdx)
}

// remove takes t out of the set and returns the work it has left.
func (c *cpuSet) remove(t *thread) float64 {
	left := t.finish - c.v
	if left < 0 {
		left = 0
	}
	i := t.cpuIdx
	last := len(c.h) - 1
	if i != last {
		c.swap(i, last)
	}
	c.h = c.h[:last]
	if i != last {
		c.down(i)
		c.up(i)
	}
	t.cpuIdx = -1
	return left
}

// popDone removes and returns a consumer whose work is done, or nil. The
// first call after next() returned now always yields the head.
func (c *cpuSet) popDone(force bool) *thread {
	if len(c.h) == 0 {
		return nil
	}
	t := c.h[0]
	if !force && t.finish > c.v+cpuEps {
		return nil
	}
	c.remove(t)
	return t
}

func (c *cpuSet) less(i, j int) bool {
	a, b := c.h[i], c.h[j]
	if a.finish != b.finish {
		return a.finish < b.finish
	}
	return a.id < b.id
}

func (c *cpuSet) swap(i, j int) {
	c.h[i], c.h[j] = c.h[j], c.h[i]
	c.h[i].cpuIdx = i
	c.h[j].cpuIdx = j
}

func (c *cpuSet) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !c.less(i, p) {
			break
		}
		c.swap(i, p)
		i = p
	}
}

func (c *cpuSet) down(i int) {
	n := len(c.h)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && c.less(r, l) {
			m = r
		}
		if !c.less(m, i) {
			return
		}
		c.swap(i, m)
		i = m
	}
}

// ring is a growable FIFO ring buffer. Its length is a power of two, so
// that a position wraps with a mask, not a division; a ring that empties
// after holding more than shrinkAbove lets its buffer go, so that a burst
// (a million tasks released at once) does not keep its memory for the rest
// of the run.
type ring[T any] struct {
	buf        []T
	head, size int
}

const shrinkAbove = 1 << 16

func (q *ring[T]) push(x T) {
	if q.size == len(q.buf) {
		n := 2 * len(q.buf)
		if n == 0 {
			n = 16
		}
		q.grow(n)
	}
	q.buf[(q.head+q.size)&(len(q.buf)-1)] = x
	q.size++
}

// grow moves the ring to a buffer of n elements, n a power of two at
// least its size.
func (q *ring[T]) grow(n int) {
	nb := make([]T, n)
	if q.size > 0 {
		k := copy(nb, q.buf[q.head:min(q.head+q.size, len(q.buf))])
		copy(nb[k:q.size], q.buf)
	}
	q.buf, q.head = nb, 0
}

func (q *ring[T]) pop() T {
	x := q.buf[q.head]
	q.head = (q.head + 1) & (len(q.buf) - 1)
	q.size--
	if q.size == 0 && len(q.buf) > shrinkAbove {
		q.buf, q.head = nil, 0
	}
	return x
}

// take removes and returns the k-th element from the head (0 ≤ k < len),
// keeping the order of the others.
func (q *ring[T]) take(k int) T {
	m := len(q.buf) - 1
	x := q.buf[(q.head+k)&m]
	for i := k; i > 0; i-- {
		q.buf[(q.head+i)&m] = q.buf[(q.head+i-1)&m]
	}
	var zero T
	q.buf[q.head] = zero
	q.head = (q.head + 1) & m
	q.size--
	return x
}

func (q *ring[T]) peek() T      { return q.buf[q.head] }
func (q *ring[T]) ptr(k int) *T { return &q.buf[(q.head+k)&(len(q.buf)-1)] }
func (q *ring[T]) at(k int) T   { return q.buf[(q.head+k)&(len(q.buf)-1)] }
func (q *ring[T]) last() T      { return q.buf[(q.head+q.size-1)&(len(q.buf)-1)] }
func (q *ring[T]) len() int     { return q.size }

// fifo is a ring of ids: task slots, threads.
type fifo = ring[int32]

// arrivalQueue is a FIFO of released tasks. A batch releases its tasks in
// runs, consecutive ids of one group at one instant (a million at time 0),
// and the queue keeps a run as one entry: a million tasks waiting for a
// pool's thread take 24 bytes, not 16 MB (and a submission queue as many
// again). Gather branches (group -1) and arrivals of an open workload
// (each at its own instant) take an entry each.
type arrivalQueue struct {
	runs ring[arrivalRun]
	n    int
}

// arrivalRun is count arrivals from first: ids first.id, first.id+1, …
type arrivalRun struct {
	first arrival
	count int32
}

func (q *arrivalQueue) len() int { return q.n }

func (q *arrivalQueue) push(a arrival) {
	q.n++
	if k := q.runs.len(); k > 0 {
		r := q.runs.ptr(k - 1)
		if a.group >= 0 && a.group == r.first.group && a.release == r.first.release && a.id == r.first.id+r.count {
			r.count++
			return
		}
	}
	q.runs.push(arrivalRun{first: a, count: 1})
}

func (q *arrivalQueue) pop() arrival {
	q.n--
	r := q.runs.ptr(0)
	a := r.first
	if r.count == 1 {
		q.runs.pop()
	} else {
		r.first.id++
		r.count--
	}
	return a
}

// each calls f with every queued arrival, in order.
func (q *arrivalQueue) each(f func(arrival)) {
	for k := 0; k < q.runs.len(); k++ {
		r := q.runs.at(k)
		for i := int32(0); i < r.count; i++ {
			a := r.first
			a.id += i
			f(a)
		}
	}
}

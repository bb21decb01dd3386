package sim

import (
	"fmt"
	"math"
	"strconv"

	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/workload"
)

// arrival is a released task: its id (file order for batches, arrival order
// for open workloads), its group and its release time.
type arrival struct {
	id      int32
	group   int32
	release int64
}

// source hands out the tasks of a workload in submission order.
type source interface {
	// next returns the next task and when it is submitted (for sync code,
	// not before the previous one), or false when there are no more.
	next() (a arrival, submit int64, ok bool)
	pop()
	name(id, group int32) string
	total() int // tasks in all, or -1 while unknown
	// held says whether tasks are held back until others finish (a
	// group's after:), so that next's false is not the end.
	held() bool
	// finished is told that a task of group has finished at now; it says
	// whether that released a group that was held back.
	finished(group int32, now int64) bool
	// unreleased calls f for each task never handed out (a later phase
	// behind a deadlock).
	unreleased(f func(id, group int32))
}

// schedule puts the next submission on the event queue, unless the
// release already due is as early: one release event is pending at a
// time (releaseGen tells a superseded one).
func (e *engine) schedule() {
	if _, at, ok := e.src.next(); ok && at < e.releaseAt {
		e.releaseAt = at
		e.releaseGen++
		e.events.push(at, evRelease, 0, e.releaseGen)
	}
}

// release submits every task due now. They are handed out at the end of
// the instant (dispatch); until then, and while they wait for a pool's
// thread, tasks released together queue as one run (arrivalQueue).
func (e *engine) release() {
	e.releaseAt = math.MaxInt64
	for {
		a, at, ok := e.src.next()
		if !ok || at > e.now {
			break
		}
		e.src.pop()
		e.released++
		e.lastRelease = a.release
		if e.submitter != nil {
			e.submitQ.push(a)
			if !e.submitBusy {
				e.submitNext()
			}
		} else {
			e.central.push(a)
		}
		e.inFlight++
		if e.inFlight > e.peakTasks {
			e.peakTasks = e.inFlight
		}
		if e.dep.Kind == model.Asyncio {
			// gather creates it now, even when a semaphore will hold it,
			// and adds its done callback.
			e.asyncPending++
			l := e.workers[0].loop
			l.debt += e.prof.TaskCreate + e.prof.GatherChild + e.tasksMade(l, 1, false)
			e.memory()
		}
		e.dispatch()
	}
	e.schedule()
}

// finished says whether every task has been released and has finished.
func (e *engine) finished() bool {
	if e.done < e.released {
		return false
	}
	_, _, more := e.src.next()
	return !more && !e.src.held()
}

// batch is the source of a workload with fixed tasks: by release time (file
// order breaking ties) for pools and loops, in file order for sync code.
type batch struct {
	wl   *workload.Workload
	base []int32 // first task id of each group
	// Phases (after:): from when each group's start and every count (0
	// but for a group that is after others), the tasks of each group
	// that are yet to finish (for the groups others are after), how many
	// of the groups a group is after are yet to finish, and the groups
	// after each group.
	from       []int64
	left       []int
	blocked    []int
	dependents [][]int32
	n          int
	sync       bool
	id         int32   // sync: next task id
	last       int64   // sync: submission time of the previous task
	heap       []int32 // pools: group indices by (next release, group)
	copyOf     []int32 // pools: next copy per group
}

func newBatch(wl *workload.Workload, sync bool) (*batch, error) {
	b := &batch{wl: wl, sync: sync, copyOf: make([]int32, len(wl.Groups))}
	n := int64(0)
	for _, g := range wl.Groups {
		b.base = append(b.base, int32(n))
		n += int64(g.Count)
		if n > math.MaxInt32 {
			return nil, fmt.Errorf("sim: more than %d tasks", math.MaxInt32)
		}
	}
	b.n = int(n)
	b.from = make([]int64, len(wl.Groups))
	b.blocked = make([]int, len(wl.Groups))
	for g := range wl.Groups {
		for _, p := range wl.Groups[g].After {
			if b.left == nil {
				b.left = make([]int, len(wl.Groups))
				b.dependents = make([][]int32, len(wl.Groups))
			}
			b.blocked[g]++
			b.dependents[p] = append(b.dependents[p], int32(g))
		}
	}
	for g := range b.left {
		b.left[g] = wl.Groups[g].Count
	}
	for g := range wl.Groups {
		if wl.Groups[g].Count > 0 && b.blocked[g] == 0 {
			b.heap = append(b.heap, int32(g))
			b.up(len(b.heap) - 1)
		}
	}
	return b, nil
}

func (b *batch) total() int { return b.n }

func (b *batch) name(id, group int32) string {
	return b.wl.TaskName(int(group), int(id-b.base[group]))
}

func (b *batch) releaseOf(g, c int32) int64 {
	gr := &b.wl.Groups[g]
	start := later(b.from[g], gr.Start)
	if gr.Every > 0 && int64(c) >= (horizon-start)/gr.Every {
		return horizon
	}
	return later(start, int64(c)*gr.Every)
}

func (b *batch) held() bool {
	if b.sync {
		return int(b.id) < b.n && b.blocked[b.groupOf(b.id)] > 0
	}
	for _, n := range b.blocked {
		if n > 0 {
			return true
		}
	}
	return false
}

func (b *batch) unreleased(f func(id, group int32)) {
	if b.sync {
		for id := b.id; int(id) < b.n; id++ {
			f(id, b.groupOf(id))
		}
		return
	}
	for g := range b.wl.Groups {
		if b.blocked[g] > 0 {
			for c := b.copyOf[g]; int(c) < b.wl.Groups[g].Count; c++ {
				f(b.base[g]+c, int32(g))
			}
		}
	}
}

// finished counts a finished task of group g; when it was the group's
// last, the groups after it whose other predecessors are done too count
// from now, and join the pools' heap.
func (b *batch) finished(g int32, now int64) bool {
	if b.left == nil {
		return false
	}
	b.left[g]--
	if b.left[g] > 0 {
		return false
	}
	freed := false
	for _, h := range b.dependents[g] {
		b.blocked[h]--
		b.from[h] = max(b.from[h], now)
		if b.blocked[h] == 0 {
			freed = true
			if !b.sync && b.wl.Groups[h].Count > 0 {
				b.heap = append(b.heap, h)
				b.up(len(b.heap) - 1)
			}
		}
	}
	return freed
}

func (b *batch) groupOf(id int32) int32 {
	lo, hi := 0, len(b.base)-1
	for lo < hi {
		m := (lo + hi + 1) / 2
		if b.base[m] <= id {
			lo = m
		} else {
			hi = m - 1
		}
	}
	return int32(lo)
}

func (b *batch) next() (arrival, int64, bool) {
	if b.sync {
		if int(b.id) >= b.n {
			return arrival{}, 0, false
		}
		g := b.groupOf(b.id)
		if b.blocked[g] > 0 {
			return arrival{}, 0, false
		}
		rel := b.releaseOf(g, b.id-b.base[g])
		return arrival{id: b.id, group: g, release: rel}, max(rel, b.last), true
	}
	if len(b.heap) == 0 {
		return arrival{}, 0, false
	}
	g := b.heap[0]
	rel := b.releaseOf(g, b.copyOf[g])
	return arrival{id: b.base[g] + b.copyOf[g], group: g, release: rel}, rel, true
}

func (b *batch) pop() {
	if b.sync {
		_, at, _ := b.next()
		b.id++
		b.last = at
		return
	}
	g := b.heap[0]
	b.copyOf[g]++
	if int(b.copyOf[g]) >= b.wl.Groups[g].Count {
		n := len(b.heap) - 1
		b.heap[0] = b.heap[n]
		b.heap = b.heap[:n]
	}
	b.down(0)
}

func (b *batch) less(i, j int) bool {
	gi, gj := b.heap[i], b.heap[j]
	ti, tj := b.releaseOf(gi, b.copyOf[gi]), b.releaseOf(gj, b.copyOf[gj])
	return ti < tj || (ti == tj && gi < gj)
}

func (b *batch) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !b.less(i, p) {
			break
		}
		b.heap[i], b.heap[p] = b.heap[p], b.heap[i]
		i = p
	}
}

func (b *batch) down(i int) {
	n := len(b.heap)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if l+1 < n && b.less(l+1, l) {
			m = l + 1
		}
		if !b.less(m, i) {
			return
		}
		b.heap[i], b.heap[m] = b.heap[m], b.heap[i]
		i = m
	}
}

// arrivalStream is the source of an open workload: requests arrive at a
// rate, Poisson or evenly spaced, for a window or a count; each is built
// from a group chosen by weight. It draws from its own stream of the
// workload's seed, so the requests are the same under every model.
type arrivalStream struct {
	wl    *workload.Workload
	sched *workload.Schedule
	n     int // arrivals handed out
	count int // 0: until the window ends
	cur   arrival
	done  bool
}

func newArrivals(wl *workload.Workload) *arrivalStream {
	s := &arrivalStream{wl: wl, sched: wl.Schedule(), count: wl.Arrivals.Count}
	s.advance()
	return s
}

// advance draws the pending arrival.
func (s *arrivalStream) advance() {
	t, g, ok := s.sched.Next()
	if !ok {
		s.done = true
		return
	}
	at := horizon
	if t < float64(horizon) {
		at = int64(math.Round(t))
	}
	s.cur = arrival{id: int32(s.n), group: int32(g), release: at}
}

func (s *arrivalStream) next() (arrival, int64, bool) {
	return s.cur, s.cur.release, !s.done
}

func (s *arrivalStream) pop() {
	s.n++
	s.advance()
}

func (s *arrivalStream) name(id, group int32) string {
	return s.wl.Groups[group].Name + "-" + strconv.Itoa(int(id)+1)
}

func (s *arrivalStream) held() bool { return false }

func (s *arrivalStream) finished(int32, int64) bool { return false }

func (s *arrivalStream) unreleased(func(id, group int32)) {}

func (s *arrivalStream) total() int {
	if s.count > 0 {
		return s.count
	}
	if s.done {
		return s.n
	}
	return -1
}

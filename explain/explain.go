package explain

import (
	"cmp"
	"fmt"
	"iter"
	"slices"

	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/report"
	"github.com/conclab/conclab/sim"
	"github.com/conclab/conclab/workload"
)

// Line is one sentence of the story.
type Line struct {
	At    int64  // when it happens, in nanoseconds of virtual time
	Text  string // the sentence, complete on its own (a folded line says ×N in it)
	Warn  bool   // something the reader should fix or at least know: a stalled loop
	Count int    // how many events the line stands for; > 1 when similar events were folded
}

// Narrate tells the run r of workload wl from the spans rec recorded while
// it ran. The lines are sorted by time and end with a summary drawn from r.
// Without spans (rec nil) only the summary is left.
func Narrate(wl *workload.Workload, r *sim.Result, rec *sim.Recorder) []Line {
	if r == nil {
		return nil
	}
	n := newNarrator(wl, r, rec)
	var lines []Line
	if rec != nil {
		n.events = make([]event, 0, n.eventRoom())
		n.laneEvents()
		n.phaseEvents()
		n.taskEvents()
		lines = n.fold()
		if gl := n.gatherLines(); len(gl) > 0 {
			lines = append(lines, gl...)
			slices.SortStableFunc(lines, func(a, b Line) int { return cmp.Compare(a.At, b.At) })
		}
	}
	if d := r.Deadlock; d != nil {
		lines = append(lines, Line{At: d.At, Warn: true, Count: 1,
			Text: report.DeadlockText(r) + ". Nothing can run again: the program hangs here, as it would in CPython."})
	}
	return append(lines, n.summary())
}

// narrator holds a run's spans indexed for the questions the story asks:
// what a lane did between two instants, who held a process's GIL.
type narrator struct {
	wl *workload.Workload
	r  *sim.Result
	d  model.Deployment

	lanes     []sim.Lane   // by lane ID
	laneSpans [][]sim.Span // by lane ID, in time order
	taskSpans spanLists    // by task ID, in time order
	taskLanes spanLists    // by task ID: the lanes' spans of the task, by lane and then time
	bases     []int        // first task ID of each workload group

	// sig is the shortest queueing delay worth a sentence.
	sig int64
	// gap is the longest quiet time inside one folded line.
	gap    int64
	events []event
	// holds are the units of resources taken and given back, in order.
	holds []sim.Hold
	// gathers and branches are what the engine recorded of the run's
	// gathers; taskGathers, by task, the indices of the gathers the task
	// itself made.
	gathers     []sim.Gather
	branches    []sim.Branch
	taskGathers map[int32][]int
	// ordered says, by lane, whether the spans' ends never decrease;
	// fingers, where the last searches of the lane's spans ended.
	ordered []bool
	fingers []fingers
	// gilWaiters caches gilLanes; -1 until counted.
	gilWaiters int
	// boot is, by lane, a new thread's bootstrap: its first span of no
	// task, before it takes a task (zero for other lanes). The engine may
	// record the first task's code in the same span (the state does not
	// change), so laneWork counts Python code in it as that task's.
	boot     []sim.Span
	bootTask []int32 // by lane: the task the thread took first
	// startCost is, by lane, what starting the thread cost the pool's
	// main thread (submit and Thread.start); nil until asked for.
	startCost []int64
}

func newNarrator(wl *workload.Workload, r *sim.Result, rec *sim.Recorder) *narrator {
	n := &narrator{wl: wl, r: r, d: r.Deployment, gilWaiters: -1}
	if rec != nil {
		n.holds = rec.Holds
		n.gathers, n.branches = rec.Gathers, rec.Branches
		n.taskGathers = map[int32][]int{}
		for i, g := range rec.Gathers {
			if g.Branch < 0 {
				n.taskGathers[g.Task] = append(n.taskGathers[g.Task], i)
			}
		}
	}
	n.sig = max(100_000, r.Makespan/1000)
	n.gap = max(1, r.Makespan/10)
	if wl != nil && wl.Arrivals == nil {
		base := 0
		for _, g := range wl.Groups {
			n.bases = append(n.bases, base)
			base += g.Count
		}
	}
	maxLane := -1
	for _, l := range r.Lanes {
		maxLane = max(maxLane, l.ID)
	}
	n.lanes = make([]sim.Lane, maxLane+1)
	for i := range n.lanes {
		n.lanes[i] = sim.Lane{ID: i, Name: fmt.Sprintf("thread-%d", i+1), Kind: sim.WorkerThread}
	}
	for _, l := range r.Lanes {
		n.lanes[l.ID] = l
	}
	if rec == nil {
		return n
	}

	for _, s := range rec.Lanes {
		if s.Lane < 0 || s.End < s.Start {
			continue
		}
		for int(s.Lane) >= len(n.lanes) {
			i := len(n.lanes)
			n.lanes = append(n.lanes, sim.Lane{ID: i, Name: fmt.Sprintf("thread-%d", i+1), Kind: sim.WorkerThread})
		}
	}
	// Count first, so that each lane's spans are filed in one array
	// without growing it.
	perLane := make([]int, len(n.lanes))
	for _, s := range rec.Lanes {
		if s.Lane < 0 || s.End < s.Start {
			continue
		}
		perLane[s.Lane]++
	}
	n.laneSpans = buckets(perLane)
	for _, s := range rec.Lanes {
		if s.Lane < 0 || s.End < s.Start {
			continue
		}
		n.laneSpans[s.Lane] = append(n.laneSpans[s.Lane], s)
	}
	n.ordered = make([]bool, len(n.laneSpans))
	n.fingers = make([]fingers, len(n.laneSpans))
	for l, spans := range n.laneSpans {
		sortByTime(spans)
		n.ordered[l] = true
		for i := 1; i < len(spans); i++ {
			if spans[i].End < spans[i-1].End {
				n.ordered[l] = false
				break
			}
		}
	}
	n.boot = make([]sim.Span, len(n.laneSpans))
	n.bootTask = make([]int32, len(n.laneSpans))
	for l, spans := range n.laneSpans {
		n.bootTask[l] = -1
		if k := n.lanes[l].Kind; k != sim.WorkerThread && k != sim.ExecutorThread {
			continue
		}
		for _, s := range spans {
			if s.State == sim.GILWait || s.End <= s.Start {
				continue
			}
			if s.Task < 0 && s.State != sim.Idle {
				n.boot[l] = s
			}
			break
		}
		for _, s := range spans {
			if s.Task >= 0 {
				n.bootTask[l] = s.Task
				break
			}
		}
	}

	maxTask := int32(-1)
	for _, s := range rec.Tasks {
		maxTask = max(maxTask, s.Task)
	}
	n.taskSpans = newSpanLists(int(maxTask) + 1)
	for _, s := range rec.Tasks {
		if s.End >= s.Start {
			n.taskSpans.count(s.Task)
		}
	}
	n.taskSpans.alloc()
	for _, s := range rec.Tasks {
		if s.End >= s.Start {
			n.taskSpans.put(s)
		}
	}
	for _, spans := range n.taskSpans.lists() {
		sortByTime(spans)
	}
	// Each task's spans on the lanes, by lane and then time.
	n.taskLanes = newSpanLists(int(maxTask) + 1)
	for _, spans := range n.laneSpans {
		for _, s := range spans {
			n.taskLanes.count(s.Task)
		}
	}
	n.taskLanes.alloc()
	for _, spans := range n.laneSpans {
		for _, s := range spans {
			n.taskLanes.put(s)
		}
	}
	return n
}

// spanLists are lists of spans by task, in one array: list i is
// all[at[i]:at[i+1]]. They are built by counting each span (count), making
// room (alloc), and filing each span in the same order (put).
type spanLists struct {
	all  []sim.Span
	at   []int32
	next []int32 // while filing: where list i's next span goes
}

func newSpanLists(n int) spanLists { return spanLists{at: make([]int32, n+1)} }

// count counts a span of task t; other tasks (-1) are left out.
func (l *spanLists) count(t int32) {
	if t >= 0 && int(t)+1 < len(l.at) {
		l.at[t+1]++
	}
}

func (l *spanLists) alloc() {
	for i := 1; i < len(l.at); i++ {
		l.at[i] += l.at[i-1]
	}
	l.all = make([]sim.Span, l.at[len(l.at)-1])
	l.next = slices.Clone(l.at[:len(l.at)-1])
}

// put files a span counted before.
func (l *spanLists) put(s sim.Span) {
	if t := s.Task; t >= 0 && int(t) < len(l.next) {
		l.all[l.next[t]] = s
		l.next[t]++
	}
}

// len is the number of lists.
func (l *spanLists) len() int { return len(l.at) - 1 }

// of returns list i.
func (l *spanLists) of(i int) []sim.Span { return l.all[l.at[i]:l.at[i+1]:l.at[i+1]] }

// lists yields the lists in order.
func (l *spanLists) lists() iter.Seq2[int, []sim.Span] {
	return func(yield func(int, []sim.Span) bool) {
		for i := range l.len() {
			if !yield(i, l.of(i)) {
				return
			}
		}
	}
}

// buckets returns empty slices with room for counts[i] spans each, cut
// from one array; a count of 0 gives nil.
func buckets(counts []int) [][]sim.Span {
	total := 0
	for _, c := range counts {
		total += c
	}
	all := make([]sim.Span, total)
	out := make([][]sim.Span, len(counts))
	off := 0
	for i, c := range counts {
		if c > 0 {
			out[i] = all[off : off : off+c]
			off += c
		}
	}
	return out
}

// sortByTime sorts spans stably by start and then end; they mostly come
// sorted, and then there is nothing to do.
func sortByTime(spans []sim.Span) {
	for i := 1; i < len(spans); i++ {
		if a, b := &spans[i-1], &spans[i]; a.Start > b.Start || a.Start == b.Start && a.End > b.End {
			slices.SortStableFunc(spans, func(a, b sim.Span) int {
				return cmp.Or(cmp.Compare(a.Start, b.Start), cmp.Compare(a.End, b.End))
			})
			return
		}
	}
}

// eventRoom is at least the number of events laneEvents and taskEvents
// add: one per lane start and GIL wait, one per task step and finish.
func (n *narrator) eventRoom() int {
	c := len(n.laneSpans)
	for _, spans := range n.laneSpans {
		for _, s := range spans {
			if s.State == sim.GILWait {
				c++
			}
		}
	}
	for _, spans := range n.taskSpans.lists() {
		if len(spans) > 0 {
			c++
		}
		for _, s := range spans {
			switch s.State {
			case sim.Ready:
				if s.End-s.Start >= n.sig {
					c++
				}
			case sim.Waiting, sim.Blocked:
				c++
			}
		}
		// A run of computing spans is told once (see taskEvents).
		for i := range spans {
			if working(spans[i].State) && (i == 0 || spans[i].Start != spans[i-1].End || !working(spans[i-1].State) && spans[i-1].State != sim.GILWait) {
				c++
			}
		}
	}
	return c
}

func working(s sim.State) bool { return s == sim.Working || s == sim.WorkingC }

// name returns task t's name: from the run's records, else from the
// workload's groups, else "task-N".
func (n *narrator) name(t int32) string {
	if t >= 0 && int(t) < len(n.r.Records) && n.r.Records[t].Name != "" {
		return n.r.Records[t].Name
	}
	if len(n.bases) > 0 && t >= 0 {
		g, _ := slices.BinarySearch(n.bases, int(t)+1)
		g--
		if g >= 0 && g < len(n.wl.Groups) && int(t)-n.bases[g] < n.wl.Groups[g].Count {
			return n.wl.TaskName(g, int(t)-n.bases[g])
		}
	}
	return fmt.Sprintf("task-%d", t+1)
}

// overlapping calls f for every span of lane that overlaps [a, b), with
// the length of the overlap.
func (n *narrator) overlapping(lane int32, a, b int64, f func(s sim.Span, d int64)) {
	spans := n.laneSpans[lane]
	i := n.endAfter(lane, a)
	for ; i < len(spans) && spans[i].Start < b; i++ {
		s := spans[i]
		if d := min(s.End, b) - max(s.Start, a); d > 0 || (a == b && s.Start <= a && a < s.End) {
			f(s, d)
		}
	}
}

// endAfter returns the first span of lane's that ends after x, or how
// many spans it has: the answer of a binary search of the spans' ends.
// Searches of a lane come in a few runs in time order (a task's steps
// are read one task after the other), so when the spans' ends never
// decrease (they should not: a lane does one thing at a time) the search
// starts where the last search for a nearby time ended.
func (n *narrator) endAfter(lane int32, x int64) int {
	spans := n.laneSpans[lane]
	after := func(k int) bool { return spans[k].End > x }
	if !n.ordered[lane] {
		return bisect(len(spans), after)
	}
	f := n.fingers[lane].near(fEnd, x)
	f.i = gallop(len(spans), f.i, after)
	return f.i
}

// startFrom returns the first span of lane's that starts at x or later, or
// how many spans it has.
func (n *narrator) startFrom(lane int32, x int64) int {
	spans := n.laneSpans[lane]
	f := n.fingers[lane].near(fStart, x)
	f.i = gallop(len(spans), f.i, func(k int) bool { return spans[k].Start >= x })
	return f.i
}

// fingers are where the last few searches of a lane's spans ended, for
// each kind of search.
type fingers [2][4]finger

// The kinds of search.
const (
	fEnd = iota
	fStart
)

// finger is a search's time and answer.
type finger struct {
	x int64
	i int
}

// near returns the finger of the kind of search whose time was closest
// to x, moved to x.
func (fs *fingers) near(kind int, x int64) *finger {
	best := &fs[kind][0]
	for k := 1; k < len(fs[kind]); k++ {
		if f := &fs[kind][k]; dist(f.x, x) < dist(best.x, x) {
			best = f
		}
	}
	best.x = x
	return best
}

func dist(a, b int64) uint64 {
	if a > b {
		return uint64(a) - uint64(b)
	}
	return uint64(b) - uint64(a)
}

// bisect is sort.Search: the least k in [0, n) for which f(k) holds (f
// being false and then true), else n.
func bisect(n int, f func(int) bool) int {
	i, j := 0, n
	for i < j {
		h := int(uint(i+j) >> 1)
		if !f(h) {
			i = h + 1
		} else {
			j = h
		}
	}
	return i
}

// gallop answers as bisect does, for f false and then true, looking first
// near hint: in steps that double, then by halves.
func gallop(n, hint int, f func(int) bool) int {
	hint = min(max(hint, 0), n)
	lo, hi := -1, n // f(lo) is false, f(hi) true (taking f(-1) false, f(n) true)
	if hint == n || f(hint) {
		hi = hint
		for step := 1; hi-step > lo; step *= 2 {
			if k := hi - step; f(k) {
				hi = k
			} else {
				lo = k
				break
			}
		}
	} else {
		lo = hint
		for step := 1; lo+step < hi; step *= 2 {
			if k := lo + step; f(k) {
				hi = k
				break
			} else {
				lo = k
			}
		}
	}
	for hi-lo > 1 {
		if m := int(uint(lo+hi) >> 1); f(m) {
			hi = m
		} else {
			lo = m
		}
	}
	return hi
}

// before returns the last non-empty span of lane before its i-th, and
// whether it ends where the i-th starts: what the lane did just before,
// with the cause that ended it.
func (n *narrator) before(lane int32, i int) (sim.Span, bool) {
	spans := n.laneSpans[lane]
	for k := i - 1; k >= 0; k-- {
		if spans[k].End > spans[k].Start {
			return spans[k], spans[k].End == spans[i].Start
		}
	}
	return sim.Span{}, false
}

// mainCost returns what starting thread lane cost the pool's main thread:
// its stretch of runtime overhead (submit and Thread.start) just before it
// waited for the thread to say it runs, which the thread's signal ended.
func (n *narrator) mainCost(lane int32) int64 {
	if n.startCost == nil {
		n.startCost = make([]int64, len(n.laneSpans))
		for m, spans := range n.laneSpans {
			if !n.poolMain(int32(m)) {
				continue
			}
			for i, s := range spans {
				c := s.Cause
				if s.State != sim.Waiting || c.Kind != sim.Woken || c.Lane < 0 || int(c.Lane) >= len(n.startCost) {
					continue
				}
				if p, ok := n.before(int32(m), i); ok && p.State == sim.Overhead {
					n.startCost[c.Lane] = p.End - p.Start
				}
			}
		}
	}
	return n.startCost[lane]
}

// laneWork returns how long lane ran task t's code (not runtime overhead)
// during [a, b), and whether any of it was C code with the GIL released.
func (n *narrator) laneWork(lane, t int32, a, b int64) (d int64, released bool) {
	if lane < 0 || int(lane) >= len(n.laneSpans) {
		return 0, false
	}
	add := func(s sim.Span, o int64) {
		if s.Task != t {
			return
		}
		switch s.State {
		case sim.Working:
			d += o
		case sim.WorkingC:
			d += o
			released = true
		}
	}
	if bt := n.boot[lane]; bt.State == sim.Working && t >= 0 && n.bootTask[lane] == t {
		if o := min(bt.End, b) - max(bt.Start, a); o > 0 {
			d += o
		}
	}
	if !n.ordered[lane] || t < 0 || int(t) >= n.taskLanes.len() {
		n.overlapping(lane, a, b, add)
		return d, released
	}
	// The same spans as overlapping finds, less those of other tasks:
	// task t's own on the lane that end after a and start before b.
	spans := n.taskLanes.of(int(t))
	k := bisect(len(spans), func(k int) bool {
		return spans[k].Lane > lane || spans[k].Lane == lane && spans[k].End > a
	})
	for ; k < len(spans) && spans[k].Lane == lane && spans[k].Start < b; k++ {
		s := spans[k]
		if o := min(s.End, b) - max(s.Start, a); o > 0 || (a == b && s.Start <= a && a < s.End) {
			add(s, o)
		}
	}
	return d, released
}

// during returns the span indices [i, j) of lane that overlap [a, b).
func (n *narrator) during(lane int32, a, b int64) (spans []sim.Span, i, j int) {
	if lane < 0 || int(lane) >= len(n.laneSpans) {
		return nil, 0, 0
	}
	return n.laneSpans[lane], n.endAfter(lane, a), n.startFrom(lane, b)
}

// busyWith returns the tasks other than t that lane spent time on during
// [a, b): the first few, longest first.
func (n *narrator) busyWith(lane, t int32, a, b int64) []int32 {
	spans, i, j := n.during(lane, a, b)
	// The first few tasks met, with the time spent on each.
	const few = 16
	var met [few]taskTime
	m := 0
	for k := i; k < j && m < few; k++ {
		s := spans[k]
		if s.Task < 0 || s.Task == t || !busyState(s) {
			continue
		}
		x := 0
		for x < m && met[x].task != s.Task {
			x++
		}
		if x == m {
			met[x].task, met[x].time = s.Task, 0
			m++
		}
		met[x].time += min(s.End, b) - max(s.Start, a)
	}
	if m == 0 {
		return nil
	}
	slices.SortStableFunc(met[:m], func(x, y taskTime) int { return cmp.Compare(y.time, x.time) })
	tasks := make([]int32, m)
	for x := range tasks {
		tasks[x] = met[x].task
	}
	return tasks
}

// also returns the tasks that kept the loop busy while e (a queued event)
// waited: worked out again, only for the events told one by one.
func (n *narrator) also(e *event) []int32 {
	if e.loop < 0 || e.why == rSemaphore {
		return nil
	}
	return n.busyWith(e.loop, e.task, e.at, e.at+e.dur)
}

// taskTime is how long a lane spent on a task.
type taskTime struct {
	task int32
	time int64
}

func busyState(s sim.Span) bool { return s.State != sim.Idle && s.Task >= 0 }

// nextOnLane returns the task lane turns to at instant at, other than t:
// -1 when it goes idle (or has nothing more).
func (n *narrator) nextOnLane(lane, t int32, at int64) int32 {
	if lane < 0 || int(lane) >= len(n.laneSpans) {
		return -1
	}
	spans := n.laneSpans[lane]
	i := n.endAfter(lane, at)
	for ; i < len(spans); i++ {
		s := spans[i]
		if s.Task == t || s.End == s.Start {
			continue
		}
		if s.State == sim.Idle || s.Task < 0 {
			return -1
		}
		return s.Task
	}
	return -1
}

// laneLabel names a lane in a sentence: "the io thread" for a thread that
// runs one task, else its name ("worker-2", "the loop").
func (n *narrator) laneLabel(lane, task int32) string {
	if lane < 0 || int(lane) >= len(n.lanes) {
		return "another thread"
	}
	l := n.lanes[lane]
	switch {
	case l.Kind == sim.LoopThread:
		if n.multiProc() {
			return "the loop of " + n.procName(l.Process)
		}
		return "the loop"
	case l.Kind == sim.MainThread:
		return "the main thread"
	case n.d.Kind == model.ThreadPerTask && l.Kind == sim.WorkerThread:
		if task < 0 && int(lane) < len(n.bootTask) {
			task = n.bootTask[lane] // a thread of its own runs one task
		}
		if task >= 0 {
			return "the " + n.name(task) + " thread"
		}
	}
	return l.Name
}

func (n *narrator) multiProc() bool {
	for _, l := range n.lanes {
		if l.Process > 0 {
			return true
		}
	}
	return false
}

// procName names process p by its first lane's name.
func (n *narrator) procName(p int) string {
	for _, l := range n.lanes {
		if l.Process == p && l.Kind == sim.ProcessMain {
			return l.Name
		}
	}
	return fmt.Sprintf("process %d", p)
}

package explain

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/conclab/conclab/model"
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
		n.laneEvents()
		n.taskEvents()
		lines = n.fold()
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
	taskSpans [][]sim.Span // by task ID, in time order
	holders   [][]sim.Span // by process: spans in which a lane held the GIL, by start
	holdMax   [][]int64    // by process: running maximum of holders' ends
	exec      map[int32]execInfo
	bases     []int // first task ID of each workload group

	// sig is the shortest queueing delay worth a sentence.
	sig int64
	// gap is the longest quiet time inside one folded line.
	gap    int64
	events []event
	cum    [][]sums // by lane, built when first asked for
	// gilWaiters caches gilLanes; -1 until counted.
	gilWaiters int
}

// execInfo is where an offloaded task's blocking call ran.
type execInfo struct {
	lane  int32
	start int64 // when the executor thread took it
	wait  int64 // how long it waited there
}

func newNarrator(wl *workload.Workload, r *sim.Result, rec *sim.Recorder) *narrator {
	n := &narrator{wl: wl, r: r, gilWaiters: -1}
	if d, err := model.Parse(r.Model); err == nil {
		n.d = d
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
	n.laneSpans = make([][]sim.Span, len(n.lanes))
	procs := 0
	for _, l := range n.lanes {
		procs = max(procs, l.Process+1)
	}
	n.holders = make([][]sim.Span, procs)
	for _, s := range rec.Lanes {
		if s.Lane < 0 || s.End < s.Start {
			continue
		}
		n.laneSpans[s.Lane] = append(n.laneSpans[s.Lane], s)
		if (s.State == sim.Working || s.State == sim.Overhead) && s.End > s.Start {
			p := n.lanes[s.Lane].Process
			n.holders[p] = append(n.holders[p], s)
		}
		if n.lanes[s.Lane].Kind == sim.ExecutorThread && s.Task >= 0 {
			if n.exec == nil {
				n.exec = map[int32]execInfo{}
			}
			e, ok := n.exec[s.Task]
			if !ok || s.Start < e.start {
				e.lane, e.start = s.Lane, s.Start
			}
			if s.State == sim.Waiting {
				e.wait += s.End - s.Start
			}
			n.exec[s.Task] = e
		}
	}
	byTime := func(a, b sim.Span) int {
		return cmp.Or(cmp.Compare(a.Start, b.Start), cmp.Compare(a.End, b.End))
	}
	for _, spans := range n.laneSpans {
		slices.SortStableFunc(spans, byTime)
	}
	n.holdMax = make([][]int64, procs)
	for p, hs := range n.holders {
		slices.SortStableFunc(hs, byTime)
		m := make([]int64, len(hs))
		var top int64
		for i, h := range hs {
			top = max(top, h.End)
			m[i] = top
		}
		n.holdMax[p] = m
	}

	maxTask := int32(-1)
	for _, s := range rec.Tasks {
		maxTask = max(maxTask, s.Task)
	}
	n.taskSpans = make([][]sim.Span, maxTask+1)
	for _, s := range rec.Tasks {
		if s.Task >= 0 && s.End >= s.Start {
			n.taskSpans[s.Task] = append(n.taskSpans[s.Task], s)
		}
	}
	for _, spans := range n.taskSpans {
		slices.SortStableFunc(spans, byTime)
	}
	return n
}

// name returns task t's name: from the run's records, else from the
// workload's groups, else "task-N".
func (n *narrator) name(t int32) string {
	if int(t) < len(n.r.Records) && n.r.Records[t].Name != "" {
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

// overlapping calls f for every span of spans (sorted by start, not
// overlapping) that overlaps [a, b), with the length of the overlap.
func overlapping(spans []sim.Span, a, b int64, f func(s sim.Span, d int64)) {
	i, _ := slices.BinarySearchFunc(spans, a, func(s sim.Span, t int64) int {
		if s.End <= t {
			return -1
		}
		return 1
	})
	for ; i < len(spans) && spans[i].Start < b; i++ {
		s := spans[i]
		if d := min(s.End, b) - max(s.Start, a); d > 0 || (a == b && s.Start <= a && a < s.End) {
			f(s, d)
		}
	}
}

// holder returns the lane that held process p's GIL longest during [a, b),
// other than lane self, or -1.
func (n *narrator) holder(p int, self int32, a, b int64) int32 {
	if p < 0 || p >= len(n.holders) {
		return -1
	}
	hs, m := n.holders[p], n.holdMax[p]
	i, _ := slices.BinarySearchFunc(m, a, func(e, t int64) int {
		if e <= t {
			return -1
		}
		return 1
	})
	best, bestD := int32(-1), int64(0)
	for ; i < len(hs) && hs[i].Start < b; i++ {
		h := hs[i]
		if h.Lane == self {
			continue
		}
		if d := min(h.End, b) - max(h.Start, a); d > bestD || (d == bestD && d > 0 && h.Lane < best) {
			best, bestD = h.Lane, d
		}
	}
	return best
}

// laneWork returns how long lane ran task t's code (not runtime overhead)
// during [a, b), and whether any of it was C code with the GIL released.
func (n *narrator) laneWork(lane, t int32, a, b int64) (d int64, released bool) {
	if lane < 0 || int(lane) >= len(n.laneSpans) {
		return 0, false
	}
	overlapping(n.laneSpans[lane], a, b, func(s sim.Span, o int64) {
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
	})
	return d, released
}

// busyWith returns the tasks other than t that lane spent time on during
// [a, b) (the first few, longest first), and whether it was mostly
// blocked.
func (n *narrator) busyWith(lane, t int32, a, b int64) (tasks []int32, blocked bool) {
	if lane < 0 || int(lane) >= len(n.laneSpans) {
		return nil, false
	}
	spans := n.laneSpans[lane]
	cum := n.laneCum(lane)
	i, _ := slices.BinarySearchFunc(spans, a, func(s sim.Span, x int64) int {
		if s.End <= x {
			return -1
		}
		return 1
	})
	j, _ := slices.BinarySearchFunc(spans, b, func(s sim.Span, x int64) int {
		if s.Start < x {
			return -1
		}
		return 1
	})
	if i >= j {
		return nil, false
	}
	// Whole spans from the prefix sums, then trim the two ends.
	busy, stuck := cum[j].busy-cum[i].busy, cum[j].blocked-cum[i].blocked
	for _, k := range []int{i, j - 1} {
		s := spans[k]
		cut := max(0, a-s.Start) + max(0, s.End-b)
		if k == j-1 && i == j-1 {
			cut = s.End - s.Start - (min(s.End, b) - max(s.Start, a))
		}
		if busyState(s) {
			busy -= cut
			if s.State == sim.Blocked {
				stuck -= cut
			}
		}
		if i == j-1 {
			break
		}
	}
	time := map[int32]int64{}
	const few = 16
	for k := i; k < j && len(time) < few; k++ {
		s := spans[k]
		if s.Task < 0 || s.Task == t || !busyState(s) {
			continue
		}
		if _, ok := time[s.Task]; !ok {
			tasks = append(tasks, s.Task)
		}
		time[s.Task] += min(s.End, b) - max(s.Start, a)
	}
	slices.SortStableFunc(tasks, func(x, y int32) int { return cmp.Compare(time[y], time[x]) })
	return tasks, stuck*2 > busy
}

func busyState(s sim.Span) bool { return s.State != sim.Idle && s.Task >= 0 }

// sums are running totals over a lane's spans: busy (on a task) and blocked.
type sums struct{ busy, blocked int64 }

// laneCum returns lane's running totals, cum[i] covering spans[:i].
func (n *narrator) laneCum(lane int32) []sums {
	if n.cum == nil {
		n.cum = make([][]sums, len(n.laneSpans))
	}
	if c := n.cum[lane]; c != nil {
		return c
	}
	spans := n.laneSpans[lane]
	c := make([]sums, len(spans)+1)
	for k, s := range spans {
		c[k+1] = c[k]
		if busyState(s) {
			c[k+1].busy += s.End - s.Start
			if s.State == sim.Blocked {
				c[k+1].blocked += s.End - s.Start
			}
		}
	}
	n.cum[lane] = c
	return c
}

// nextOnLane returns the task lane turns to at instant at, other than t:
// -1 when it goes idle (or has nothing more).
func (n *narrator) nextOnLane(lane, t int32, at int64) int32 {
	if lane < 0 || int(lane) >= len(n.laneSpans) {
		return -1
	}
	spans := n.laneSpans[lane]
	i, _ := slices.BinarySearchFunc(spans, at, func(s sim.Span, x int64) int {
		if s.End <= x {
			return -1
		}
		return 1
	})
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
	case n.d.Kind == model.ThreadPerTask && l.Kind == sim.WorkerThread && task >= 0:
		return "the " + n.name(task) + " thread"
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

package truth

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/sim"
)

// NotMeasured lists the keys of the SPEC §5 result that a measurement
// cannot give: the program does not see the GIL, the loop's callbacks or
// memory. A measured Result leaves them zero.
var NotMeasured = []string{
	"gil_wait_s", "gil_switches", "loop_stall_max_s", "slow_callbacks",
	"peak_threads", "peak_tasks", "peak_processes", "peak_memory_bytes", "peak_virtual_bytes",
}

// Result puts m in the simulator's terms, so that report.Table,
// report.Timeline and report.JSON show a measured run as they show a
// predicted one: task records, latency and queue-delay statistics,
// makespan, throughput and CPU use (over cores), and spans for one lane per
// OS thread that ran a step, grouped by process (the main process first,
// then the worker processes in the order they came up). d is the model the
// program ran; lanes are named as the simulator names them. The keys in
// NotMeasured stay zero.
func (m *Measurement) Result(d model.Deployment, cores int) (*sim.Result, *sim.Recorder) {
	ln := m.lanes(d)
	rec := &sim.Recorder{}
	res := &sim.Result{
		Model:   d.String(),
		Runtime: "cpython",
		Cores:   cores,
		Tasks:   len(m.Tasks),
		CPUBusy: ns(m.CPU),
		Lanes:   ln.lanes,
		Records: make([]sim.TaskRecord, len(m.Tasks)),
	}
	if m.Implementation != "" && m.Implementation != "cpython" {
		res.Runtime = m.Implementation
	}

	// Worker start-up is runtime overhead on the thread that reported it.
	for _, w := range m.Workers {
		if id, ok := ln.id[w.Thread]; ok && ns(w.Ready) > 0 {
			rec.LaneSpan(sim.Span{Lane: int32(id), Task: -1, State: sim.Overhead, Start: 0, End: ns(w.Ready)})
		}
	}
	var lat, queue []int64
	for i, t := range m.Tasks {
		rel, start, end := ns(t.Release), ns(t.Start), ns(t.End)
		r := sim.TaskRecord{Name: t.Name, Release: rel, Start: start, End: end, Lane: -1}
		if t.End < 0 { // stopped by a deadlock, as the simulator records it
			r.End = -1
			res.Records[i] = r
			res.Tasks--
			continue
		}
		if len(t.Steps) > 0 {
			r.Lane = ln.id[t.Steps[0].Thread]
		}
		res.Records[i] = r
		res.Makespan = max(res.Makespan, end)
		lat = append(lat, end-rel)
		queue = append(queue, start-rel)

		at := rel // where the task's spans have got to
		for _, s := range t.Steps {
			lane := ln.id[s.Thread]
			onLoop := ln.lanes[lane].Kind == sim.LoopThread
			a, b := ns(s.Start), ns(s.End)
			if a > at {
				rec.TaskSpan(sim.Span{Lane: -1, Task: int32(i), State: sim.Ready, Start: at, End: a})
			}
			a = max(a, at)
			if b <= a {
				continue
			}
			st := laneState(s.Kind, onLoop)
			if s.Kind == ResourceWait {
				res.ResourceWait += b - a
			}
			taskLane := int32(lane)
			if s.Kind == Wait && onLoop {
				taskLane = -1 // a suspended coroutine is on no thread
			} else {
				rec.LaneSpan(sim.Span{Lane: int32(lane), Task: int32(i), State: st, Start: a, End: b})
			}
			rec.TaskSpan(sim.Span{Lane: taskLane, Task: int32(i), State: st, Start: a, End: b})
			at = b
		}
		if end > at {
			rec.TaskSpan(sim.Span{Lane: -1, Task: int32(i), State: sim.Ready, Start: at, End: end})
		}
	}
	// Spans of one lane, or of one task, in time order.
	slices.SortStableFunc(rec.Lanes, func(a, b sim.Span) int {
		return cmp.Or(cmp.Compare(a.Lane, b.Lane), cmp.Compare(a.Start, b.Start))
	})
	slices.SortStableFunc(rec.Tasks, func(a, b sim.Span) int {
		return cmp.Or(cmp.Compare(a.Task, b.Task), cmp.Compare(a.Start, b.Start))
	})

	if m.Deadlock != nil {
		res.Makespan = max(res.Makespan, ns(m.Deadlock.At))
		res.Deadlock = &sim.Deadlock{At: ns(m.Deadlock.At)}
	}
	res.Latency = stats(lat)
	res.QueueDelay = stats(queue)
	if res.Makespan > 0 {
		res.Throughput = float64(res.Tasks) / (float64(res.Makespan) / 1e9)
		if cores > 0 {
			res.CPUUtilization = float64(res.CPUBusy) / (float64(cores) * float64(res.Makespan))
		}
	}
	return res, rec
}

// laneState is the state of a thread running a step of kind. A work step
// is sim.Running, not sim.Working: the program knows when the step began
// and ended, not when its thread held the GIL, so two threads' steps
// overlap where only one held it at a time.
func laneState(kind StepKind, onLoop bool) sim.State {
	switch kind {
	case Work:
		return sim.Running
	case WorkReleased:
		return sim.WorkingC
	case ResourceWait:
		return sim.ResourceWait
	case WaitBlocking:
		if onLoop {
			return sim.Blocked
		}
	}
	return sim.Waiting
}

// laneSet is the lanes of a measurement and the lane of each OS thread.
type laneSet struct {
	lanes []sim.Lane
	id    map[Thread]int
}

// lanes makes one lane per OS thread that ran a step or reported a worker
// up, named and ordered as the simulator does for d.
func (m *Measurement) lanes(d model.Deployment) laneSet {
	// Processes: the main one, the workers as they came up, then any other
	// (the processes an event loop offloads to) as they first ran a step.
	proc := map[int]int{m.Main.PID: 0}
	workers := slices.Clone(m.Workers)
	slices.SortStableFunc(workers, func(a, b Worker) int { return cmp.Compare(a.Ready, b.Ready) })
	first := map[Thread]float64{}
	seen := func(t Thread, at float64) {
		if f, ok := first[t]; !ok || at < f {
			first[t] = at
		}
	}
	for _, w := range workers {
		if _, ok := proc[w.PID]; !ok {
			proc[w.PID] = len(proc)
		}
		seen(w.Thread, w.Ready)
	}
	nWorkers := len(proc) - 1
	type stepAt struct {
		t  Thread
		at float64
	}
	var steps []stepAt
	for _, t := range m.Tasks {
		for _, s := range t.Steps {
			seen(s.Thread, s.Start)
			steps = append(steps, stepAt{s.Thread, s.Start})
		}
	}
	slices.SortStableFunc(steps, func(a, b stepAt) int { return cmp.Compare(a.at, b.at) })
	for _, s := range steps {
		if _, ok := proc[s.t.PID]; !ok {
			proc[s.t.PID] = len(proc)
		}
	}

	threads := make([]Thread, 0, len(first))
	for t := range first {
		threads = append(threads, t)
	}
	slices.SortFunc(threads, func(a, b Thread) int {
		return cmp.Or(cmp.Compare(proc[a.PID], proc[b.PID]), cmp.Compare(first[a], first[b]),
			cmp.Compare(a.Thread, b.Thread))
	})
	workerThread := map[Thread]bool{}
	for _, w := range workers {
		workerThread[w.Thread] = true
	}

	ls := laneSet{id: make(map[Thread]int, len(threads))}
	count := map[int]int{} // other threads named so far, per process
	pools := 0             // processes an event loop offloaded to
	poolName := map[int]string{}
	for _, t := range threads {
		p := proc[t.PID]
		l := sim.Lane{ID: len(ls.lanes), Process: p}
		switch {
		case p == 0 && t == m.Main:
			l.Name, l.Kind = "main", sim.MainThread
			if d.Kind == model.Asyncio {
				l.Name, l.Kind = "loop", sim.LoopThread
			}
		case p == 0:
			count[p]++
			switch d.Kind {
			case model.ThreadPerTask:
				l.Name, l.Kind = fmt.Sprintf("thread-%d", count[p]), sim.WorkerThread
			case model.Asyncio:
				l.Name, l.Kind = fmt.Sprintf("executor-%d", count[p]), sim.ExecutorThread
			default:
				l.Name, l.Kind = fmt.Sprintf("worker-%d", count[p]), sim.WorkerThread
			}
		case p > nWorkers:
			if _, ok := poolName[t.PID]; !ok {
				pools++
				poolName[t.PID] = fmt.Sprintf("pool-proc-%d", pools)
			}
			l.Name, l.Kind = poolName[t.PID], sim.ProcessMain
		case workerThread[t] && d.Inner != nil && d.Inner.Kind == model.Asyncio:
			l.Name, l.Kind = fmt.Sprintf("loop-%d", p), sim.LoopThread
		case workerThread[t] || d.Inner == nil:
			l.Name, l.Kind = fmt.Sprintf("proc-%d", p), sim.ProcessMain
		default:
			count[p]++
			if d.Inner.Kind == model.Asyncio {
				l.Name, l.Kind = fmt.Sprintf("p%d/executor-%d", p, count[p]), sim.ExecutorThread
			} else {
				l.Name, l.Kind = fmt.Sprintf("p%d/worker-%d", p, count[p]), sim.WorkerThread
			}
		}
		ls.id[t] = l.ID
		ls.lanes = append(ls.lanes, l)
	}
	return ls
}

// ns converts seconds to whole nanoseconds, never negative.
func ns(s float64) int64 {
	if !(s > 0) {
		return 0
	}
	return int64(math.Round(s * 1e9))
}

// stats summarises durations as the simulator does: the mean, the maximum
// and nearest-rank percentiles.
func stats(v []int64) sim.Stats {
	if len(v) == 0 {
		return sim.Stats{}
	}
	v = slices.Clone(v)
	slices.Sort(v)
	var sum float64
	for _, x := range v {
		sum += float64(x)
	}
	q := func(p float64) int64 {
		i := int(math.Ceil(p*float64(len(v)))) - 1
		return v[max(i, 0)]
	}
	return sim.Stats{Mean: int64(math.Round(sum / float64(len(v)))), P50: q(0.50), P95: q(0.95), P99: q(0.99), Max: v[len(v)-1]}
}

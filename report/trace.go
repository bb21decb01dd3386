package report

import (
	"bufio"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/conclab/conclab/sim"
	"github.com/conclab/conclab/workload"
)

// Trace identifiers: the simulated process p of the i-th run (0-based) is
// pid (i+1)·tracePIDStride + p, and its tasks, when drawn, are the threads
// of the pseudo-process (i+1)·tracePIDStride + traceTasksPID. Threads are
// numbered from 1 in each.
const (
	tracePIDStride = 10_000
	traceTasksPID  = tracePIDStride - 1
	// maxTraceTasks is the most tasks given a track each.
	maxTraceTasks = 256
)

// Trace writes runs in the Trace Event Format of Chrome's trace viewer,
// which ui.perfetto.dev and chrome://tracing open: one JSON object with
// "traceEvents" and "displayTimeUnit". Each simulated process of each model
// is a process named like "threads(3) · process 1", each lane a thread
// named after it; what a lane did is a complete event ("ph":"X") per span,
// named after its task or its state, with the state as category. Waits for
// the GIL are named "GIL wait" and a loop stalled by a blocking call is
// "loop stall · B" (the task that blocked it) on the loop's thread. Up to
// 256 tasks also get a track each in a process "… · tasks"; a counter
// "tasks in flight" follows the tasks released and not finished.
// Timestamps are microseconds of virtual time. The processes, threads and
// tasks are the rows of TimelineRows, named as the other renderers name
// them ("threads(3) · main process", "processes(2) · process 1"), with
// its one exception: every lane and up to 256 tasks get a track.
func Trace(w io.Writer, wl *workload.Workload, runs []Run) error {
	bw := bufio.NewWriter(w)
	tw := &traceWriter{w: bw}
	bw.WriteString(`{"traceEvents":[` + "\n")
	for i, run := range runs {
		if run.Result == nil {
			return fmt.Errorf("report: run %d has no result", i+1)
		}
		tw.run(i, run, wl)
	}
	bw.WriteString("\n],\n")
	bw.WriteString(`"displayTimeUnit":"ms",` + "\n")
	other := map[string]any{"generator": "conclab"}
	if wl != nil {
		other["workload"] = wl.Name
	}
	if len(runs) > 0 {
		other["runtime"] = runs[0].Result.Runtime
		other["cores"] = runs[0].Result.Cores
	}
	data, err := json.Marshal(other)
	if err != nil {
		return err
	}
	bw.WriteString(`"otherData":`)
	bw.Write(data)
	bw.WriteString("}\n")
	return bw.Flush()
}

// traceWriter writes the events, one a line, comma-separated.
type traceWriter struct {
	w *bufio.Writer
	n int // events written
}

// event writes one event. ts and dur are nanoseconds; dur < 0 leaves it
// out; tid < 0 leaves it out; args is written as given (a JSON object).
func (tw *traceWriter) event(ph, name, cat string, pid, tid int, ts, dur int64, args string) {
	if tw.n > 0 {
		tw.w.WriteString(",\n")
	}
	tw.n++
	b := tw.w
	b.WriteString(`{"ph":"` + ph + `","name":`)
	b.WriteString(jsonString(name))
	if cat != "" {
		b.WriteString(`,"cat":` + jsonString(cat))
	}
	b.WriteString(`,"pid":` + strconv.Itoa(pid))
	if tid >= 0 {
		b.WriteString(`,"tid":` + strconv.Itoa(tid))
	}
	b.WriteString(`,"ts":` + micros(ts))
	if dur >= 0 {
		b.WriteString(`,"dur":` + micros(dur))
	}
	if args != "" {
		b.WriteString(`,"args":` + args)
	}
	b.WriteByte('}')
}

// meta writes a metadata event: a name or a sort index of a process
// (tid < 0) or a thread.
func (tw *traceWriter) meta(name string, pid, tid int, value any) {
	key := "name"
	if _, ok := value.(int); ok {
		key = "sort_index"
	}
	data, _ := json.Marshal(map[string]any{key: value})
	tw.event("M", name, "", pid, tid, 0, -1, string(data))
}

// run writes the events of the i-th run: its rows, TimelineRows' with the
// trace's limits (a track for every lane, and for up to maxTraceTasks
// tasks under any model).
func (tw *traceWriter) run(i int, run Run, wl *workload.Workload) {
	r := run.Result
	rows := newTimelineRows(run, wl, r.Makespan, traceLimits)
	rows.build(0)
	base := (i + 1) * tracePIDStride

	// Processes and threads, named and in order.
	firstPID := base
	if len(rows.lanes) > 0 {
		firstPID = base + rows.lanes[0].Process
	}
	named := map[int]bool{}
	nameProc := func(pid int, name string) {
		if !named[pid] {
			named[pid] = true
			tw.meta("process_name", pid, -1, name)
			tw.meta("process_sort_index", pid, -1, pid)
		}
	}
	model := clean(r.Model)
	nameProc(firstPID, model+" · "+ProcessName(firstPID-base))
	tid := make(map[int]int, len(rows.lanes))
	laneName := make(map[int]string, len(rows.lanes))
	for _, row := range rows.Rows {
		if row.Kind != LaneRow {
			continue
		}
		l := row.Lane
		pid := base + l.Process
		nameProc(pid, model+" · "+ProcessName(l.Process))
		tid[l.ID] = len(tid) + 1
		laneName[l.ID] = row.Name
		tw.meta("thread_name", pid, tid[l.ID], row.Name)
		tw.meta("thread_sort_index", pid, tid[l.ID], tid[l.ID])
	}

	// What each lane did, lane after lane in time order.
	for _, row := range rows.Rows {
		if row.Kind != LaneRow {
			continue
		}
		l := row.Lane
		for _, s := range rows.Spans(row) {
			if s.State == sim.Idle || s.End <= s.Start {
				continue
			}
			name := s.State.String()
			task := ""
			if s.Task >= 0 {
				task = rows.TaskName(s.Task)
				name = task
			}
			switch {
			case s.State == sim.GILWait:
				name = "GIL wait"
			case s.State == sim.Blocked && l.Kind == sim.LoopThread && task != "":
				name = "loop stall · " + task
			case s.State == sim.Blocked && l.Kind == sim.LoopThread:
				name = "loop stall"
			}
			tw.event("X", name, s.State.String(), base+l.Process, tid[l.ID], s.Start, s.End-s.Start, spanArgs(task, s.State, ""))
		}
	}
	tw.tasks(rows, base, laneName)
	tw.inFlight(r, firstPID)
}

// tasks writes a track per task of the rows, in the pseudo-process
// "MODEL · tasks".
func (tw *traceWriter) tasks(rows *TimelineRows, base int, laneName map[int]string) {
	pid := base + traceTasksPID
	for _, row := range rows.Rows {
		if row.Kind != TaskRow {
			continue
		}
		if row.Task == rows.taskIDs[0] {
			tw.meta("process_name", pid, -1, clean(rows.res.Model)+" · tasks")
			tw.meta("process_sort_index", pid, -1, pid)
		}
		tid := int(row.Task) + 1
		tw.meta("thread_name", pid, tid, row.Name)
		tw.meta("thread_sort_index", pid, tid, tid)
		for _, s := range rows.Spans(row) {
			if s.State == sim.Idle || s.End <= s.Start {
				continue
			}
			name := s.State.String()
			if s.State == sim.GILWait {
				name = "GIL wait"
			}
			tw.event("X", name, s.State.String(), pid, tid, s.Start, s.End-s.Start, spanArgs(row.Name, s.State, laneName[int(s.Lane)]))
		}
	}
}

// inFlight writes the counter of tasks released and not finished, from the
// task records, on the model's first process.
func (tw *traceWriter) inFlight(r *sim.Result, pid int) {
	if len(r.Records) == 0 {
		return
	}
	type change struct {
		at int64
		d  int
	}
	changes := make([]change, 0, 2*len(r.Records))
	for _, rec := range r.Records {
		changes = append(changes, change{rec.Release, 1}, change{rec.End, -1})
	}
	slices.SortStableFunc(changes, func(a, b change) int { return cmp.Compare(a.at, b.at) })
	n := 0
	for k, c := range changes {
		n += c.d
		if k+1 < len(changes) && changes[k+1].at == c.at {
			continue // one value per instant
		}
		tw.event("C", "tasks in flight", "", pid, -1, c.at, -1, `{"tasks":`+strconv.Itoa(n)+`}`)
	}
}

// spanArgs is the args object of a span: its task, its state and the lane
// it ran on, those that are known.
func spanArgs(task string, s sim.State, lane string) string {
	out := `{"state":` + jsonString(s.String())
	if task != "" {
		out += `,"task":` + jsonString(task)
	}
	if lane != "" {
		out += `,"lane":` + jsonString(lane)
	}
	return out + "}"
}

// micros formats ns nanoseconds as microseconds, exactly.
func micros(ns int64) string {
	whole, frac := ns/1000, ns%1000
	if frac < 0 {
		return strconv.FormatFloat(float64(ns)/1e3, 'f', -1, 64)
	}
	s := strconv.FormatInt(whole, 10)
	if frac == 0 {
		return s
	}
	f := fmt.Sprintf("%03d", frac)
	for f[len(f)-1] == '0' {
		f = f[:len(f)-1]
	}
	return s + "." + f
}

// jsonString quotes s as a JSON string; names come from workload files.
func jsonString(s string) string {
	data, _ := json.Marshal(s) // a string always marshals; bad UTF-8 becomes U+FFFD
	return string(data)
}

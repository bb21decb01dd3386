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

// TraceOptions says what Trace cannot tell from the runs themselves.
type TraceOptions struct {
	// NoSpans says, by the index of the run, why a run has no spans
	// ("30,000 tasks, more than the 20,000 whose spans are kept"); see
	// TraceNote. Runs with spans, and runs past its end, need none.
	NoSpans []string
}

// why is the reason given for run i's missing spans, if any.
func (o TraceOptions) why(i int) string {
	if i < len(o.NoSpans) {
		return o.NoSpans[i]
	}
	return ""
}

// TraceNote is what the trace says of a run it has no spans of, and what
// the command says on standard error: "asyncio: no spans in this trace
// (why); it shows its processes, its threads and the tasks in flight
// only". It is "" for a run whose spans are there to draw.
func TraceNote(run Run, why string) string {
	if run.Result == nil || run.Spans != nil {
		return ""
	}
	if why == "" {
		why = "they were not recorded"
	}
	shows := "its processes and threads only"
	if len(run.Result.Records) > 0 {
		shows = "its processes, its threads and the tasks in flight only"
	}
	return fmt.Sprintf("%s: no spans in this trace (%s); it shows %s", clean(run.Result.Model), clean(why), shows)
}

// traceColor is the colour of a state in chrome://tracing: of the names
// its viewer reserves (cname), the one nearest the state's hue
// (stateHue, which the SVG and the terminal draw it in), the states in
// which no code runs in light shades as the pictures tint them. Perfetto
// colours slices by their names, which are the states' legend words.
var traceColor = [nStates]string{
	sim.Working:  "rail_load",                    // green (13, 168, 97): bluish green
	sim.WorkingC: "rail_response",                // blue (67, 135, 253): sky blue
	sim.GILWait:  "rail_animation",               // red (244, 74, 63): vermillion
	sim.Waiting:  "thread_state_runnable",        // pale blue (133, 160, 210): blue, tinted
	sim.Blocked:  "thread_state_uninterruptible", // mauve (182, 125, 143): reddish purple
	sim.Ready:    "thread_state_iowait",          // orange (255, 140, 0)
	sim.Overhead: "generic_work",                 // grey (125, 125, 125)
	// Waiting for a resource runs no code, pickling does.
	sim.ResourceWait: "yellow",               // yellow (255, 255, 0)
	sim.Pickling:     "thread_state_unknown", // greyish brown (199, 155, 125): dark grey, the nearest apart from overhead's
	sim.Running:      "thread_state_running", // light green (126, 200, 148): measured Python, apart from the engine's working
}

// Trace writes runs in the Trace Event Format of Chrome's trace viewer,
// which ui.perfetto.dev and chrome://tracing open: one JSON object with
// "traceEvents", "displayTimeUnit" and "otherData". Times are
// microseconds of virtual time, exact to the nanosecond.
//
// Each simulated process of each model is a process named as the other
// outputs name it, with the model first: "threads(3) · main process",
// "processes(2) · process 1" (ProcessName). Its threads are the lanes of
// TimelineRows, named as everywhere ("main", "worker-3", "loop",
// "proc-2"), every one of them, in order; a process of several threads
// with a GIL has first a thread "GIL holder" whose slices, named after the
// holding thread, show who ran Python code when, and the hand-overs.
//
// What a thread did is a complete event per span, named by its state's
// legend words ("working (holds the GIL)", "waiting for the GIL",
// "waiting (I/O, sleep)", "blocked (loop stalled)"…), with the state as
// category, a colour (cname) and its task as an arg; the spans of one task
// back to back on a thread are nested in a slice named after the task. A
// loop stalled by a blocking call is blocked under the task that made it.
//
// Every task, under every model, is an async track of the process it ran
// in (on an event loop, a coroutine): a slice named after the task from
// its release to its end, and in it a slice per state it went through on
// no thread, named by its legend words: ready, not running (queued for a
// worker, or in the loop's ready queue), a coroutine's waits, a
// coroutine blocked by another's blocking call. What it did on a thread is
// drawn on the thread, once. Thousands of coroutines waiting at once are
// thousands of async tracks of their loop's process. A flow arrow goes
// from a task's release to the slice where a thread first runs it, when
// it waited for that. (Flows are bound by bind_id with flow_out and
// flow_in, not as "s" and "f" events: a task's release happens on no
// thread, only on the task's own async track, and "s" and "f" bind to
// slices of threads only.)
//
// A gather's child task (a branch that ran as a task of its own) is an
// async track too, named after it ("crawl/3", its parent in its args),
// for the first 10,000 of them; a flow arrow goes to it from a slice
// "create crawl/3" (on an event loop) or "submit crawl/3" (to a thread
// pool) on the thread of its parent, its share of the time the gather
// took to make its branches.
//
// A counter "tasks in flight" follows the tasks released and not
// finished; two counters per resource (per worker process for one of
// scope process), "db in use" and "db waiting", follow its units held and
// the tasks waiting for one. A run without spans (more than the spans kept for a timeline,
// see plan.MaxSpanTasks and MaxSpans) gets its processes and threads, the
// counter, and says so: an instant event on its first process and a line
// of otherData's "notes", both TraceNote(run, opt.NoSpans[i]).
func Trace(w io.Writer, wl *workload.Workload, runs []Run, opt TraceOptions) error {
	for i, run := range runs {
		if run.Result == nil {
			return fmt.Errorf("report: run %d has no result", i+1)
		}
	}
	bw := bufio.NewWriter(w)
	tw := &traceWriter{w: bw}
	other := map[string]any{"generator": "conclab"}
	if wl != nil {
		other["workload"] = wl.Name
	}
	if len(runs) > 0 {
		other["runtime"] = runs[0].Result.Runtime
		other["cores"] = runs[0].Result.Cores
	}
	var notes []string
	bw.WriteString(`{"traceEvents":[` + "\n")
	for i, run := range runs {
		note := TraceNote(run, opt.why(i))
		if note != "" {
			notes = append(notes, note)
		}
		tw.run(run, wl, note)
	}
	if len(notes) > 0 {
		other["notes"] = notes
	}
	bw.WriteString("\n],\n")
	bw.WriteString(`"displayTimeUnit":"ms",` + "\n")
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
	w     *bufio.Writer
	n     int // events written
	ids   int // the last pid or tid given: one space for both, as on Linux
	flows int // the last flow id given
	buf   []byte
	res   []string // the run's resources by index, to name its waits for them
}

// id gives the next pid or tid.
func (tw *traceWriter) id() int {
	tw.ids++
	return tw.ids
}

// traceEvent is one event to write. Strings ending in JSON are written as
// they are; times are nanoseconds.
type traceEvent struct {
	ph       string
	nameJSON string // the name, quoted
	cat      string // a category of conclab's own (no quoting needed), or ""
	pid, tid int    // tid 0: none
	ts       int64
	dur      int64  // complete events only
	local    string // async events: the id2 local id
	cname    string
	scope    string // instants: g, p or t
	bind     int    // a flow's id, or 0
	flowIn   bool   // the flow ends here (else it starts here)
	argsJSON string // an object, or ""
}

// event writes e.
func (tw *traceWriter) event(e *traceEvent) {
	b := tw.w
	if tw.n > 0 {
		b.WriteString(",\n")
	}
	tw.n++
	b.WriteString(`{"ph":"`)
	b.WriteString(e.ph)
	b.WriteString(`","name":`)
	b.WriteString(e.nameJSON)
	if e.cat != "" {
		b.WriteString(`,"cat":"`)
		b.WriteString(e.cat)
		b.WriteByte('"')
	}
	if e.local != "" {
		b.WriteString(`,"id2":{"local":"`)
		b.WriteString(e.local)
		b.WriteString(`"}`)
	}
	b.WriteString(`,"pid":`)
	tw.int(e.pid)
	if e.tid > 0 {
		b.WriteString(`,"tid":`)
		tw.int(e.tid)
	}
	b.WriteString(`,"ts":`)
	tw.micros(e.ts)
	if e.ph == "X" {
		b.WriteString(`,"dur":`)
		tw.micros(e.dur)
	}
	if e.scope != "" {
		b.WriteString(`,"s":"`)
		b.WriteString(e.scope)
		b.WriteByte('"')
	}
	if e.cname != "" {
		b.WriteString(`,"cname":"`)
		b.WriteString(e.cname)
		b.WriteByte('"')
	}
	if e.bind > 0 {
		b.WriteString(`,"bind_id":`)
		tw.int(e.bind)
		if e.flowIn {
			b.WriteString(`,"flow_in":true`)
		} else {
			b.WriteString(`,"flow_out":true`)
		}
	}
	if e.argsJSON != "" {
		b.WriteString(`,"args":`)
		b.WriteString(e.argsJSON)
	}
	b.WriteByte('}')
}

// int writes n.
func (tw *traceWriter) int(n int) {
	tw.buf = strconv.AppendInt(tw.buf[:0], int64(n), 10)
	tw.w.Write(tw.buf)
}

// micros writes ns nanoseconds as microseconds, exactly.
func (tw *traceWriter) micros(ns int64) {
	tw.buf = appendMicros(tw.buf[:0], ns)
	tw.w.Write(tw.buf)
}

// meta writes a metadata event: a name (a string) or a sort index (an
// int) of a process (tid 0) or a thread.
func (tw *traceWriter) meta(name string, pid, tid int, value any) {
	key := "name"
	if _, ok := value.(int); ok {
		key = "sort_index"
	}
	data, _ := json.Marshal(map[string]any{key: value})
	tw.event(&traceEvent{ph: "M", nameJSON: `"` + name + `"`, pid: pid, tid: tid, argsJSON: string(data)})
}

// traceTask is what the trace knows of a task before it draws it.
type traceTask struct {
	spans     []int32 // indices into the recorder's task spans, in time order
	first     int64   // when a thread first ran it; -1: none did
	firstLane int     // the lane that did, an index into TimelineRows.lanes
	flow      int     // the flow from its release to its first run, or 0
	nameJSON  string  // its name, quoted
	argsJSON  string  // the args of its slices on threads: its name
}

// run writes the events of a run: its processes and threads, what each
// thread did, the GIL's holders, the tasks, the tasks in flight, and a
// note when it has no spans.
func (tw *traceWriter) run(run Run, wl *workload.Workload, note string) {
	r := run.Result
	rows := newTimelineRows(run, wl, r.Makespan, traceLimits)
	rows.build(0)
	gil := runHasGIL(run)
	tw.res = tw.res[:0]
	for _, rs := range r.Resources {
		tw.res = append(tw.res, rs.Name)
	}
	model := clean(r.Model)

	// Processes, in the order of their lanes, then their threads: the
	// GIL's holder first, then the lanes.
	pids := map[int]int{} // by process
	var order []int       // processes, in order
	newProcess := func(p int) {
		pid := tw.id()
		pids[p] = pid
		order = append(order, p)
		tw.meta("process_name", pid, 0, model+" · "+ProcessName(p))
		tw.meta("process_sort_index", pid, 0, pid)
	}
	gilTID := map[int]int{}  // by process
	laneTID := map[int]int{} // by index into rows.lanes
	laneAt := map[int]int{}  // index into rows.lanes, by lane ID
	for i, l := range rows.lanes {
		laneAt[l.ID] = i
	}
	for _, row := range rows.Rows {
		if row.Kind != LaneRow {
			continue
		}
		p := row.Lane.Process
		if _, ok := pids[p]; !ok {
			newProcess(p)
			if rows.gilTrack(p, gil) {
				gilTID[p] = tw.id()
				tw.meta("thread_name", pids[p], gilTID[p], "GIL holder")
				tw.meta("thread_sort_index", pids[p], gilTID[p], 0)
			}
		}
		tid := tw.id()
		laneTID[row.first] = tid
		tw.meta("thread_name", pids[p], tid, row.Name)
		tw.meta("thread_sort_index", pids[p], tid, len(laneTID))
	}
	if len(order) == 0 {
		newProcess(0) // a run without lanes still has its counter and notes
	}
	home := pids[order[0]]

	tasks := tw.tasks(rows, laneAt)
	for _, p := range order {
		if tid, ok := gilTID[p]; ok {
			tw.holders(rows, pids[p], tid, p)
		}
	}
	for _, row := range rows.Rows {
		if row.Kind == LaneRow {
			tw.lane(rows, row, pids[row.Lane.Process], laneTID[row.first], tasks, gil)
		}
	}
	for id := range tasks {
		pid := home
		if t := &tasks[id]; t.first >= 0 {
			pid = pids[rows.lanes[t.firstLane].Process]
		}
		tw.task(rows, int32(id), &tasks[id], pid, gil)
	}
	pidOf := func(lane int32) int {
		if i, ok := laneAt[int(lane)]; ok {
			if pid, ok := pids[rows.lanes[i].Process]; ok {
				return pid
			}
		}
		return home
	}
	tw.branches(rows, laneTID, laneAt, pidOf, home, len(tasks), gil)
	tw.inFlight(r, home)
	tw.resources(r, rows.rec, home)
	if note != "" {
		tw.event(&traceEvent{ph: "i", nameJSON: jsonString(note), cat: "conclab", pid: home, scope: "p"})
	}
}

// tasks indexes the task spans of the rows by task, in time order (a
// counting sort, so that a million spans are not moved), finds where each
// task first ran, and gives a flow to each task that waited for that.
func (tw *traceWriter) tasks(rows *TimelineRows, laneAt map[int]int) []traceTask {
	rec := rows.rec
	n := int32(0)
	for k := range rec.Tasks {
		n = max(n, rec.Tasks[k].Task+1)
	}
	for k := range rec.Lanes {
		n = max(n, rec.Lanes[k].Task+1)
	}
	at := make([]int, n+1)
	for k := range rec.Tasks {
		if s := &rec.Tasks[k]; s.Task >= 0 {
			at[s.Task+1]++
		}
	}
	for i := range n {
		at[i+1] += at[i]
	}
	idx := make([]int32, at[n])
	next := slices.Clone(at)
	for k := range rec.Tasks {
		if s := &rec.Tasks[k]; s.Task >= 0 {
			idx[next[s.Task]] = int32(k)
			next[s.Task]++
		}
	}
	tasks := make([]traceTask, n)
	for i := range tasks {
		t := &tasks[i]
		t.spans, t.first = idx[at[i]:at[i+1]], -1
		// Spans of a task arrive in time order (sim.Sink); a sort costs
		// nothing then and keeps a hand-made recorder right.
		slices.SortStableFunc(t.spans, func(a, b int32) int { return cmp.Compare(rec.Tasks[a].Start, rec.Tasks[b].Start) })
		t.nameJSON = jsonString(rows.TaskName(int32(i)))
		t.argsJSON = `{"task":` + t.nameJSON + `}`
	}
	for k := range rec.Lanes {
		s := &rec.Lanes[k]
		if s.Task < 0 || s.State == sim.Idle || s.End <= s.Start {
			continue
		}
		i, ok := laneAt[int(s.Lane)]
		if t := &tasks[s.Task]; ok && (t.first < 0 || s.Start < t.first) {
			t.first, t.firstLane = s.Start, i
		}
	}
	for i := range tasks {
		t := &tasks[i]
		if len(t.spans) > 0 && t.first > rec.Tasks[t.spans[0]].Start {
			tw.flows++
			t.flow = tw.flows
		}
	}
	return tasks
}

// holders writes the GIL's holders in process p on its track: a slice per
// stretch in which one lane held it, named after the lane. A lane's holds
// back to back are one; a hold that overlaps the one before (runtime
// overhead beside Python code) starts where that one ends.
func (tw *traceWriter) holders(rows *TimelineRows, pid, tid, p int) {
	names := map[int]string{}
	var cur *hold
	flush := func() {
		if cur != nil && cur.end > cur.start {
			name, ok := names[cur.lane]
			if !ok {
				name = jsonString(clean(rows.lanes[cur.lane].Name))
				names[cur.lane] = name
			}
			tw.event(&traceEvent{ph: "X", nameJSON: name, cat: "gil", pid: pid, tid: tid, ts: cur.start, dur: cur.end - cur.start})
		}
	}
	for _, h := range rows.gilHolds(p) {
		if cur != nil {
			h.start = max(h.start, cur.end)
			if h.end <= h.start {
				continue
			}
			if h.lane == cur.lane && h.start == cur.end {
				cur.end = h.end
				continue
			}
		}
		flush()
		cur = &hold{h.start, h.end, h.lane}
	}
	flush()
}

// lane writes what a lane did: a slice per span, named by its state, and
// the spans of one task back to back nested in a slice of the task. The
// slice where a task first ran ends the flow from its release.
func (tw *traceWriter) lane(rows *TimelineRows, row Row, pid, tid int, tasks []traceTask, gil bool) {
	spans := rows.Spans(row)
	drawn := func(s *sim.Span) bool {
		return s.State != sim.Idle && int(s.State) < nStates && s.End > s.Start
	}
	for k := 0; k < len(spans); {
		s := &spans[k]
		if s.Task < 0 || int(s.Task) >= len(tasks) {
			if drawn(s) {
				e := stateSlice(s, pid, tid, "", gil, tw.res)
				tw.event(&e)
			}
			k++
			continue
		}
		// The spans of this task back to back: k to j.
		j, end := k+1, s.End
		for j < len(spans) && spans[j].Task == s.Task && spans[j].Start == end {
			end = spans[j].End
			j++
		}
		t := &tasks[s.Task]
		if end > s.Start {
			e := &traceEvent{ph: "X", nameJSON: t.nameJSON, cat: "task", pid: pid, tid: tid, ts: s.Start, dur: end - s.Start}
			if t.flow > 0 && s.Start <= t.first && t.first < end && rows.lanes[t.firstLane].ID == row.Lane.ID {
				e.bind, e.flowIn = t.flow, true
			}
			tw.event(e)
		}
		for ; k < j; k++ {
			if s := &spans[k]; drawn(s) {
				e := stateSlice(s, pid, tid, t.argsJSON, gil, tw.res)
				tw.event(&e)
			}
		}
	}
}

// stateSlice is the complete event of a lane's span: named by its state,
// with its task as an arg (argsJSON, or "").
func stateSlice(s *sim.Span, pid, tid int, argsJSON string, gil bool, res []string) traceEvent {
	name := stateJSON(s.State, gil)
	if s.State == sim.ResourceWait && s.Cause.Kind == sim.ResourceFreed && int(s.Cause.Resource) < len(res) {
		name = jsonString("waiting for " + res[s.Cause.Resource])
	}
	return traceEvent{ph: "X", nameJSON: name, cat: s.State.String(), pid: pid, tid: tid,
		ts: s.Start, dur: s.End - s.Start, cname: traceColor[s.State], argsJSON: argsJSON}
}

// stateJSON is the quoted name of state s: its legend words.
func stateJSON(s sim.State, gil bool) string {
	if gil {
		return stateNamesJSON[1][s]
	}
	return stateNamesJSON[0][s]
}

// stateNamesJSON are the states' legend words, quoted, without and with a
// GIL; stateArgsJSON the args of a task's slice of a state.
var stateNamesJSON, stateArgsJSON = func() (names [2][nStates]string, args [nStates]string) {
	for s := range sim.State(nStates) {
		names[0][s], names[1][s] = jsonString(describe(s, false)), jsonString(describe(s, true))
		args[s] = `{"state":"` + s.String() + `"}`
	}
	return names, args
}()

// task writes task id's async track on process pid: a slice from its
// release to its end, named after it, and in it a slice per state it went
// through on no thread (queued, ready, a coroutine's waits); what it did
// on a thread is drawn there. Its id2 is local to the process, and its
// category "task" is the same for all its slices, so that Perfetto puts
// them on one track.
func (tw *traceWriter) task(rows *TimelineRows, id int32, t *traceTask, pid int, gil bool) {
	rec := rows.rec
	if len(t.spans) == 0 {
		return
	}
	start, end := rec.Tasks[t.spans[0]].Start, rec.Tasks[t.spans[len(t.spans)-1]].End
	if end <= start {
		return
	}
	local := "0x" + strconv.FormatInt(int64(id)+1, 16)
	b := &traceEvent{ph: "b", nameJSON: t.nameJSON, cat: "task", local: local, pid: pid, ts: start, bind: t.flow}
	tw.event(b)
	at := start // where the last state ended: states never overlap
	for _, k := range t.spans {
		s := &rec.Tasks[k]
		from, to := max(s.Start, at), min(s.End, end)
		if s.Lane >= 0 || s.State == sim.Idle || int(s.State) >= nStates || to <= from {
			continue // on a thread, it is drawn there
		}
		name := stateJSON(s.State, gil)
		tw.event(&traceEvent{ph: "b", nameJSON: name, cat: "task", local: local, pid: pid, ts: from, cname: traceColor[s.State],
			argsJSON: stateArgsJSON[s.State]})
		tw.event(&traceEvent{ph: "e", nameJSON: name, cat: "task", local: local, pid: pid, ts: to})
		at = to
	}
	tw.event(&traceEvent{ph: "e", nameJSON: t.nameJSON, cat: "task", local: local, pid: pid, ts: end})
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
		changes = append(changes, change{rec.Release, 1})
		if rec.End >= 0 { // not a task a deadlock kept from finishing
			changes = append(changes, change{rec.End, -1})
		}
	}
	slices.SortStableFunc(changes, func(a, b change) int { return cmp.Compare(a.at, b.at) })
	n := 0
	for k, c := range changes {
		n += c.d
		if k+1 < len(changes) && changes[k+1].at == c.at {
			continue // one value per instant
		}
		tw.event(&traceEvent{ph: "C", nameJSON: `"tasks in flight"`, pid: pid, ts: c.at, argsJSON: `{"tasks":` + strconv.Itoa(n) + `}`})
	}
}

// micros formats ns nanoseconds as microseconds, exactly.
func micros(ns int64) string { return string(appendMicros(nil, ns)) }

// appendMicros appends ns nanoseconds as microseconds, exactly: at most
// three decimals, none when they are zeros.
func appendMicros(dst []byte, ns int64) []byte {
	if ns < 0 {
		return strconv.AppendFloat(dst, float64(ns)/1e3, 'f', -1, 64)
	}
	dst = strconv.AppendInt(dst, ns/1000, 10)
	frac := ns % 1000
	if frac == 0 {
		return dst
	}
	digits := [3]byte{byte('0' + frac/100), byte('0' + frac/10%10), byte('0' + frac%10)}
	n := 3
	for digits[n-1] == '0' {
		n--
	}
	dst = append(dst, '.')
	return append(dst, digits[:n]...)
}

// jsonString quotes s as a JSON string; names come from workload files.
func jsonString(s string) string {
	data, _ := json.Marshal(s) // a string always marshals; bad UTF-8 becomes U+FFFD
	return string(data)
}

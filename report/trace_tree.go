package report

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"

	"github.com/conclab/conclab/sim"

	"github.com/conclab/conclab/internal/numfmt"
)

// This file draws, in the trace, what the engine recorded of gathers and
// resources: each branch that ran as a task of its own on an async track
// of its own, with a flow from its gatherer's thread where it was made;
// and a counter per resource of the units in use and of the tasks
// waiting.

// maxTraceBranches is the most gather branches that get a track in a
// trace: a tree of 55,986 child tasks would make it five times larger
// than its threads and tasks do.
const maxTraceBranches = 10_000

// branches writes an async track per gather branch with spans of its
// own, named after it ("crawl/3"), after the tasks' tracks (the first
// maxTraceBranches; an instant says how many more there were); a flow
// leads from a slice "create crawl/3" (or "submit crawl/3") on the
// gatherer's thread, its share of the time the gather took to make its
// branches, to the branch's first slice. The branch's states on no thread (ready, awaiting) are slices on
// its track; what it did on a thread is drawn there, in its task's name.
func (tw *traceWriter) branches(rows *TimelineRows, laneTID map[int]int, laneAt map[int]int, pidOf func(lane int32) int, home int, nTasks int, gil bool) {
	rec := rows.rec
	if len(rec.Branches) == 0 || len(rec.BranchSpans) == 0 {
		return
	}
	spans := make(map[int32][]sim.Span)
	for _, s := range rec.BranchSpans {
		spans[s.Task] = append(spans[s.Task], s)
	}
	made := map[int32]sim.Gather{} // by branch: the gather that made it
	kids := map[int64][]int32{}    // by gatherer (task, branch): its branches, in order
	key := func(task, branch int32) int64 { return int64(task)<<32 | int64(uint32(branch)) }
	for _, b := range rec.Branches {
		kids[key(b.Task, b.Parent)] = append(kids[key(b.Task, b.Parent)], b.ID)
	}
	nth := map[int32]int{} // by branch: its number among those its gather made
	for _, g := range rec.Gathers {
		k := 0
		for _, b := range kids[key(g.Task, g.Branch)] {
			if rec.Branches[b].Created >= g.At && (g.Created < 0 || rec.Branches[b].Created <= g.Created) {
				made[b], nth[b] = g, k
				k++
			}
		}
	}
	// The slices of each lane, to put a branch's making inside one.
	laneSpans := map[int32][]sim.Span{}
	laneOf := func(lane int32) []sim.Span {
		if ss, ok := laneSpans[lane]; ok {
			return ss
		}
		i, ok := laneAt[int(lane)]
		if !ok {
			return nil
		}
		ss := rows.Spans(Row{Kind: LaneRow, first: i})
		laneSpans[lane] = ss
		return ss
	}
	drawn := 0
	for _, b := range rec.Branches {
		ss := spans[b.ID]
		if len(ss) == 0 {
			continue
		}
		if drawn++; drawn > maxTraceBranches {
			tw.event(&traceEvent{ph: "i", nameJSON: jsonString(fmt.Sprintf("the first %s of %s child tasks have tracks",
				numfmt.Thousands(maxTraceBranches), numfmt.Thousands(len(spans)))), cat: "conclab", pid: home, scope: "p"})
			return
		}
		slices.SortStableFunc(ss, func(x, y sim.Span) int { return cmp.Compare(x.Start, y.Start) })
		start, end := ss[0].Start, ss[len(ss)-1].End
		if end <= start {
			continue
		}
		name := jsonString(clean(b.Name))
		pid := home
		flow := 0
		if g, ok := made[b.ID]; ok && g.Lane >= 0 && g.Created > g.At && g.Count > 0 {
			pid = pidOf(g.Lane)
			// Its share of the gather's making: the k-th of Count
			// equal parts of [At, Created).
			each := (g.Created - g.At) / int64(g.Count)
			from := g.At + int64(nth[b.ID])*each
			if tid, ok := laneTID[laneAt[int(g.Lane)]]; ok && each > 0 && from < start {
				if s, ok := containing(laneOf(g.Lane), from); ok {
					verb := "submit " // to a thread pool
					if rows.lanes[laneAt[int(g.Lane)]].Kind == sim.LoopThread {
						verb = "create "
					}
					tw.flows++
					flow = tw.flows
					tw.event(&traceEvent{ph: "X", nameJSON: jsonString(verb + clean(b.Name)), cat: "gather", pid: pid, tid: tid,
						ts: from, dur: min(from+each, s.End) - from, bind: flow, argsJSON: `{"gather":` + jsonString(clean(g.Name)) + `}`})
				}
			}
		}
		local := "0x" + strconv.FormatInt(int64(nTasks)+int64(b.ID)+1, 16)
		parent := jsonString(rows.TaskName(b.Task))
		if b.Parent >= 0 && int(b.Parent) < len(rec.Branches) {
			parent = jsonString(clean(rec.Branches[b.Parent].Name))
		}
		tw.event(&traceEvent{ph: "b", nameJSON: name, cat: "task", local: local, pid: pid, ts: start, bind: flow, flowIn: flow > 0,
			argsJSON: `{"parent":` + parent + `}`})
		at := start
		for i := range ss {
			s := &ss[i]
			from, to := max(s.Start, at), min(s.End, end)
			if s.Lane >= 0 || s.State == sim.Idle || int(s.State) >= nStates || to <= from {
				continue
			}
			sn := stateJSON(s.State, gil)
			tw.event(&traceEvent{ph: "b", nameJSON: sn, cat: "task", local: local, pid: pid, ts: from, cname: traceColor[s.State],
				argsJSON: stateArgsJSON[s.State]})
			tw.event(&traceEvent{ph: "e", nameJSON: sn, cat: "task", local: local, pid: pid, ts: to})
			at = to
		}
		tw.event(&traceEvent{ph: "e", nameJSON: name, cat: "task", local: local, pid: pid, ts: end})
	}
}

// containing is the span of spans (in time order) in which instant at
// falls, a span of work that is not idle.
func containing(spans []sim.Span, at int64) (sim.Span, bool) {
	i, _ := slices.BinarySearchFunc(spans, at, func(s sim.Span, t int64) int {
		if s.End <= t {
			return -1
		}
		if s.Start > t {
			return 1
		}
		return 0
	})
	if i < len(spans) && spans[i].Start <= at && at < spans[i].End && spans[i].State != sim.Idle {
		return spans[i], true
	}
	return sim.Span{}, false
}

// resources writes two counters per resource (per instance, for one of
// each worker process): its units in use ("db in use") and the tasks
// waiting for one ("db waiting"), one value per instant, from the units
// taken and given back that the engine recorded.
func (tw *traceWriter) resources(r *sim.Result, rec *sim.Recorder, pid int) {
	if len(r.Resources) == 0 || len(rec.Holds) == 0 {
		return
	}
	type key struct {
		res  uint16
		inst int32
	}
	held := map[key]int{}
	for k, h := range rec.Holds {
		if int(h.Resource) >= len(r.Resources) {
			continue
		}
		id := key{h.Resource, h.Instance}
		switch {
		case h.Take:
			held[id]++
		case !h.Wait:
			held[id]--
		}
		if next := k + 1; next < len(rec.Holds) && rec.Holds[next].At == h.At && rec.Holds[next].Resource == h.Resource && rec.Holds[next].Instance == h.Instance {
			continue // one value per instant
		}
		name := r.Resources[h.Resource].Name
		if r.Resources[h.Resource].Instances > 1 {
			name += " · " + ProcessName(int(h.Instance)+1)
		}
		tw.event(&traceEvent{ph: "C", nameJSON: jsonString(clean(name) + " in use"), pid: pid, ts: h.At,
			argsJSON: `{"units":` + strconv.Itoa(held[id]) + `}`})
		tw.event(&traceEvent{ph: "C", nameJSON: jsonString(clean(name) + " waiting"), pid: pid, ts: h.At,
			argsJSON: `{"tasks":` + strconv.Itoa(int(h.Queue)) + `}`})
	}
}

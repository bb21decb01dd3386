package explain

import (
	"cmp"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"strings"

	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/report"
	"github.com/conclab/conclab/sim"

	"github.com/conclab/conclab/internal/numfmt"
)

// group is a run of similar events: same key, close together in time.
type group struct {
	first, last int64
	lo, hi      int64 // the range of the steps' lengths (see size)
	count       int   // how many events joined it
	all         []event
	idx         []uint32 // its events: indices into all, in time order
}

// len is the number of events in g.
func (g *group) len() int { return len(g.idx) }

// head is g's first event.
func (g *group) head() *event { return &g.all[g.idx[0]] }

// ev is g's i-th event.
func (g *group) ev(i int) *event { return &g.all[g.idx[i]] }

// fits says whether e may join g: close enough in time, and a step of
// about the same length.
func (g *group) fits(e *event, gap int64) bool {
	if e.at-g.last > max(g.last-g.first, gap) {
		return false
	}
	d, ratio := size(e)
	if ratio == 0 {
		return true
	}
	lo, hi := min(g.lo, d), max(g.hi, d)
	return float64(hi) <= ratio*float64(max(lo, 1))
}

// add counts e in g; fold files the events themselves once all are
// grouped.
func (g *group) add(e *event) {
	if d, _ := size(e); g.count == 0 {
		g.lo, g.hi = d, d
	} else {
		g.lo, g.hi = min(g.lo, d), max(g.hi, d)
	}
	g.last = e.at
	g.count++
}

// fold sorts the events by time and folds each run of similar ones into a
// line; a run too short to fold is told event by event.
func (n *narrator) fold() []Line {
	evs := n.events
	order := timeOrder(evs)
	var groups []group
	in := make([]int32, len(order)) // in[k]: the group of the k-th event in time order
	open := map[uint64][]int32{}    // by key: the groups that may still take events
	for k, i := range order {
		e := &evs[i]
		g := int32(-1)
		key := n.key(e)
		for _, c := range open[key] {
			if groups[c].fits(e, n.gap) {
				g = c
				break
			}
		}
		if g < 0 {
			g = int32(len(groups))
			groups = append(groups, group{first: e.at})
			// Groups that can take nothing more are closed.
			live := open[key][:0]
			for _, c := range open[key] {
				if x := &groups[c]; e.at-x.last <= max(x.last-x.first, n.gap) {
					live = append(live, c)
				}
			}
			open[key] = append(live, g)
		}
		groups[g].add(e)
		in[k] = g
	}
	// List each group's events, in time order, in one array.
	idx := make([]uint32, len(order))
	off := 0
	for g := range groups {
		c := groups[g].count
		groups[g].all, groups[g].idx = evs, idx[off:off:off+c]
		off += c
	}
	for k, i := range order {
		g := &groups[in[k]]
		g.idx = append(g.idx, i)
	}
	var lines []Line
	for g := range groups {
		g := &groups[g]
		if g.len() < minFold(g.head().kind) {
			for i := range g.len() {
				e := g.ev(i)
				lines = append(lines, Line{At: e.at, Text: n.one(*e), Warn: e.warn, Count: 1})
			}
			continue
		}
		lines = append(lines, Line{At: g.first, Text: n.many(g), Warn: g.head().warn, Count: g.len()})
	}
	slices.SortStableFunc(lines, func(a, b Line) int { return cmp.Compare(a.At, b.At) })
	return lines
}

// minFold is the fewest events of a kind told as one line. Finishes and
// thread events read better together; a few task steps read better apart
// ("A starts …", "B starts …").
func minFold(k kind) int {
	switch k {
	case kFinish, kCreate, kProcStart, kLoopSetup, kMainGIL, kGILWake, kGILTurns:
		return 2
	case kPhase:
		return math.MaxInt // each phase its own line
	}
	return 4
}

// one tells a single event.
func (n *narrator) one(e event) string {
	who := n.name(e.task)
	starts := ""
	if e.first {
		starts = "starts and "
		if on := n.onLane(e.lane); on != "" {
			starts = "starts on " + on + " and "
		}
	}
	switch e.kind {
	case kPhase:
		gr := &n.wl.Groups[e.peer]
		var names []string
		for _, p := range gr.After {
			names = append(names, n.wl.Groups[p].Name)
		}
		what := n.name(e.task) + " is"
		if gr.Count > 1 {
			what = fmt.Sprintf("the %d tasks of %s are", gr.Count, gr.Name)
		}
		after := ""
		if e.dur > 0 {
			after = fmt.Sprintf(", and %s after that (start)", report.Seconds(e.dur))
		}
		return fmt.Sprintf("%s released: every task of %s has finished (the last, %s, at %s)%s",
			what, strings.Join(names, " and "), n.name(e.otask), report.Seconds(e.at-e.dur), after)
	case kServer:
		return fmt.Sprintf("the forkserver starts, a fresh interpreter: %s before it forks the first worker", report.Seconds(e.dur))
	case kTracker:
		return fmt.Sprintf("multiprocessing's resource tracker starts, a fresh interpreter, on the cores the workers start on: %s", report.Seconds(e.dur))
	case kProcStart:
		return fmt.Sprintf("%s starts (%s): %s of start-up%s", n.lanes[e.lane].Name, n.startMethod(false), report.Seconds(e.dur), n.mainAgain())
	case kLoopSetup:
		return fmt.Sprintf("%s first runs the main coroutine, which creates %s: %s before %s starts",
			n.laneLabel(e.lane, -1), n.theTasks(int(e.peer)), short(e.dur), who)
	case kMainGIL:
		held := ""
		if e.other >= 0 {
			held = " (" + n.laneLabel(e.other, e.otask) + " held it)"
		}
		if e.peer >= 0 {
			return fmt.Sprintf("GIL: the main thread waited %s for the GIL to return from starting %s%s", report.Seconds(e.dur), n.lanes[e.peer].Name, held)
		}
		return fmt.Sprintf("GIL: the main thread waited %s for the GIL to go on submitting tasks%s", report.Seconds(e.dur), held)
	case kCreate:
		s := fmt.Sprintf("%s is created for %s (no worker is idle)", n.lanes[e.lane].Name, who)
		switch {
		case n.lanes[e.lane].Kind == sim.ExecutorThread:
			s = fmt.Sprintf("%s is created to run %s's blocking call", n.lanes[e.lane].Name, who)
		case n.mainOf(n.lanes[e.lane].Process) >= 0:
			s = fmt.Sprintf("the main thread starts %s for %s (%s: %s)", n.lanes[e.lane].Name, who, n.startWhat(), short(e.cpu+e.dur))
		case n.d.Kind == model.ThreadPerTask:
			s = fmt.Sprintf("%s starts for %s", n.lanes[e.lane].Name, who)
		}
		if e.lead > 0 {
			s += fmt.Sprintf("; its start-up first waits %s for the GIL%s", report.Seconds(e.lead), n.heldBy(e.other, e.otask))
		}
		return s + spinClause(n.startSpins(e))
	case kCompute:
		switch {
		case e.rel:
			return fmt.Sprintf("%s %sruns %s of C code with the GIL released (like hashlib or zlib)", who, starts, report.Seconds(e.cpu))
		case e.warn:
			return fmt.Sprintf("%s %scomputes for %s on the loop: no other task runs meanwhile (asyncio would report a slow callback)", who, starts, report.Seconds(e.dur))
		case e.dur > e.cpu+e.cpu/20:
			return fmt.Sprintf("%s %scomputes %s of Python code, which takes %s: it holds the GIL only %s of that time",
				who, starts, report.Seconds(e.cpu), report.Seconds(e.dur), percent(e.cpu, e.dur))
		}
		return fmt.Sprintf("%s %scomputes for %s (Python code%s)", who, starts, report.Seconds(e.cpu), n.gilNote(", holding the GIL"))
	case kWait:
		if e.lane < 0 {
			return fmt.Sprintf("%s %sawaits a %s wait — %s", who, starts, short(e.dur), n.switchTo(e.otask))
		}
		if n.d.Kind == model.Sync {
			return fmt.Sprintf("%s %swaits %s: the only thread sleeps, so nothing else runs", who, starts, short(e.dur))
		}
		return fmt.Sprintf("%s %swaits %s%s", who, starts, short(e.dur), n.gilNote(" (the GIL is free while it sleeps)"))
	case kOffload:
		if n.lanes[e.other].Kind == sim.ProcessMain {
			s := fmt.Sprintf("%s %shands its %s call to %s (run_in_executor with a process pool) and awaits it", who, starts, short(e.dur), n.lanes[e.other].Name)
			if e.cpu >= n.sig {
				s += fmt.Sprintf(", which first waits %s for a free worker process", report.Seconds(e.cpu))
			}
			return s + " — " + n.switchTo(e.otask)
		}
		s := fmt.Sprintf("%s %shands its %s blocking call to %s (asyncio.to_thread) and awaits it", who, starts, short(e.dur), n.lanes[e.other].Name)
		if e.cpu >= n.sig {
			s += fmt.Sprintf(", which first waits %s for a free executor thread (all %d are busy)", report.Seconds(e.cpu), n.count(sim.ExecutorThread))
		}
		return s + " — " + n.switchTo(e.otask)
	case kResWait:
		return fmt.Sprintf("%s %swaits %s for %s%s", who, starts, report.Seconds(e.dur), n.resourceHeld(&e), n.bargedNote(&e))
	case kBlocked:
		return fmt.Sprintf("%s %scalls a blocking wait on the loop: nothing else runs for %s (%s)", who, starts, report.Seconds(e.dur), slowNote(e.dur))
	case kQueued, kResumeLate:
		return n.queued(e, who)
	case kGILWake:
		if e.back {
			return fmt.Sprintf("GIL: %s, made to drop the GIL, waited %s to get it back from %s", n.laneLabel(e.lane, e.task), report.Seconds(e.dur), n.holder(e))
		}
		if e.force && e.other >= 0 {
			return fmt.Sprintf("GIL: %s waited %s until its switch interval forced %s to drop the GIL", n.laneLabel(e.lane, e.task), report.Seconds(e.dur), n.laneLabel(e.other, e.otask))
		}
		return fmt.Sprintf("GIL: %s waited %s for %s", n.laneLabel(e.lane, e.task), report.Seconds(e.dur), n.dropper(e))
	case kGILTurns:
		return fmt.Sprintf("GIL: %s is made to drop the GIL and waits %s while %s runs",
			n.laneLabel(e.lane, e.task), report.Seconds(e.dur), n.laneLabel(e.other, e.otask))
	case kFinish:
		return who + " finishes"
	}
	return who
}

// many tells a folded group.
func (n *narrator) many(g *group) string {
	e := g.head()
	who, distinct := n.names(g)
	verb := func(one, many string) string {
		if distinct == 1 {
			return one
		}
		return many
	}
	each := ""
	if distinct > 1 {
		each = " each"
	}
	starts := ""
	if e.first {
		starts = "start and "
		if on := n.onLanes(g); on != "" {
			starts = "start on " + on + " and "
		}
	}
	tail := n.tail(g, true)
	lo, hi, sum := durs(g, func(e *event) int64 { return e.dur })
	switch e.kind {
	case kProcStart:
		if n.d.Start == model.Fork && !n.r.ExecWorkers && g.len() > 1 {
			// The parent forks its workers one after another; each then
			// starts up beside the next forks.
			first, last := g.ev(0).at, g.ev(0).at
			for i := range g.len() {
				first, last = min(first, g.ev(i).at), max(last, g.ev(i).at)
			}
			apart := (last - first) / int64(g.len()-1)
			return fmt.Sprintf("%s are forked one after another, %s apart, and start up: %s each%s",
				n.laneNames(g), report.Seconds(apart), span(lo, hi), tail)
		}
		return fmt.Sprintf("%s start (%s): %s each%s%s", n.laneNames(g), n.startMethod(true), span(lo, hi), n.mainAgain(), tail)
	case kLoopSetup:
		return fmt.Sprintf("the loops first run their main coroutines, which create the tasks: %s before the first starts%s",
			shortSpan(lo, hi), tail)
	case kMainGIL:
		peers := make([]int32, 0, g.len())
		for i := range g.len() {
			if p := g.ev(i).peer; p >= 0 {
				peers = append(peers, p)
			}
		}
		held := ""
		if h := n.holderNames(g); h != "" {
			held = " (" + h + " held it)"
		}
		if len(peers) > 0 {
			return fmt.Sprintf("GIL: the main thread waited %s for the GIL to return from starting %s, %s in all%s%s",
				avgUpTo(g), n.laneList(peers), report.Seconds(sum), held, tail)
		}
		return fmt.Sprintf("GIL: the main thread waited %s for the GIL to go on submitting tasks, %s in all%s%s",
			avgUpTo(g), report.Seconds(sum), held, tail)
	case kCreate:
		s := fmt.Sprintf("%s are created for %s", n.laneNames(g), who)
		switch {
		case n.lanes[e.lane].Kind == sim.ExecutorThread:
			s = fmt.Sprintf("%s are created to run the blocking calls of %s", n.laneNames(g), who)
		case n.mainOf(n.lanes[e.lane].Process) >= 0:
			clo, chi, _ := durs(g, func(e *event) int64 { return e.cpu + e.dur })
			s = fmt.Sprintf("the main thread starts %s for %s, one at a time (%s: %s each)", n.laneNames(g), who, n.startWhat(), shortSpan(clo, chi))
		case n.d.Kind == model.ThreadPerTask:
			s = fmt.Sprintf("%s start for %s", n.laneNames(g), who)
		}
		var waited []*event
		for i := range g.len() {
			if x := g.ev(i); x.lead > 0 {
				waited = append(waited, x)
			}
		}
		switch {
		case len(waited) == 1:
			x := waited[0]
			s += fmt.Sprintf("; each new thread needs the GIL for its start-up: %s waits %s for it%s",
				n.lanes[x.lane].Name, report.Seconds(x.lead), n.heldBy(x.other, x.otask))
		case len(waited) > 1:
			_, most, _ := durs(g, func(e *event) int64 { return e.lead })
			s += fmt.Sprintf("; each new thread needs the GIL for its start-up, so they wait for it in turn: up to %s", report.Seconds(most))
		}
		evs := make([]event, g.len())
		for i := range evs {
			evs[i] = *g.ev(i)
		}
		return s + spinClause(n.startSpins(evs...)) + tail
	case kCompute:
		clo, chi, _ := durs(g, func(e *event) int64 { return e.cpu })
		if e.rel {
			return fmt.Sprintf("%s %s%s %s of C code%s with the GIL released%s", who, starts, verb("runs", "run"), span(clo, chi), each, tail)
		}
		if e.warn {
			return fmt.Sprintf("%s %s%s for %s%s on the loop: no other task runs meanwhile (asyncio would report %s)%s",
				who, starts, verb("computes", "compute"), span(lo, hi), each, numfmt.Count(g.len(), "slow callback", "slow callbacks"), tail)
		}
		return fmt.Sprintf("%s %s%s for %s%s (Python code%s)%s", who, starts, verb("computes", "compute"), span(clo, chi), each, n.gilNote(", holding the GIL"), tail)
	case kWait:
		d := shortSpan(lo, hi)
		if e.lane < 0 {
			s := fmt.Sprintf("%s %s%s a %s wait%s", who, starts, verb("awaits", "await"), d, each)
			if distinct == 1 {
				s = fmt.Sprintf("%s %sawaits a %s wait, again and again", who, starts, d)
			}
			if anyOther(g) {
				s += " — the loop switches from one to the next"
			}
			return s + tail
		}
		if distinct == 1 {
			return fmt.Sprintf("%s %swaits %s, again and again%s%s", who, starts, d, n.gilNote(" (the GIL is free while it sleeps)"), tail)
		}
		return fmt.Sprintf("%s %swait %s%s%s%s", who, starts, d, each, n.gilNote(" (the GIL is free while they sleep)"), tail)
	case kOffload:
		if n.lanes[e.other].Kind == sim.ProcessMain {
			return fmt.Sprintf("%s %s%s %s %s (%s) to the process pool (run_in_executor) and %s — the loop keeps running%s",
				who, starts, verb("hands", "hand"), verb("its", "their"), verb("call", "calls"), span(lo, hi), verb("awaits it", "await them"), tail)
		}
		s := fmt.Sprintf("%s %s%s %s blocking %s (%s) to the executor (asyncio.to_thread) and %s — the loop keeps running",
			who, starts, verb("hands", "hand"), verb("its", "their"), verb("call", "calls"), span(lo, hi), verb("awaits it", "await them"))
		if _, q, _ := durs(g, func(e *event) int64 { return e.cpu }); q >= n.sig {
			s += fmt.Sprintf("; some wait up to %s for a free executor thread (all %d busy)", report.Seconds(q), n.count(sim.ExecutorThread))
		}
		return s + tail
	case kResWait:
		longest := g.ev(0)
		for i := range g.len() {
			if x := g.ev(i); x.dur > longest.dur {
				longest = x
			}
		}
		s := fmt.Sprintf("%s %s%s %s%s for %s, %s in all", who, starts, verb("waits", "wait"), span(lo, hi), each,
			n.resourceName(e.peer), report.Seconds(sum))
		if names, c := n.holderText(longest); c > 0 {
			s += fmt.Sprintf("; the longest wait, %s's %s, began while %s held %s", n.name(longest.task),
				report.Seconds(longest.dur), names, numfmt.Plural(c, "it", "them all"))
		}
		barged, barges := 0, int32(0)
		for i := range g.len() {
			if b := g.ev(i).barges; b > 0 {
				barged, barges = barged+1, barges+b
			}
		}
		if barged > 0 {
			s += fmt.Sprintf("; %s woken for a unit that another thread, asking later, took first "+
				"(threading.BoundedSemaphore serves whoever asks first), %s in all, and queued again",
				numfmt.Count(barged, "task was", "tasks were"), numfmt.Count(int(barges), "time", "times"))
		}
		return s + tail
	case kBlocked:
		return fmt.Sprintf("%s %s%s a blocking wait on the loop: nothing else runs for %s each time, %s in all (%s)%s",
			who, starts, verb("calls", "call"), span(lo, hi), report.Seconds(sum), slowNotes(g), tail)
	case kQueued, kResumeLate:
		return n.queuedMany(g, who, verb, lo, hi) + tail
	case kGILWake:
		if e.back {
			if n.gilLanes() > 2 {
				return fmt.Sprintf("GIL: threads made to drop the GIL waited %s to get it back, %s in all%s", avgUpTo(g), report.Seconds(sum), tail)
			}
			who := "the thread that took it"
			if d := n.droppers(g); d != "" {
				who = d
			}
			return fmt.Sprintf("GIL: %s, made to drop the GIL, waited %s to get it back from %s, %s in all%s",
				n.laneLabel(e.lane, e.task), avgUpTo(g), who, report.Seconds(sum), tail)
		}
		if n.gilLanes() > 2 {
			if e.force {
				// Such a thread never asks for the drop (its timed waits run
				// out after a switch): a forced switch goes to it only when
				// the condition variable wakes it rather than the thread
				// that asked (runtime.Profile.ArrivedShare).
				return fmt.Sprintf("GIL: threads back from a wait or from C code waited %s for a forced switch to hand them the GIL, "+
					"%s in all: they never ask for the drop, and CPython gives it to one at a switch only when its condition "+
					"variable wakes it rather than the thread that asked%s",
					avgUpTo(g), report.Seconds(sum), tail)
			}
			return fmt.Sprintf("GIL: threads back from a wait or from C code waited %s for another thread to drop the GIL, %s in all%s",
				avgUpTo(g), report.Seconds(sum), tail)
		}
		if d := n.droppers(g); e.force && d != "" {
			return fmt.Sprintf("GIL: %s waited %s until its switch interval forced %s to drop the GIL%s", n.laneLabel(e.lane, e.task), avgUpTo(g), d, tail)
		}
		return fmt.Sprintf("GIL: %s waited %s for %s%s", n.laneLabel(e.lane, e.task), avgUpTo(g), n.dropperList(g), tail)
	case kGILTurns:
		avg := median(g)
		lanes := map[int32]bool{}
		for i := range g.len() {
			x := g.ev(i)
			lanes[x.lane] = true
			if x.other >= 0 {
				lanes[x.other] = true
			}
		}
		if len(lanes) > 4 {
			return fmt.Sprintf("GIL: %s threads computing at once take turns on the GIL, each waiting %s (median) for its next turn: %s forced hand-overs%s",
				numfmt.Thousands(len(lanes)), report.Seconds(avg), numfmt.Thousands(g.len()), n.tail(g, false))
		}
		for l := range lanes {
			if n.poolMain(l) {
				delete(lanes, l) // it submits and starts threads, told apart
			}
		}
		var names []string
		for _, l := range sortedKeys(lanes) {
			names = append(names, n.laneLabel(l, -1))
		}
		return fmt.Sprintf("GIL: %s take turns on the GIL every %s: %s hand-overs, each thread runs %s the time%s",
			list(names), report.Seconds(avg), numfmt.Thousands(g.len()), share(len(lanes)), n.tail(g, false))
	case kFinish:
		return fmt.Sprintf("%s %s%s", who, verb("finishes", "finish"), n.tail(g, distinct > 4))
	}
	return who + tail
}

// queued tells why a task waited before it ran (or, for a coroutine, before
// it resumed).
func (n *narrator) queued(e event, who string) string {
	d := report.Seconds(e.dur)
	if e.kind == kResumeLate {
		switch e.why {
		case rLoopStuck:
			return fmt.Sprintf("%s's wait is over, but it waits %s more: the loop is stuck in %s", who, d, n.blockers(n.also(&e)))
		case rNone:
			return fmt.Sprintf("%s's wait is over, but it waits %s more for the loop to wake up", who, d)
		}
		return fmt.Sprintf("%s's wait is over, but it waits %s more: the loop is busy with %s", who, d, n.taskList(n.also(&e)))
	}
	switch e.why {
	case rTurn:
		return fmt.Sprintf("%s waits its turn for %s: sync code runs one task at a time", who, d)
	case rWorkers:
		return fmt.Sprintf("%s waits %s for a free worker: all %d are busy", who, d, n.poolSize())
	case rSubmit:
		s := fmt.Sprintf("%s waits %s for the main thread, which %s one at a time", who, d, n.mainDoes())
		if e.peer >= 0 {
			s += fmt.Sprintf(" (%s is started for it)", n.lanes[e.peer].Name)
		}
		return s
	case rProcs:
		return fmt.Sprintf("%s waits %s for a free worker process: all %d are busy", who, d, n.d.Procs)
	case rProcsStart:
		if e.peer >= 0 && n.lanes[e.peer].Kind == sim.ProcessMain {
			return fmt.Sprintf("%s waits %s for %s to start", who, d, n.lanes[e.peer].Name)
		}
		if e.peer >= 0 {
			return fmt.Sprintf("%s waits %s for the process of %s to start", who, d, n.lanes[e.peer].Name)
		}
		return fmt.Sprintf("%s waits %s for the worker processes to start", who, d)
	case rThread:
		return fmt.Sprintf("%s waits %s for its new thread, %s, to start", who, d, n.lanes[e.peer].Name)
	case rNone:
		return fmt.Sprintf("%s waits %s before it first runs", who, d)
	case rLoopStuck:
		return fmt.Sprintf("%s is ready but waits %s: the loop is stuck in %s", who, d, n.blockers(n.also(&e)))
	case rSemaphore:
		return fmt.Sprintf("%s waits %s for the semaphore: %d tasks are already in flight", who, d, n.innerLimit())
	case rAccepted:
		s := fmt.Sprintf("%s is ready but waits %s: %s took it at one wake-up with %s (a worker's event loop takes every queued task at once), and is busy with %s",
			who, d, n.lanes[e.loop].Name, n.name(e.otask), n.taskList(n.also(&e)))
		if idle := n.idleLoops(e.loop, e.at, e.at+e.dur); len(idle) > 0 {
			s += fmt.Sprintf("; %s %s idle meanwhile", list(idle), verbN(len(idle), "is", "are"))
		}
		return s
	case rPolled:
		return fmt.Sprintf("%s waits %s for a worker to take it: every worker's event loop was running a task, and takes new ones only between callbacks; %s took it after a callback of %s",
			who, d, n.lanes[e.peer].Name, n.name(e.otask))
	}
	return fmt.Sprintf("%s is ready but waits %s: the loop is busy with %s", who, d, n.taskList(n.also(&e)))
}

// idleLoops names the worker processes' event loops other than lane that
// sat idle for most of [a, b): they could have run a task that waited then.
func (n *narrator) idleLoops(lane int32, a, b int64) []string {
	var names []string
	for id, l := range n.lanes {
		if int32(id) == lane || l.Kind != sim.LoopThread || l.Process == 0 {
			continue
		}
		var idle int64
		for _, s := range n.laneSpans[id] {
			if s.State == sim.Idle && s.End > a && s.Start < b {
				idle += min(s.End, b) - max(s.Start, a)
			}
		}
		if 2*idle > b-a {
			names = append(names, l.Name)
		}
	}
	return names
}

func verbN(k int, one, many string) string {
	if k == 1 {
		return one
	}
	return many
}

func (n *narrator) queuedMany(g *group, who string, verb func(string, string) string, lo, hi int64) string {
	e := g.head()
	d := "up to " + report.Seconds(hi)
	if report.Seconds(lo) == report.Seconds(hi) {
		d = report.Seconds(hi)
	}
	if e.kind == kResumeLate {
		s := fmt.Sprintf("%s: %s over, but %s %s more", who, verb("its wait is", "their waits are"), verb("it waits", "they wait"), d)
		switch e.why {
		case rLoopStuck:
			return s + ": the loop is stuck in blocking calls"
		case rNone:
			return s + " for the loop to wake up"
		}
		return s + ": the loop resumes ready tasks one at a time"
	}
	switch e.why {
	case rTurn:
		return fmt.Sprintf("%s %s their turn, %s: sync code runs one task at a time", who, verb("waits", "wait"), d)
	case rWorkers:
		return fmt.Sprintf("%s %s %s for a free worker: all %s are busy", who, verb("waits", "wait"), d, numfmt.Thousands(n.poolSize()))
	case rSubmit:
		return fmt.Sprintf("%s %s %s for the main thread, which %s one at a time", who, verb("waits", "wait"), d, n.mainDoes())
	case rProcs:
		return fmt.Sprintf("%s %s %s for a free worker process: all %d are busy", who, verb("waits", "wait"), d, n.d.Procs)
	case rProcsStart:
		return fmt.Sprintf("%s %s %s for the worker processes to start", who, verb("waits", "wait"), d)
	case rThread:
		return fmt.Sprintf("%s %s %s for %s to start", who, verb("waits", "wait"), d, verb("its new thread", "their new threads"))
	case rNone:
		return fmt.Sprintf("%s %s %s before %s first %s", who, verb("waits", "wait"), d, verb("it", "they"), verb("runs", "run"))
	case rLoopStuck:
		return fmt.Sprintf("%s %s ready but %s %s: the loop is stuck in blocking calls", who, verb("is", "are"), verb("waits", "wait"), d)
	case rSemaphore:
		return fmt.Sprintf("%s %s %s for the semaphore: %d tasks are already in flight", who, verb("waits", "wait"), d, n.innerLimit())
	case rAccepted:
		s := fmt.Sprintf("%s %s ready but %s %s: a worker's event loop took %s with others at one wake-up (it takes every queued task at once) and runs them one at a time",
			who, verb("is", "are"), verb("waits", "wait"), d, verb("it", "them"))
		if idle := n.idleLoops(e.loop, g.first, g.last+hi); len(idle) > 0 {
			s += fmt.Sprintf("; %s %s idle meanwhile", list(idle), verbN(len(idle), "is", "are"))
		}
		return s
	case rPolled:
		return fmt.Sprintf("%s %s %s for a worker to take %s: every worker's event loop was running a task, and takes new ones only between callbacks",
			who, verb("waits", "wait"), d, verb("it", "them"))
	}
	return fmt.Sprintf("%s %s ready but %s %s: the loop runs one task at a time", who, verb("is", "are"), verb("waits", "wait"), d)
}

// tail is a folded line's "(×N, from–to)".
func (n *narrator) tail(g *group, withCount bool) string {
	var parts []string
	if withCount {
		parts = append(parts, "×"+numfmt.Thousands(g.len()))
	}
	if a, b := stamp(g.first), stamp(g.last); a != b {
		parts = append(parts, strings.TrimSuffix(a, " s")+"–"+b)
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// names lists the distinct tasks of g, in task order, and counts them.
func (n *narrator) names(g *group) (string, int) {
	ids := make([]int32, 0, g.len())
	for i := range g.len() {
		if t := g.ev(i).task; t >= 0 {
			ids = append(ids, t)
		}
	}
	ids = distinct(ids)
	names := make([]string, len(ids))
	for i, t := range ids {
		names[i] = n.name(t)
	}
	return compact(names), len(ids)
}

// laneNames lists the distinct lanes of g.
func (n *narrator) laneNames(g *group) string {
	ids := make([]int32, 0, g.len())
	for i := range g.len() {
		if l := g.ev(i).lane; l >= 0 {
			ids = append(ids, l)
		}
	}
	ids = distinct(ids)
	names := make([]string, len(ids))
	for i, l := range ids {
		names[i] = n.lanes[l].Name
	}
	return compact(names)
}

// distinct sorts ids (none negative) and drops repeats, in place. IDs
// from a range not much wider than their number are marked in a bitmap
// rather than sorted.
func distinct(ids []int32) []int32 {
	if len(ids) < 64 {
		slices.Sort(ids)
		return slices.Compact(ids)
	}
	lo, hi := slices.Min(ids), slices.Max(ids)
	if int64(hi)-int64(lo) > 16*int64(len(ids)) {
		slices.Sort(ids)
		return slices.Compact(ids)
	}
	seen := make([]uint64, (hi-lo)/64+1)
	for _, id := range ids {
		seen[(id-lo)/64] |= 1 << ((id - lo) % 64)
	}
	out := ids[:0]
	for w, word := range seen {
		for word != 0 {
			b := bits.TrailingZeros64(word)
			out = append(out, lo+int32(w*64+b))
			word &= word - 1
		}
	}
	return out
}

// onLane names the thread or process a task starts on, where that tells
// something (a pool's worker, a process); "" for the only thread or loop.
func (n *narrator) onLane(lane int32) string {
	if lane < 0 || int(lane) >= len(n.lanes) {
		return ""
	}
	switch n.lanes[lane].Kind {
	case sim.WorkerThread, sim.ProcessMain:
		return n.lanes[lane].Name
	}
	return ""
}

func (n *narrator) onLanes(g *group) string {
	if n.onLane(g.head().lane) == "" {
		return ""
	}
	return n.laneNames(g)
}

// startMethod says how worker processes start: the start method, or,
// for a runtime whose workers are fresh programs (a JVM's, a Go
// program's) whatever the method, so; many says it is said of several.
func (n *narrator) startMethod(many bool) string {
	switch {
	case n.r.ExecWorkers && many:
		return "fresh programs"
	case n.r.ExecWorkers:
		return "a fresh program"
	}
	return n.d.Start.String()
}

// mainAgain says how much of a worker's start-up is the program's main
// module run again (main_module), or "".
func (n *narrator) mainAgain() string {
	if n.r.MainModule <= 0 {
		return ""
	}
	return fmt.Sprintf(", %s of it running the program's main module again (main_module)", report.Seconds(n.r.MainModule))
}

// gilNote returns note when the runtime has a GIL.
func (n *narrator) gilNote(note string) string {
	if n.hasGIL() {
		return note
	}
	return ""
}

func (n *narrator) hasGIL() bool { return n.r.GIL }

func (n *narrator) heldBy(lane, task int32) string {
	if lane < 0 {
		return ""
	}
	return ", held by " + n.laneLabel(lane, task)
}

// holder names the thread that held the GIL during the wait e, or "the
// thread that took it".
func (n *narrator) holder(e event) string {
	if e.other < 0 {
		return "the thread that took it"
	}
	return n.laneLabel(e.other, e.otask)
}

func (n *narrator) dropper(e event) string {
	if e.other < 0 {
		return "the GIL"
	}
	return n.laneLabel(e.other, e.otask) + " to drop the GIL"
}

// holderNames names who held the GIL during a folded run of waits: one
// thread, a few, "other threads", or "" when nobody is known.
func (n *narrator) holderNames(g *group) string {
	seen := map[string]bool{}
	var names []string
	for i := range g.len() {
		e := g.ev(i)
		if e.other < 0 {
			continue
		}
		if l := n.laneLabel(e.other, e.otask); !seen[l] {
			seen[l] = true
			names = append(names, l)
		}
		if len(names) > 3 {
			return "other threads"
		}
	}
	return list(names)
}

// laneList names the distinct lanes ids (sorted in place).
func (n *narrator) laneList(ids []int32) string {
	ids = distinct(ids)
	names := make([]string, len(ids))
	for i, l := range ids {
		names[i] = n.lanes[l].Name
	}
	return compact(names)
}

// theTasks is "the task" or "the 3 tasks".
func (n *narrator) theTasks(c int) string {
	if c == 1 {
		return "the task"
	}
	return "the " + numfmt.Thousands(c) + " tasks"
}

// startWhat names what the main thread's part of starting a thread
// costs: in a pool, the submit that starts it too.
func (n *narrator) startWhat() string {
	if n.d.Kind == model.ThreadPool {
		return "submit and Thread.start"
	}
	return "Thread.start"
}

// mainDoes says what a pool's main thread does before every task runs.
func (n *narrator) mainDoes() string {
	if n.d.Kind == model.ThreadPool {
		return "submits the tasks and starts the threads"
	}
	return "starts the threads"
}

// dropperList is "X to drop the GIL" for the droppers of g, or "the GIL".
func (n *narrator) dropperList(g *group) string {
	if d := n.droppers(g); d != "" {
		return d + " to drop the GIL"
	}
	return "the GIL"
}

// droppers names who let the GIL go in a folded run of waits: one thread,
// a few, "other threads", or "" when none is known.
func (n *narrator) droppers(g *group) string {
	seen := map[string]bool{}
	var names []string
	for i := range g.len() {
		e := g.ev(i)
		if e.other < 0 {
			continue
		}
		if l := n.laneLabel(e.other, e.otask); !seen[l] {
			seen[l] = true
			names = append(names, l)
		}
	}
	if len(names) > 3 {
		return "other threads"
	}
	return list(names)
}

// median is the middle duration of g's events.
func median(g *group) int64 {
	ds := make([]int64, g.len())
	for i := range ds {
		ds[i] = g.ev(i).dur
	}
	slices.Sort(ds)
	return ds[len(ds)/2]
}

func (n *narrator) switchTo(t int32) string {
	if t < 0 {
		return "nothing else is ready, so the loop idles"
	}
	return "the loop switches to " + n.name(t)
}

func (n *narrator) taskList(ts []int32) string {
	if len(ts) == 0 {
		return "other tasks"
	}
	var names []string
	for i, t := range ts {
		if i == 3 {
			names = append(names, fmt.Sprintf("%d others", len(ts)-3))
			break
		}
		names = append(names, n.name(t))
	}
	return list(names)
}

func (n *narrator) blockers(ts []int32) string {
	if len(ts) == 1 {
		return n.name(ts[0]) + "'s blocking call"
	}
	return "the blocking calls of " + n.taskList(ts)
}

func (n *narrator) poolSize() int {
	switch {
	case n.d.Kind == model.ThreadPool:
		return n.d.Threads
	case n.d.Inner != nil && n.d.Inner.Kind == model.ThreadPool:
		return n.d.Inner.Threads * n.d.Procs
	}
	return n.count(sim.WorkerThread)
}

func (n *narrator) count(k sim.LaneKind) int {
	c := 0
	for _, l := range n.lanes {
		if l.Kind == k {
			c++
		}
	}
	return c
}

func anyOther(g *group) bool {
	for i := range g.len() {
		if g.ev(i).otask >= 0 {
			return true
		}
	}
	return false
}

func durs(g *group, f func(*event) int64) (lo, hi, sum int64) {
	for i := range g.len() {
		d := f(g.ev(i))
		if i == 0 || d < lo {
			lo = d
		}
		hi = max(hi, d)
		sum += d
	}
	return lo, hi, sum
}

// spinClause tells k thread starts' lock spins, lo to hi long; "" for
// none.
func spinClause(k int, lo, hi int64) string {
	const what = "the spin of the runtime's locks, which yield the core 40 times before they sleep, to threads computing there"
	switch k {
	case 0:
		return ""
	case 1:
		return fmt.Sprintf("; the start waits out %s: %s", what, short(hi))
	}
	return fmt.Sprintf("; %d starts wait out %s: %s", k, what, shortSpan(lo, hi))
}

// startSpins counts the lock spins (sim.SpinEnded) of the thread starts
// in g, on the new threads (a pool's) or on the thread that started them
// (a bare Thread's starter, whose spin begins as the new thread does),
// and returns their shortest and longest.
func (n *narrator) startSpins(evs ...event) (k int, lo, hi int64) {
	note := func(s sim.Span) {
		d := s.End - s.Start
		if k == 0 || d < lo {
			lo = d
		}
		hi = max(hi, d)
		k++
	}
	spun := func(s sim.Span) bool { return s.State == sim.Waiting && s.Cause.Kind == sim.SpinEnded }
	for _, x := range evs {
		if x.lane < 0 || int(x.lane) >= len(n.laneSpans) {
			continue
		}
		for _, s := range n.laneSpans[x.lane] {
			if spun(s) {
				note(s)
			}
		}
		if m := n.mainOf(n.lanes[x.lane].Process); m >= 0 {
			for _, s := range n.laneSpans[m] {
				if spun(s) && s.Start == x.at && s.Cause.Lane == x.lane {
					note(s)
				}
			}
		}
	}
	return k, lo, hi
}

// avgUpTo is "5.00 ms" when the waits were alike, else "1.20 ms on
// average (up to 5.00 ms)".
func avgUpTo(g *group) string {
	lo, hi, sum := durs(g, func(e *event) int64 { return e.dur })
	avg := report.Seconds(sum / int64(g.len()))
	if report.Seconds(lo) == report.Seconds(hi) || avg == report.Seconds(hi) {
		return report.Seconds(hi)
	}
	return fmt.Sprintf("%s on average (up to %s)", avg, report.Seconds(hi))
}

// span is "2.000 s", or "10.2 ms to 29.8 ms" for a range.
func span(lo, hi int64) string {
	a, b := report.Seconds(lo), report.Seconds(hi)
	if a == b {
		return a
	}
	return a + " to " + b
}

// shortSpan is a range of step lengths: "2 s", "50–51 ms", "800 µs to 1.2 ms".
func shortSpan(lo, hi int64) string {
	a, b := short(lo), short(hi)
	if a == b {
		return a
	}
	na, ua, _ := strings.Cut(a, " ")
	nb, ub, _ := strings.Cut(b, " ")
	if ua == ub {
		return na + "–" + nb + " " + ua
	}
	return a + " to " + b
}

func slowNote(d int64) string {
	if d >= sim.SlowCallback {
		return "asyncio would report a slow callback"
	}
	return "a blocking call inside async def"
}

func slowNotes(g *group) string {
	c := 0
	for i := range g.len() {
		if g.ev(i).dur >= sim.SlowCallback {
			c++
		}
	}
	if c == 0 {
		return "blocking calls inside async def"
	}
	return fmt.Sprintf("asyncio would report %s slow callbacks", numfmt.Thousands(c))
}

// share says what part of the time each of k threads taking turns runs.
func share(k int) string {
	switch k {
	case 1:
		return "all"
	case 2:
		return "half"
	case 3:
		return "a third of"
	case 4:
		return "a quarter of"
	}
	return fmt.Sprintf("1/%d of", k)
}

// percent is a of b as a whole percent, 0% when b is not positive.
func percent(a, b int64) string {
	if b <= 0 {
		return numfmt.WholePercent(0)
	}
	return numfmt.WholePercent(float64(a) / float64(b))
}

// short is a step's length to three significant digits without trailing
// zeros: "2 s", "585 µs", "1.5 ms".
func short(ns int64) string {
	s := report.Seconds(ns)
	num, unit, ok := strings.Cut(s, " ")
	if !ok || !strings.Contains(num, ".") {
		return s
	}
	if v, err := strconv.ParseFloat(num, 64); err == nil {
		num = strconv.FormatFloat(v, 'g', 3, 64)
		if strings.ContainsAny(num, "e") {
			return s
		}
	}
	return num + " " + unit
}

// stamp is an instant as the time column shows it.
func stamp(ns int64) string { return fmt.Sprintf("%.3f s", float64(ns)/1e9) }

// list joins a few names: "A", "A and B", "A, B and C".
func list(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// compact lists up to four names in full; more become "conn-1 … conn-1000"
// when they number a run of one group, else "first … last (N)".
func compact(names []string) string {
	if len(names) <= 4 {
		return list(names)
	}
	first, last := names[0], names[len(names)-1]
	prefix, num, ok := numbered(first)
	run := ok
	for i := 1; run && i < len(names); i++ {
		p, k, ok := numbered(names[i])
		run = ok && p == prefix && k == num+i
	}
	if run {
		return first + " … " + last
	}
	return fmt.Sprintf("%s … %s (%s tasks)", first, last, numfmt.Thousands(len(names)))
}

// numbered splits "conn-12" into "conn-" and 12.
func numbered(s string) (string, int, bool) {
	i := strings.LastIndexByte(s, '-')
	if i < 0 {
		return "", 0, false
	}
	num := s[i+1:]
	if k, ok := digits(num); ok {
		return s[:i+1], k, true
	}
	k, err := strconv.Atoi(num)
	if err != nil || k < 0 {
		return "", 0, false
	}
	return s[:i+1], k, true
}

// digits reads a number of 1 to 18 decimal digits, as strconv.Atoi would
// but faster (compact reads thousands); false for anything else.
func digits(s string) (int, bool) {
	if len(s) == 0 || len(s) > 18 {
		return 0, false
	}
	k := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		k = k*10 + int(c-'0')
	}
	return k, true
}

func sortedKeys(m map[int32]bool) []int32 {
	ks := make([]int32, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

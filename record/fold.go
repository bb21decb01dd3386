package record

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/conclab/conclab/internal/fit"
)

// Options say what the recording does not: how the program was run.
type Options struct {
	Command string // the program as the user ran it: "app.py --n 40"
	Name    string // the workload's name: the program's, without .py
	Cores   int    // this machine's logical CPUs
	Date    string // today, for the header
}

// entry is one task of the folded workload before grouping: a task of the
// recording, or one call of the main program's unit function.
type entry struct {
	name, site string
	kind       string // main | unit | thread | pool | process | async
	ops        []op
	release    int64 // ns after the main program began
	task       *Task // nil for a unit
	pool       *int64
	queue      int64 // an item: the queue it was taken from
	// phase counts the main program's waits for all it had started: the
	// tasks it started after one are a later phase (after: the phase
	// before), their release counted from when the last task before ended.
	phase int
	// called: a unit that began at its call, which the recorder saw
	// (markCall): its first steps are all its own.
	called bool
}

// folder holds what Fold works out, by task.
type folder struct {
	rec      *Recording
	ops      [][]op
	lockWait []int64
	sig      []string
	done     []bool
	items    [][]item // by task: the items a consumer took from a queue
	// startup is, by task, the time its parent spent starting threads and
	// processes before it started this one (the recorder's "p" steps: a
	// multiprocessing.Pool forks its workers before it takes a first
	// item). That is the runtime's cost, which the model predicts, so it
	// is no part of when the task was released.
	startup map[int]int64
	// workScale turns recorded Python CPU into the workload's: 1 / the
	// profile's slowdown (recordedRuntime); 0 is 1.
	workScale float64
}

func newFolder(rec *Recording) *folder {
	n := len(rec.Tasks)
	f := &folder{rec: rec, ops: make([][]op, n), lockWait: make([]int64, n), sig: make([]string, n), done: make([]bool, n),
		startup: map[int]int64{}}
	for i := range rec.Tasks {
		var started int64
		for _, s := range rec.Tasks[i].Steps {
			switch s.Kind {
			case 'p':
				started += s.NS
			case 'g':
				for _, k := range s.Children {
					f.startup[k] = started
				}
			}
		}
		o, lw, det := ops(&rec.Tasks[i])
		if len(det) > 0 && rec.Tasks[i].Kind != "main" {
			// Started and never waited for here: they run beside it, as a
			// gather at its end would have them.
			o = append(o, op{kind: opGather, kids: det})
		}
		o = knownUses(o, rec)
		if rec.Tasks[i].Kind != "main" {
			o = repeats(o)
		}
		placeWork(o, defPlace(&rec.Tasks[i], rec.Cwd), "", true)
		f.ops[i], f.lockWait[i] = o, lw
	}
	// An asyncio task that awaited one work item of a thread pool
	// (asyncio.to_thread, run_in_executor) ran that item's steps offloaded:
	// in the workload they are its own steps, with offload: thread.
	for i := range rec.Tasks {
		if rec.Tasks[i].Kind == "async" {
			f.ops[i] = f.offloaded(f.ops[i])
		}
	}
	// An asyncio task that started one task and waited for it (wait_for
	// before 3.12 wraps its coroutine in a task; create_task then await;
	// shield) ran that task's steps in turn, as its own: a gather of one
	// would be a second task, which a thread pool runs on a second worker.
	for i := range rec.Tasks {
		if k := rec.Tasks[i].Kind; k == "async" || k == "request" {
			f.ops[i] = f.inlined(i, f.ops[i])
		}
	}
	f.items = make([][]item, n)
	consumer := false
	for i := range rec.Tasks {
		if rec.Tasks[i].Kind != "main" {
			f.items[i] = items(f.ops[i], rec)
			consumer = consumer || len(f.items[i]) > 0
		}
	}
	if consumer {
		gone := func(k int) bool { return len(f.items[k]) > 0 }
		for i := range rec.Tasks {
			f.ops[i] = dropKids(f.ops[i], gone)
		}
	}
	return f
}

// minOffloadWork: CPU of an offloaded call under this is the executor's
// path to it, no step of its own.
const minOffloadWork = 1_000_000

// knownUses keeps the uses of the resources the recording knows; the
// steps of any other stay, without it.
func knownUses(in []op, rec *Recording) []op {
	out := in[:0:0]
	for _, o := range in {
		if o.kind == opUse || o.kind == opRepeat {
			o.body = knownUses(o.body, rec)
		}
		if o.kind == opUse && !slices.ContainsFunc(rec.Resources, func(r Resource) bool { return r.ID == o.res }) {
			out = append(out, o.body...)
			continue
		}
		out = append(out, o)
	}
	if len(out) != len(in) {
		return tidy(out)
	}
	return out
}

// offloaded replaces, in the steps of an asyncio task, each gather of one
// thread pool work item by that item's steps, offloaded.
func (f *folder) offloaded(in []op) []op {
	var out []op
	for _, o := range in {
		if o.kind == opGather && len(o.kids) == 1 && f.rec.Tasks[o.kids[0]].Kind == "pool" {
			for _, k := range f.ops[o.kids[0]] {
				switch k.kind {
				case opWork, opReleased, opWait, opBlocking:
					if k.ns <= 0 || k.kind == opWork && k.ns < minOffloadWork {
						continue // the executor's call of it (a new thread's start): no step of its own
					}
					k.offload, k.call = true, o.kids[0]+1
					if k.kind == opWait {
						k.kind = opBlocking // a blocking call, made on the executor's thread
					}
					out = append(out, k)
				}
			}
			continue
		}
		if o.kind == opUse || o.kind == opRepeat {
			o.body = f.offloaded(o.body)
		}
		out = append(out, o)
	}
	return tidy(out)
}

// inlined replaces, in the steps of task i, each gather of one asyncio
// task by that task's steps (and its waits for resources).
func (f *folder) inlined(i int, in []op) []op {
	if !slices.ContainsFunc(in, func(o op) bool {
		return o.kind == opGather && len(o.kids) == 1 || o.kind == opUse || o.kind == opRepeat
	}) {
		return in
	}
	var out []op
	for _, o := range in {
		if k := o.kids; o.kind == opGather && len(k) == 1 && f.rec.Tasks[k[0]].Kind == "async" {
			out = append(out, f.inlined(k[0], f.ops[k[0]])...)
			f.lockWait[i] += f.lockWait[k[0]]
			f.lockWait[k[0]] = 0
			continue
		}
		if o.kind == opUse || o.kind == opRepeat {
			o.body = f.inlined(i, o.body)
		}
		out = append(out, o)
	}
	return tidy(out)
}

// signatureOf is the shape of task i with its function: tasks of one
// signature are one group.
func (f *folder) signatureOf(i int) string {
	if f.done[i] {
		return f.sig[i]
	}
	t := &f.rec.Tasks[i]
	f.sig[i] = t.Site + "|" + t.Name + "|" + signature(f.ops[i], f.signatureOf)
	f.done[i] = true
	return f.sig[i]
}

// ownTime is the time of the steps of o that are not gathers.
func ownTime(o []op) int64 {
	var s int64
	for _, x := range o {
		switch x.kind {
		case opWork, opReleased, opWait, opBlocking:
			s += x.ns
		case opUse:
			s += ownTime(x.body)
		case opRepeat:
			s += int64(x.n) * ownTime(x.body)
		}
	}
	return s
}

// coordinator: a task that only starts others and waits for them (an
// asyncio main() that gathers the work): its children are the workload's
// tasks, not branches of one task.
func (f *folder) coordinator(i int) bool {
	t := &f.rec.Tasks[i]
	if t.Kind == "main" {
		return true
	}
	if !slices.ContainsFunc(f.ops[i], func(o op) bool { return o.kind == opGather }) {
		return false
	}
	span := int64(0)
	if t.End != nil {
		span = *t.End - t.Start
	}
	own := ownTime(f.ops[i])
	return own < 1_000_000 || own*20 < span
}

// entries flattens the coordinators from the main program down: their
// children become the workload's tasks, released when they were started.
// It returns the entries, the main program's time after its last child
// was done (not part of the workload) and the function the main program
// called once per item, if that is how it ran them.
func (f *folder) entries() (es []entry, after int64, units string) {
	main := &f.rec.Tasks[f.rec.Main]
	base := main.Start
	mainOps := f.ops[f.rec.Main]
	var tail []op
	var us []entry
	if hasMarks(mainOps) && !serves(f.rec) {
		us, tail, units = splitUnits(mainOps)
	}
	if len(us) > 0 {
		// A sync program's units of one phase are released at once
		// (splitUnits), a later phase's when the one before ended.
		es = append(es, us...)
	} else {
		mainOps = dropMarks(mainOps)
		if first := slices.IndexFunc(mainOps, func(o op) bool { return o.kind == opGather }); first >= 0 {
			last := first
			together := int64(-1) // tasks started with little between are released at once
			ph := &phaser{base: base}
			for k := first; k < len(mainOps); k++ {
				if mainOps[k].kind != opGather {
					continue
				}
				// The main program's own steps between two starts
				// (preparing the next item) space the releases.
				gap := k > first && ownTime(mainOps[last+1:k]) >= 1_000_000
				phase := ph.phase
				kids := f.children(mainOps[k].kids, base, ph)
				// Started once the tasks before had ended: as late as
				// that, under any model.
				gap = gap || ph.waited
				for i := range kids {
					// A task that waited for a worker after a gap would
					// have run no sooner had it been started with the
					// ones before it. A later phase counts from when the
					// last before ended.
					if together < 0 || gap && !queued(kids[i].task) || kids[i].phase != phase {
						phase = kids[i].phase
						together = kids[i].release
					}
					gap = false
					kids[i].release = together
				}
				es = append(es, kids...)
				last = k
			}
			tail = mainOps[last+1:]
		}
	}
	// The main program's own steps before and between its tasks are not
	// a task: they are when the tasks became ready (their release
	// times), under every model alike.
	// Tasks nobody started from the main program's tasks (a server's
	// requests, tasks a loop's callbacks made) are the workload's too.
	for i := range f.rec.Tasks {
		t := &f.rec.Tasks[i]
		if t.Parent == nil && i != f.rec.Main && len(f.items[i]) == 0 {
			es = append(es, f.children([]int{i}, base, nil)...)
		}
	}
	// The items consumers took from queues, released when they were put.
	for i, its := range f.items {
		t := &f.rec.Tasks[i]
		for _, it := range its {
			es = append(es, entry{name: t.Name, site: t.Site, kind: "item", ops: it.ops, release: it.put - base, task: t, queue: it.queue})
		}
	}
	return es, ownTime(dropMarks(tail)), units
}

// phaser follows the batches of tasks a program started and then waited
// for, in order: a batch started once every task before it had ended (the
// program waited for them all) begins a later phase, released from when
// the last of them ended.
//
// A task waited for before the next one is started (submit(f).result() in
// a loop) is not a phase a task: a phase begins only before or after a
// batch of more than one.
type phaser struct {
	base  int64 // when the main program began
	phase int
	from  int64 // when the phase began: the end of the last task before
	ended int64 // the end of the last task so far (MaxInt64: one never ended)
	last  int   // tasks in the last batch
	// waited: the last batch was started once every task before had
	// ended, a phase or not.
	waited bool
}

// add gives each entry of a batch its phase and its release from its
// phase's beginning.
func (p *phaser) add(batch []entry) {
	if p == nil || len(batch) == 0 {
		return
	}
	made := int64(math.MaxInt64)
	for _, e := range batch {
		made = min(made, e.task.Start)
	}
	p.waited = p.last > 0 && made >= p.ended
	if p.waited && (p.last > 1 || len(batch) > 1) {
		p.phase++
		p.from = p.ended - p.base
	}
	p.last = len(batch)
	for i := range batch {
		batch[i].phase = p.phase
		batch[i].release -= p.from
		if end := batch[i].task.End; end != nil {
			p.ended = max(p.ended, *end)
		} else {
			p.ended = math.MaxInt64 // still running: no phase after it
		}
	}
}

// children are the entries for the tasks kids, coordinators flattened;
// ph follows the phases of the batches they were started in (nil: none):
// kids that are no coordinators are one batch, each gather of a
// coordinator another.
func (f *folder) children(kids []int, base int64, ph *phaser) []entry {
	var es []entry
	batch := 0 // where the batch being gathered begins in es
	for _, k := range kids {
		t := &f.rec.Tasks[k]
		if f.coordinator(k) {
			ph.add(es[batch:])
			for _, o := range f.ops[k] {
				if o.kind == opGather {
					es = append(es, f.children(o.kids, base, ph)...)
				}
			}
			batch = len(es)
			continue
		}
		es = append(es, entry{name: t.Name, site: t.Site, kind: t.Kind, ops: f.ops[k], release: t.Start - base - f.startup[k], task: t, pool: t.Pool})
	}
	ph.add(es[batch:])
	return es
}

// serves: the program is a server (it took requests): its main program
// is its accept loop, not calls that each handle an item.
func serves(rec *Recording) bool {
	for i := range rec.Tasks {
		if rec.Tasks[i].Kind == "request" {
			return true
		}
	}
	return false
}

// queued: t waited more than a millisecond between being made and first
// running (a pool's work item behind busy workers).
func queued(t *Task) bool {
	return t != nil && t.Began != nil && *t.Began-t.Start > 1_000_000
}

// The edges of the main program's calls that the recorder saw itself
// (sys.monitoring, CPython 3.12+): the mark's what.
const (
	markCall   = "call"
	markReturn = "return"
)

func hasMarks(o []op) bool {
	return slices.ContainsFunc(o, func(x op) bool { return x.kind == opMark })
}

func dropMarks(o []op) []op {
	return slices.DeleteFunc(slices.Clone(o), func(x op) bool { return x.kind == opMark })
}

// splitUnits cuts the main program's steps into calls of the functions
// that handle one item each: the shallowest level of its stack at which
// functions are called anew more than once. The recorder marks where the
// stack changed at its boundaries (waits, C calls), so the CPU from a
// unit's last boundary to the next one's first is not split by the
// recording; it goes to the next unit, and the first unit's share of what
// came before it is the median of the others'.
//
// Calls of one function after calls of another (fetch every page, then
// parse every page) are a later phase: a program that waits for one
// batch to end before it starts the next. Each unit's release is the
// main program's own CPU before its phase began (for the first) or since
// the phase before ended, and between the units of its phase.
//
// On CPython 3.12 and newer the recorder also marks where a call of a
// function seen at an earlier boundary began and where one returned
// (markCall, markReturn): the CPU before such a call is its caller's, and
// a unit ends at its return, so only the first call of each function,
// made before the recorder knew it, is placed as above.
func splitUnits(in []op) (units []entry, tail []op, fn string) {
	var chain []string
	calls := map[int]map[string]int{} // depth → function → new calls
	for _, o := range in {
		if o.kind != opMark {
			continue
		}
		d := min(o.depth, len(chain))
		chain = append(chain[:d:d], o.sites...)
		for l := d; l < len(chain); l++ {
			if calls[l] == nil {
				calls[l] = map[string]int{}
			}
			calls[l][chain[l]]++
		}
	}
	level := -1
	for l := 0; l < 8 && level < 0; l++ {
		for _, n := range calls[l] {
			if n >= 2 {
				level = l
				break
			}
		}
	}
	if level < 0 {
		return nil, nil, ""
	}
	unitFn := func(name string) bool { return calls[level][name] >= 2 }
	chain = chain[:0]
	cur := -1         // the unit being filled, or -1: the main program itself
	lastUnitEnd := -1 // where in mainOps the main program took over after the last unit
	var mainOps []op
	returned := false // the last unit ended at its return, which the recorder saw
	// Per phase: where in mainOps it began and where its last unit ended.
	var began, ended []int
	for _, o := range in {
		if o.kind == opMark {
			d := min(o.depth, len(chain))
			chain = append(chain[:d:d], o.sites...)
			switch {
			case d <= level && len(chain) > level && unitFn(chain[level]):
				// A new call of a unit function: the CPU since the last
				// boundary is its start.
				var lead []op
				if o.what == markCall {
					// The call's own start: what came before is not its.
				} else if cur >= 0 {
					if b := &units[cur].ops; len(*b) > 0 && (*b)[len(*b)-1].kind == opWork {
						lead = []op{(*b)[len(*b)-1]}
						*b = (*b)[:len(*b)-1]
					}
				} else if n := len(mainOps); n > 0 && mainOps[n-1].kind == opWork {
					lead = []op{mainOps[n-1]}
					mainOps = mainOps[:n-1]
				}
				name := chain[level]
				phase := 0
				if n := len(units); n > 0 {
					phase = units[n-1].phase
					if units[n-1].name+" "+units[n-1].site != name {
						phase++
					}
				}
				if phase == len(began) {
					if cur >= 0 { // one call right after another: the last ended here
						lastUnitEnd = len(mainOps)
					}
					if phase > 0 {
						ended = append(ended, lastUnitEnd)
					}
					began = append(began, len(mainOps))
				}
				units = append(units, entry{name: funcName(name), site: funcSite(name), kind: "unit", ops: lead, phase: phase, called: o.what == markCall})
				cur, returned = len(units)-1, false
			case len(chain) <= level || !unitFn(chain[level]) || d < level:
				if cur >= 0 {
					lastUnitEnd = len(mainOps)
					returned = o.what == markReturn
				}
				cur = -1
			}
			continue
		}
		if cur >= 0 {
			units[cur].ops = append(units[cur].ops, o)
		} else {
			mainOps = append(mainOps, o)
		}
	}
	if len(units) < 2 {
		return nil, nil, ""
	}
	units, began, ended = cycles(units, began, ended)
	// The first unit of each phase's lead: what the others of its phase
	// began with, the rest is the main program's, before the phase (and
	// the end of the phase before's last unit, which no boundary marked).
	before := make([]int64, len(began))
	for i := range units {
		if i > 0 && units[i].phase == units[i-1].phase {
			continue
		}
		first := &units[i]
		var leads []int64
		for _, u := range units[i+1:] {
			if u.phase != first.phase {
				break
			}
			if len(u.ops) > 0 && u.ops[0].kind == opWork {
				leads = append(leads, u.ops[0].ns)
			} else if u.called {
				leads = append(leads, 0) // it began as it was called, with no CPU
			}
		}
		if len(first.ops) > 0 && first.ops[0].kind == opWork && len(leads) > 0 {
			slices.Sort(leads)
			med := leads[len(leads)/2]
			if extra := first.ops[0].ns - med; extra > 0 {
				first.ops[0].ns = med
				before[first.phase] = extra
			}
		}
	}
	for i := range units {
		units[i].ops = tidy(units[i].ops)
	}
	// After the last call no boundary marked the way back to the main
	// program (unless the recorder saw the return): the last call's final
	// CPU beyond what the others of its function ended with is the main
	// program's.
	if n := len(units); n >= 2 && !returned {
		var tails []int64
		for _, u := range units[:n-1] {
			if u.phase != units[n-1].phase {
				continue
			}
			if k := len(u.ops); k > 0 && u.ops[k-1].kind == opWork {
				tails = append(tails, u.ops[k-1].ns)
			} else {
				tails = append(tails, 0)
			}
		}
		slices.Sort(tails)
		if last := units[n-1].ops; len(tails) > 0 && len(last) > 0 && last[len(last)-1].kind == opWork && last[len(last)-1].ns > tails[len(tails)/2] {
			med := tails[len(tails)/2]
			extra := last[len(last)-1].ns - med
			last[len(last)-1].ns = med
			if cur >= 0 {
				cur = -1
				lastUnitEnd = len(mainOps)
			}
			mainOps = append(mainOps, op{kind: opWork, ns: extra})
		}
	}
	if cur >= 0 || lastUnitEnd < 0 {
		lastUnitEnd = len(mainOps)
	}
	ended = append(ended, lastUnitEnd)
	// Releases: the main program's own time before each phase (since the
	// last one ended) and between its units.
	from := 0
	release := make([]int64, len(began))
	for p := range began {
		release[p] = ownTime(mainOps[from:ended[p]]) + before[p]
		from = ended[p]
	}
	for i := range units {
		units[i].release = release[units[i].phase]
	}
	return units, mainOps[lastUnitEnd:], units[0].name + " " + units[0].site
}

// cycles undoes phases of one call each: a loop that calls fetch, then
// parse, for every item alternates between the two functions, and each
// turn of it is one unit (fetch's steps, then parse's), the units one
// phase. Calls that neither come in runs nor repeat a cycle are one phase
// of units of their own functions. began and ended are the phases'
// places in the main program's steps (splitUnits).
func cycles(units []entry, began, ended []int) ([]entry, []int, []int) {
	n := len(units)
	if units[n-1].phase == 0 {
		return units, began, ended
	}
	runs := true
	for i := range units {
		first := i == 0 || units[i-1].phase != units[i].phase
		last := i == n-1 || units[i+1].phase != units[i].phase
		if first && last {
			runs = false // a phase of a single call
			break
		}
	}
	if runs {
		return units, began, ended
	}
	fn := func(i int) string { return units[i].name + " " + units[i].site }
	period := 0
	for p := 2; p <= n/2 && period == 0; p++ {
		period = p
		for i := p; i < n; i++ {
			if fn(i) != fn(i-p) {
				period = 0
				break
			}
		}
	}
	var out []entry
	for i := range units {
		u := units[i]
		u.phase = 0
		if period > 0 && i%period != 0 {
			last := &out[len(out)-1]
			last.ops = append(last.ops, u.ops...)
			continue
		}
		out = append(out, u)
	}
	return out, began[:1], ended[:0]
}

// funcName and funcSite split a recorder's site, "handle /app/x.py:12".
func funcName(site string) string {
	name, _, _ := strings.Cut(site, " ")
	return name
}

func funcSite(site string) string {
	_, s, _ := strings.Cut(site, " ")
	return s
}

// group is the entries of one shape.
type group struct {
	name    string
	members []entry
	phase   int // its members' (entry.phase)
}

// groups folds entries of the same function and shape together, in the
// order each first appears.
func (f *folder) groups(es []entry) []*group {
	var gs []*group
	at := map[string]*group{}
	for _, e := range es {
		sig := strconv.Itoa(e.phase) + "|" + e.kind + "|" + e.site + "|" + e.name + "|" + signature(e.ops, f.signatureOf)
		g, ok := at[sig]
		if !ok {
			name := e.name
			if e.kind == "request" {
				name = requestName(name)
			}
			g = &group{name: name, phase: e.phase}
			at[sig] = g
			gs = append(gs, g)
		}
		g.members = append(g.members, e)
	}
	// Names: the function's, numbered when one function has several shapes.
	seen := map[string]int{}
	for _, g := range gs {
		seen[g.name]++
	}
	n := map[string]int{}
	for _, g := range gs {
		if seen[g.name] > 1 {
			n[g.name]++
			g.name = fmt.Sprintf("%s-%c", g.name, 'a'+rune(n[g.name]-1)%26)
		}
		g.name = safeName(g.name)
	}
	// Names that still meet (two names that differ only in what a task
	// name cannot hold) are numbered, past the names of the copies of a
	// group with a count (handle-1, handle-2, …), which are taken too.
	taken := map[string]bool{}
	clash := func(name string, copies int) bool {
		if taken[name] {
			return true
		}
		for k := 1; copies > 1 && k <= copies; k++ {
			if taken[name+"-"+strconv.Itoa(k)] {
				return true
			}
		}
		return false
	}
	for _, g := range gs {
		copies := len(g.members)
		name := g.name
		for k := 2; clash(name, copies); k++ {
			name = g.name + "-" + strconv.Itoa(k)
		}
		g.name = name
		taken[name] = true
		for k := 1; copies > 1 && k <= copies; k++ {
			taken[name+"-"+strconv.Itoa(k)] = true
		}
	}
	return gs
}

// requestName is a group's name for the requests of a route: "GET
// /api/N" is GET-api-N.
func requestName(route string) string {
	method, path, _ := strings.Cut(route, " ")
	parts := []string{method}
	for _, p := range strings.Split(path, "/") {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, "-")
}

// safeName keeps a task name to what conclab's names allow: letters,
// digits, dot, dash and underscore.
func safeName(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '-':
			b.WriteRune(r)
		case r == '.' || r == '<' || r == '>':
			if b.Len() > 0 && r == '.' {
				b.WriteByte('.')
			}
		}
	}
	if b.Len() == 0 {
		return "task"
	}
	return b.String()
}

// mop is one step of a group: the merged durations of its members.
type mop struct {
	offload  bool
	kind     opKind
	fit      fit.Fit
	what     string
	at       string // where in the program: the source its tasks share
	res      int64
	n        int
	body     []mop
	branches []branch
}

// branch is the children of a gather of one shape, merged over the group.
type branch struct {
	name, site string
	count      int
	steps      []mop
}

// merge folds the step lists of a group's members (one signature) into one.
func (f *folder) merge(lists [][]op) []mop {
	if len(lists) == 0 {
		return nil
	}
	out := make([]mop, len(lists[0]))
	srcs := make([]string, len(lists))
	for j, o := range lists[0] {
		m := mop{kind: o.kind, what: o.what, res: o.res, n: o.n, offload: o.offload}
		for i, l := range lists {
			srcs[i] = l[j].at
		}
		m.at = commonSource(srcs)
		switch o.kind {
		case opWork, opReleased, opWait, opBlocking:
			ns := make([]int64, len(lists))
			for i, l := range lists {
				ns[i] = l[j].ns
				if o.kind == opWork && f.workScale > 0 {
					ns[i] = int64(float64(ns[i]) * f.workScale)
				}
				if l[j].what != m.what {
					m.what = joinWhat(m.what, l[j].what)
				}
			}
			m.fit = fit.Durations(ns)
		case opUse, opRepeat:
			bodies := make([][]op, len(lists))
			for i, l := range lists {
				bodies[i] = l[j].body
			}
			m.body = f.merge(bodies)
		case opGather:
			per := make([][]branchGroup, len(lists))
			for i, l := range lists {
				per[i] = branchGroups(l[j].kids, f.signatureOf)
			}
			for b, bg := range per[0] {
				var kids [][]op
				for i := range per {
					for _, k := range per[i][b].ids {
						kids = append(kids, f.ops[k])
					}
				}
				t := &f.rec.Tasks[bg.ids[0]]
				m.branches = append(m.branches, branch{name: t.Name, site: t.Site, count: len(bg.ids), steps: f.merge(kids)})
			}
		}
		out[j] = m
	}
	return out
}

// releases says when a group's members became ready: all at once (start),
// or one every so often (start and every).
func releases(g *group) (start, every int64) {
	rs := make([]int64, len(g.members))
	for i, m := range g.members {
		rs[i] = max(0, m.release)
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i] < rs[j] })
	start = rs[0]
	span := rs[len(rs)-1] - rs[0]
	if len(rs) < 2 || span < 2_000_000 {
		return start, 0
	}
	return start, span / int64(len(rs)-1)
}

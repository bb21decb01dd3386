package record

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/conclab/conclab/internal/fit"
	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/runtime"
	"github.com/conclab/conclab/workload"
)

// Result is a recording folded: the workload, and what to tell the user.
type Result struct {
	YAML    []byte
	Summary *Summary
}

// Summary is what record tells the user on stderr (or as JSON).
type Summary struct {
	Program  string   `json:"program"`
	Python   string   `json:"python"`
	Wall     float64  `json:"wall_s"`
	Exit     int      `json:"exit"`
	Error    string   `json:"error,omitempty"`
	Model    string   `json:"model"`
	ModelWhy string   `json:"model_why"`
	Models   []string `json:"models"`
	Tasks    int      `json:"tasks"`
	// WarmCores: every core was kept busy while the program ran
	// (--warm-cores), so its CPU is a warm core's.
	WarmCores bool           `json:"warm_cores,omitempty"`
	Groups    []GroupSummary `json:"groups"`
	Findings  []string       `json:"findings"`
	Notes     []string       `json:"notes"`
	Output    string         `json:"output,omitempty"`
	Next      string         `json:"next"`
}

// GroupSummary is where one group's time went, in seconds summed over its
// tasks (with their gathers' children).
type GroupSummary struct {
	Name        string  `json:"name"`
	Site        string  `json:"site"`
	Kind        string  `json:"kind"`
	Count       int     `json:"count"`
	GILCPU      float64 `json:"gil_cpu_s"`
	ReleasedCPU float64 `json:"released_cpu_s"`
	Waits       float64 `json:"wait_s"`
	Blocking    float64 `json:"blocking_s"`
	LockWaits   float64 `json:"resource_wait_s"`
}

// Fold turns a recording into a workload: tasks of one function and shape
// become one group with a count, their durations the distribution that
// fits them best, their release times kept; the model the program used
// comes first.
func Fold(rec *Recording, o Options) (*Result, error) {
	f := newFolder(rec)
	prof, profWhy := recordedRuntime(rec)
	if prof.Slowdown > 0 {
		f.workScale = 1 / prof.Slowdown
	}
	es, after, unitFn := f.entries()
	if len(es) == 0 {
		return nil, fmt.Errorf("the program did nothing conclab can see: no CPU, no waits, no tasks")
	}
	gs := f.groups(es)
	model, why := ownModel(rec, es, unitFn)
	if mostlyItems(es) {
		model, why = f.queueModel(es)
	}
	models := alternatives(model, rec, o.Cores)
	sum := &Summary{
		Program: o.Command, Python: rec.Implementation + " " + rec.Python, Wall: sec(rec.Wall),
		Exit: rec.Exit, Error: rec.Error, Model: model, ModelWhy: why, Models: models, Tasks: len(es),
		WarmCores: rec.WarmCores,
	}
	var b bytes.Buffer
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("# Recorded by conclab record from: %s\n", o.Command)
	w("# %s, %d cores, %s: the program ran %s and exited with status %d.\n",
		sum.Python, o.Cores, o.Date, fit.Dur(float64(rec.Wall)), rec.Exit)
	if rec.Error != "" {
		w("# It failed (%s): this is the workload of what ran.\n", oneLine(rec.Error))
	}
	if rec.WarmCores {
		w("# Every core was kept busy while it ran (--warm-cores): its CPU is what warm\n")
		w("# cores pay, as on a busy machine; a core that sat idle pays more.\n")
	}
	w("# Durations are what each task did: its CPU (with the GIL held, or in C code\n")
	w("# that released it) and its waits, without the time it waited for the GIL,\n")
	w("# a worker or the event loop, which is what conclab predicts.\n")
	w("name: %s\n", quote(o.Name))
	w("about: %s\n", quote(fmt.Sprintf("Recorded from %s: %d tasks in %d groups.", o.Command, len(es), len(gs))))
	if prof.Name != "" {
		w("runtime: %s  # %s\n", prof.Name, profWhy)
	}
	w("cores: %d\n", o.Cores)
	if d, n := mainModule(rec); n > 0 {
		dur := fit.Dur(float64(d))
		w("# Each of %d worker processes ran the program's main module again before its\n", n)
		w("# first task (spawn, forkserver): its imports and module-level set-up, CPU\n")
		w("# (the median).\n")
		w("main_module: %s\n", dur)
		sum.Notes = append(sum.Notes, fmt.Sprintf("each of %d worker processes ran the program's main module again before its first task: %s of CPU (the median), which spawned and forkserver workers pay and forked ones do not", n, dur))
	}
	if used := usedResources(rec, gs, f); len(used) > 0 {
		w("resources:\n")
		for _, r := range used {
			w("  %s: {capacity: %d}  # %s at %s\n", resName(rec, r.ID), max(1, r.Capacity), r.Kind, r.Site)
		}
	}
	open := openWorkload(es)
	if open {
		a := arrivals(es)
		w("# The program served requests: they are an open workload, arriving as\n")
		w("# observed (%d requests, %s/s on average; %s).\n", a.N, strconv.FormatFloat(a.Rate, 'f', 3, 64), a.Why)
		w("arrivals:\n  rate: %s/s\n  pattern: %s\n  count: %d\n", rateText(a.Rate), a.Pattern, a.N)
	}
	w("tasks:\n")
	for _, g := range gs {
		first := g.members[0]
		lists := make([][]op, len(g.members))
		for i, m := range g.members {
			lists[i] = m.ops
		}
		steps := f.merge(lists)
		w("  # %s\n", groupOrigin(rec, g, unitFn))
		w("  - name: %s\n", quote(g.name))
		switch {
		case open:
			w("    weight: %d\n", len(g.members))
		default:
			if len(g.members) > 1 {
				w("    count: %d\n", len(g.members))
			}
			if g.phase > 0 {
				var after []string
				for _, h := range gs {
					// (A queue's items and a server's requests run beside
					// the phases, none of them.)
					if k := h.members[0].kind; h.phase == g.phase-1 && k != "item" && k != "request" {
						after = append(after, quote(h.name))
					}
				}
				w("    after: [%s]  # started once those had all ended\n", strings.Join(after, ", "))
			}
			start, every := releases(g)
			if start > 0 {
				w("    start: %s\n", fit.Dur(float64(start)))
			}
			if every > 0 {
				w("    every: %s\n", fit.Dur(float64(every)))
			}
		}
		if first.kind == "process" {
			if in, out := meanSize(g, true), meanSize(g, false); in > 0 || out > 0 {
				w("    input: %s\n", workload.FormatSize(in))
				w("    output: %s\n", workload.FormatSize(out))
			}
		}
		w("    steps:\n")
		writeSteps(&b, rec, steps, "      ")
		sum.Groups = append(sum.Groups, f.groupSummary(g))
	}
	quoted := make([]string, len(models))
	for i, m := range models {
		quoted[i] = quote(m)
	}
	w("models: [%s]\n", strings.Join(quoted, ", "))
	w("# %s: %s\n", model, why)
	if after >= 1_000_000 {
		sum.Notes = append(sum.Notes, fmt.Sprintf("the main program ran %s after its last task, which is not in the workload", fit.Dur(float64(after))))
	}
	sum.Findings = append(append(append(append(findings(rec, f), startFindings(rec, prof)...), phaseFindings(gs)...),
		f.queueFindings()...), shareFindings(sum.Groups)...)
	sum.Notes = append(sum.Notes, rec.Notes...)
	return &Result{YAML: b.Bytes(), Summary: sum}, nil
}

func sec(ns int64) float64 { return float64(ns) / 1e9 }

// openWorkload: most of the tasks are requests a server took (an open
// workload: they arrive, nobody counts them out).
func openWorkload(es []entry) bool {
	n := 0
	for _, e := range es {
		if e.kind == "request" {
			n++
		}
	}
	return n >= 2 && 2*n > len(es)
}

// arrivals is what the requests' release times say: their rate, and
// whether they are Poisson (fit.ArrivalTimes, the rule import follows too).
func arrivals(es []entry) fit.Arrivals {
	var ts []int64
	for _, e := range es {
		if e.kind == "request" {
			ts = append(ts, e.release)
		}
	}
	return fit.ArrivalTimes(ts)
}

// rateText is a rate per second with four significant digits, never in
// exponent form.
func rateText(r float64) string {
	decimals := 0
	if r > 0 && r < 1000 {
		decimals = min(15, 3-int(math.Floor(math.Log10(r))))
	}
	return strconv.FormatFloat(r, 'f', decimals, 64)
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// quote is s as a YAML double-quoted scalar (JSON's escapes are YAML's).
func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// groupOrigin says where a group came from, for its comment.
func groupOrigin(rec *Recording, g *group, unitFn string) string {
	m := g.members[0]
	n := len(g.members)
	site := m.site
	if site == "" && m.task != nil {
		site = m.task.Site
	}
	switch m.kind {
	case "main":
		return "the main program's own work before its first task"
	case "unit":
		return fmt.Sprintf("%s (%s): %d calls from the main program, one after another", m.name, site, n)
	case "pool", "process":
		if p := poolOf(rec, m.pool); p != nil {
			return fmt.Sprintf("%s (%s): %d work items of %s made at %s", m.name, site, n, p.Made(), p.Site)
		}
		if m.kind == "process" {
			return fmt.Sprintf("%s (%s): %d multiprocessing.Process", m.name, site, n)
		}
	case "thread":
		return fmt.Sprintf("%s (%s): %d threading.Thread", m.name, site, n)
	case "request":
		return fmt.Sprintf("%s: %d requests", m.name, n)
	case "async":
		return fmt.Sprintf("%s (%s): %d asyncio tasks", m.name, site, n)
	case "item":
		if q := queueOf(rec, m.queue); q != nil {
			when := "when it was put"
			if q.HeldBack() {
				when = "when it would have been put with room in the queue"
			}
			return fmt.Sprintf("%s (%s): %d items it took from %s made at %s, each released %s", m.name, site, n, q.Made(), q.Site, when)
		}
	}
	return fmt.Sprintf("%s (%s): %d tasks", m.name, site, n)
}

func poolOf(rec *Recording, id *int64) *Pool {
	if id == nil {
		return nil
	}
	for i := range rec.Pools {
		if rec.Pools[i].ID == *id {
			return &rec.Pools[i]
		}
	}
	return nil
}

func meanSize(g *group, in bool) int64 {
	var sum, n int64
	for _, m := range g.members {
		if m.task == nil {
			continue
		}
		p := m.task.Output
		if in {
			p = m.task.Input
		}
		if p != nil {
			sum += *p
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return sum / n
}

// writeSteps writes merged steps as the workload's YAML. A list left
// with nothing to say (CPU too short to show) keeps its longest work step:
// a list of steps is never empty.
func writeSteps(b *bytes.Buffer, rec *Recording, steps []mop, indent string) {
	keep := -1
	for i, s := range steps {
		if s.kind != opWork || s.fit.Mean >= minWork {
			keep = -1
			break
		}
		if keep < 0 || s.fit.Mean > steps[keep].fit.Mean {
			keep = i
		}
	}
	if keep < 0 && len(steps) == 0 {
		fmt.Fprintf(b, "%s- {work: 0s}\n", indent)
		return
	}
	for i, s := range steps {
		switch s.kind {
		case opWork, opReleased, opWait, opBlocking:
			if s.kind == opWork && s.fit.Mean < minWork && i != keep && !(s.fit.Mean > 0 && betweenCalls(steps, i)) {
				continue // a canonical place for CPU that stayed empty
			}
			key, extra := "work", ""
			switch s.kind {
			case opReleased:
				extra = ", gil: released"
			case opWait:
				key = "wait"
			case opBlocking:
				key, extra = "wait", ", blocking: true"
			}
			if s.offload {
				extra += ", offload: thread"
			}
			if src := sourceValue(s.at); src != "" {
				extra += ", source: " + src
			}
			text := s.fit.Text
			if strings.Contains(text, ",") {
				text = quote(text)
			}
			fmt.Fprintf(b, "%s- {%s: %s%s}", indent, key, text, extra)
			if c := stepComment(s); c != "" {
				fmt.Fprintf(b, "  # %s", c)
			}
			b.WriteByte('\n')
		case opUse:
			fmt.Fprintf(b, "%s- use: %s\n", indent, resName(rec, s.res))
			if src := sourceValue(s.at); src != "" {
				fmt.Fprintf(b, "%s  source: %s\n", indent, src)
			}
			fmt.Fprintf(b, "%s  steps:\n", indent)
			writeSteps(b, rec, s.body, indent+"    ")
		case opRepeat:
			fmt.Fprintf(b, "%s- repeat: %d\n%s  steps:\n", indent, s.n, indent)
			writeSteps(b, rec, s.body, indent+"    ")
		case opGather:
			fmt.Fprintf(b, "%s- gather:\n", indent)
			for _, br := range s.branches {
				fmt.Fprintf(b, "%s    # %s (%s)\n", indent, br.name, br.site)
				fmt.Fprintf(b, "%s    - count: %d\n", indent, br.count)
				fmt.Fprintf(b, "%s      steps:\n", indent)
				writeSteps(b, rec, br.steps, indent+"        ")
			}
		}
	}
}

// recordedRuntime is the built-in profile of the interpreter the program
// ran on, and why it is that one. A free-threaded build runs Python code
// slower than the build with the GIL, and a workload's work is Python
// code as the build with the GIL runs it, which its profile's Slowdown
// makes the free-threaded one's: the recorded CPU is divided by it.
func recordedRuntime(rec *Recording) (runtime.Profile, string) {
	var major, minor int
	if _, err := fmt.Sscanf(rec.Python, "%d.%d", &major, &minor); err != nil || rec.Implementation != "cpython" {
		return runtime.Profile{}, ""
	}
	name, exact := runtime.ForPython(major, minor, !rec.GIL)
	prof, err := runtime.Builtin(name)
	if err != nil {
		return runtime.Profile{}, ""
	}
	release := fmt.Sprintf("%d.%d", major, minor)
	if !rec.GIL {
		release += "t"
	}
	why := "the interpreter it ran on, CPython " + rec.Python
	if !exact {
		why = fmt.Sprintf("the nearest built-in profile to CPython %s, which it ran on", release)
	}
	if prof.Slowdown != 1 {
		why += fmt.Sprintf("; its Python CPU is divided by the profile's slowdown, %.2f, which the engine applies back", prof.Slowdown)
	}
	return prof, why
}

// sourceValue is a step's source: as YAML, "\"app.py:42(parse)\"", or ""
// when the recording said nowhere or a place too long for the key.
func sourceValue(at string) string {
	if at == "" || len(at) > workload.MaxSource || !utf8.ValidString(at) {
		return ""
	}
	return quote(at)
}

// betweenCalls: steps[i] is the event loop's CPU between two offloaded
// steps, which are then two executor calls (consecutive offloaded steps
// are one call): it is written however short.
func betweenCalls(steps []mop, i int) bool {
	return i > 0 && i+1 < len(steps) && steps[i-1].offload && steps[i+1].offload && !steps[i].offload
}

// minWork: work steps shorter than this on average are left out.
const minWork = 10_000

// stepComment says what a step was and how its durations were folded.
func stepComment(s mop) string {
	var parts []string
	if s.what != "" && s.what != "await" {
		what := s.what
		if len(what) > 60 {
			what = what[:60] + "…"
		}
		parts = append(parts, what)
	}
	f := s.fit
	switch {
	case f.N <= 1:
	case f.Name == "constant":
		parts = append(parts, fmt.Sprintf("%d samples, cv %.2f", f.N, f.CV))
	default:
		fits := fmt.Sprintf("%d samples: %s fits best (%s", f.N, f.Name, fit.FormatD(f.D))
		if f.Second != "" {
			fits += "; " + f.Second
		}
		parts = append(parts, fits+")")
	}
	return strings.Join(parts, "; ")
}

// resName is the name of resource id in the workload: res1, res2 … in the
// order the program made them.
func resName(rec *Recording, id int64) string {
	for i, r := range rec.Resources {
		if r.ID == id {
			return "res" + strconv.Itoa(i+1)
		}
	}
	return "res0"
}

// usedResources are the resources some group's steps use.
func usedResources(rec *Recording, gs []*group, f *folder) []Resource {
	used := map[int64]bool{}
	var walk func([]op)
	walk = func(o []op) {
		for _, x := range o {
			switch x.kind {
			case opUse:
				used[x.res] = true
				walk(x.body)
			case opRepeat:
				walk(x.body)
			case opGather:
				for _, k := range x.kids {
					walk(f.ops[k])
				}
			}
		}
	}
	for _, g := range gs {
		for _, m := range g.members {
			walk(m.ops)
		}
	}
	var rs []Resource
	for _, r := range rec.Resources {
		if used[r.ID] {
			rs = append(rs, r)
		}
	}
	return rs
}

// ownModel is the model the program itself used, and what showed it:
// how most of the workload's tasks were run.
func ownModel(rec *Recording, es []entry, unitFn string) (string, string) {
	kinds := map[string]int{}
	pools := map[int64]int{}
	for _, e := range es {
		kinds[e.kind]++
		if e.pool != nil {
			pools[*e.pool]++
		}
	}
	top, n := "", 0
	for _, k := range []string{"pool", "process", "async", "thread", "unit", "request"} {
		if kinds[k] > n {
			top, n = k, kinds[k]
		}
	}
	var pool *Pool
	for i := range rec.Pools {
		if p := &rec.Pools[i]; pool == nil || pools[p.ID] > pools[pool.ID] {
			pool = p
		}
	}
	bare := 0 // multiprocessing.Process, a process each
	for _, e := range es {
		if e.kind == "process" && e.pool == nil {
			bare++
		}
	}
	switch {
	case top == "process" && 2*bare > n:
		return ownProcesses(es)
	case (top == "pool" || top == "process") && pool != nil:
		if pool.Kind == "processes" {
			return processesModel(pool.Workers, pool.Start), fmt.Sprintf("the program's own, %s made at %s", pool.Made(), pool.Site)
		}
		return fmt.Sprintf("threads(%d)", pool.Workers), fmt.Sprintf("the program's own, %s made at %s", pool.Made(), pool.Site)
	case top == "async":
		if p := offloadPool(rec); p != nil && !p.Default {
			return fmt.Sprintf("asyncio(executor=%d)", p.Workers),
				fmt.Sprintf("the program's own: %d asyncio tasks on an event loop, offloading to %s made at %s", n, p.Made(), p.Site)
		}
		return "asyncio", fmt.Sprintf("the program's own: %d asyncio tasks on an event loop", n)
	case top == "thread":
		return "threads", fmt.Sprintf("the program's own: %d threading.Thread", n)
	case top == "request":
		threads := map[int64]bool{}
		pids := map[int]bool{}
		asgi := false
		for _, e := range es {
			if e.kind == "request" && e.task != nil {
				threads[e.task.Thread] = true
				pids[e.task.PID] = true
				asgi = asgi || e.task.Site == "asgi"
			}
		}
		if asgi {
			// An ASGI app under uvicorn: an event loop per worker process.
			if workers := max(len(rec.Children), len(pids)); len(rec.Children) > 0 || len(pids) > 1 {
				return fmt.Sprintf("processes(%d)*asyncio", workers),
					fmt.Sprintf("the program's own: %d worker processes with an event loop each (uvicorn --workers %d), %d requests", workers, workers, n)
			}
			return "asyncio", fmt.Sprintf("the program's own: an event loop (uvicorn), %d requests", n)
		}
		if workers := max(len(rec.Children), len(pids)); len(rec.Children) > 0 || len(pids) > 1 {
			// A server that forks its workers (gunicorn): each worker a
			// process, each with a thread pool (gthread) or one thread.
			for _, p := range rec.Pools {
				if p.Kind == "threads" && strings.Contains(p.Site, "gunicorn") {
					return fmt.Sprintf("processes(%d)*threads(%d)", workers, p.Workers),
						fmt.Sprintf("the program's own: %d worker processes of %d threads each (gunicorn gthread), %d requests", workers, p.Workers, n)
				}
			}
			return fmt.Sprintf("processes(%d)", workers), fmt.Sprintf("the program's own: %d worker processes, one request at a time each, %d requests", workers, n)
		}
		if len(threads) > 1 {
			return "threads", fmt.Sprintf("the program's own: a thread per connection (%d requests on %d threads)", n, len(threads))
		}
		return "sync", fmt.Sprintf("the program's own: %d requests served one at a time", n)
	case top == "unit":
		var fns []string // the unit functions, a phase's after the one before's
		for _, e := range es {
			if e.kind == "unit" && !slices.Contains(fns, e.name) {
				fns = append(fns, e.name)
			}
		}
		if len(fns) == 0 {
			fns = []string{funcName(unitFn)}
		}
		calls := strings.Join(fns, ", then ")
		if len(fns) > 1 {
			calls += ","
		}
		return "sync", fmt.Sprintf("the program's own: it calls %s once per item, one after another", calls)
	}
	return "sync", "the program's own: one thread"
}

// offloadPool is the thread pool the program's asyncio tasks sent the
// most work items to (run_in_executor, to_thread), or nil.
func offloadPool(rec *Recording) *Pool {
	count := map[int64]int{}
	for _, t := range rec.Tasks {
		if t.Kind == "pool" && t.Pool != nil && t.Parent != nil && rec.Tasks[*t.Parent].Kind == "async" {
			count[*t.Pool]++
		}
	}
	var best *Pool
	for i := range rec.Pools {
		if p := &rec.Pools[i]; p.Kind == "threads" && count[p.ID] > 0 && (best == nil || count[p.ID] > count[best.ID]) {
			best = p
		}
	}
	return best
}

// ownProcesses is the model of a program that ran its tasks as
// multiprocessing.Process: as many worker processes as ran at once,
// started as they were.
func ownProcesses(es []entry) (string, string) {
	type edge struct {
		at    int64
		delta int
	}
	var edges []edge
	n, method := 0, ""
	for _, e := range es {
		if e.kind != "process" || e.pool != nil || e.task == nil {
			continue
		}
		n++
		end := e.task.Start
		if e.task.End != nil {
			end = *e.task.End
		}
		edges = append(edges, edge{e.task.Start, 1}, edge{end, -1})
		method = e.task.StartMethod
	}
	slices.SortFunc(edges, func(a, b edge) int { return cmp.Or(cmp.Compare(a.at, b.at), a.delta-b.delta) })
	at, peak := 0, 1
	for _, x := range edges {
		at += x.delta
		peak = max(peak, at)
	}
	return processesModel(peak, method), fmt.Sprintf("the program's own: %d multiprocessing.Process, %d at once", n, peak)
}

// processesModel is the model of n worker processes started with method
// (multiprocessing's name: fork, spawn or forkserver; fork when unknown).
func processesModel(n int, method string) string {
	m, _ := model.StartMethodNamed(method)
	return model.Deployment{Kind: model.Processes, Procs: n, Start: m}.String()
}

// alternatives are the models to compare: the program's first, then sync,
// a thread pool, asyncio and a process pool.
func alternatives(own string, rec *Recording, cores int) []string {
	workers := 8
	for _, p := range rec.Pools {
		if p.Kind == "threads" && p.Workers > 0 {
			workers = p.Workers
		}
	}
	procs := max(cores, 1)
	ms := []string{own}
	for _, m := range []string{"sync", fmt.Sprintf("threads(%d)", workers), "asyncio", fmt.Sprintf("processes(%d)", procs)} {
		if !strings.HasPrefix(own, strings.SplitN(m, "(", 2)[0]) || own == "threads" && m != "threads" && strings.HasPrefix(m, "threads(") {
			ms = append(ms, m)
		}
	}
	return ms
}

// groupSummary sums where a group's time went.
func (f *folder) groupSummary(g *group) GroupSummary {
	m := g.members[0]
	site := m.site
	gs := GroupSummary{Name: g.name, Site: site, Kind: m.kind, Count: len(g.members)}
	var walk func([]op, int64)
	walk = func(o []op, times int64) {
		for _, x := range o {
			switch x.kind {
			case opWork:
				gs.GILCPU += sec(x.ns * times)
			case opReleased:
				gs.ReleasedCPU += sec(x.ns * times)
			case opWait:
				gs.Waits += sec(x.ns * times)
			case opBlocking:
				if x.offload {
					gs.Waits += sec(x.ns * times) // on the executor's thread, not the loop's
				} else {
					gs.Blocking += sec(x.ns * times)
				}
			case opUse:
				walk(x.body, times)
			case opRepeat:
				walk(x.body, times*int64(x.n))
			case opGather:
				for _, k := range x.kids {
					walk(f.ops[k], times)
					gs.LockWaits += sec(f.lockWait[k] * times)
				}
			}
		}
	}
	for _, e := range g.members {
		walk(e.ops, 1)
		if e.task != nil {
			gs.LockWaits += sec(f.lockWait[e.task.ID])
		}
	}
	return gs
}

// findings are what the recording shows that is worth knowing.
func findings(rec *Recording, f *folder) []string {
	var out []string
	type stall struct {
		n  int
		ns int64
	}
	stalls := map[string]*stall{}
	for i := range rec.Tasks {
		var walk func([]op)
		walk = func(o []op) {
			for _, x := range o {
				switch x.kind {
				case opBlocking:
					if x.offload {
						continue
					}
					for _, w := range strings.Split(x.what, ",") {
						s := stalls[w]
						if s == nil {
							s = &stall{}
							stalls[w] = s
						}
						s.n++
						s.ns += x.ns
					}
				case opUse, opRepeat:
					walk(x.body)
				}
			}
		}
		walk(f.ops[i])
	}
	names := make([]string, 0, len(stalls))
	for w := range stalls {
		names = append(names, w)
	}
	sort.Slice(names, func(i, j int) bool { return stalls[names[i]].ns > stalls[names[j]].ns })
	for _, w := range names {
		s := stalls[w]
		out = append(out, fmt.Sprintf("%s called on the event loop %d times, stalling it %s: every other task waited meanwhile (asyncio.to_thread or an async library would not)", w, s.n, fit.Dur(float64(s.ns))))
	}
	var lock int64
	for _, lw := range f.lockWait {
		lock += lw
	}
	if lock >= 1_000_000 {
		out = append(out, fmt.Sprintf("tasks waited %s in all for the program's semaphores and locks", fit.Dur(float64(lock))))
	}
	if rec.Implementation == "cpython" && !rec.GIL {
		out = append(out, "recorded on a free-threaded CPython: no GIL")
	}
	return out
}

// startFindings say when a ProcessPoolExecutor's first work item began
// much later after its first submit than the workers' start-up in prof,
// the profile the models take. A spawned worker, and one a forkserver
// forks before CPython 3.13.8, runs the program's main module again
// before its first item, its imports included: prof's figure is that of
// a program that imports a few standard modules, and a program that
// imports more starts its workers later, which no workload field carries.
func startFindings(rec *Recording, prof runtime.Profile) []string {
	if prof.Name == "" {
		return nil
	}
	var out []string
	for _, p := range rec.Pools {
		if p.Kind != "processes" || p.Class != "ProcessPoolExecutor" {
			continue // a multiprocessing.Pool starts its workers when it is made
		}
		submit, began := int64(math.MaxInt64), int64(math.MaxInt64)
		for _, t := range rec.Tasks {
			if t.Pool != nil && *t.Pool == p.ID && t.Began != nil {
				submit, began = min(submit, t.Start), min(began, *t.Began)
			}
		}
		if began == math.MaxInt64 || began <= submit {
			continue
		}
		took := began - submit
		method, _ := model.StartMethodNamed(p.Start)
		each, server := prof.WorkerStart(method)
		want, how := server+each, "a spawned worker runs the program's main module again, its imports included"
		switch method {
		case model.Fork:
			want, how = int64(max(p.Workers, 1))*each, "it forks every worker before it hands out an item"
		case model.Forkserver:
			how = "a forkserver starts, and each worker it forks runs the program's main module again before " +
				"CPython 3.13.8, its imports included"
		}
		if took < 2*want || took-want < 50_000_000 {
			continue
		}
		out = append(out, fmt.Sprintf("%s made at %s: its first item began %s after the first submit, where the %s "+
			"profile's start-up is %s (%s); the models take the profile's, so they predict its workers up sooner than "+
			"they were", p.Made(), p.Site, fit.Dur(float64(took)), prof.Name, fit.Dur(float64(want)), how))
	}
	return out
}

// phaseFindings say how the program ran in phases, when it did: each
// phase started once the one before had ended, and is after: it.
func phaseFindings(gs []*group) []string {
	var phases [][]string
	for _, g := range gs {
		for len(phases) <= g.phase {
			phases = append(phases, nil)
		}
		phases[g.phase] = append(phases[g.phase], fmt.Sprintf("%s (%d)", g.name, len(g.members)))
	}
	if len(phases) < 2 {
		return nil
	}
	steps := make([]string, len(phases))
	for i, p := range phases {
		steps[i] = strings.Join(p, " and ")
	}
	return []string{fmt.Sprintf("the program ran in %d phases, each started once the one before had ended: %s; "+
		"each later phase is after: the one before, so it moves with it under every model", len(phases), strings.Join(steps, ", then "))}
}

// shareFindings say what the tasks' time is made of, and what that means
// for the models: the GIL-held CPU that only processes run side by side,
// the C code that threads run side by side too, the waits any concurrency
// overlaps.
func shareFindings(gs []GroupSummary) []string {
	var gil, rel, wait, block float64
	for _, g := range gs {
		gil += g.GILCPU
		rel += g.ReleasedCPU
		wait += g.Waits
		block += g.Blocking
	}
	total := gil + rel + wait + block
	if total <= 0 {
		return nil
	}
	pct := func(v float64) int { return int(math.Round(100 * v / total)) }
	var out []string
	switch {
	case gil/total >= 0.5:
		out = append(out, fmt.Sprintf("%d %% of the tasks' time is Python code holding the GIL: threads and asyncio run it one at a time; only processes (or a runtime without a GIL) run it side by side", pct(gil)))
	case rel/total >= 0.3:
		out = append(out, fmt.Sprintf("%d %% of the tasks' time is C code that releases the GIL: threads run it side by side, asyncio does not", pct(rel)))
	case (wait+block)/total >= 0.7:
		out = append(out, fmt.Sprintf("%d %% of the tasks' time is waiting: threads or asyncio overlap it; the %d %% of CPU is what they share", pct(wait+block), pct(gil+rel)))
	}
	return out
}

// Text writes the summary for people.
func (s *Summary) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "recorded %s: %s, exit status %d, %d tasks in %d groups (%s)\n",
		s.Program, fit.Dur(s.Wall*1e9), s.Exit, s.Tasks, len(s.Groups), s.Python)
	switch {
	case s.Error != "":
		fmt.Fprintf(&b, "warning: the program failed (%s); the workload is of what ran\n", oneLine(s.Error))
	case s.Exit != 0:
		fmt.Fprintf(&b, "warning: the program exited with status %d; the workload is of what ran\n", s.Exit)
	}
	if s.WarmCores {
		fmt.Fprintf(&b, "cores kept busy while it ran (--warm-cores): the CPU below is what warm cores pay\n")
	}
	fmt.Fprintf(&b, "%-24s %6s %10s %10s %10s %10s %10s\n", "group", "tasks", "GIL CPU", "C no-GIL", "waits", "blocking", "res. wait")
	for _, g := range s.Groups {
		fmt.Fprintf(&b, "%-24s %6d %10s %10s %10s %10s %10s\n", clip(g.Name, 24), g.Count,
			durS(g.GILCPU), durS(g.ReleasedCPU), durS(g.Waits), durS(g.Blocking), durS(g.LockWaits))
	}
	fmt.Fprintf(&b, "model: %s (%s)\n", s.Model, s.ModelWhy)
	for _, f := range s.Findings {
		fmt.Fprintf(&b, "found: %s\n", f)
	}
	for _, n := range s.Notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	if s.Next != "" {
		fmt.Fprintf(&b, "next: %s\n", s.Next)
	}
	return b.String()
}

func durS(s float64) string {
	if s == 0 {
		return "–"
	}
	return fit.Dur(s * 1e9)
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// WorkloadName is the name a recording of prog gets: its file's, without
// .py, or the module's.
func WorkloadName(prog []string) string {
	if len(prog) == 0 {
		return "recorded"
	}
	if prog[0] == "-m" && len(prog) > 1 {
		return safeName(prog[1])
	}
	return safeName(strings.TrimSuffix(filepath.Base(prog[0]), ".py"))
}

// mainModule is the median CPU rec's worker processes spent running the
// program's main module again, and how many did (none that say 0 or
// less: a clock that did not move).
func mainModule(rec *Recording) (int64, int) {
	var runs []int64
	for _, ns := range rec.MainModules {
		if ns > 0 {
			runs = append(runs, min(ns, workload.MaxDuration))
		}
	}
	if len(runs) == 0 {
		return 0, 0
	}
	slices.Sort(runs)
	return runs[len(runs)/2], len(runs)
}

package truth

import (
	"bytes"
	"fmt"
	"io"
	"math"
	goruntime "runtime"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/sim"
	"github.com/conclab/conclab/workload"

	"github.com/conclab/conclab/internal/jsonout"
	"github.com/conclab/conclab/internal/numfmt"
)

// ExportOptions are the settings of an exported program that the workload
// may leave open.
type ExportOptions struct {
	// Cores sizes what CPython sizes from the machine: the default executor
	// of an event loop (min(32, cores+4)) and its process pool. 0 means the
	// workload's cores:, else this machine's logical CPUs. Give the cores
	// the simulation used, so that both size their pools alike.
	Cores int
	// SwitchInterval is the GIL's switch interval in nanoseconds. 0 means
	// the workload's switch_interval:, else workload.DefaultSwitchInterval.
	SwitchInterval int64
	// WorkRate is how many iterations of the program's work loop make a
	// second of `work` (MeasureWorkRate). 0: the program measures it when
	// it starts. Check measures it once and gives it to every run, so that
	// all runs do the same work; a free-threaded build is to be given the
	// rate of a build with the GIL, as `work: D` is the Python code that
	// takes D there (the profile's Slowdown says how much longer it takes
	// without the GIL).
	WorkRate float64
	// FixedWork makes `work: D` run D × WorkRate iterations of the work
	// loop, however long they take, instead of D of CPU time: the Python
	// code that takes D on the interpreter WorkRate was measured with.
	// Check sets it for a free-threaded build, with the rate of a build
	// with the GIL of its release, so that the profile's Slowdown shows
	// in what the program measures. It needs WorkRate.
	FixedWork bool
}

// Export writes the Python program that runs wl under d (SPEC §6): plain
// CPython 3.8+ with the standard library only, runnable as `python3 FILE`,
// printing one JSON document (see the package documentation) on standard
// output. Each task runs exactly the steps and durations the simulator draws
// for it (see Tasks). The task table is embedded as one JSON document in a
// Python string literal: names are data, never code.
func Export(w io.Writer, wl *workload.Workload, d model.Deployment, opt ExportOptions) error {
	tasks, err := Tasks(wl)
	if err != nil {
		return err
	}
	if d.Kind == model.Processes && d.Inner != nil && d.Inner.Kind != model.ThreadPool && d.Inner.Kind != model.Asyncio {
		return fmt.Errorf("export: model %s: a worker process runs threads(T) or asyncio", d)
	}
	cores, si := opt.settings(wl)
	if opt.FixedWork && !(opt.WorkRate >= 1) {
		return fmt.Errorf("export: fixed work needs the work rate it is measured in")
	}

	var b bytes.Buffer
	writeHeader(&b, wl, d, tasks)
	b.WriteString(imports(d))
	if err := writeData(&b, wl, d, tasks); err != nil {
		return err
	}
	writeSettings(&b, d, cores, si, stall(tasks, d), opt, hasWork(tasks), wl.MainModule)
	b.WriteString(pyCommon)
	b.WriteString(runner(d))
	b.WriteString(pyMain)
	_, err = w.Write(b.Bytes())
	return err
}

// writeHeader writes the opening comment: what the program runs and how.
// The workload's name appears only as an escaped, ASCII-only literal, so no
// character of it can end the comment line.
func writeHeader(b *bytes.Buffer, wl *workload.Workload, d model.Deployment, tasks []Task) {
	steps := 0
	for _, t := range tasks {
		steps += countSteps(t.Steps)
	}
	name := wl.Name
	if utf8.RuneCountInString(name) > 60 {
		name = string([]rune(name)[:57]) + "..."
	}
	fmt.Fprintf(b, `#!/usr/bin/env python3
# conclab export: workload %s under %s.
#
# %d %s, %d %s.
#
# Every step runs for exactly the duration the simulator drew for it, so
# what this program measures can be put beside what conclab predicts
# (conclab verify runs both and compares them).
#
# Run it with CPython 3.8 or newer; it needs only the standard library:
#
#     python3 program.py > measured.json
#
# It prints one JSON document on standard output and nothing else: for each
# task its release, start and end, and for each step its kind, start, end
# (in seconds from the program's start), process id, thread id and the
# thread's CPU time in the step.
#
# How the steps run:
#   work           Python code: a loop of calls, arithmetic, attributes and
#                  dicts, as many iterations as this interpreter runs in the
#                  step's duration (WORK_RATE); it holds the GIL meanwhile
#   work_released  C code: hashlib over 1 MiB buffers until the thread's CPU
#                  time has advanced; hashlib releases the GIL meanwhile
#   wait           time.sleep, or await asyncio.sleep on an event loop
#   wait_blocking  time.sleep, even on an event loop (the loop stalls)
#
`, pyQuote(name, '"'), pyComment(d.String()), len(tasks), numfmt.Plural(len(tasks), "task", "tasks"), steps, numfmt.Plural(steps, "step", "steps"))
	for _, line := range strings.Split(modelAbout(d), "\n") {
		b.WriteString(strings.TrimRight("# "+line, " ") + "\n")
	}
	b.WriteString("\n")
}

// modelAbout says in a few lines how the model runs the tasks.
func modelAbout(d model.Deployment) string {
	switch d.Kind {
	case model.Sync:
		return "The model, sync: the main thread runs the tasks one after another, in\nfile order, each no earlier than its release time."
	case model.ThreadPool:
		return fmt.Sprintf("The model, %s: a ThreadPoolExecutor(%d), which starts a thread when a\ntask is submitted and none is idle; the main thread submits each task at\nits release time.", d, d.Threads)
	case model.ThreadPerTask:
		return "The model, threads: one threading.Thread per task, started at the task's\nrelease time."
	case model.Asyncio:
		return fmt.Sprintf("The model, %s: one event loop; each task is a coroutine created at\nits release time, and all are gathered. Offloaded steps go to the loop's\ndefault executor (run_in_executor(None, ...), as asyncio.to_thread does)\nor to its process pool.", pyComment(d.String()))
	}
	start := d.Start.String()
	switch {
	case d.Inner == nil:
		return fmt.Sprintf("The model, %s: a ProcessPoolExecutor of %d workers started with\n%s; the main process submits each task at its release time. All workers\nstart at time 0: see meet().", pyComment(d.String()), d.Procs, start)
	case d.Inner.Kind == model.ThreadPool:
		return fmt.Sprintf("The model, %s: %d worker processes (started with %s), each\nwith a ThreadPoolExecutor(%d), take tasks from one shared queue whenever\nthey have a free thread, as gunicorn's gthread workers accept from one\nsocket; the main process puts each task on the queue at its release time.", d, d.Procs, start, d.Inner.Threads)
	default:
		return fmt.Sprintf("The model, %s: %d worker processes (started with %s), each\nwith an event loop, take tasks from one shared queue as uvicorn's workers\naccept from one socket: a loop in select takes all it finds, a busy one\nnone; the main process puts each task on the queue at its release time.", pyComment(d.String()), d.Procs, start)
	}
}

// imports lists the modules the program uses; asyncio and multiprocessing
// only when the model needs them (a spawned worker imports them again).
func imports(d model.Deployment) string {
	mods := []string{"concurrent.futures", "gc", "hashlib", "json", "os", "sys", "sysconfig", "threading", "time"}
	if d.UsesAsyncio() {
		mods = append(mods, "asyncio")
	}
	if d.UsesAsyncio() || d.UsesProcesses() {
		mods = append(mods, "multiprocessing")
	}
	if d.UsesProcesses() {
		mods = append(mods, "signal") // a worker process ends its own on SIGTERM
	}
	if d.Kind == model.Processes && d.Inner != nil && d.Inner.Kind == model.Asyncio {
		mods = append(mods, "queue") // the loops take tasks with get(block=False)
	}
	sortStrings(mods)
	var b strings.Builder
	for _, m := range mods {
		b.WriteString("import " + m + "\n")
	}
	b.WriteString("\n")
	return b.String()
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// The data document embedded in the program.
type dataDoc struct {
	Workload  string         `json:"workload"`
	Model     string         `json:"model"`
	Resources []dataResource `json:"resources"`
	// After: for each group that is a later phase, the groups it waits
	// for (after:), when there is one.
	After map[string][]int `json:"after,omitempty"`
}

type dataResource struct {
	Name     string `json:"name"`
	Capacity int    `json:"capacity"`
	Scope    string `json:"scope"` // process | global
}

type dataTask struct {
	Name    string `json:"name"`
	Group   int    `json:"group,omitempty"` // when a group is after another: its index
	Release number `json:"release"`
	Input   int64  `json:"input,omitempty"`
	Output  int64  `json:"output,omitempty"`
	Steps   []any  `json:"steps"`
}

// number is seconds from nanoseconds, written in the shortest form that
// reads back as the same float64.
type number int64

func (n number) MarshalJSON() ([]byte, error) {
	return []byte(strconv.FormatFloat(float64(n)/1e9, 'g', -1, 64)), nil
}

// dataJSON is the task table every exported program embeds: one JSON
// document, the resources and then one task per line.
func dataJSON(wl *workload.Workload, d model.Deployment, tasks []Task) ([]byte, error) {
	var js bytes.Buffer
	doc := dataDoc{Workload: wl.Name, Model: d.String(), Resources: []dataResource{}}
	for _, r := range wl.Resources {
		scope := "process"
		if r.Scope == workload.ScopeGlobal {
			scope = "global"
		}
		doc.Resources = append(doc.Resources, dataResource{Name: r.Name, Capacity: r.Capacity, Scope: scope})
	}
	for g, gr := range wl.Groups {
		if len(gr.After) > 0 {
			if doc.After == nil {
				doc.After = map[string][]int{}
			}
			doc.After[strconv.Itoa(g)] = gr.After
		}
	}
	head, err := jsonout.Marshal(doc)
	if err != nil {
		return nil, err
	}
	js.Write(head[:len(head)-1]) // leave the object open for the tasks
	js.WriteString(`,"tasks":[`)
	for i, t := range tasks {
		dt := dataTask{Name: t.Name, Release: number(t.Release), Steps: stepsData(t.Steps)}
		if doc.After != nil {
			dt.Group = t.Group
		}
		if d.Kind == model.Processes {
			dt.Input, dt.Output = t.Input, t.Output // pickled to and from worker processes only
		}
		line, err := jsonout.Marshal(dt)
		if err != nil {
			return nil, err
		}
		js.WriteString("\n")
		js.Write(line)
		if i < len(tasks)-1 {
			js.WriteString(",")
		}
	}
	js.WriteString("\n]}")
	return js.Bytes(), nil
}

// writeData writes the task table: dataJSON inside a triple-quoted Python
// string that json.loads reads back.
func writeData(b *bytes.Buffer, wl *workload.Workload, d model.Deployment, tasks []Task) error {
	js, err := dataJSON(wl, d, tasks)
	if err != nil {
		return err
	}
	b.WriteString(`# The workload, as data: names are never code. Its resources (name,
# capacity, scope), for each group that is a later phase the groups it
# waits for (after), and each task's name, group (when some group is a
# later phase), release time in seconds (in a later phase, from when the
# last task of the groups it waits for finished), the
# bytes pickled to a worker process with it and back (input, output) and
# its steps, repeats expanded: [kind, seconds], or [kind, seconds, "thread"
# | "process"] for a step that an event loop offloads (other models run it
# in place; "thread+" goes on the executor call of the step before, as
# one function offloaded with asyncio.to_thread does both; [...,
# "process", input, output] when it pickles data), or
#   ["use", resource, steps]     hold one unit of WORKLOAD["resources"][resource]
#   ["gather", [steps, ...]]     run the branches side by side, wait for all
#   ["choose", alternative, steps]  the alternative conclab drew for this task
# Every duration and choice is the one the simulation drew.
WORKLOAD = json.loads('''`)
	b.WriteString(pyEscape(string(js), '\'', true))
	b.WriteString("''')\nTASKS = WORKLOAD[\"tasks\"]\n\n")
	return nil
}

// writeSettings writes the model's numbers as constants. They come from
// parsed integers, never from text of the workload.
func writeSettings(b *bytes.Buffer, d model.Deployment, cores int, si, stall int64, opt ExportOptions, work bool, mainModule int64) {
	set := func(name, value, why string) {
		fmt.Fprintf(b, "%-16s = %-10s # %s\n", name, value, why)
	}
	set("SWITCH_INTERVAL", strconv.FormatFloat(float64(si)/1e9, 'g', -1, 64), "the GIL's switch interval")
	set("STALL", strconv.FormatFloat(float64(stall)/1e9, 'g', -1, 64), "seconds without a step beginning or ending that mean a deadlock")
	set("MAIN_MODULE", strconv.FormatFloat(float64(mainModule)/1e9, 'g', -1, 64), "seconds of CPU this module takes to run again in a spawned worker (main_module)")
	setWork(set, opt, work, !(d.Kind == model.Processes && d.Inner == nil))
	loop := d
	if d.Kind == model.Processes && d.Inner != nil {
		loop = *d.Inner
	}
	set("EAGER", pyBool(loop.Kind == model.Asyncio && loop.Eager), "3.12's eager task factory (asyncio(eager)): needs Python 3.12")
	switch d.Kind {
	case model.ThreadPool:
		set("THREADS", strconv.Itoa(d.Threads), "the thread pool's size")
		set("FANOUT_THREADS", fanout(d), "threads of a second pool for gather branches (None: the same pool)")
	case model.Processes:
		start := d.Start.String()
		set("PROCESSES", strconv.Itoa(d.Procs), "worker processes")
		set("START", strconv.Quote(start), "multiprocessing's start method")
		if d.Inner != nil {
			loop = *d.Inner
			if loop.Kind == model.ThreadPool {
				set("THREADS", strconv.Itoa(loop.Threads), "threads per worker process")
				set("FANOUT_THREADS", fanout(loop), "threads of a second pool for gather branches, per worker process")
			}
		}
	}
	if loop.Kind == model.Asyncio {
		limit := "None"
		if loop.Limit > 0 {
			limit = strconv.Itoa(loop.Limit)
		}
		exec := loop.ExecutorThreads(cores)
		set("LIMIT", limit, "tasks in flight per loop (None: no limit)")
		if d.Kind == model.Processes {
			set("BACKLOG", strconv.Itoa(sim.LoopBacklog), "tasks a worker's loop takes at one wake-up")
		}
		set("EXECUTOR", strconv.Itoa(exec), "threads for steps offloaded to a thread")
		set("CORES", strconv.Itoa(cores), "processes for steps offloaded to a process")
	}
	b.WriteString("\n")
}

// fanout is FANOUT_THREADS's value for a thread pool d.
func fanout(d model.Deployment) string {
	if d.Fanout > 0 {
		return strconv.Itoa(d.Fanout)
	}
	return "None"
}

// stall is how long an exported program waits with no step beginning or
// ending before it calls the run a deadlock: 1 s more than twice the
// longest step, or, when the main process sees only tasks finish (in
// worker processes), than twice the longest task's steps one after
// another.
func stall(tasks []Task, d model.Deployment) int64 {
	var longest int64
	var walk func(steps []Step) int64
	walk = func(steps []Step) int64 {
		var sum int64
		for _, s := range steps {
			var n int64
			switch s.Kind {
			case Use, Choose:
				n = walk(s.Steps)
			case Gather:
				for _, b := range s.Branches {
					n += walk(b)
				}
			default:
				n = s.Dur
				longest = max(longest, n)
			}
			sum += n
		}
		return sum
	}
	for _, t := range tasks {
		if sum := walk(t.Steps); d.Kind == model.Processes {
			longest = max(longest, sum)
		}
	}
	return int64(time.Second) + 2*longest
}

// setWork writes the settings of work's loop, WORK_RATE, FIXED_WORK and
// SHARED_GIL, with set (which writes one setting). sharedGIL: a process
// of the program runs work on more than one thread (not so in the
// workers of processes(N), each running its tasks on one thread).
func setWork(set func(name, value, why string), opt ExportOptions, work, sharedGIL bool) {
	set("WORK_RATE", workRate(opt.WorkRate, work), workRateWhy)
	set("FIXED_WORK", pyBool(opt.FixedWork && work), "work runs seconds * WORK_RATE iterations, the speed of another build (True), or for its seconds of CPU")
	set("SHARED_GIL", pyBool(sharedGIL), "threads of one process take turns on the GIL (False: one thread works per process, reading its CPU clock freely)")
}

// workRateWhy is the comment on WORK_RATE in every program.
const workRateWhy = "work's iterations per CPU second (None: measured at start; 0: no work step)"

// workRate is WORK_RATE's value: 0 when no step is work (nothing to
// measure), else rate rounded to a whole number of iterations per second,
// else None (the program measures it).
func workRate(rate float64, work bool) string {
	switch {
	case !work:
		return "0"
	case !(rate >= 1) || math.IsInf(rate, 0):
		return "None"
	}
	return strconv.FormatFloat(math.Round(rate), 'f', -1, 64)
}

// runner returns the Python that runs the tasks under d: run_model() and
// what it needs.
func runner(d model.Deployment) string {
	switch d.Kind {
	case model.Sync:
		return pySync
	case model.ThreadPool:
		return pyThreadPool
	case model.ThreadPerTask:
		return pyThreadPerTask
	case model.Asyncio:
		return pyLoop + pyAsyncio
	}
	switch {
	case d.Inner == nil:
		return pyWorkerInit + pyProcessPool
	case d.Inner.Kind == model.ThreadPool:
		return pyWorkerInit + pyComposite + pyThreadWorker
	default:
		return pyWorkerInit + pyLoop + pyComposite + pyLoopWorker
	}
}

// pyQuote returns s as a Python string literal in quote, ASCII only, on
// one line.
func pyQuote(s string, quote byte) string {
	return string(quote) + pyEscape(s, quote, false) + string(quote)
}

// pyEscape escapes s for the inside of a Python string literal delimited by
// quote (single or tripled): backslashes and the quote get a backslash, and
// every character outside printable ASCII becomes an escape, so the program
// is pure ASCII and nothing in s can end the literal. Line breaks are kept
// as they are only with keepNewlines, for a triple-quoted literal.
func pyEscape(s string, quote byte, keepNewlines bool) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == rune(quote):
			b.WriteString(`\` + string(r))
		case r == '\n' && keepNewlines:
			b.WriteByte('\n')
		case r >= 0x20 && r < 0x7f:
			b.WriteRune(r)
		case r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r < 0x10000:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
	}
	return b.String()
}

// pyComment makes text safe on one comment line.
func pyComment(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r >= 0x7f {
			return '?'
		}
		return r
	}, s)
}

// settings resolves the cores and switch interval a program runs with: the
// options', else the workload's, else this machine's cores and CPython's
// default interval.
func (opt ExportOptions) settings(wl *workload.Workload) (cores int, si int64) {
	cores, si = opt.Cores, opt.SwitchInterval
	if cores <= 0 {
		cores = wl.Cores
	}
	if cores <= 0 {
		cores = goruntime.NumCPU()
	}
	if si <= 0 {
		si = wl.SwitchInterval
	}
	if si <= 0 {
		si = workload.DefaultSwitchInterval
	}
	return cores, si
}

package truth

import (
	"bytes"
	_ "embed"
	"fmt"
	"go/format"
	"io"
	"strconv"
	"strings"

	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/workload"

	"github.com/conclab/conclab/internal/numfmt"
)

// goProgram is the Go program, all but its opening comment, settings and
// data, which ExportGo writes at the line goSettings marks.
//
//go:embed program.go.txt
var goProgram string

const goSettings = "//CONCLAB:SETTINGS\n"

// ExportGo writes the Go program that runs wl under d: one file of the
// standard library (Go 1.21 or newer), runnable as `go run main.go` (or
// built with go build), printing the document the package documentation
// describes, with "implementation" "go" and the Go version as "python".
// GOMAXPROCS is the cores (opt.Cores, else the workload's, else this
// machine's). Work spins on the thread's CPU clock with the goroutine
// locked to its OS thread, waits are time.Sleep; threads runs a goroutine
// per task, threads(N) N goroutines that take the tasks from one queue,
// processes(N) N child processes running the same program; a later phase
// (a group after others) is submitted by a goroutine of its own once the
// groups it waits for have finished (in file order under sync). It refuses
// what ExportJava refuses.
func ExportGo(w io.Writer, wl *workload.Workload, d model.Deployment, opt ExportOptions) error {
	tasks, js, err := nativeTasks(wl, d, "go")
	if err != nil {
		return err
	}
	cores, _ := opt.settings(wl)
	var b bytes.Buffer
	writeGoHeader(&b, wl, d, tasks, cores)
	head, body, ok := strings.Cut(goProgram, goSettings)
	if !ok {
		return fmt.Errorf("export: the Go program has no settings line")
	}
	b.WriteString(head)
	kind, threads, fanoutThreads, procs := nativeModel(d)
	b.WriteString("// The model's numbers.\nconst (\n")
	set := func(name, value, why string) {
		fmt.Fprintf(&b, "\t%s = %s // %s\n", name, value, why)
	}
	set("model", strconv.Quote(kind), "how the tasks run: sync, threads(N), threads or processes(N)")
	set("threads", strconv.Itoa(threads), "goroutines of the pool (threads(N))")
	set("fanoutThreads", strconv.Itoa(fanoutThreads), "goroutines of a second pool for gather branches (0: the same pool)")
	set("processes", strconv.Itoa(procs), "worker processes (processes(N))")
	set("cores", strconv.Itoa(cores), "GOMAXPROCS: the cores the simulation has")
	set("stall", strconv.FormatFloat(float64(stall(tasks, d))/1e9, 'f', 3, 64), "seconds without a step beginning or ending that mean a deadlock")
	b.WriteString(`)

// The workload, as data: names are never code. Its resources (name,
// capacity, scope), for each group that is a later phase the groups it
// waits for (after), and each task's name, group (when some group is a
// later phase), release time in seconds (in a later phase, from when the
// last task of the groups it waits for finished) and steps, repeats
// expanded: [kind, seconds], or
//
//	["use", resource, steps]        hold one unit of resource number resource
//	["gather", [steps, ...]]        run the branches side by side, wait for all
//	["choose", alternative, steps]  the alternative conclab drew for this task
//
// Every duration and choice is the one the simulation drew.
const workload = "" +
`)
	lines := strings.Split(string(js), "\n")
	for i, line := range lines {
		end := " +\n"
		if i == len(lines)-1 {
			end = "\n"
		}
		b.WriteString("\t" + strconv.QuoteToASCII(line) + end)
	}
	b.WriteString(body)
	src, err := format.Source(b.Bytes()) // align the settings as gofmt does
	if err != nil {
		return fmt.Errorf("export: the Go program does not parse: %w", err)
	}
	_, err = w.Write(src)
	return err
}

// writeGoHeader writes the opening comment: what the program runs and how.
func writeGoHeader(b *bytes.Buffer, wl *workload.Workload, d model.Deployment, tasks []Task, cores int) {
	steps := 0
	for _, t := range tasks {
		steps += countSteps(t.Steps)
	}
	fmt.Fprintf(b, `// conclab export: workload "%s" under %s, in Go.
//
// %d %s, %d %s.
//
// Every step runs for exactly the duration the simulator drew for it, so
// what this program measures can be put beside what conclab predicts
// (conclab verify --runtime go runs both and compares them).
//
// Run it with Go 1.21 or newer on Linux; it needs only the standard library:
//
//	go run main.go > measured.json
//
// or build it first (go build -o program main.go; ./program). It prints one
// JSON document on standard output and nothing else: for each task its
// release, start and end, and for each step its kind, start, end (in
// seconds from the program's start), process id, goroutine number and the
// step's CPU time. GOMAXPROCS is %d, the cores the simulation has.
//
// How the steps run:
//   - work, work_released: a loop of arithmetic until the CPU clock of the
//     goroutine's OS thread (CLOCK_THREAD_CPUTIME_ID), the goroutine locked
//     to it, has advanced the step's duration; Go has no GIL, so the two
//     are the same
//   - wait, wait_blocking: time.Sleep
//
`, javaComment(shortName(wl.Name)), javaComment(d.String()), len(tasks), numfmt.Plural(len(tasks), "task", "tasks"), steps, numfmt.Plural(steps, "step", "steps"), cores)
	about := goModelAbout(d)
	if phased(wl) {
		about += "\n\n" + phasesAbout(d, "goroutine")
	}
	for _, line := range strings.Split(about, "\n") {
		b.WriteString(strings.TrimRight("// "+line, " ") + "\n")
	}
	// A blank line: the comment is no package doc comment, which gofmt
	// would rewrite (it turns two quotes of a name into a curly one).
	b.WriteString("\n")
}

// goModelAbout says in a few lines how the Go program runs the tasks.
func goModelAbout(d model.Deployment) string {
	switch d.Kind {
	case model.Sync:
		return "The model, sync: the main goroutine runs the tasks one after another, in\nfile order, each no earlier than its release time."
	case model.ThreadPool:
		return fmt.Sprintf("The model, %s: %d goroutines take the tasks from one queue; the main\ngoroutine queues each task at its release time.", javaComment(d.String()), d.Threads)
	case model.ThreadPerTask:
		return "The model, threads: one goroutine per task, started at the task's release\ntime."
	}
	return fmt.Sprintf("The model, %s: %d worker processes, each this program run again, all\nstarted at time 0; the main process hands each task, at its release time,\nto the first idle worker through the worker's standard input.", javaComment(d.String()), d.Procs)
}

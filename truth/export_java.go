package truth

import (
	"bytes"
	_ "embed"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/workload"

	"github.com/conclab/conclab/internal/numfmt"
)

// javaProgram is the Java program's class, all but its settings and data,
// which Export writes at the line javaSettings marks.
//
//go:embed program.java
var javaProgram string

const javaSettings = "    //CONCLAB:SETTINGS\n"

// ExportJava writes the Java program that runs wl under d: one source file
// of the standard library (Java 11 or newer), runnable as `java
// Program.java` (or compiled with javac and run as `java -cp DIR Program`),
// printing the document the package documentation describes, with
// "implementation" "java" and the JVM's version as "python". Its class is
// Program. Work spins on the thread's CPU clock, waits park the thread;
// threads(N) is Executors.newFixedThreadPool(N), threads a Thread per task,
// processes(N) N worker JVMs running the same class; a later phase (a
// group after others) is submitted by a thread of its own once the groups
// it waits for have finished (in file order under sync). Models it cannot
// run (asyncio, the composites) and what it cannot do yet (data moved to
// worker processes, resources shared between them) are refused.
func ExportJava(w io.Writer, wl *workload.Workload, d model.Deployment, opt ExportOptions) error {
	tasks, js, err := nativeTasks(wl, d, "java")
	if err != nil {
		return err
	}
	var b bytes.Buffer
	writeJavaHeader(&b, wl, d, tasks)
	head, body, ok := strings.Cut(javaProgram, javaSettings)
	if !ok {
		return fmt.Errorf("export: the Java program has no settings line")
	}
	b.WriteString(head)
	set := func(decl, value, why string) {
		fmt.Fprintf(&b, "    static final %s = %s;  // %s\n", decl, value, why)
	}
	kind, threads, fanoutThreads, procs := nativeModel(d)
	set("String MODEL", strconv.Quote(kind), "how the tasks run: sync, threads(N), threads or processes(N)")
	set("int THREADS", strconv.Itoa(threads), "threads of the pool (threads(N))")
	set("int FANOUT_THREADS", strconv.Itoa(fanoutThreads), "threads of a second pool for gather branches (0: the same pool)")
	set("int PROCESSES", strconv.Itoa(procs), "worker processes (processes(N))")
	set("double STALL", strconv.FormatFloat(float64(stall(tasks, d))/1e9, 'g', -1, 64), "seconds without a step beginning or ending that mean a deadlock")
	b.WriteString(`
    // The workload, as data: names are never code. Its resources (name,
    // capacity, scope), for each group that is a later phase the groups it
    // waits for (after), and each task's name, group (when some group is a
    // later phase), release time in seconds (in a later phase, from when
    // the last task of the groups it waits for finished) and steps,
    // repeats expanded: [kind, seconds], or
    //   ["use", resource, steps]        hold one unit of resource number resource
    //   ["gather", [steps, ...]]        run the branches side by side, wait for all
    //   ["choose", alternative, steps]  the alternative conclab drew for this task
    // Every duration and choice is the one the simulation drew. It is one
    // JSON document in pieces: a string constant holds at most 64 KiB.
    static final String[] WORKLOAD = {
`)
	for _, line := range strings.Split(string(js), "\n") {
		for _, piece := range runePieces(line, 8192) {
			b.WriteString("        " + javaQuote(piece) + ",\n")
		}
	}
	b.WriteString("    };\n")
	b.WriteString(body)
	_, err = w.Write(b.Bytes())
	return err
}

// nativeExportable refuses what the Java and Go programs (lang) do not
// run: an event loop, worker processes that run threads or loops of
// their own, and, between worker processes, data (input, output) and
// resources of scope global.
// nativeTasks draws wl's tasks for the program of lang (java, go), checks
// that it can run them under d (nativeExportable) and returns them with
// their data as the program reads it.
func nativeTasks(wl *workload.Workload, d model.Deployment, lang string) ([]Task, []byte, error) {
	tasks, err := Tasks(wl)
	if err != nil {
		return nil, nil, err
	}
	if err := nativeExportable(wl, d, tasks, lang); err != nil {
		return nil, nil, err
	}
	js, err := dataJSON(wl, d, tasks)
	return tasks, js, err
}

// nativeModel is how the Java and Go programs name the model d: its kind
// (sync, threads(N), threads or processes(N)) and its numbers.
func nativeModel(d model.Deployment) (kind string, threads, fanoutThreads, procs int) {
	switch d.Kind {
	case model.ThreadPool:
		return "threads(N)", d.Threads, d.Fanout, 0
	case model.ThreadPerTask:
		return "threads", 0, 0, 0
	case model.Processes:
		return "processes(N)", 0, 0, d.Procs
	}
	return "sync", 0, 0, 0
}

func nativeExportable(wl *workload.Workload, d model.Deployment, tasks []Task, lang string) error {
	switch {
	case d.UsesAsyncio():
		return fmt.Errorf("export: model %s: %s has no asyncio (it runs sync, threads, threads(N) and processes(N))", d, lang)
	case d.Kind == model.Processes && d.Inner != nil:
		return fmt.Errorf("export: model %s: the %s program runs sync, threads, threads(N) and processes(N), not worker processes with threads of their own yet", d, lang)
	}
	if d.Kind != model.Processes {
		return nil
	}
	for _, r := range wl.Resources {
		if r.Scope == workload.ScopeGlobal {
			return fmt.Errorf("export: workload %s: resource %s has scope global, which the %s program cannot share between worker processes yet",
				wl.Name, r.Name, lang)
		}
	}
	var moves func(steps []Step) bool
	moves = func(steps []Step) bool {
		for _, s := range steps {
			if s.Input > 0 || s.Output > 0 || moves(s.Steps) {
				return true
			}
			for _, br := range s.Branches {
				if moves(br) {
					return true
				}
			}
		}
		return false
	}
	for _, t := range tasks {
		if t.Input > 0 || t.Output > 0 || moves(t.Steps) {
			return fmt.Errorf("export: workload %s: task %s moves data to a worker process (input, output), which the %s program does not do yet",
				wl.Name, t.Name, lang)
		}
	}
	return nil
}

// writeJavaHeader writes the opening comment: what the program runs and how.
func writeJavaHeader(b *bytes.Buffer, wl *workload.Workload, d model.Deployment, tasks []Task) {
	steps := 0
	for _, t := range tasks {
		steps += countSteps(t.Steps)
	}
	fmt.Fprintf(b, `// conclab export: workload "%s" under %s, on the JVM.
//
// %d %s, %d %s.
//
// Every step runs for exactly the duration the simulator drew for it, so
// what this program measures can be put beside what conclab predicts
// (conclab verify --runtime java runs both and compares them).
//
// Run it with Java 11 or newer; it needs only the standard library:
//
//     java Program.java > measured.json
//
// or compile it first (javac -d classes Program.java; java -cp classes
// Program). It prints one JSON document on standard output and nothing
// else: for each task its release, start and end, and for each step its
// kind, start, end (in seconds from the program's start), process id,
// thread id and the thread's CPU time in the step. The clock starts in
// main, after the JVM has started (and, with java Program.java, compiled
// the program).
//
// How the steps run:
//   work, work_released  a loop of arithmetic until the thread's CPU clock
//                        (ThreadMXBean) has advanced the step's duration;
//                        the JVM has no GIL, so the two are the same
//   wait, wait_blocking  LockSupport.parkNanos until the duration has passed
//
`, javaComment(shortName(wl.Name)), javaComment(d.String()), len(tasks), numfmt.Plural(len(tasks), "task", "tasks"), steps, numfmt.Plural(steps, "step", "steps"))
	about := javaModelAbout(d)
	if phased(wl) {
		about += "\n\n" + phasesAbout(d, "thread")
	}
	for _, line := range strings.Split(about, "\n") {
		b.WriteString(strings.TrimRight("// "+line, " ") + "\n")
	}
	b.WriteString("\n")
}

// phased says whether a group of wl is a later phase (after: others).
func phased(wl *workload.Workload) bool {
	for _, g := range wl.Groups {
		if len(g.After) > 0 {
			return true
		}
	}
	return false
}

// phasesAbout says in a few lines how the Java and Go programs release a
// later phase; thread is what runs its submissions (a thread, a goroutine).
func phasesAbout(d model.Deployment, thread string) string {
	if d.Kind == model.Sync {
		return "A later phase (a group after others) comes after the groups it waits\nfor in file order; its release times count from when the last of their\ntasks finished."
	}
	return fmt.Sprintf("A later phase (a group after others) is submitted by a %s of its\nown, once the last task of the groups it waits for has finished, its\nrelease times counted from then.", thread)
}

// javaModelAbout says in a few lines how the Java program runs the tasks.
func javaModelAbout(d model.Deployment) string {
	switch d.Kind {
	case model.Sync:
		return "The model, sync: the main thread runs the tasks one after another, in\nfile order, each no earlier than its release time."
	case model.ThreadPool:
		return fmt.Sprintf("The model, %s: Executors.newFixedThreadPool(%d); the main thread\nsubmits each task at its release time.", javaComment(d.String()), d.Threads)
	case model.ThreadPerTask:
		return "The model, threads: one Thread per task, started at the task's release\ntime."
	}
	return fmt.Sprintf("The model, %s: %d worker processes, each a fresh JVM running this\nclass, all started at time 0; the main process hands each task, at its\nrelease time, to the first idle worker through the worker's standard input.", javaComment(d.String()), d.Procs)
}

// shortName is a workload's name cut to 60 characters for a comment.
func shortName(name string) string {
	if utf8.RuneCountInString(name) > 60 {
		return string([]rune(name)[:57]) + "..."
	}
	return name
}

// javaComment makes s safe on one line comment of a Java program: only
// printable ASCII, and no backslash (javac reads \u escapes even in
// comments, and \u000a would end the line).
func javaComment(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r >= 0x7f || r == '\\' {
			return '?'
		}
		return r
	}, s)
}

// javaQuote returns s as a Java string literal, ASCII only: a backslash
// and a double quote get a backslash, other ASCII control characters an
// octal escape, and everything beyond ASCII \u escapes of its UTF-16
// units. javac turns \u escapes into characters before it reads the
// literal, so none is written for a character that could end it (a quote,
// a backslash, a line break): those are all ASCII.
func javaQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '\\' || r == '"':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r >= 0x20 && r < 0x7f:
			b.WriteRune(r)
		case r < 0x80:
			fmt.Fprintf(&b, `\%03o`, r)
		case r < 0x10000:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			r -= 0x10000
			fmt.Fprintf(&b, `\u%04x\u%04x`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
		}
	}
	b.WriteByte('"')
	return b.String()
}

// runePieces cuts s into pieces of at most n runes (one piece for "").
func runePieces(s string, n int) []string {
	var out []string
	for {
		if utf8.RuneCountInString(s) <= n {
			return append(out, s)
		}
		i, k := 0, 0
		for k < n {
			_, size := utf8.DecodeRuneInString(s[i:])
			i += size
			k++
		}
		out = append(out, s[:i])
		s = s[i:]
	}
}

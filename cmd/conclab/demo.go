package main

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/spf13/cobra"

	"github.com/conclab/conclab/examples"
	"github.com/conclab/conclab/plan"
	"github.com/conclab/conclab/report"
	"github.com/conclab/conclab/runtime"
	"github.com/conclab/conclab/sim"
	"github.com/conclab/conclab/workload"

	"github.com/conclab/conclab/internal/numfmt"
	"github.com/conclab/conclab/internal/textsafe"
)

func newDemoCmd(s *streams) *cobra.Command {
	var width int
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Walk through the tutorial's cases, simulated and explained",
		Long: `Demo retells the tutorial conclab grew from, one chapter per case: three tasks
that wait, a blocking call inside async code, CPU-bound work under threads and
processes, the convoy effect the tutorial leaves out, and what a thousand
threads really cost. Each chapter simulates its case, shows the table and the
timelines, and ends with a lesson drawn from the numbers of that run. A last
chapter runs the six examples of real program shapes (a connection pool, a
gather, a crawler, a cache, a lock-order deadlock, big arguments to worker
processes) and gives each a one-line lesson from its run.

Every chapter is a built-in example you can run yourself with "conclab run".`,
		Example: `  conclab demo
  conclab demo | less -R
  NO_COLOR=1 conclab demo > demo.txt`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkWidthFlag(cmd.Flags(), width); err != nil {
				return err
			}
			d := &demo{ctx: cmd.Context(), opt: s.textOptions(false, width)}
			if err := d.all(); err != nil {
				return err
			}
			_, err := s.out.Write(d.buf.Bytes())
			return fail(err)
		},
	}
	addWidthFlag(cmd.Flags(), &width)
	return cmd
}

// demo writes the chapters into buf, so nothing is printed if one fails.
type demo struct {
	ctx context.Context
	opt report.Options
	buf bytes.Buffer
}

func (d *demo) all() error {
	d.para("conclab demo: the cases of the tutorial conclab grew from (docs/tutorial.md), simulated. Each chapter runs a built-in example " +
		"in virtual time and reads the lesson off its numbers.")
	for i, ch := range []func(*bytes.Buffer) error{d.waiting, d.blocking, d.cpu, d.convoy, d.memory, d.shapes, d.java} {
		var b bytes.Buffer
		if err := ch(&b); err != nil {
			return fail(fmt.Errorf("demo chapter %d: %w", i+1, err))
		}
		d.buf.WriteString("\n")
		d.buf.Write(b.Bytes())
	}
	d.buf.WriteString("\n")
	d.para("Run any chapter yourself with the command under its title, change the numbers, " +
		"or write your own workload: conclab examples NAME prints one to start from.")
	return nil
}

// para writes text wrapped to the output's width.
func (d *demo) para(text string) { writeWrapped(&d.buf, text, d.opt.Width) }

// title writes a chapter's title, its setup and the command that reruns it.
func (d *demo) title(b *bytes.Buffer, n int, title, setup, command string) {
	// The title, wrapped if it must be, and a rule to the end of its
	// last line.
	lines := textsafe.Wrap(fmt.Sprintf("%d. %s", n, title), d.opt.Width, "", "   ")
	last := lines[len(lines)-1] + " "
	if pad := d.opt.Width - len([]rune(last)); pad > 0 {
		last += strings.Repeat("═", pad)
	}
	lines[len(lines)-1] = strings.TrimRight(last, " ")
	fmt.Fprintln(b, strings.Join(lines, "\n"))
	writeWrapped(b, setup, d.opt.Width)
	writeWrapped(b, "$ "+command, d.opt.Width)
	fmt.Fprintln(b)
}

// lesson writes the chapter's closing line.
func (d *demo) lesson(b *bytes.Buffer, text string) {
	fmt.Fprintln(b)
	writeWrapped(b, "→ "+text, d.opt.Width)
}

// example loads a built-in example with the given runtime ("" for its own)
// and models, exactly as `conclab run` would.
func (d *demo) example(name, rt string, models ...string) (*plan.Plan, error) {
	data, ok := examples.Lookup(name)
	if !ok {
		return nil, fmt.Errorf("no built-in example %q", name)
	}
	wl, err := workload.Parse("examples/"+name+".yaml", data)
	if err != nil {
		return nil, err
	}
	return newPlan(context.Background(), nil, wl, data, &runOptions{runtime: rt, models: models})
}

// sim runs p with spans and task records.
func (d *demo) sim(p *plan.Plan) ([]report.Run, error) {
	return simulate(d.ctx, p, spanPlan{keep: true, needs: "the demo"}, true)
}

// show writes the table of runs and the timelines of those listed in
// timelines (by index).
func (d *demo) show(b *bytes.Buffer, runs []report.Run, timelines ...int) error {
	if err := report.Table(b, runs, d.opt); err != nil {
		return err
	}
	for _, i := range timelines {
		fmt.Fprintln(b)
		if err := report.Timeline(b, runs[i], d.opt); err != nil {
			return err
		}
	}
	return nil
}

// Chapter 1: three tasks that each wait 2 s.
func (d *demo) waiting(b *bytes.Buffer) error {
	p, err := d.example("seed-io", "", "sync", "threads(3)", "asyncio")
	if err != nil {
		return err
	}
	runs, err := d.sim(p)
	if err != nil {
		return err
	}
	d.title(b, 1, "Waiting: sync, threads and asyncio",
		"Three tasks each wait 2 seconds (time.sleep, or await asyncio.sleep). "+
			"Sync code is one person doing them one after another; threads(3) hires three helpers; "+
			"asyncio is one smart person who switches to another task whenever one starts waiting.",
		"conclab run seed-io")
	if err := d.show(b, runs, 0, 1, 2); err != nil {
		return err
	}
	sync, thr, aio := runs[0].Result.Makespan, runs[1].Result.Makespan, runs[2].Result.Makespan
	fast := max(thr, aio)
	var text string
	if near(thr, aio, 0.02) {
		text = fmt.Sprintf("the %s of threads(3) and asyncio", secs(fast))
	} else {
		text = fmt.Sprintf("the %s of threads(3) and %s of asyncio", secs(thr), secs(aio))
	}
	r := ratio(sync, fast)
	switch {
	case r >= 1.5:
		d.lesson(b, fmt.Sprintf("sync took %s, %s× %s: while one task waits, the others wait too; "+
			"threads and asyncio overlap the waiting.", secs(sync), oneDecimal(r), text))
	default:
		d.lesson(b, fmt.Sprintf("sync took %s, only %s× %s: here the waits barely overlapped.",
			secs(sync), oneDecimal(r), text))
	}
	return nil
}

// Chapter 2: time.sleep inside async def.
func (d *demo) blocking(b *bytes.Buffer) error {
	p, err := d.example("seed-blocking", "", "asyncio", "threads(3)", "sync")
	if err != nil {
		return err
	}
	runs, err := d.sim(p)
	if err != nil {
		return err
	}
	d.title(b, 2, "The blocking call inside async def",
		"The same three tasks, but the coroutine calls time.sleep(2) instead of await asyncio.sleep(2). "+
			"time.sleep does not say \"I'm waiting\": the event loop's only thread falls asleep at its desk "+
			"and tells no one.",
		"conclab run seed-blocking -m asyncio -m 'threads(3)' -m sync")
	if err := d.show(b, runs, 0, 1); err != nil {
		return err
	}
	aio, thr, sync := runs[0].Result, runs[1].Result, runs[2].Result
	stall := fmt.Sprintf("each blocking call stalled the loop for %s (%s)",
		secs(aio.LoopStallMax), numfmt.Count(aio.SlowCallbacks, "slow callback", "slow callbacks"))
	switch {
	case ratio(aio.Makespan, sync.Makespan) >= 0.9:
		d.lesson(b, fmt.Sprintf("asyncio took %s, as slow as sync (%s) and %s× threads(3): %s. "+
			"Blocking libraries belong in threads, or in asyncio.to_thread.",
			secs(aio.Makespan), secs(sync.Makespan), oneDecimal(ratio(aio.Makespan, thr.Makespan)), stall))
	default:
		d.lesson(b, fmt.Sprintf("asyncio took %s against %s for sync and %s for threads(3); %s.",
			secs(aio.Makespan), secs(sync.Makespan), secs(thr.Makespan), stall))
	}
	return nil
}

// Chapter 3: CPU-bound work under threads, processes and free-threaded
// Python.
func (d *demo) cpu(b *bytes.Buffer) error {
	p, err := d.example("seed-cpu", "", "sync", "threads(2)", "processes(2)")
	if err != nil {
		return err
	}
	runs, err := d.sim(p)
	if err != nil {
		return err
	}
	// Free-threaded: 3.13t as measured here, 3.14t as published.
	var fts []*plan.Plan
	for _, rt := range []string{"cpython-3.13t", "cpython-3.14t"} {
		pft, err := d.example("seed-cpu", rt, "threads(2)")
		if err != nil {
			return err
		}
		ft, err := d.sim(pft)
		if err != nil {
			return err
		}
		ft[0].Result.Model += " · " + rt
		runs = append(runs, ft[0])
		fts = append(fts, pft)
	}
	d.title(b, 3, "Computing: the GIL, processes and free-threaded Python",
		"Two tasks each run 1 second of pure-Python computation on 2 cores. "+
			"Only one thread of a process can run Python bytecode at a time; each process has its own GIL; "+
			"free-threaded CPython (3.13t, 3.14t) has none, but runs Python code slower.",
		"conclab run seed-cpu, then: conclab run seed-cpu -m 'threads(2)' --runtime cpython-3.13t --runtime cpython-3.14t")
	if err := d.show(b, runs, 1, 2, 3); err != nil {
		return err
	}
	sync, thr, procs := runs[0].Result, runs[1].Result, runs[2].Result
	var text strings.Builder
	if s := ratio(sync.Makespan, thr.Makespan); s < 1.1 {
		fmt.Fprintf(&text, "threads(2) took %s, no faster than sync (%s×), with %d GIL hand-overs",
			secs(thr.Makespan), twoDecimals(s), thr.GILSwitches)
	} else {
		fmt.Fprintf(&text, "threads(2) took %s, %s× faster than sync, with %d GIL hand-overs",
			secs(thr.Makespan), oneDecimal(s), thr.GILSwitches)
	}
	fmt.Fprintf(&text, "; processes(2) took %s (%s× faster than sync, start-up included)",
		secs(procs.Makespan), oneDecimal(ratio(sync.Makespan, procs.Makespan)))
	for i, pft := range fts {
		fmt.Fprintf(&text, "; on %s threads(2) took %s", pft.Profile.Name, secs(runs[3+i].Result.Makespan))
		if pft.Profile.Slowdown > 1 {
			fmt.Fprintf(&text, ", in parallel but with Python code %s× slower", twoDecimals(pft.Profile.Slowdown))
			if i == 0 {
				text.WriteString(" (measured here: 3.13t does without the specialising interpreter)")
			} else {
				text.WriteString(" (published)")
			}
		}
	}
	text.WriteString(".")
	d.lesson(b, text.String())
	return nil
}

// Chapter 4: the convoy effect, which the tutorial does not mention.
func (d *demo) convoy(b *bytes.Buffer) error {
	p5, err := d.example("convoy", "")
	if err != nil {
		return err
	}
	p1, err := d.example("convoy-1ms", "")
	if err != nil {
		return err
	}
	alone := *p5
	wl := *p5.Workload
	wl.Groups = nil
	for _, g := range p5.Workload.Groups {
		if g.Name == "io" {
			wl.Groups = append(wl.Groups, g)
		}
	}
	if len(wl.Groups) != 1 {
		return fmt.Errorf("example convoy has no task group io")
	}
	alone.Workload = &wl
	var runs []report.Run
	for i, p := range []*plan.Plan{p5, p1, &alone} {
		r, err := d.sim(p)
		if err != nil {
			return err
		}
		r[0].Result.Model = []string{"convoy 5ms", "convoy 1ms", "io alone"}[i]
		runs = append(runs, r[0])
	}
	d.title(b, 4, "The convoy: the GIL does hurt I/O",
		"The tutorial says the GIL blocks CPU work, not I/O waiting. True while the thread sleeps; "+
			"but when its sleep ends it needs the GIL back, and a CPU-bound thread beside it lets go only "+
			"when the switch interval (5 ms) runs out. Here an I/O thread sleeps 200 × 0.5 ms "+
			"beside a thread computing for 3 s.",
		"conclab run convoy; conclab run convoy-1ms")
	if err := d.show(b, runs, 0, 1); err != nil {
		return err
	}
	end5, wait5, ok5 := taskEnd(runs[0], "io")
	end1, wait1, ok1 := taskEnd(runs[1], "io")
	endAlone, _, okA := taskEnd(runs[2], "io")
	if !ok5 || !ok1 || !okA {
		return fmt.Errorf("the io task did not finish")
	}
	r5 := ratio(end5, endAlone)
	var text string
	if r5 >= 1.5 {
		text = fmt.Sprintf("alone, the I/O thread finishes at %s; beside the CPU thread at %s, %s× later, "+
			"%s of it waiting for the GIL", secs(endAlone), secs(end5), oneDecimal(r5), secs(wait5))
	} else {
		text = fmt.Sprintf("alone, the I/O thread finishes at %s; beside the CPU thread at %s, only %s× later "+
			"(%s waiting for the GIL)", secs(endAlone), secs(end5), twoDecimals(r5), secs(wait5))
	}
	if end1 < end5 {
		text += fmt.Sprintf(". With switch_interval 1ms it finishes at %s (GIL wait %s, %s× less): "+
			"a shorter interval shrinks the convoy", secs(end1), secs(wait1), oneDecimal(ratio(wait5, max(wait1, 1))))
	} else {
		text += fmt.Sprintf(". With switch_interval 1ms it finishes at %s: no better", secs(end1))
	}
	d.lesson(b, text+".")
	return nil
}

// taskEnd returns when the task called name ended in run and how long it
// waited for the GIL.
func taskEnd(run report.Run, name string) (end, gilWait int64, ok bool) {
	id := -1
	for i, rec := range run.Result.Records {
		if rec.Name == name {
			id, end, ok = i, rec.End, true
			break
		}
	}
	if !ok || run.Spans == nil {
		return end, 0, ok
	}
	for _, s := range run.Spans.Tasks {
		if int(s.Task) == id && s.State == sim.GILWait {
			gilWait += s.End - s.Start
		}
	}
	return end, gilWait, ok
}

// Chapter 5: what threads and coroutines cost in memory.
func (d *demo) memory(b *bytes.Buffer) error {
	p, err := d.example("memory", "", "threads(1000)", "asyncio")
	if err != nil {
		return err
	}
	runs, err := d.sim(p)
	if err != nil {
		return err
	}
	d.title(b, 5, "Memory: a thousand threads, ten thousand coroutines",
		"The tutorial says a thread costs about 1–2 MB, so 1000 threads go boom, while asyncio handles 10k+ "+
			"connections. Here 10,000 connections each wait 1 s, served by threads(1000) or by one event loop.",
		"conclab run memory")
	if err := d.show(b, runs, 0, 1); err != nil {
		return err
	}
	thr, aio := runs[0].Result, runs[1].Result
	prof := p.Profile
	text := fmt.Sprintf("threads(1000) took %s with %s: %s resident but %s reserved. "+
		"A thread costs ≈ %s resident and %s of reserved stack, so the tutorial's \"1–2 MB\" is %s. "+
		"asyncio took %s with %s in flight and %s resident (≈ %s a task)",
		secs(thr.Makespan), numfmt.Count(thr.PeakThreads, "thread", "threads"),
		report.Bytes(thr.PeakMemoryBytes), report.Bytes(thr.PeakVirtualBytes),
		report.Bytes(prof.ThreadRSS), report.Bytes(prof.ThreadVirtual), memVerdict(prof.ThreadRSS, prof.ThreadVirtual),
		secs(aio.Makespan), numfmt.Count(aio.PeakTasks, "task", "tasks"), report.Bytes(aio.PeakMemoryBytes),
		report.Bytes(prof.TaskRSS))
	if aio.Makespan < thr.Makespan && thr.PeakThreads > 0 {
		rounds := (thr.Tasks + thr.PeakThreads - 1) / thr.PeakThreads
		text += fmt.Sprintf(", %s× faster: %s serve the waits in %s, one loop overlaps them all",
			oneDecimal(ratio(thr.Makespan, aio.Makespan)), numfmt.Count(thr.PeakThreads, "thread", "threads"),
			numfmt.Count(rounds, "round", "rounds"))
	}
	d.lesson(b, text+".")
	return nil
}

// Chapter 6: the shapes of real programs, one example each, one lesson
// each from its run.
func (d *demo) shapes(b *bytes.Buffer) error {
	d.title(b, 6, "Shapes of real programs: pools, gathers, branches, locks, pickled data",
		"Real handlers queue for one of a pool's connections, gather calls, take one branch or another, "+
			"take locks, and pickle their arguments to worker processes. Six built-in examples, each under its own models, "+
			"each with its lesson; run one for its table and timelines, explain it for its story.",
		"conclab run NAME; conclab explain NAME -m MODEL")
	for _, sh := range []struct {
		name   string
		models []string
		lesson func([]*sim.Result) string
	}{
		{"db-pool", nil, poolLesson},
		{"fanout", nil, fanoutLesson},
		{"crawler", []string{"sync", "asyncio", "threads(1, fanout=64)", "threads(4)"}, crawlerLesson},
		{"cache", nil, cacheLesson},
		{"lock-order", nil, lockLesson},
		{"big-args", nil, pickleLesson},
	} {
		p, err := d.example(sh.name, "", sh.models...)
		if err != nil {
			return err
		}
		runs, err := simulate(d.ctx, p, spanPlan{}, false)
		if err != nil {
			return err
		}
		res := make([]*sim.Result, len(runs))
		for i, r := range runs {
			res[i] = r.Result
		}
		writeWrapped(b, "→ "+sh.name+": "+sh.lesson(res), d.opt.Width)
	}
	return nil
}

// The lessons of the shapes, from the runs of each example's models, in
// the order of its models: (threads(8), threads(40),
// processes(2)*threads(20)) for db-pool, and so on.

func poolLesson(r []*sim.Result) string {
	few, many, procs := r[0], r[1], r[2]
	text := fmt.Sprintf("with %s, p99 is %s; with %s it is %s, but requests waited %s in all for one of the %d connections (up to %d at once)",
		few.Model, secs(few.Latency.P99), many.Model, secs(many.Latency.P99), secs(many.ResourceWait),
		many.Resources[0].Capacity, many.Resources[0].PeakQueue)
	return text + fmt.Sprintf("; %s, a pool in each process, waits %s (p99 %s). Size the pool with the threads.",
		procs.Model, secs(procs.ResourceWait), secs(procs.Latency.P99))
}

func fanoutLesson(r []*sim.Result) string {
	sync, aio, thr := r[0], r[1], r[3]
	text := fmt.Sprintf("under asyncio a request takes %s (p50), about as long as its slowest call; %s matches it (%s) with %s",
		secs(aio.Latency.P50), thr.Model, secs(thr.Latency.P50), numfmt.Count(thr.PeakThreads, "thread", "threads"))
	if sync.Overloaded {
		return text + fmt.Sprintf("; sync makes the three calls one after another and falls behind (p50 %s and growing).", secs(sync.Latency.P50))
	}
	return text + fmt.Sprintf("; sync makes the three calls one after another (p50 %s).", secs(sync.Latency.P50))
}

func crawlerLesson(r []*sim.Result) string {
	sync, aio, fan, pool := r[0], r[1], r[2], r[3]
	text := fmt.Sprintf("one event loop crawls the tree in %s, %s× faster than sync (%s); %s takes %s with %s",
		secs(aio.Makespan), oneDecimal(ratio(sync.Makespan, aio.Makespan)), secs(sync.Makespan),
		fan.Model, secs(fan.Makespan), numfmt.Count(fan.PeakThreads, "thread", "threads"))
	if pool.Deadlock != nil {
		text += fmt.Sprintf("; %s, whose crawls submit their links to the pool they run on, deadlocks at %s: every thread waits for crawls queued behind it",
			pool.Model, secs(pool.Deadlock.At))
	}
	return text + "."
}

func cacheLesson(r []*sim.Result) string {
	var p99s []string
	for _, x := range r[1:] {
		p99s = append(p99s, fmt.Sprintf("%s %s", x.Model, secs(x.Latency.P99)))
	}
	return fmt.Sprintf("the misses queue for the one connection (%s of waiting under %s) and set p99 at %s, and about there under every model (%s): "+
		"a second connection would do more than more threads.",
		secs(r[0].ResourceWait), r[0].Model, secs(r[0].Latency.P99), strings.Join(p99s, ", "))
}

func lockLesson(r []*sim.Result) string {
	var dead *sim.Result
	var fine []string
	for _, x := range r {
		if x.Deadlock != nil && dead == nil {
			dead = x
		} else if x.Deadlock == nil {
			fine = append(fine, fmt.Sprintf("%s finishes in %s", x.Model, secs(x.Makespan)))
		}
	}
	if dead == nil {
		return strings.Join(fine, ", ") + "."
	}
	var links []string
	for _, l := range dead.Deadlock.Cycle {
		links = append(links, fmt.Sprintf("%s holds %s and waits for %s", l.Task, strings.Join(l.Holds, ", "), l.WaitsFor))
	}
	return fmt.Sprintf("%s deadlocks at %s (%s); %s. Take locks in one order.",
		dead.Model, secs(dead.Deadlock.At), strings.Join(links, "; "), strings.Join(fine, ", "))
}

func pickleLesson(r []*sim.Result) string {
	thr, procs := r[1], r[2]
	return fmt.Sprintf("%s takes %s, %s× %s's %s: pickling each 50 MB frame to a worker and back costs more than its C code, "+
		"which threads run on both cores at once, sharing the frames.",
		procs.Model, secs(procs.Makespan), oneDecimal(ratio(procs.Makespan, thr.Makespan)), thr.Model, secs(thr.Makespan))
}

// memVerdict compares the tutorial's 1–2 MB per thread with a profile's
// resident and reserved figures.
func memVerdict(rss, virtual int64) string {
	const mb = 1 << 20
	switch {
	case rss < mb && virtual > 2*mb:
		return "too much for memory in use and too little for address space"
	case rss < mb:
		return "too much"
	case rss > 2*mb:
		return "too little"
	default:
		return "about right"
	}
}

// near reports whether a and b differ by at most frac of the larger.
func near(a, b int64, frac float64) bool {
	return math.Abs(float64(a-b)) <= frac*float64(max(a, b))
}

// ratio returns a/b, or 0 when b is 0.
func ratio(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func oneDecimal(x float64) string  { return fmt.Sprintf("%.1f", x) }
func twoDecimals(x float64) string { return fmt.Sprintf("%.2f", x) }

// secs formats a duration for prose as the table does.
func secs(ns int64) string { return report.Seconds(ns) }

// Chapter 7: Java threads against Python threads, the seed's last offer.
// The same examples on the cpython and java profiles: two CPU-bound
// threads, the convoy, a thousand threads.
func (d *demo) java(b *bytes.Buffer) error {
	var runs []report.Run
	var profs []runtime.Profile
	for _, c := range []struct{ example, model, label string }{
		{"seed-cpu", "threads(2)", "cpu"}, {"convoy", "threads", "convoy"}, {"memory", "threads(1000)", "1000 threads"},
	} {
		for _, rt := range []string{"cpython", "java"} {
			p, err := d.example(c.example, rt, c.model)
			if err != nil {
				return err
			}
			profs = append(profs, p.Profile)
			r, err := d.sim(p)
			if err != nil {
				return err
			}
			r[0].Result.Model = c.label + " · " + rt
			runs = append(runs, r[0])
		}
	}
	d.title(b, 7, "Java threads against Python threads",
		"The tutorial offers to compare them. Here the same three workloads run on the cpython profile and on the java "+
			"profile (measured on a JVM by conclab calibrate --runtime java): two threads computing 1 s each (seed-cpu), "+
			"the convoy of chapter 4, and a thousand threads serving 10,000 waits (memory). A step of work is the same CPU time on both: "+
			"what differs is how the threads share the cores, not how fast each language computes.",
		"conclab run seed-cpu -m 'threads(2)' --runtime cpython --runtime java; "+
			"proved on this machine by: conclab verify seed-cpu -m 'threads(2)' --runtime java")
	// Python's two threads are drawn in chapter 3: Java's alone here.
	if err := d.show(b, runs, 1); err != nil {
		return err
	}
	pyCPU, jCPU := runs[0].Result, runs[1].Result
	pyEnd, pyWait, ok1 := taskEnd(runs[2], "io")
	jEnd, _, ok2 := taskEnd(runs[3], "io")
	if !ok1 || !ok2 {
		return fmt.Errorf("the convoy's io task did not finish")
	}
	pyMem, jMem := runs[4], runs[5]
	text := fmt.Sprintf("two Java threads computing took %s, %s× faster than two Python threads (%s): "+
		"the JVM runs them on both cores at once, CPython's GIL one at a time. "+
		"In the convoy the I/O thread finishes at %s in Java and %s in Python, which spends %s of it waiting for the GIL. "+
		"A thousand threads: Java's keep %s resident (≈ %s each) and reserve %s, Python's %s and %s",
		secs(jCPU.Makespan), oneDecimal(ratio(pyCPU.Makespan, jCPU.Makespan)), secs(pyCPU.Makespan),
		secs(jEnd), secs(pyEnd), secs(pyWait),
		report.Bytes(jMem.Result.PeakMemoryBytes), report.Bytes(profs[5].ThreadRSS), report.Bytes(jMem.Result.PeakVirtualBytes),
		report.Bytes(pyMem.Result.PeakMemoryBytes), report.Bytes(pyMem.Result.PeakVirtualBytes))
	d.lesson(b, text+". For waiting, threads behave alike in both; for computing, Java threads are parallel and Python's "+
		"(with the GIL) are not.")
	return nil
}

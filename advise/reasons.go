package advise

import (
	"fmt"
	"slices"
	"strings"

	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/report"

	"github.com/conclab/conclab/internal/numfmt"
)

// unit is what one task is called: a request of an open workload, a task
// of a batch.
func (a *Advice) unit() string {
	if a.open() {
		return "request"
	}
	return "task"
}

// servedText says what candidate c of an open workload serves of the rate
// offered (sim.Result.Offered: the arrivals drawn, per second of the
// window): "serves all 192/s" when it keeps up, "serves 9.93/s of 192/s"
// when it is overloaded. A deployment that keeps up serves every arrival,
// so a Poisson stream that drew 1,920 requests in a 10 s window of 200/s is
// served in full at 192/s, not short of 200/s.
func servedText(c *Candidate) string {
	r := c.Result
	if !c.Overloaded {
		return "serves all " + perSecond(r.Offered)
	}
	return fmt.Sprintf("serves %s of %s", perSecond(Served(c.Workload, r)), perSecond(r.Offered))
}

// ms formats a duration for a sentence: "30 ms", "1.20 s".
func ms(ns int64) string { return report.Seconds(ns) }

// outcome describes how a candidate did, for a sentence: "is overloaded
// (serves 32/s of 50/s offered)", "reaches p99 104 ms", "takes 6.000 s".
func (a *Advice) outcome(c *Candidate) string {
	r := c.Result
	switch {
	case c.Overloaded:
		return "is overloaded (" + servedText(c) + " offered)"
	case a.open():
		return "reaches p99 " + ms(r.Latency.P99)
	}
	return "takes " + ms(r.Makespan)
}

// measure is what outcome compares, as a noun: "p99 120 ms" for an open
// workload, the makespan of a batch. c must not be overloaded.
func (a *Advice) measure(c *Candidate) string {
	if a.open() {
		return "p99 " + ms(c.Result.Latency.P99)
	}
	return ms(c.Result.Makespan)
}

// reasons picks three reasons for the recommendation, most telling first:
// a blocking call that keeps an event loop from doing well, what a task is
// made of, a runner-up that was faster (and why it is second), the
// constraints that ruled candidates out, the candidates that cannot keep
// up, what memory the choice saves or costs, and the runner-up.
func (a *Advice) reasons() []string {
	rec := a.Recommendation()
	if rec == nil {
		return a.noneReasons()
	}
	var out []string
	for _, f := range []func(*Candidate) string{
		a.blockingReason, a.profileReason, a.fasterRunnerUpReason, a.constraintReason, a.capacityReason,
		a.memoryReason, a.runnerUpReason, a.sizeReason,
	} {
		if s := f(rec); s != "" && len(out) < 3 {
			out = append(out, s)
		}
	}
	return out
}

// blockingReason: a blocking call stalls an event loop, and that is what
// keeps asyncio from doing well: offloading the calls would make it
// better by more than Equal. (When asyncio is slow anyway, for CPU work,
// the blocking calls are not the reason.)
func (a *Advice) blockingReason(rec *Candidate) string {
	p := a.Profile
	plain, off := a.bestOf(famAsyncio), a.bestOf(famAsyncioOffload)
	if p.Blocking == 0 || plain == nil || off == nil || rec == plain || !a.worse(plain, off) {
		return ""
	}
	perCall := int64(float64(p.Blocking) / max(p.BlockingCalls, 1))
	in, loop := "each task", "asyncio's event loop"
	if a.open() {
		in, loop = "each request handler", "the event loop"
	}
	what := fmt.Sprintf("a blocking call in %s stalls %s for %s", in, loop, ms(perCall))
	if p.BlockingCalls > 1.01 {
		what = fmt.Sprintf("blocking calls in %s stall %s for %s (%.3g calls of %s)", in, loop, ms(p.Blocking), p.BlockingCalls, ms(perCall))
	}
	res := plain.Result
	stall := ""
	if res.LoopStallMax > 0 {
		stall = fmt.Sprintf("its loop stalled up to %s at a time", ms(res.LoopStallMax))
	}
	var detail string
	switch {
	case plain.Overloaded && stall != "":
		detail = fmt.Sprintf("plain asyncio is overloaded (%s offered; %s)", servedText(plain), stall)
	case stall != "":
		detail = fmt.Sprintf("plain asyncio %s (%s)", a.outcome(plain), stall)
	default:
		detail = "plain asyncio " + a.outcome(plain)
	}
	if !plain.Overloaded {
		if rec.Overloaded {
			detail += fmt.Sprintf(", while %s %s", rec.Label, a.outcome(rec))
		} else {
			detail += fmt.Sprintf(", against %s for %s", a.measure(rec), rec.Label)
		}
	}
	return what + ": " + detail + "; offload it (asyncio.to_thread) or use threads"
}

// worse reports whether candidate x did worse than y by more than the
// ranking's margin: overloaded where y keeps up, or a p99 (open) or
// makespan (batch) above y's by more than Equal.
func (a *Advice) worse(x, y *Candidate) bool {
	if x.Overloaded != y.Overloaded {
		return x.Overloaded
	}
	return float64(a.primary(x)) > (1+Equal)*float64(a.primary(y))
}

// profileReason: what a task is made of.
func (a *Advice) profileReason(rec *Candidate) string {
	p := a.Profile
	if p.Total() == 0 {
		return ""
	}
	of := fmt.Sprintf("%s of %s", ms(p.Wait), ms(p.Total()))
	if p.WaitShare() >= 0.5 {
		s := fmt.Sprintf("%s of each %s is waiting (I/O: %s)", numfmt.WholePercent(p.WaitShare()), a.unit(), of)
		if a.open() {
			s += fmt.Sprintf(", so at %s about %.0f requests are in flight at once (Little's law)", perSecond(p.Rate), p.InFlight())
		}
		return s
	}
	cpu := fmt.Sprintf("CPU work is %s of each %s (%s of %s)", numfmt.WholePercent(p.CPUShare()), a.unit(), ms(p.CPU()), ms(p.Total()))
	need := ""
	if a.open() {
		need = fmt.Sprintf("at %s it needs %.1f cores", perSecond(p.Rate), p.CoresNeeded())
	}
	switch {
	case !a.gil:
		return cpu + fmt.Sprintf("; runtime %s has no GIL, so threads run it in parallel", a.Runtime)
	case p.Released > p.Work:
		return cpu + fmt.Sprintf(", %s of it in C code that releases the GIL, so threads run it in parallel", numfmt.WholePercent(share(p.Released, p.CPU())))
	}
	s := cpu + " and the GIL serialises it within a process"
	procs := rec.Model.Procs
	switch {
	case rec.Model.UsesProcesses() && need != "":
		s += fmt.Sprintf(": %s, and %s runs on %s", need, rec.Label, coresText(min(procs, a.Cores), a.Cores))
	case rec.Model.UsesProcesses():
		s += fmt.Sprintf(": %s uses %s", rec.Label, coresText(min(procs, a.Cores), a.Cores))
	case need != "":
		s += fmt.Sprintf(": %s, so one process is enough", need)
	}
	return s
}

// coresText says how many of the machine's cores n is: "both cores", "all
// 4 cores", "2 of the 4 cores".
func coresText(n, cores int) string {
	switch {
	case n < cores:
		return fmt.Sprintf("%d of the %d cores", n, cores)
	case cores == 1:
		return "the one core"
	case cores == 2:
		return "both cores"
	}
	return fmt.Sprintf("all %d cores", cores)
}

// constraintReason: the bounds ruled out candidates that would otherwise
// have ranked well.
func (a *Advice) constraintReason(*Candidate) string {
	var parts []string
	for _, bound := range []struct {
		on    bool
		flag  string
		match string
		value func(*Candidate) string
	}{
		{a.Constraints.P99 > 0, "--p99 " + ms(a.Constraints.P99), "p99 ", func(c *Candidate) string { return "p99 " + ms(c.Result.Latency.P99) }},
		{a.Constraints.Memory > 0, "--memory " + report.Bytes(a.Constraints.Memory), "resident ", func(c *Candidate) string {
			return report.Bytes(c.Result.PeakMemoryBytes) + " resident"
		}},
	} {
		if !bound.on {
			continue
		}
		var hit []*Candidate
		for i := range a.Candidates {
			if c := &a.Candidates[i]; strings.HasPrefix(c.Rejected, bound.match) {
				hit = append(hit, c)
			}
		}
		if len(hit) == 0 {
			continue
		}
		// The most tempting one: the lowest p99 (or makespan) among them.
		slices.SortStableFunc(hit, func(x, y *Candidate) int {
			return cmpInt(a.primary(x), a.primary(y))
		})
		parts = append(parts, fmt.Sprintf("%s rules out %d of %d candidates, among them %s (%s)",
			bound.flag, len(hit), len(a.Candidates), hit[0].Label, bound.value(hit[0])))
	}
	return strings.Join(parts, "; ")
}

func (a *Advice) primary(c *Candidate) int64 {
	if a.open() {
		return c.Result.Latency.P99
	}
	return c.Result.Makespan
}

func cmpInt(x, y int64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// capacityReason: the candidates that cannot keep up, illustrated by the
// one closest to keeping up in the recommendation's family, else in any.
func (a *Advice) capacityReason(rec *Candidate) string {
	if !a.open() {
		return ""
	}
	var over []*Candidate
	for i := range a.Candidates {
		if c := &a.Candidates[i]; c.Overloaded {
			over = append(over, c)
		}
	}
	if len(over) == 0 {
		return ""
	}
	var ex *Candidate
	for _, c := range over {
		if familyOf(c) == familyOf(rec) && (ex == nil || a.better(c, ex)) {
			ex = c
		}
	}
	if ex == nil {
		for _, c := range over {
			if familyOf(c) == famThreads && (ex == nil || a.better(c, ex)) {
				ex = c
			}
		}
	}
	if ex == nil {
		ex = over[0]
	}
	hold := ""
	if ex.Model.Kind == model.ThreadPool {
		hold = fmt.Sprintf(": each request holds a thread for about %s, so %s at most %s", ms(a.Profile.Total()),
			numfmt.Count(ex.Model.Threads, "thread serves", "threads serve"), perSecond(float64(ex.Model.Threads)/(float64(a.Profile.Total())/1e9)))
	}
	return fmt.Sprintf("%d of %d candidates cannot keep up with %s; %s serves only %s%s",
		len(over), len(a.Candidates), perSecond(a.Profile.Rate), ex.Label, perSecond(Served(ex.Workload, ex.Result)), hold)
}

// memoryReason: what the recommendation costs in memory, against the
// best candidate of the other way to wait (threads against an event loop).
func (a *Advice) memoryReason(rec *Candidate) string {
	r := rec.Result
	self := fmt.Sprintf("%s peaks at %s resident and %s reserved", rec.Label, report.Bytes(r.PeakMemoryBytes), report.Bytes(r.PeakVirtualBytes))
	var other *Candidate
	switch familyOf(rec) {
	case famAsyncio, famAsyncioOffload, famProcAsyncio:
		other = a.bestOf(famThreads)
	case famThreads, famProcThreads:
		other = a.bestOf(famAsyncio, famAsyncioOffload)
	case famProcesses:
		other = a.bestOf(famThreads)
	}
	if rec.Model.UsesProcesses() {
		self += fmt.Sprintf(" for %d interpreter processes (the parent and its workers), each with its own GIL", rec.Result.PeakProcesses)
	}
	if other == nil || other == rec || other.Rejected != "" {
		return self
	}
	o := other.Result
	return fmt.Sprintf("%s, while %s %s with %s resident and %s reserved (%s)", self, other.Label,
		a.outcome(other), report.Bytes(o.PeakMemoryBytes), report.Bytes(o.PeakVirtualBytes), numfmt.Count(o.PeakThreads, "thread", "threads"))
}

// runnerUpReason: how close the runner-up came, when it did no better.
func (a *Advice) runnerUpReason(rec *Candidate) string {
	ru := a.RunnerUpCandidate()
	if ru == nil || a.primary(ru) < a.primary(rec) {
		return "" // fasterRunnerUpReason's
	}
	return fmt.Sprintf("the runner-up, %s, %s against %s, with %s resident against %s", ru.Label, a.outcome(ru),
		ms(a.primary(rec)), report.Bytes(ru.Result.PeakMemoryBytes), report.Bytes(rec.Result.PeakMemoryBytes))
}

// fasterRunnerUpReason: the runner-up was faster (a lower makespan, or
// p99), by less than Equal, and what ranked it second.
func (a *Advice) fasterRunnerUpReason(rec *Candidate) string {
	ru := a.RunnerUpCandidate()
	if ru == nil || a.primary(ru) >= a.primary(rec) {
		return ""
	}
	by := 1 - float64(a.primary(ru))/float64(a.primary(rec))
	pct := numfmt.ShortPercent(by)
	if pct == "0%" {
		pct = "marginally" // "is marginally faster", "has a marginally lower p99"
	}
	claim := fmt.Sprintf("is %s faster %s", pct, lessTime(ru.Result.Makespan, rec.Result.Makespan))
	if a.open() {
		claim = fmt.Sprintf("has a %s lower p99 %s", pct, lessTime(ru.Result.Latency.P99, rec.Result.Latency.P99))
	}
	var prefer string
	switch _, field := a.key(rec).cmp(a.key(ru)); field {
	case byServed:
		prefer = fmt.Sprintf("the one that serves more (%s against %s)",
			perSecond(Served(rec.Workload, rec.Result)), perSecond(Served(ru.Workload, ru.Result)))
	case byResident:
		prefer = "the one with less resident memory " + lessBytes(rec.Result.PeakMemoryBytes, ru.Result.PeakMemoryBytes)
	case byReserved:
		prefer = "the one with less reserved memory " + lessBytes(rec.Result.PeakVirtualBytes, ru.Result.PeakVirtualBytes)
	default:
		return "" // ranked by p99 or makespan itself: the runner-up is not faster
	}
	return fmt.Sprintf("the runner-up, %s, %s; within %s we count the two as equal and prefer %s",
		ru.Label, claim, numfmt.ShortPercent(Equal), prefer)
}

// lessTime compares a shorter time x with y: "(2.000 s against 2.002
// s)", or "(by 590 µs)" when both print the same.
func lessTime(x, y int64) string {
	if ms(x) == ms(y) {
		return "(by " + ms(y-x) + ")"
	}
	return fmt.Sprintf("(%s against %s)", ms(x), ms(y))
}

// lessBytes compares a smaller amount of memory x with y: "(13.2 MiB
// against 13.3 MiB)", or "(by 48.0 KiB)" when both print the same.
func lessBytes(x, y int64) string {
	if report.Bytes(x) == report.Bytes(y) {
		return "(by " + report.Bytes(y-x) + ")"
	}
	return fmt.Sprintf("(%s against %s)", report.Bytes(x), report.Bytes(y))
}

// sizeReason: a last word, always available.
func (a *Advice) sizeReason(rec *Candidate) string {
	return fmt.Sprintf("%s of %d candidates meet every bound", numfmt.Count(a.kept(), "candidate", "candidates"), len(a.Candidates))
}

func (a *Advice) kept() int {
	n := 0
	for _, c := range a.Candidates {
		if c.Rejected == "" {
			n++
		}
	}
	return n
}

// noneReasons explains why nothing can be recommended.
func (a *Advice) noneReasons() []string {
	if len(a.Candidates) == 0 {
		return []string{"the runtime runs none of the candidates"}
	}
	best := a.bestOf(famSync, famThreads, famAsyncio, famAsyncioOffload, famProcesses, famProcThreads, famProcAsyncio)
	why := a.outcome(best) // "is overloaded (serves … of … offered)"
	if !best.Overloaded {
		why = "is ruled out (" + best.Rejected + ")"
	}
	return []string{fmt.Sprintf("all %d candidates are overloaded or break the bounds; the closest, %s, %s",
		len(a.Candidates), best.Label, why)}
}

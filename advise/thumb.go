package advise

import (
	"fmt"
	"slices"

	"github.com/conclab/conclab/internal/numfmt"
	"github.com/conclab/conclab/report"
)

// Thresholds of the tutorial's rule of thumb as advise reads it.
const (
	// cpuBound: a task is CPU-bound when CPU work (Python code or C code)
	// is at least half of it.
	cpuBound = 0.5
	// highTraffic: an open workload is high traffic from this many
	// requests in flight at once (Little's law).
	highTraffic = 100
)

// tutorialRule is the line of the tutorial's rule of thumb that applies to a
// workload, and the families it points to.
type tutorialRule struct {
	text string
	want []family
	name string // what it recommends, in a few words
}

// The tutorial's rule of thumb has a line for servers and a line for batch
// jobs; advise reads the one that fits the workload's shape.
const (
	// serverRule: "Writing Flask → use sync + threads, writing FastAPI →
	// async endpoints".
	serverRule = "Flask → sync + threads, FastAPI → async endpoints"
	// batchRule: the tutorial's summary for I/O-bound work, "threads ✅ GIL
	// released during I/O, asyncio ✅ cooperative waiting".
	batchRule = "I/O-bound work → threads or asyncio"
)

// tutorialRuleFor reads the tutorial's rule of thumb for the workload's profile
// and shape: "CPU → multiprocessing" when CPU work is most of a task (the
// tutorial does not ask whether it holds the GIL); "blocking libraries →
// threads" when a task blocks; for a server (arrivals), "high traffic →
// asyncio" from 100 requests in flight, else "Flask → sync + threads,
// FastAPI → async endpoints"; for a batch job, "I/O-bound work → threads
// or asyncio".
func (a *Advice) tutorialRuleFor() tutorialRule {
	p := a.Profile
	ioFamilies := []family{famThreads, famAsyncio, famAsyncioOffload, famProcThreads, famProcAsyncio}
	switch {
	case p.CPUShare() >= cpuBound:
		return tutorialRule{"CPU → multiprocessing", []family{famProcesses, famProcThreads, famProcAsyncio}, "processes"}
	case p.Blocking > 0:
		return tutorialRule{"blocking libraries → threads", []family{famThreads, famProcThreads, famAsyncioOffload}, "threads"}
	case a.open() && p.InFlight() >= highTraffic:
		return tutorialRule{"high traffic → asyncio", []family{famAsyncio, famAsyncioOffload, famProcAsyncio}, "asyncio"}
	case a.open():
		return tutorialRule{serverRule, ioFamilies, "threads or asyncio"}
	}
	return tutorialRule{batchRule, ioFamilies, "threads or asyncio"}
}

// ruleOfThumb compares the recommendation with what the seed's rule of
// thumb says for this workload: where it agrees, what the simulation adds
// (the size); where it does not, what the numbers show instead.
func (a *Advice) ruleOfThumb() string {
	rec := a.Recommendation()
	rule := a.tutorialRuleFor()
	if rec == nil {
		return fmt.Sprintf("The tutorial's rule of thumb says %q, but no candidate meets the bounds here.", rule.text)
	}
	p := a.Profile
	if slices.Contains(rule.want, familyOf(rec)) {
		s := fmt.Sprintf("The tutorial's rule of thumb (%q) agrees with %s; the simulation adds the size: %s", rule.text, rec.Label, a.sizing(rec))
		// Where a part of the rule fails on its own, say so: a server's
		// plain sync that cannot keep up; a batch's that takes longer.
		sync := a.bestOf(famSync)
		switch {
		case rule.name != "threads or asyncio" || sync == nil:
		case sync.Rejected != "":
			s += fmt.Sprintf(", and plain sync %s", a.outcome(sync))
		case !a.open() && a.worse(sync, rec):
			s += fmt.Sprintf(", and plain sync %s", a.outcome(sync))
		}
		return s + "."
	}
	alt := a.bestOf(rule.want...)
	if alt == nil {
		return fmt.Sprintf("The tutorial's rule of thumb says %q, but runtime %s runs no such model; the numbers pick %s.", rule.text, a.Runtime, rec.Label)
	}
	why := a.outcome(alt)
	if alt.Rejected != "" && !alt.Overloaded {
		why = "is ruled out (" + alt.Rejected + ")"
	} else if alt.Rejected == "" {
		why += fmt.Sprintf(" with %s resident", humanBytes(alt.Result.PeakMemoryBytes))
	}
	s := fmt.Sprintf("The tutorial's rule of thumb says %q, but the numbers overrule it: its best %s candidate, %s, %s, while %s %s with %s resident",
		rule.text, rule.name, alt.Label, why, rec.Label, a.outcome(rec), humanBytes(rec.Result.PeakMemoryBytes))
	if rule.name == "processes" && !rec.Model.UsesProcesses() && a.open() {
		s += fmt.Sprintf(" (at %s the CPU work needs only %.1f cores)", perSecond(p.Rate), p.CoresNeeded())
	}
	return s + "."
}

// sizing says how big the recommendation is and why that size.
func (a *Advice) sizing(rec *Candidate) string {
	p := a.Profile
	d := rec.Model
	switch familyOf(rec) {
	case famThreads:
		if a.open() {
			return fmt.Sprintf("%s for about %.0f requests in flight", numfmt.Count(d.Threads, "thread", "threads"), p.InFlight())
		}
		return numfmt.Count(d.Threads, "thread", "threads")
	case famProcesses:
		if a.open() {
			return fmt.Sprintf("%d processes for %.1f cores of CPU work", d.Procs, p.CoresNeeded())
		}
		return fmt.Sprintf("%d processes on %d cores", d.Procs, a.Cores)
	case famProcThreads:
		return fmt.Sprintf("%d processes of %d threads", d.Procs, d.Inner.Threads)
	case famProcAsyncio:
		return fmt.Sprintf("%d processes with an event loop each", d.Procs)
	case famAsyncio, famAsyncioOffload:
		return fmt.Sprintf("one event loop holds up to %s %ss at once", numfmt.Thousands(rec.Result.PeakTasks), a.unit())
	}
	return "one thread"
}

func humanBytes(n int64) string { return report.Bytes(n) }

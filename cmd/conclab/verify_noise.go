package main

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/conclab/conclab/report"
	"github.com/conclab/conclab/runtime"
	"github.com/conclab/conclab/truth"

	"github.com/conclab/conclab/internal/machine"
	"github.com/conclab/conclab/internal/numfmt"
	"github.com/conclab/conclab/internal/python"
)

// noise is what verify knew of the machine during its runs.
type noise struct {
	known    bool // this system says how busy it is
	limits   machine.Limits
	speed    float64 // how far off its measured speed work may run
	workRate float64 // the programs' work loop, iterations per CPU second (0: no work)
	rateLoad truth.Load
	gil      *python.Interpreter // the build with the GIL the rate is of, for a free-threaded one
	starts   *truth.StartCosts   // worker start-ups measured here and predicted with; nil: none
}

func noiseOf(rep *truth.Report) noise {
	return noise{known: rep.LoadKnown, limits: rep.Limits, speed: rep.Speed, workRate: rep.WorkRate, rateLoad: rep.WorkRateLoad, gil: rep.GILPython,
		starts: rep.Starts}
}

// startsText says which worker start-ups were measured on this machine
// and predicted with, against the profile's own: "worker start-ups
// measured on this machine (in 0.5 s) and predicted with: process_fork
// 17.0 ms (the profile's 8.00 ms), …"; "" when none were.
func startsText(sc *truth.StartCosts) string {
	if sc == nil {
		return ""
	}
	return fmt.Sprintf("%s measured on this machine (in %s) and predicted with: %s (--profile-worker-costs keeps the profile's)",
		sc.What(), report.Seconds(int64(sc.Took)), sc.Figures())
}

// startsJSON is the JSON of the worker start-ups measured: each constant's
// key, with the figure measured and the profile's, in seconds.
func startsJSON(sc *truth.StartCosts) map[string]startDoc {
	if sc == nil {
		return nil
	}
	out := map[string]startDoc{}
	for _, c := range runtime.Constants() {
		if m, ok := sc.Measured[c.Field]; ok {
			out[c.Key] = startDoc{MeasuredS: float64(m) / 1e9, ProfileS: float64(sc.Profile[c.Field]) / 1e9}
		}
	}
	return out
}

type startDoc struct {
	MeasuredS float64 `json:"measured_s"`
	ProfileS  float64 `json:"profile_s"`
}

// busyHelp says, for --help, what verify calls a busy machine and what
// it does then.
var busyHelp = fmt.Sprintf(`Wall time is what verify measures, so other processes using the cores
stretch it. On Linux verify reads /proc/stat before and during every run:
a run is busy when other processes used more than %s of a core on
average during it, or the hypervisor took more than %s of one (steal).
Anywhere, a run is busy too when its work steps took %s more (or less)
CPU time than their durations: the CPU ran the same Python code slower
than when its rate was measured, which no process here explains (another
tenant of the host, a hyperthread sibling).
A busy run beyond the tolerance (with --suite, beyond --suite-median) is
made again, up to %d more runs per model (each after waiting up to 2 s for
a quiet moment), and the medians are taken over the quietest runs. The table shows the median and the range (min–max) of those runs; a
note under it says which runs were busy and how busy. A model off by more
than the tolerance after a busy run counted is "inconclusive (machine
busy)", not a miss: verify still exits with 1, and says so. Elsewhere the
load is unknown, and verify says that too.`,
	machine.Cores(machine.DefaultLimits.Others), machine.Cores(machine.DefaultLimits.Steal),
	numfmt.ShortPercent(truth.DefaultSpeed), truth.DefaultRetries)

// spreadText is the range of the runs counted: "1.998–2.310 s", or
// "998 ms–1.310 s" across units.
func spreadText(s truth.Spread) string {
	lo, hi := report.Seconds(s.Min), report.Seconds(s.Max)
	if lo == hi {
		return lo
	}
	loNum, loUnit, ok1 := strings.Cut(lo, " ")
	_, hiUnit, ok2 := strings.Cut(hi, " ")
	if ok1 && ok2 && loUnit == hiUnit {
		return loNum + "–" + hi
	}
	return lo + "–" + hi
}

// verdictText is the verdict's words in the table.
func verdictText(v truth.Verdict, tol float64) string {
	switch v {
	case truth.Beyond:
		return "beyond ±" + numfmt.ShortPercent(tol)
	case truth.Inconclusive:
		return "inconclusive (machine busy)"
	}
	return "ok"
}

// runList names runs (0-based indexes) as a reader counts them: "run 2",
// "runs 2 and 4", "runs 1, 3 and 5".
func runList(runs []int) string {
	names := make([]string, len(runs))
	for i, r := range runs {
		names[i] = strconv.Itoa(r + 1)
	}
	switch len(names) {
	case 0:
		return "no run"
	case 1:
		return "run " + names[0]
	}
	return "runs " + andList(names)
}

// andList joins "a", "b" and "c" as "a, b and c".
func andList(s []string) string {
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}

// noiseText says how busy the machine was during the runs: one line for
// the models whose runs were all quiet, one for each model with a busy
// run.
func noiseText(w io.Writer, n noise, checks []checked, tol float64, width int) {
	var quiet, lines []string
	most, cpus := 0.0, 0
	for _, c := range checks {
		var busy, used []int
		usedBusy := 0
		for i, r := range c.runs {
			if r.Load.Busy {
				busy = append(busy, i)
			}
			if r.Used {
				used = append(used, i)
				if r.Load.Busy {
					usedBusy++
				}
			}
		}
		if len(busy) == 0 {
			quiet = append(quiet, c.model.String())
			for _, r := range c.runs {
				most, cpus = max(most, r.Load.During.Others), r.Load.During.CPUs
			}
			continue
		}
		var parts []string
		crowded := 0 // runs so far that named the cores
		for _, i := range busy {
			l := c.runs[i].Load
			var part string
			switch {
			case l.Crowded && crowded == 0:
				part = l.Why() // the first says it in full
			case l.Crowded:
				part = machine.Cores(l.During.Others)
				if l.During.Steal >= 0.005 {
					part += " (steal " + machine.Cores(l.During.Steal) + ")"
				}
				if l.SlowWork {
					part += fmt.Sprintf(", work at %.2f× its speed,", l.WorkSpeed)
				}
			default:
				part = l.Why()
			}
			if l.Crowded {
				crowded++
			}
			part += fmt.Sprintf(" during run %d", i+1)
			if l := c.runs[i].Load; l.Waited > 0 {
				vain := ""
				if l.Before.Busy(n.limits) {
					vain = " in vain"
				}
				part += fmt.Sprintf(" (after waiting %s%s for a quiet moment)", report.Seconds(int64(l.Waited)), vain)
			}
			parts = append(parts, part)
		}
		line := c.model.String() + ": " + andList(parts)
		if extra := len(c.runs) - len(used); extra > 0 {
			line += "; " + numfmt.Count(extra, "run", "runs") + " made again"
		}
		line += "; the median is of " + runList(used)
		switch {
		case usedBusy == 0:
			line += ", all quiet."
			lines = append(lines, line)
			continue
		case usedBusy == len(used):
			line += ", all busy"
		default:
			line += fmt.Sprintf(", %d of them busy", usedBusy)
		}
		if c.verdict == truth.Inconclusive {
			line += ": inconclusive, not a miss of the model; run verify again when the machine is quieter."
		} else {
			line += fmt.Sprintf(": within ±%s even so.", numfmt.ShortPercent(tol))
		}
		lines = append(lines, line)
	}
	limits := fmt.Sprintf("busy: other processes used more than %s of a core, steal above %s, or work off its measured speed by more than %s",
		machine.Cores(n.limits.Others), machine.Cores(n.limits.Steal), numfmt.ShortPercent(n.speed))
	switch {
	case !n.known:
		writeWrapped(w, fmt.Sprintf("machine: how busy it was is unknown (this system has no /proc/stat), so a run slowed by other processes cannot be told from a miss of the model, unless its work ran off its measured speed by more than %s.",
			numfmt.ShortPercent(n.speed)), width)
	case len(quiet) > 0:
		used := fmt.Sprintf("at most %s of %d cores", machine.Cores(most), cpus)
		if machine.Cores(most) == "0" {
			used = fmt.Sprintf("none of the %d cores", cpus)
		}
		writeWrapped(w, fmt.Sprintf("machine: quiet during every run of %s: other processes used %s (%s).", andList(quiet), used, limits), width)
	default:
		writeWrapped(w, fmt.Sprintf("machine: busy during a run of every model (%s):", limits), width)
	}
	for _, l := range lines {
		writeWrapped(w, l, width)
	}
}

// busiest is the busiest counted run of c in words, for the error
// message: "other processes used 0.9 of 2 cores during run 2".
func busiest(c checked) string {
	best := -1
	load := func(l truth.Load) float64 {
		v := l.During.Others + l.During.Steal
		if l.SlowWork {
			v += math.Abs(1/l.WorkSpeed - 1)
		}
		return v
	}
	for i, r := range c.runs {
		if r.Used && r.Load.Busy && (best < 0 || load(r.Load) > load(c.runs[best].Load)) {
			best = i
		}
	}
	if best < 0 {
		return ""
	}
	return fmt.Sprintf("%s during run %d", c.runs[best].Load.Why(), best+1)
}

// workRateText says what `work` ran, for the text's heading.
func workRateText(rate float64, l truth.Load, gil *python.Interpreter) string {
	if rate <= 0 {
		return ""
	}
	s := fmt.Sprintf("; work: %s million iterations of its Python loop per CPU second, measured once", numfmt.Sig3(rate/1e6))
	if gil != nil {
		s = fmt.Sprintf("; work: %s million iterations of its Python loop per second of work, the speed of %s, measured once; the free-threaded build takes longer over them",
			numfmt.Sig3(rate/1e6), gil)
	}
	if l.Busy {
		s += fmt.Sprintf(" while %s (so it may be low, and work short)", l.During)
	}
	return s
}

// The JSON of verify's runs and spread.
type (
	spreadDoc struct {
		MinS     float64 `json:"makespan_min_s"`
		MaxS     float64 `json:"makespan_max_s"`
		ErrorMin float64 `json:"error_min"`
		ErrorMax float64 `json:"error_max"`
	}
	loadDoc struct {
		Others       float64 `json:"others_cores"` // other processes, during the run
		Ours         float64 `json:"ours_cores"`   // the program
		Steal        float64 `json:"steal_cores"`
		IOWait       float64 `json:"iowait_cores"`
		CPUs         int     `json:"cpus"`
		Load1        float64 `json:"load1"`
		BeforeOthers float64 `json:"before_others_cores"`
		BeforeSteal  float64 `json:"before_steal_cores"`
		WaitedS      float64 `json:"waited_s"`
	}
	runDoc struct {
		MakespanS float64  `json:"makespan_s"`
		Error     float64  `json:"error"`
		Used      bool     `json:"used"`
		Busy      bool     `json:"busy"`
		Load      *loadDoc `json:"load"` // null: unknown
		// WorkSpeed is the work's duration over its CPU time (0: not
		// measured); SlowWork, whether it is off by more than the limit.
		WorkSpeed float64 `json:"work_speed"`
		SlowWork  bool    `json:"slow_work"`
		// CompilerCPUS is the CPU the JVM's JIT compilers took during the
		// run (Java on Linux; absent elsewhere).
		CompilerCPUS *float64 `json:"compiler_cpu_s,omitempty"`
	}
	limitsDoc struct {
		Others float64 `json:"others_cores"`
		Steal  float64 `json:"steal_cores"`
		Speed  float64 `json:"work_speed"` // work off its measured speed by more than this fraction
	}
)

func spreadJSON(s truth.Spread) spreadDoc {
	return spreadDoc{sec(s.Min), sec(s.Max), s.MinErr, s.MaxErr}
}

func runsJSON(runs []truth.Run) []runDoc {
	docs := make([]runDoc, len(runs))
	for i, r := range runs {
		docs[i] = runDoc{MakespanS: sec(r.Makespan), Error: r.Error, Used: r.Used, Busy: r.Load.Busy,
			WorkSpeed: r.Load.WorkSpeed, SlowWork: r.Load.SlowWork}
		if r.CompilerKnown {
			v := sec(r.CompilerCPU)
			docs[i].CompilerCPUS = &v
		}
		if l := r.Load; l.Known {
			docs[i].Load = &loadDoc{Others: l.During.Others, Ours: l.During.Ours, Steal: l.During.Steal, IOWait: l.During.IOWait,
				CPUs: l.During.CPUs, Load1: l.During.Load1, BeforeOthers: l.Before.Others, BeforeSteal: l.Before.Steal,
				WaitedS: l.Waited.Seconds()}
		}
	}
	return docs
}

// compilerText says how much CPU the JVM's JIT compilers took during each
// model's runs (the median of the runs counted), which the java profile
// does not model; nothing when no run measured it.
func compilerText(w io.Writer, checks []checked, width int) {
	var parts []string
	for _, c := range checks {
		if cpu, ok := truth.CompilerMedian(c.runs); ok {
			parts = append(parts, fmt.Sprintf("%s %s", c.model, report.Seconds(cpu)))
		}
	}
	if len(parts) > 0 {
		writeWrapped(w, "JIT: the JVM's compiler threads took this much CPU during the runs (the median), "+
			"on the cores the tasks use; the java profile does not model it yet: "+strings.Join(parts, ", ")+".", width)
	}
}

// againText is the progress line's note on a run made again.
func againText(p truth.Progress) string {
	if p.Again == "" {
		return ""
	}
	return fmt.Sprintf(" (again: %s)", p.Again)
}

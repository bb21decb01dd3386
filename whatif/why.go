package whatif

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/conclab/conclab/internal/numfmt"
	"github.com/conclab/conclab/report"
	"github.com/conclab/conclab/sim"
	"github.com/conclab/conclab/workload"
)

// nothingBelow is the change of the ranked metric under which a change
// buys nothing: 1 %.
const nothingBelow = 0.01

// Idle is a step that buys nothing, however much faster it gets: its
// largest speed-up cut the ranked metric by less than 1 %, and Why says
// what holds the run back instead.
type Idle struct {
	Step, What string
	Source     string  // where in the program, when the workload says it
	Best       float64 // the change of the ranked metric its largest speed-up made
	Why        string
	path       []int
}

// Said is what the step is and, when the workload says it, where.
func (x Idle) Said() string { return said(x.What, x.Source) }

// bound is what the baseline run's figures say holds it back.
type bound struct {
	makespan int64
	cores    int
	cpu      float64 // the cores' mean utilisation
	res      *sim.ResourceStats
}

func boundOf(r *sim.Result, cores int) bound {
	b := bound{makespan: r.Makespan, cores: cores, cpu: r.CPUUtilization}
	for i := range r.Resources {
		rs := &r.Resources[i]
		if b.res == nil || rs.Utilization > b.res.Utilization {
			b.res = rs
		}
	}
	return b
}

// Idle lists the steps whose every speed-up bought nothing (under 1 % of
// the ranked metric), in the workload's order, each with why.
func (r *Report) Idle() []Idle {
	type best struct {
		i      int // its first effect
		amount float64
		change float64
	}
	byStep := map[string]*best{}
	var order []string
	for i := range r.Effects {
		e := &r.Effects[i]
		if e.Kind != Speedup || e.Deadlock {
			continue
		}
		b := byStep[e.Step]
		if b == nil {
			b = &best{i: i, change: math.Inf(1)}
			byStep[e.Step] = b
			order = append(order, e.Step)
		}
		if e.Amount > b.amount {
			b.amount, b.change, b.i = e.Amount, r.Ranked(e), i
		}
	}
	var out []Idle
	for _, step := range order {
		b := byStep[step]
		if b.change <= -nothingBelow {
			continue
		}
		e := &r.Effects[b.i]
		out = append(out, Idle{Step: e.Step, What: e.What, Source: e.Source, Best: b.change, Why: r.why(e), path: e.path})
	}
	// The workload's order: a step's name sorts as its place does.
	slices.SortStableFunc(out, func(a, b Idle) int { return cmpPath(a.path, b.path) })
	return out
}

func cmpPath(a, b []int) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return a[i] - b[i]
		}
	}
	return len(a) - len(b)
}

// why says why speeding e's step up bought nothing: where it sits (a
// gather's branch that others outlast, a rarely drawn alternative), what
// it is (a wait others overlap), and what the run's figures say holds it
// back (a resource held most of the run, busy cores).
func (r *Report) why(e *Effect) string {
	var parts []string
	gather, share := placeOf(r.Workload, e.path)
	switch {
	case gather:
		parts = append(parts, "it runs in a gather's branch, and the gather waits for its slowest branch")
	case share < 1:
		parts = append(parts, fmt.Sprintf("it is in a choose's alternative drawn for %s of the tasks", numfmt.WholePercent(share)))
	}
	kind := "work"
	if strings.HasPrefix(e.What, "wait") {
		kind = "wait"
	}
	b := r.bound
	switch {
	case b.res != nil && b.res.Utilization >= 0.8:
		held := int64(b.res.Utilization * float64(b.res.Capacity*max(1, b.res.Instances)) * float64(b.makespan))
		if b.res.Capacity == 1 && b.res.Instances <= 1 {
			parts = append(parts, fmt.Sprintf("%s serialises the run: it is held %s of the %s", b.res.Name,
				report.Seconds(held), report.Seconds(b.makespan)))
		} else {
			parts = append(parts, fmt.Sprintf("%s's units are held %s of the run, and the tasks queue for them", b.res.Name,
				numfmt.WholePercent(b.res.Utilization)))
		}
		if kind == "wait" && !gather {
			parts = append(parts, "the wait overlaps the queue")
		}
	case b.cpu >= 0.9:
		parts = append(parts, fmt.Sprintf("the %s are busy %s of the run", numfmt.Count(b.cores, "core", "cores"), numfmt.WholePercent(b.cpu)))
		if kind == "wait" {
			parts = append(parts, "the wait overlaps other tasks' work")
		}
	case kind == "wait" && !gather:
		parts = append(parts, "the wait overlaps other tasks' work and waits")
	case !gather && share == 1:
		parts = append(parts, r.pace(e))
	}
	return strings.Join(parts, "; ")
}

// pace names what sets the ranked metric instead of e's step: the change
// that cuts it most.
func (r *Report) pace(e *Effect) string {
	metric := "the makespan"
	if r.Open() {
		metric = "p99"
	}
	for i := range r.Effects {
		top := &r.Effects[i]
		if top.Deadlock || r.Ranked(top) > -nothingBelow {
			break
		}
		if top.Step == e.Step && top.Kind != Capacity {
			continue
		}
		what := top.Step + " (" + top.What + ")"
		if top.Kind == Capacity {
			what = top.Resource
		}
		return fmt.Sprintf("other steps set the pace: %s, %s, cuts %s %s", what, top.Label(), metric,
			numfmt.WholePercent(-r.Ranked(top)))
	}
	return "other steps set the pace"
}

// placeOf says whether the step at path sits in a gather's branch, and
// the share of tasks that run it (the product of the weights of the choose
// alternatives on the way down).
func placeOf(wl *workload.Workload, path []int) (gather bool, share float64) {
	share = 1
	if len(path) == 0 || path[0] >= len(wl.Groups) {
		return false, share
	}
	steps := wl.Groups[path[0]].Steps
	rest := path[1:]
	for len(rest) > 1 {
		s := &steps[rest[0]]
		switch s.Kind {
		case workload.Gather:
			gather = gather || len(s.Branches) > 1 || s.Branches[rest[1]].Count > 1
			steps, rest = s.Branches[rest[1]].Steps, rest[2:]
		case workload.Choose:
			var sum float64
			for _, a := range s.Alternatives {
				sum += a.Weight
			}
			if sum > 0 {
				share *= s.Alternatives[rest[1]].Weight / sum
			}
			steps, rest = s.Alternatives[rest[1]].Steps, rest[2:]
		default:
			steps, rest = s.Steps, rest[1:]
		}
	}
	return gather, share
}

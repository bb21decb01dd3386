package workload

import "math"

// Steps estimates how many steps one simulation of the workload executes,
// repeats unrolled: the simulation's work grows with it, whatever the
// model. A closed workload runs each group's copies once; an open one runs
// its arrivals count, or rate × window arrivals, each the weighted mean of
// the groups' steps (arrivals pick a group by weight). The sum saturates at
// math.MaxInt64 instead of overflowing.
func (w *Workload) Steps() int64 {
	if w.Arrivals != nil {
		per := w.perArrival(func(g *Group) float64 { return float64(stepsOf(g.Steps)) })
		if math.IsNaN(per) {
			return 0
		}
		n := math.Ceil(w.ExpectedArrivals() * per)
		if n >= math.MaxInt64 || math.IsInf(n, 0) {
			return math.MaxInt64
		}
		return int64(n)
	}
	var n int64
	for i := range w.Groups {
		g := &w.Groups[i]
		n = addSat(n, mulSat(int64(g.Count), stepsOf(g.Steps)))
	}
	return n
}

// stepsOf counts steps, each repeat's steps times its count. A use is two
// steps more than its own (taking and giving back its resource), each copy
// of a gather's branch two more than its own (its creation and its end),
// and a choose its alternatives' mean, weighted as they are drawn.
func stepsOf(steps []Step) int64 {
	var n int64
	for i := range steps {
		switch s := &steps[i]; s.Kind {
		case Repeat:
			n = addSat(n, mulSat(int64(s.Count), stepsOf(s.Steps)))
		case Use:
			n = addSat(n, addSat(2, stepsOf(s.Steps)))
		case Gather:
			n = addSat(n, 1)
			for j := range s.Branches {
				b := &s.Branches[j]
				n = addSat(n, mulSat(int64(b.Count), addSat(2, stepsOf(b.Steps))))
			}
		case Choose:
			mean := meanOf(s.Alternatives, func(steps []Step) float64 { return float64(stepsOf(steps)) })
			if mean >= math.MaxInt64 {
				return math.MaxInt64
			}
			n = addSat(n, int64(math.Ceil(mean)))
		default:
			n = addSat(n, 1)
		}
	}
	return n
}

// meanOf is the mean of f over the alternatives' steps, weighted as a
// choose draws them.
func meanOf(alts []Alternative, f func([]Step) float64) float64 {
	var sum, weights float64
	for i := range alts {
		sum += alts[i].Weight * f(alts[i].Steps)
		weights += alts[i].Weight
	}
	if !(weights > 0) {
		return 0
	}
	return sum / weights
}

// addSat is a + b for non-negative a and b, at most math.MaxInt64.
func addSat(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

// mulSat is a × b for non-negative a and b, at most math.MaxInt64.
func mulSat(a, b int64) int64 {
	if a != 0 && b > math.MaxInt64/a {
		return math.MaxInt64
	}
	return a * b
}

// PythonWork estimates the CPU time, in nanoseconds, that one simulation's
// tasks spend in Python code holding the GIL (work steps without gil:
// released), from each duration's mean, repeats and gathers unrolled, a
// choose at its alternatives' weighted mean, and arrivals counted as Steps
// counts them.
func (w *Workload) PythonWork() float64 {
	var walk func(steps []Step) float64
	walk = func(steps []Step) float64 {
		n := 0.0
		for i := range steps {
			switch s := &steps[i]; s.Kind {
			case Repeat:
				n += float64(s.Count) * walk(s.Steps)
			case Use:
				n += walk(s.Steps)
			case Gather:
				for j := range s.Branches {
					n += float64(s.Branches[j].Count) * walk(s.Branches[j].Steps)
				}
			case Choose:
				n += meanOf(s.Alternatives, walk)
			case Work:
				if !s.GILReleased {
					n += float64(s.Dur.Mean())
				}
			}
		}
		return n
	}
	if w.Arrivals != nil {
		return w.ExpectedArrivals() * w.perArrival(func(g *Group) float64 { return walk(g.Steps) })
	}
	n := 0.0
	for i := range w.Groups {
		n += float64(w.Groups[i].Count) * walk(w.Groups[i].Steps)
	}
	return n
}

// ExpectedArrivals is how many tasks an open workload's arrivals give: its
// count, or rate × window whole arrivals.
func (w *Workload) ExpectedArrivals() float64 {
	a := w.Arrivals
	if a.Count > 0 {
		return float64(a.Count)
	}
	return math.Trunc(min(a.Rate*float64(a.For)/1e9, MaxTasks))
}

// perArrival is the mean of f over the groups an arrival is built from,
// weighted as arrivals pick them; 0 when no group has weight.
func (w *Workload) perArrival(f func(*Group) float64) float64 {
	var sum, weights float64
	for i := range w.Groups {
		g := &w.Groups[i]
		sum += g.Weight * f(g)
		weights += g.Weight
	}
	if weights <= 0 {
		return 0
	}
	return sum / weights
}

// Shapes names the constructs of SPEC §1.1 the workload uses, in a fixed
// order: "resources", "gather", "choose", "input/output"; none for a
// workload of plain steps. Consumers that do not follow them yet (export)
// refuse the workload with these names rather than drop them.
func (w *Workload) Shapes() []string {
	var gather, choose, data bool
	var walk func(steps []Step)
	walk = func(steps []Step) {
		for i := range steps {
			s := &steps[i]
			switch s.Kind {
			case Gather:
				gather = true
				for _, b := range s.Branches {
					walk(b.Steps)
				}
			case Choose:
				choose = true
				for _, a := range s.Alternatives {
					walk(a.Steps)
				}
			default:
				data = data || s.Input > 0 || s.Output > 0
				walk(s.Steps)
			}
		}
	}
	for i := range w.Groups {
		g := &w.Groups[i]
		data = data || g.Input > 0 || g.Output > 0
		walk(g.Steps)
	}
	var out []string
	for _, c := range []struct {
		on   bool
		name string
	}{{len(w.Resources) > 0, "resources"}, {gather, "gather"}, {choose, "choose"}, {data, "input/output"}} {
		if c.on {
			out = append(out, c.name)
		}
	}
	return out
}

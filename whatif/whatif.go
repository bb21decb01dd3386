// Package whatif is causal profiling for concurrency models: for every
// step of a workload it simulates the workload with that step made faster
// (and moved elsewhere: offloaded, run as C code that releases the GIL) and
// each resource with more or fewer units, and ranks the changes by what
// they buy. Where a profiler says where time goes, this says where making
// it go faster pays: a step that other tasks already overlap buys nothing,
// one that holds the GIL or a lock that everything queues for buys the
// most (after Coz, Curtsinger and Berger, SOSP 2015, with the exact
// virtual speed-ups a simulation allows).
package whatif

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/plan"
	"github.com/conclab/conclab/sim"
	"github.com/conclab/conclab/workload"
)

// DefaultSpeedups are the speed-ups tried on every step: the share of its
// duration taken off (1 removes it).
var DefaultSpeedups = []float64{0.10, 0.25, 0.50, 1}

// ParseSpeedups reads a list of speed-ups as `conclab whatif --speedup`
// takes it: percentages above 0 and at most 100, separated by commas,
// such as "10%,25%,50%,100%". An error starts with what it quotes, for
// the caller to say where it comes from.
func ParseSpeedups(s string) ([]float64, error) {
	var out []float64
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		v, err := strconv.ParseFloat(strings.TrimSuffix(f, "%"), 64)
		if err != nil || !strings.HasSuffix(f, "%") {
			return nil, fmt.Errorf("%q: want percentages, e.g. 10%%,25%%,50%%,100%%", s)
		}
		if !(v > 0 && v <= 100) {
			return nil, fmt.Errorf("%s: want more than 0%% and at most 100%% (100%% removes the step)", f)
		}
		out = append(out, v/100)
	}
	return out, nil
}

// Kind is what a change does.
type Kind uint8

const (
	Speedup        Kind = iota // the step takes Amount less of its duration
	OffloadThread              // a work step on an event loop goes to its executor (asyncio.to_thread)
	OffloadProcess             // a work step on an event loop goes to a process pool
	ReleaseGIL                 // a work step is C code that releases the GIL
	Capacity                   // a resource gets Units units instead of its own
)

// Change is one what-if: a step changed, or a resource's capacity.
type Change struct {
	Kind Kind
	// Step names the step changed: its group, then the 1-based index of
	// each step on the way down (a use's, a repeat's steps; a gather's
	// branch, then the step in it; a choose's alternative, then the step
	// in it), as "view/2/1". Empty for a resource's change.
	Step string
	// What the step is, as the workload says it: "work 3ms", "wait exp(20ms)".
	What string
	// Source is where in the program the step is, as its source: key says
	// it ("app.py:42(parse)" from conclab record); empty when not said.
	Source   string
	Amount   float64 // Speedup: the share taken off
	Resource string  // Capacity: the resource
	Units    int     // Capacity: its units
	path     []int   // the step's place: group, then indexes from 0
}

// Said is what the step is and, when the workload says it, where:
// "work 15ms at app.py:42(parse)".
func (c Change) Said() string { return said(c.What, c.Source) }

func said(what, source string) string {
	switch {
	case source == "":
		return what
	case strings.HasPrefix(source, "after "):
		return what + " " + source // record's CPU after a task's last call
	}
	return what + " at " + source
}

// Label says the change in a few words: "speedup 50%", "offload: thread",
// "gil: released", "db: 15 units (+50%)".
func (c Change) Label() string {
	switch c.Kind {
	case OffloadThread:
		return "offload: thread"
	case OffloadProcess:
		return "offload: process"
	case ReleaseGIL:
		return "gil: released"
	case Capacity:
		return fmt.Sprintf("%s: %d units", c.Resource, c.Units)
	}
	return "speedup " + strconv.FormatFloat(100*c.Amount, 'f', -1, 64) + "%"
}

// Metrics are what a change is judged by.
type Metrics struct {
	Makespan int64
	P50, P99 int64
	Served   float64 // requests (tasks) per second
	Deadlock bool
}

func metricsOf(r *sim.Result) Metrics {
	return Metrics{Makespan: r.Makespan, P50: r.Latency.P50, P99: r.Latency.P99, Served: r.Throughput, Deadlock: r.Deadlock != nil}
}

// Effect is a change and what it did, relative to the baseline: -0.3 is
// 30 % less.
type Effect struct {
	Change
	Metrics
	MakespanChange, P50Change, P99Change, ServedChange float64
}

// Report is a workload's causal profile under one model.
type Report struct {
	Workload *workload.Workload
	Model    model.Deployment
	Baseline Metrics
	// Effects are ranked: the largest cut of the ranking metric (p99 for
	// an open workload, the makespan for a batch) first, then by the
	// other, then in the workload's order.
	Effects []Effect
	bound   bound // what the baseline's figures say holds it back (why.go)
}

// Open says whether the workload is a server's (arrivals): it is ranked by
// p99, a batch by its makespan.
func (r *Report) Open() bool { return r.Workload.Arrivals != nil }

// Ranked is e's change of the metric r ranks by (p99 for a server, the
// makespan for a batch), and Other its change of the other: -0.3 is 30 %
// less.
func (r *Report) Ranked(e *Effect) float64 { return ranked(e, r.Open()) }

// Metric names the metric r ranks by: "p99" for a server, "makespan"
// for a batch.
func (r *Report) Metric() string {
	if r.Open() {
		return "p99"
	}
	return "makespan"
}

// Best is the change that cuts the ranked metric most, or nil when none
// cuts it by 1 % or more (or the best deadlocks).
func (r *Report) Best() *Effect {
	if len(r.Effects) == 0 || r.Effects[0].Deadlock || r.Ranked(&r.Effects[0]) > -nothingBelow {
		return nil
	}
	return &r.Effects[0]
}

// Other is e's change of the metric r does not rank by.
func (r *Report) Other(e *Effect) float64 { return ranked(e, !r.Open()) }

func ranked(e *Effect, open bool) float64 {
	if open {
		return e.P99Change
	}
	return e.MakespanChange
}

// Options say what to try.
type Options struct {
	Speedups []float64 // DefaultSpeedups when nil
	Workers  int       // simulations at once; 0: all cores
	Progress func(done, total int)
}

// Run simulates p's workload under d and under every change of Changes,
// in parallel, and ranks the changes by what they buy.
func Run(ctx context.Context, p *plan.Plan, d model.Deployment, o Options) (*Report, error) {
	if o.Speedups == nil {
		o.Speedups = DefaultSpeedups
	}
	for _, s := range o.Speedups {
		if !(s > 0 && s <= 1) {
			return nil, fmt.Errorf("a speed-up of %g%%: want more than 0%% and at most 100%%", 100*s)
		}
	}
	changes := Changes(p.Workload, d, o.Speedups)
	b := plan.Batch{Workers: o.Workers, Progress: o.Progress}
	base := p.Config(d)
	b.Sims = append(b.Sims, base)
	for _, c := range changes {
		cfg := base
		cfg.Workload = Apply(p.Workload, c)
		b.Sims = append(b.Sims, cfg)
	}
	res, err := plan.Run(ctx, b)
	if err != nil {
		return nil, err
	}
	r := &Report{Workload: p.Workload, Model: d, Baseline: metricsOf(res[0]), bound: boundOf(res[0], p.Cores)}
	for i, c := range changes {
		m := metricsOf(res[i+1])
		r.Effects = append(r.Effects, Effect{Change: c, Metrics: m,
			MakespanChange: rel(m.Makespan, r.Baseline.Makespan), P50Change: rel(m.P50, r.Baseline.P50),
			P99Change: rel(m.P99, r.Baseline.P99), ServedChange: relF(m.Served, r.Baseline.Served)})
	}
	slices.SortStableFunc(r.Effects, func(a, b Effect) int {
		// A change that deadlocks buys nothing, whatever its figures.
		if a.Deadlock != b.Deadlock {
			if a.Deadlock {
				return 1
			}
			return -1
		}
		if x, y := r.Ranked(&a), r.Ranked(&b); x != y {
			return cmpF(x, y)
		}
		return cmpF(r.Other(&a), r.Other(&b))
	})
	return r, nil
}

func rel(v, base int64) float64 {
	if base == 0 {
		return 0
	}
	return float64(v-base) / float64(base)
}

func relF(v, base float64) float64 {
	if base == 0 {
		return 0
	}
	return (v - base) / base
}

func cmpF(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Changes lists what Run tries, in the workload's order: every work and
// wait step sped up by each of speedups; every work step that holds the
// GIL as C code that releases it; on an event loop, every work step not
// offloaded yet offloaded to a thread and to a process (C code too: it
// holds the loop's thread as long); every resource with half and half
// again as many units.
func Changes(wl *workload.Workload, d model.Deployment, speedups []float64) []Change {
	var out []Change
	loop := d.UsesAsyncio()
	var walk func(group string, steps []workload.Step, path []int)
	walk = func(group string, steps []workload.Step, path []int) {
		for i := range steps {
			s := &steps[i]
			at := append(slices.Clone(path), i)
			name := stepName(group, at)
			switch s.Kind {
			case workload.Work, workload.Wait:
				what, src := describe(s), s.Source
				for _, v := range speedups {
					out = append(out, Change{Kind: Speedup, Step: name, What: what, Source: src, Amount: v, path: at})
				}
				if s.Kind != workload.Work {
					continue
				}
				if !s.GILReleased && s.Offload == workload.OffloadNone {
					out = append(out, Change{Kind: ReleaseGIL, Step: name, What: what, Source: src, path: at})
				}
				if loop && s.Offload == workload.OffloadNone {
					out = append(out, Change{Kind: OffloadThread, Step: name, What: what, Source: src, path: at},
						Change{Kind: OffloadProcess, Step: name, What: what, Source: src, path: at})
				}
			case workload.Repeat, workload.Use:
				walk(group, s.Steps, at)
			case workload.Gather:
				for b := range s.Branches {
					walk(group, s.Branches[b].Steps, append(slices.Clone(at), b))
				}
			case workload.Choose:
				for a := range s.Alternatives {
					walk(group, s.Alternatives[a].Steps, append(slices.Clone(at), a))
				}
			}
		}
	}
	for g := range wl.Groups {
		walk(wl.Groups[g].Name, wl.Groups[g].Steps, []int{g})
	}
	for _, r := range wl.Resources {
		for _, n := range []int{max(1, r.Capacity/2), r.Capacity + max(1, r.Capacity/2)} {
			if n != r.Capacity {
				out = append(out, Change{Kind: Capacity, Resource: r.Name, Units: n})
			}
		}
	}
	return out
}

// stepName is a step's name: its group's, then its 1-based indexes.
func stepName(group string, path []int) string {
	var b strings.Builder
	b.WriteString(group)
	for _, i := range path[1:] {
		b.WriteString("/")
		b.WriteString(strconv.Itoa(i + 1))
	}
	return b.String()
}

// describe is a work or wait step in the workload's words.
func describe(s *workload.Step) string {
	kind := "work"
	if s.Kind == workload.Wait {
		kind = "wait"
	}
	return kind + " " + s.Dur.String()
}

// Apply returns wl with c made: the steps on the way to the changed one
// are copied, the others shared with wl (which is not changed).
func Apply(wl *workload.Workload, c Change) *workload.Workload {
	out := *wl
	if c.Kind == Capacity {
		out.Resources = slices.Clone(wl.Resources)
		for i := range out.Resources {
			if out.Resources[i].Name == c.Resource {
				out.Resources[i].Capacity = c.Units
			}
		}
		return &out
	}
	out.Groups = slices.Clone(wl.Groups)
	g := &out.Groups[c.path[0]]
	g.Steps = change(g.Steps, c.path[1:], func(s *workload.Step) {
		switch c.Kind {
		case Speedup:
			s.Dur = scale(s.Dur, 1-c.Amount)
		case ReleaseGIL:
			s.GILReleased = true
		case OffloadThread:
			s.Offload = workload.OffloadThread
		case OffloadProcess:
			s.Offload = workload.OffloadProcess
		}
	})
	return &out
}

// change copies steps and, down path, the steps holding the one to
// change, and changes that one with f.
func change(steps []workload.Step, path []int, f func(*workload.Step)) []workload.Step {
	out := slices.Clone(steps)
	s := &out[path[0]]
	rest := path[1:]
	switch {
	case len(rest) == 0:
		f(s)
	case s.Kind == workload.Gather:
		s.Branches = slices.Clone(s.Branches)
		b := &s.Branches[rest[0]]
		b.Steps = change(b.Steps, rest[1:], f)
	case s.Kind == workload.Choose:
		s.Alternatives = slices.Clone(s.Alternatives)
		a := &s.Alternatives[rest[0]]
		a.Steps = change(a.Steps, rest[1:], f)
	default: // repeat, use
		s.Steps = change(s.Steps, rest, f)
	}
	return out
}

// scale makes every duration d draws k times as long: a distribution's
// parameters are all durations (a mean, bounds, a spread), so each scales.
func scale(d workload.Dist, k float64) workload.Dist {
	wide := d.Kind == workload.Uniform && d.A != d.B
	d.A = int64(math.Round(float64(d.A) * k))
	d.B = int64(math.Round(float64(d.B) * k))
	if wide && d.A == d.B {
		// A uniform of one value draws nothing: a nanosecond apart, it
		// still draws, and the task's later draws stay the same.
		d.B++
	}
	return d
}

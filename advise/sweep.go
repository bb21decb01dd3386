package advise

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/runtime"
	"github.com/conclab/conclab/sim"
	"github.com/conclab/conclab/workload"

	"github.com/conclab/conclab/internal/numfmt"
)

// MaxPoints is the most points a range is swept at in full; a longer range
// is swept at the values of Series within it, plus its ends.
const MaxPoints = 16

// SweptRate is Sweep.Swept for a sweep of the arrival rate.
const SweptRate = "rate"

// ErrNoRange is returned by ModelPoints for an expression without a range.
var ErrNoRange = errors.New("no range to sweep")

// Point is one point of a sweep: a deployment of a workload at one value
// of the swept quantity, and, once run, what it measured.
type Point struct {
	Value      float64 // pool size, processes, limit, executor, capacity or arrival rate
	Model      model.Deployment
	Capacity   int // the swept resource's capacity (Sweep.Resource); 0 when none is swept
	Workload   *workload.Workload
	Result     *sim.Result
	Overloaded bool
}

// Sweep is a finished sweep.
type Sweep struct {
	Workload *workload.Workload // the workload as given
	Runtime  string
	Cores    int
	Swept    string // what varies: threads, processes, limit, executor, capacity or rate
	// Resource names the resource whose capacity varies (SweptCapacity,
	// or a grid with a model range: see Grid); "" when none does.
	Resource string
	Points   []Point
	Knee     Knee
}

// Knee is the point of a sweep past which more of the swept quantity stops
// paying (pool sizes), or after which latency breaks down (rates).
type Knee struct {
	Index int    // into Sweep.Points; -1 when no point qualifies
	Rule  string // how it was chosen, in words
	// Beyond is set for a rate sweep in which no rate broke down: the
	// knee lies above the highest rate.
	Beyond bool
	// Note says, when a smaller pool reached the throughput but not the
	// p99, which one and its p99; "" otherwise.
	Note string
}

// Series returns the values 1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, …
// (powers of two and one and a half times them) from lo to hi inclusive.
func Series(lo, hi int) []int {
	var out []int
	for p := 1; p <= hi && p > 0; p *= 2 {
		for _, v := range []int{p, p + p/2} {
			if v >= lo && v <= hi && (len(out) == 0 || out[len(out)-1] < v) {
				out = append(out, v)
			}
		}
	}
	return out
}

// ModelPoints parses a model expression with one range, such as
// "threads(1..64)" or "processes(1..8)*threads(4)", checks each model
// against the runtime (Profile.Check) and
// returns what varies and one point per value. A range of more than
// MaxPoints values is swept at the values of Series within it plus both
// ends: threads(1..64) gives 1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64.
func ModelPoints(wl *workload.Workload, expr string, prof runtime.Profile) (string, []Point, error) {
	ds, err := model.ParseSweep(expr)
	if err != nil {
		return "", nil, err
	}
	if len(ds) < 2 {
		return "", nil, fmt.Errorf("model %q: %w; give one such as threads(1..64) or asyncio(limit=10..1000)", expr, ErrNoRange)
	}
	swept, value := sweptField(ds[0], ds[len(ds)-1])
	if value == nil {
		return "", nil, fmt.Errorf("model %q: %w", expr, ErrNoRange)
	}
	pts := make([]Point, 0, len(ds))
	for _, d := range ds {
		if err := prof.Check(d); err != nil {
			return "", nil, err
		}
		pts = append(pts, Point{Value: float64(value(d)), Model: d, Workload: wl})
	}
	if len(pts) > MaxPoints {
		lo, hi := int(pts[0].Value), int(pts[len(pts)-1].Value)
		keep := map[int]bool{lo: true, hi: true}
		for _, v := range Series(lo, hi) {
			keep[v] = true
		}
		sub := pts[:0:0]
		for _, p := range pts {
			if keep[int(p.Value)] {
				sub = append(sub, p)
			}
		}
		pts = sub
	}
	return swept, pts, nil
}

// sweptField finds the numeric argument that differs between the first
// and the last deployment of a range, its name and how to read it.
func sweptField(a, b model.Deployment) (string, func(model.Deployment) int) {
	type field struct {
		name string
		get  func(model.Deployment) int
	}
	inner := func(get func(model.Deployment) int) func(model.Deployment) int {
		return func(d model.Deployment) int {
			if d.Inner == nil {
				return 0
			}
			return get(*d.Inner)
		}
	}
	threads := func(d model.Deployment) int { return d.Threads }
	limit := func(d model.Deployment) int { return d.Limit }
	executor := func(d model.Deployment) int { return d.Executor }
	for _, f := range []field{
		{"threads", threads}, {"limit", limit}, {"executor", executor},
		{"processes", func(d model.Deployment) int { return d.Procs }},
		{"threads", inner(threads)}, {"limit", inner(limit)}, {"executor", inner(executor)},
	} {
		if f.get(a) != f.get(b) {
			return f.name, f.get
		}
	}
	return "", nil
}

// ParseRates reads a range of arrival rates such as "50..500/s" (also
// "50/s..500/s", "1..20/ms", "600..6000/min") and returns steps rates from
// the low end to the high end inclusive, evenly spaced, or in a constant
// ratio when geometric is set.
func ParseRates(s string, steps int, geometric bool) ([]float64, error) {
	const want = " (want a range of rates such as 50..500/s)"
	loText, hiText, ok := strings.Cut(strings.TrimSpace(s), "..")
	if !ok {
		return nil, fmt.Errorf("rate range %q has no \"..\"%s", s, want)
	}
	hiNum, unit, ok := strings.Cut(hiText, "/")
	if !ok {
		unit = "s"
	}
	loNum, loUnit, ok := strings.Cut(loText, "/")
	if ok && strings.TrimSpace(loUnit) != strings.TrimSpace(unit) {
		return nil, fmt.Errorf("rate range %q mixes units /%s and /%s%s", s, strings.TrimSpace(loUnit), strings.TrimSpace(unit), want)
	}
	var scale float64
	switch strings.TrimSpace(unit) {
	case "s":
		scale = 1
	case "ms":
		scale = 1e3
	case "min":
		scale = 1.0 / 60
	default:
		return nil, fmt.Errorf("rate range %q: unknown unit /%s (want /s, /ms or /min)", s, strings.TrimSpace(unit))
	}
	lo, err1 := strconv.ParseFloat(strings.TrimSpace(loNum), 64)
	hi, err2 := strconv.ParseFloat(strings.TrimSpace(hiNum), 64)
	if err1 != nil || err2 != nil || !(lo > 0) || math.IsInf(hi, 0) || !(hi > lo) {
		return nil, fmt.Errorf("invalid rate range %q: want two positive numbers, the first smaller%s", s, want)
	}
	lo, hi = lo*scale, hi*scale
	if hi > 1e9 {
		return nil, fmt.Errorf("rate range %q: at most 1e9/s", s)
	}
	if steps < 2 || steps > model.MaxSweep {
		return nil, fmt.Errorf("--steps %d: want 2 to %d", steps, model.MaxSweep)
	}
	out := make([]float64, steps)
	for i := range out {
		f := float64(i) / float64(steps-1)
		if geometric {
			out[i] = lo * math.Pow(hi/lo, f)
		} else {
			out[i] = lo + (hi-lo)*f
		}
	}
	out[steps-1] = hi
	return out, nil
}

// RatePoints returns one point per rate: the open workload wl with its
// arrival rate replaced, under d. It is an error if wl is not open.
func RatePoints(wl *workload.Workload, d model.Deployment, rates []float64) ([]Point, error) {
	if wl.Arrivals == nil {
		return nil, fmt.Errorf("workload %s has no arrivals: a rate sweep needs an open workload (arrivals: rate, for or count)", wl.Name)
	}
	pts := make([]Point, len(rates))
	for i, r := range rates {
		cp := *wl
		a := *wl.Arrivals
		a.Rate = r
		if a.For > 0 && r*float64(a.For)/1e9 > workload.MaxTasks {
			return nil, fmt.Errorf("rate %g/s for %s would bring more than %d tasks", r, workload.FormatDuration(a.For), workload.MaxTasks)
		}
		cp.Arrivals = &a
		pts[i] = Point{Value: r, Model: d, Workload: &cp}
	}
	return pts, nil
}

// Run simulates every point (in parallel, see Setup) and returns the
// sweep with its knee. swept names what varies (SweptRate for rates).
func Run(ctx context.Context, wl *workload.Workload, swept string, pts []Point, s Setup) (*Sweep, error) {
	return RunResource(ctx, wl, swept, "", pts, s)
}

// RunResource is Run for points that vary the capacity of the resource
// called resource (see CapacityPoints): alone (swept SweptCapacity) or
// with a model range (swept the model's field).
func RunResource(ctx context.Context, wl *workload.Workload, swept, resource string, pts []Point, s Setup) (*Sweep, error) {
	cfgs := make([]sim.Config, len(pts))
	for i, p := range pts {
		cfgs[i] = sim.Config{Workload: p.Workload, Deployment: p.Model, Profile: s.Profile,
			Cores: s.Cores, SwitchInterval: s.SwitchInterval}
	}
	res, err := runAll(ctx, s, cfgs)
	if err != nil {
		return nil, err
	}
	sw := &Sweep{Workload: wl, Runtime: s.Profile.Name, Cores: s.Cores, Swept: swept, Resource: resource, Points: make([]Point, len(pts))}
	for i, p := range pts {
		p.Result = res[i]
		p.Overloaded = Overloaded(p.Workload, p.Result)
		sw.Points[i] = p
	}
	sw.Knee = findKnee(sw)
	return sw, nil
}

// Knee thresholds.
const (
	kneeThroughput = 0.95 // share of the best throughput a pool must reach
	kneeLatency    = 3.0  // factor on the low-load p99 a rate may reach
)

// findKnee applies the knee rules. Pool sizes (any swept model argument):
// the smallest value that is not overloaded, reaches 95 % of the best
// throughput of the sweep and has a p99 within Equal (5 %) of the best p99
// of the points not overloaded: past it, more buys little of either.
// A grid of a model range and capacities: the same rule, the fewest units
// of the resource first, then the smallest model.
// Rates: the highest rate before the first that is overloaded or has a
// p99 above 3× the p99 at the lowest rate.
func findKnee(sw *Sweep) Knee {
	k := Knee{Index: -1}
	if len(sw.Points) == 0 {
		return k
	}
	if sw.Swept == SweptRate {
		k.Rule = fmt.Sprintf("the highest rate before p99 passes %g× its lowest-rate value or overload begins", kneeLatency)
		base := float64(sw.Points[0].Result.Latency.P99)
		for i, p := range sw.Points {
			if p.broken() || float64(p.Result.Latency.P99) > kneeLatency*base {
				return k
			}
			k.Index = i
		}
		// Nothing broke down: the knee lies beyond the range.
		k.Index = -1
		k.Beyond = true
		return k
	}
	open := sw.Workload.Arrivals != nil
	smallest := "the smallest " + sw.sweptNoun()
	if sw.Grid() {
		smallest = fmt.Sprintf("the fewest %s units, then the smallest %s,", sw.Resource, sweptNoun(sw.Swept))
	}
	k.Rule = fmt.Sprintf("%s with %s of the best throughput and p99 within %s of the best",
		smallest, numfmt.WholePercent(kneeThroughput), numfmt.ShortPercent(Equal))
	if open {
		k.Rule = fmt.Sprintf("%s not overloaded, with %s of the best throughput and p99 within %s of the best",
			strings.TrimSuffix(smallest, ","), numfmt.WholePercent(kneeThroughput), numfmt.ShortPercent(Equal))
	}
	best, bestP99 := 0.0, int64(math.MaxInt64)
	for _, p := range sw.Points {
		if p.Result.Deadlock == nil {
			best = max(best, Served(p.Workload, p.Result))
		}
		if !p.broken() {
			bestP99 = min(bestP99, p.Result.Latency.P99)
		}
	}
	enough := -1 // the smallest point that reaches the throughput
	for i, p := range sw.Points {
		if p.broken() || Served(p.Workload, p.Result) < kneeThroughput*best {
			continue
		}
		if enough < 0 {
			enough = i
		}
		if float64(p.Result.Latency.P99) <= (1+Equal)*float64(bestP99) {
			k.Index = i
			break
		}
	}
	if enough >= 0 && enough != k.Index {
		p := sw.Points[enough]
		k.Note = fmt.Sprintf("%s reaches that throughput too, but its p99 is %s against a best of %s",
			sw.valueLabel(p), ms(p.Result.Latency.P99), ms(bestP99))
	}
	return k
}

// sweptNoun names what the sweep varies, for "the smallest …".
func (sw *Sweep) sweptNoun() string {
	if sw.Swept == SweptCapacity {
		return sw.Resource + " capacity"
	}
	return sweptNoun(sw.Swept)
}

// sweptNoun names what a pool-size sweep varies, for "the smallest …".
func sweptNoun(swept string) string {
	switch swept {
	case "threads":
		return "pool"
	case "processes":
		return "number of processes"
	case "limit":
		return "limit"
	case "executor":
		return "executor"
	}
	return swept
}

// broken says that a point cannot be the knee: it is overloaded, or it
// ended in a deadlock (its few finished tasks say nothing of its speed).
func (p *Point) broken() bool { return p.Overloaded || p.Result.Deadlock != nil }

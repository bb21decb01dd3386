package truth

import (
	"cmp"
	"math"
	"slices"

	"github.com/conclab/conclab/sim"
)

// minDenominator is the smallest duration a relative error divides by, so
// that a task predicted to end at 0 (or nearly) gets a finite error.
const minDenominator = int64(1_000_000) // 1 ms

// RelErr returns the relative error of measured against predicted,
// (measured − predicted) / predicted: positive when the real run was
// slower. Predictions under 1 ms divide by 1 ms instead.
func RelErr(predicted, measured int64) float64 {
	return float64(measured-predicted) / float64(max(predicted, minDenominator))
}

// Comparison is how far a measured run was from its prediction.
type Comparison struct {
	Makespan float64     // RelErr of the makespans
	Tasks    []TaskError // per task of the prediction, in its order
	// DeadlockPredicted and DeadlockObserved say whether the simulation
	// and the real run stopped in a deadlock; they must agree.
	DeadlockPredicted, DeadlockObserved bool
	// ResourceWait is the RelErr of the time tasks waited for resources
	// (resource_wait_s), when the prediction has any.
	ResourceWait float64
}

// DeadlockMismatch says whether one of the prediction and the real run
// deadlocked and the other did not.
func (c Comparison) DeadlockMismatch() bool { return c.DeadlockPredicted != c.DeadlockObserved }

// TaskError compares one task's end time.
type TaskError struct {
	Name                string
	Predicted, Measured int64 // end times
	Err                 float64
	Missing             bool // the measurement has no task of that name
}

// Compare compares measured with predicted: the makespan, and each task's
// end time, matched by name (by position when names repeat).
func Compare(predicted, measured *sim.Result) Comparison {
	c := Comparison{Makespan: RelErr(predicted.Makespan, measured.Makespan),
		DeadlockPredicted: predicted.Deadlock != nil, DeadlockObserved: measured.Deadlock != nil}
	if predicted.ResourceWait > 0 {
		c.ResourceWait = RelErr(predicted.ResourceWait, measured.ResourceWait)
	}
	byName := make(map[string]int, len(measured.Records))
	for i, r := range measured.Records {
		if _, dup := byName[r.Name]; !dup {
			byName[r.Name] = i
		}
	}
	for i, p := range predicted.Records {
		te := TaskError{Name: p.Name, Predicted: p.End}
		j, ok := byName[p.Name]
		if i < len(measured.Records) && measured.Records[i].Name == p.Name {
			j, ok = i, true
		}
		if !ok {
			te.Missing = true
			c.Tasks = append(c.Tasks, te)
			continue
		}
		te.Measured = measured.Records[j].End
		if p.End < 0 || te.Measured < 0 { // stopped by a deadlock
			te.Missing = p.End != te.Measured
			c.Tasks = append(c.Tasks, te)
			continue
		}
		te.Err = RelErr(p.End, te.Measured)
		c.Tasks = append(c.Tasks, te)
	}
	return c
}

// Worst returns up to n task errors with the largest |error| (missing
// tasks first), largest first.
func (c Comparison) Worst(n int) []TaskError {
	t := slices.Clone(c.Tasks)
	slices.SortStableFunc(t, func(a, b TaskError) int {
		if a.Missing != b.Missing {
			if a.Missing {
				return -1
			}
			return 1
		}
		return cmp.Compare(math.Abs(b.Err), math.Abs(a.Err))
	})
	return t[:min(n, len(t))]
}

// Median combines the measured results of repeated runs of one program:
// every number is the median over the runs (for an even count, the mean of
// the middle two), and each task's release, start and end are the medians
// of that task's. Lanes come from the run whose makespan is the median
// (the one to draw), which Median returns as its second value (an index
// into runs). All runs must list the same tasks in the same order.
func Median(runs []*sim.Result) (*sim.Result, int) {
	if len(runs) == 0 {
		return nil, -1
	}
	// The run to draw: the lower median of the makespans.
	mid := medianIndex(runs, func(a, b *sim.Result) int { return cmp.Compare(a.Makespan, b.Makespan) })

	med := func(get func(*sim.Result) int64) int64 {
		v := make([]int64, len(runs))
		for i, r := range runs {
			v[i] = get(r)
		}
		return median(v)
	}
	medF := func(get func(*sim.Result) float64) float64 {
		v := make([]float64, len(runs))
		for i, r := range runs {
			v[i] = get(r)
		}
		return median(v)
	}
	medStats := func(get func(*sim.Result) sim.Stats) sim.Stats {
		return sim.Stats{
			Mean: med(func(r *sim.Result) int64 { return get(r).Mean }),
			P50:  med(func(r *sim.Result) int64 { return get(r).P50 }),
			P95:  med(func(r *sim.Result) int64 { return get(r).P95 }),
			P99:  med(func(r *sim.Result) int64 { return get(r).P99 }),
			Max:  med(func(r *sim.Result) int64 { return get(r).Max }),
		}
	}
	r0 := runs[mid]
	out := &sim.Result{
		Model:          r0.Model,
		Runtime:        r0.Runtime,
		Cores:          r0.Cores,
		Makespan:       med(func(r *sim.Result) int64 { return r.Makespan }),
		Tasks:          r0.Tasks,
		Latency:        medStats(func(r *sim.Result) sim.Stats { return r.Latency }),
		QueueDelay:     medStats(func(r *sim.Result) sim.Stats { return r.QueueDelay }),
		Throughput:     medF(func(r *sim.Result) float64 { return r.Throughput }),
		CPUBusy:        med(func(r *sim.Result) int64 { return r.CPUBusy }),
		CPUUtilization: medF(func(r *sim.Result) float64 { return r.CPUUtilization }),
		ResourceWait:   med(func(r *sim.Result) int64 { return r.ResourceWait }),
		Deadlock:       r0.Deadlock,
		Lanes:          r0.Lanes,
		Records:        slices.Clone(r0.Records),
	}
	for k := range out.Records {
		at := func(get func(sim.TaskRecord) int64) int64 {
			return med(func(r *sim.Result) int64 {
				if k < len(r.Records) {
					return get(r.Records[k])
				}
				return get(r0.Records[k])
			})
		}
		out.Records[k].Release = at(func(t sim.TaskRecord) int64 { return t.Release })
		out.Records[k].Start = at(func(t sim.TaskRecord) int64 { return t.Start })
		out.Records[k].End = at(func(t sim.TaskRecord) int64 { return t.End })
	}
	return out, mid
}

// median of v (sorted in place); for an even count, the mean of the
// middle two. v must not be empty.
func median[T int64 | float64](v []T) T {
	slices.Sort(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return v[n/2-1] + (v[n/2]-v[n/2-1])/2
}

// medianIndex is the index in xs of its lower median by cmp (of equals,
// the first): the one run that stands for several. xs must not be empty.
func medianIndex[T any](xs []T, cmp func(a, b T) int) int {
	order := make([]int, len(xs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp(xs[a], xs[b]) })
	return order[(len(xs)-1)/2]
}

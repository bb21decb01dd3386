package advise

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/conclab/conclab/internal/numfmt"
	"github.com/conclab/conclab/workload"
)

// ResourceAdvice is advise's word on one of the workload's resources: the
// capacity to give it under the recommended model, found by a capacity
// sweep with the pool-size knee rule, and why.
type ResourceAdvice struct {
	Resource string
	Declared int // its capacity in the workload
	// Suggested is the knee of its capacity sweep under the
	// recommendation: the fewest units with 95 % of the best throughput
	// and p99 within 5 % of the best; 0 when no capacity tried qualifies.
	Suggested int
	Sweep     *Sweep
	// Reason says it with figures: the share of latency spent waiting
	// for a unit, how much of it is used, the longest queue, and what
	// more units would buy.
	Reason string
}

// adviseResources sweeps the capacity of each resource of the workload
// under the recommendation, from 1 to twice what the workload declares
// (at least 8), and fills a.Resources. A lock (capacity 1) is left as it
// is: more units would change what the program means.
func (a *Advice) adviseResources(ctx context.Context, s Setup) error {
	rec := a.Recommendation()
	if rec == nil || len(a.Workload.Resources) == 0 {
		return nil
	}
	for i, r := range a.Workload.Resources {
		if r.Capacity == 1 {
			continue // a lock: its capacity is what it means, not a size to tune
		}
		hi := min(max(2*r.Capacity, 8), workload.MaxCapacity)
		caps := append(Series(1, hi), r.Capacity, hi)
		slices.Sort(caps)
		cr := CapacityRange{Resource: r.Name, Index: i, Values: slices.Compact(caps)}
		pts := CapacityPoints([]Point{{Model: rec.Model, Workload: rec.Workload}}, cr)
		sw, err := RunResource(ctx, a.Workload, SweptCapacity, r.Name, pts, s)
		if err != nil {
			return err
		}
		ra := ResourceAdvice{Resource: r.Name, Declared: r.Capacity, Sweep: sw}
		if k := sw.Knee.Index; k >= 0 {
			ra.Suggested = sw.Points[k].Capacity
		}
		ra.Reason = a.resourceReason(rec, i, &ra)
		a.Resources = append(a.Resources, ra)
	}
	return nil
}

// resourceReason says how resource i is used under the recommendation at
// its declared capacity, and what the capacity sweep found.
func (a *Advice) resourceReason(rec *Candidate, i int, ra *ResourceAdvice) string {
	r := rec.Result
	rs := r.Resources[i]
	var latency float64 // summed over tasks
	latency = float64(r.Latency.Mean) * float64(r.Tasks)
	share := 0.0
	if latency > 0 {
		share = float64(rs.Wait) / latency
	}
	queue := "none queues"
	if rs.PeakQueue > 0 {
		queue = "at most " + numfmt.Count(rs.PeakQueue, "task queues", "tasks queue")
	}
	use := fmt.Sprintf("with %d, requests spend %s of their latency waiting for one (%s in all), it is %s used and %s",
		ra.Declared, numfmt.ShortPercent(share), ms(rs.Wait), numfmt.WholePercent(rs.Utilization), queue)
	if rs.Barged > 0 {
		use += fmt.Sprintf("; %s woken for a unit found it taken by a thread that asked later "+
			"(threading.BoundedSemaphore serves whoever asks first), so the longest waits are longer than in a first-come line",
			numfmt.Count(int(rs.Barged), "waiter", "waiters"))
	}
	if !a.open() {
		use = strings.Replace(use, "requests", "tasks", 1)
	}
	sw := ra.Sweep
	at := func(c int) *Point {
		for j := range sw.Points {
			if sw.Points[j].Capacity == c {
				return &sw.Points[j]
			}
		}
		return nil
	}
	last := &sw.Points[len(sw.Points)-1]
	figs := func(p *Point) string {
		return fmt.Sprintf("p99 %s, %s served", ms(p.Result.Latency.P99), perSecond(Served(p.Workload, p.Result)))
	}
	name := ra.Resource
	switch {
	case ra.Suggested == 0:
		return fmt.Sprintf("%s: no capacity up to %d reaches the best throughput and p99 under %s; %s",
			name, last.Capacity, rec.Label, use)
	case ra.Suggested < ra.Declared:
		k := at(ra.Suggested)
		return fmt.Sprintf("%s: capacity %d is enough under %s (declared %d: %s); %s; more than %d buys nothing: at %d, %s against %s",
			name, ra.Suggested, rec.Label, ra.Declared, figs(at(ra.Declared)), use, ra.Suggested, last.Capacity, figs(last), figs(k))
	case ra.Suggested > ra.Declared:
		k := at(ra.Suggested)
		return fmt.Sprintf("%s: %d is too few under %s: %s; %d bring %s (from %s), and more than %d buys nothing: at %d, %s",
			name, ra.Declared, rec.Label, use, ra.Suggested, figs(k), figs(at(ra.Declared)), ra.Suggested, last.Capacity, figs(last))
	}
	text := fmt.Sprintf("%s: capacity %d is right under %s: %s", name, ra.Declared, rec.Label, use)
	if j := slices.IndexFunc(sw.Points, func(p Point) bool { return p.Capacity == ra.Declared }); j > 0 {
		fewer := &sw.Points[j-1]
		text += fmt.Sprintf("; %d gives %s", fewer.Capacity, figs(fewer))
		if fewer.Overloaded {
			text += " (overloaded)"
		}
	}
	if last.Capacity > ra.Declared {
		text += fmt.Sprintf("; more than %d buys nothing: at %d, %s", ra.Declared, last.Capacity, figs(last))
	}
	return text
}

// deadlockNote says which candidates deadlock and why (the cycle of the
// first), or "" when none does.
func (a *Advice) deadlockNote() string {
	var names []string
	var first *Candidate
	for i := range a.Candidates {
		if c := &a.Candidates[i]; c.Result.Deadlock != nil {
			names = append(names, c.Label)
			if first == nil {
				first = c
			}
		}
	}
	if first == nil {
		return ""
	}
	var links []string
	for _, l := range first.Result.Deadlock.Cycle {
		holds := "nothing"
		if len(l.Holds) > 0 {
			holds = strings.Join(l.Holds, " and ")
		}
		links = append(links, fmt.Sprintf("%s holds %s and waits for %s", l.Task, holds, l.WaitsFor))
	}
	return fmt.Sprintf("%s %s (%s), so none of them is recommended: under %s at %s, %s",
		numfmt.Count(len(names), "candidate", "candidates"), pluralVerb(len(names), "deadlocks", "deadlock"),
		strings.Join(names, ", "), first.Label, ms(first.Result.Deadlock.At), strings.Join(links, ", "))
}

func pluralVerb(n int, one, many string) string { return numfmt.Plural(n, one, many) }

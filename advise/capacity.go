package advise

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/conclab/conclab/workload"
)

// SweptCapacity is Sweep.Swept for a sweep of a resource's capacity under
// one model. A sweep of a model range and a capacity range together (a
// grid) keeps the model's Swept and sets Sweep.Resource.
const SweptCapacity = "capacity"

// CapacityRange is a range of capacities of one resource, as --capacity
// gives it: "db=1..50".
type CapacityRange struct {
	Resource string // its name, as declared
	Index    int    // into Workload.Resources
	Values   []int  // the capacities swept, ascending
}

// ParseCapacity reads a capacity range such as "db=1..50" for wl: the
// resource must be one wl declares (else an error with a did-you-mean),
// the range whole numbers from 1 to workload.MaxCapacity, the first
// smaller. A range of more than MaxPoints values is swept at the values of
// Series within it plus both ends, as a model range is, and the declared
// capacity when it lies within: the sweep then shows the capacity the
// workload has (and advise sizes from), not only its neighbours.
func ParseCapacity(wl *workload.Workload, s string) (CapacityRange, error) {
	const want = " (want NAME=LO..HI, e.g. db=1..50)"
	name, rng, ok := strings.Cut(strings.TrimSpace(s), "=")
	name = strings.TrimSpace(name)
	switch {
	case len(wl.Resources) == 0:
		return CapacityRange{}, fmt.Errorf("workload %s declares no resources: a capacity sweep needs one (resources: {db: {capacity: 10}} and use: db)", wl.Name)
	case !ok:
		return CapacityRange{}, fmt.Errorf("capacity range %q has no \"=\"%s", s, want)
	case name == "":
		return CapacityRange{}, fmt.Errorf("capacity range %q names no resource%s", s, want)
	}
	i, err := wl.ResourceIndex(name)
	if err != nil {
		return CapacityRange{}, err
	}
	loText, hiText, ok := strings.Cut(rng, "..")
	if !ok {
		return CapacityRange{}, fmt.Errorf("capacity range %q has no \"..\"%s", s, want)
	}
	lo, err1 := strconv.Atoi(strings.TrimSpace(loText))
	hi, err2 := strconv.Atoi(strings.TrimSpace(hiText))
	if err1 != nil || err2 != nil || lo < 1 || hi <= lo || hi > workload.MaxCapacity {
		return CapacityRange{}, fmt.Errorf("invalid capacity range %q: want two whole numbers from 1 to %d, the first smaller%s",
			s, workload.MaxCapacity, want)
	}
	var vals []int
	if hi-lo+1 <= MaxPoints {
		for v := lo; v <= hi; v++ {
			vals = append(vals, v)
		}
	} else {
		vals = append([]int{lo, hi}, Series(lo, hi)...)
		if c := wl.Resources[i].Capacity; lo < c && c < hi {
			vals = append(vals, c)
		}
		slices.Sort(vals)
		vals = slices.Compact(vals)
	}
	return CapacityRange{Resource: wl.Resources[i].Name, Index: i, Values: vals}, nil
}

// WithCapacity returns a copy of wl in which resource i has capacity n;
// wl itself is not changed.
func WithCapacity(wl *workload.Workload, i, n int) *workload.Workload {
	cp := *wl
	cp.Resources = slices.Clone(wl.Resources)
	cp.Resources[i].Capacity = n
	return &cp
}

// CapacityPoints crosses each point of base (one per model) with each
// capacity of cr: the fewest units first, and for each the points of base
// in their order, so the first that qualifies as a knee has the fewest
// units and, among those, the smallest model. With one base point the
// points' Value is the capacity; with more it stays the model's value and
// Capacity tells the units.
func CapacityPoints(base []Point, cr CapacityRange) []Point {
	out := make([]Point, 0, len(base)*len(cr.Values))
	for _, c := range cr.Values {
		for _, p := range base {
			p.Workload = WithCapacity(p.Workload, cr.Index, c)
			p.Capacity = c
			if len(base) == 1 {
				p.Value = float64(c)
			}
			out = append(out, p)
		}
	}
	return out
}

// Grid says whether the sweep varies a model and a resource's capacity
// together.
func (sw *Sweep) Grid() bool { return sw.Resource != "" && sw.Swept != SweptCapacity }

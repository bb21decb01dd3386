package workload

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/conclab/conclab/internal/numfmt"
)

// maxTotal bounds the sum of the mean durations of all steps of all tasks
// (about 73 years), so no schedule of them overflows int64 nanoseconds.
const maxTotal = float64(int64(1) << 61)

// finish names unnamed groups and checks what both syntaxes share: unique
// task names, nesting and repeat limits, and the size of the whole.
func finish(w *Workload, file string) *Error {
	if len(w.Resources) > MaxResources {
		return errorAt(file, w.Resources[MaxResources].Pos, "too many resources: %d (at most %d)", len(w.Resources), MaxResources)
	}
	for i := range w.Resources {
		r := &w.Resources[i]
		if msg := resourceNameProblem(r.Name); msg != "" {
			return errorAt(file, r.Pos, "%s", msg)
		}
		if j := resourceIndex(w.Resources, r.Name); j != i {
			return errorAt(file, r.Pos, "resource %q is declared twice", r.Name)
		}
		if r.Capacity < 1 || r.Capacity > MaxCapacity {
			return errorAt(file, r.Pos, "resource %s has capacity %d (want 1 to %d)", r.Name, r.Capacity, MaxCapacity)
		}
	}
	byName := make(map[string]int, len(w.Groups))
	total := 0
	var totalTime float64
	// An open workload runs about this many tasks, each built from one
	// group: the slowest group bounds the time they add up to.
	arrivals := 0.0
	if a := w.Arrivals; a != nil {
		arrivals = max(float64(a.Count), a.Rate*float64(a.For)/1e9, 1)
	}
	for i := range w.Groups {
		g := &w.Groups[i]
		if g.Name == "" {
			g.Name = "task-" + strconv.Itoa(i+1)
		}
		if j, dup := byName[g.Name]; dup {
			first := w.Groups[j].Pos
			return errorAt(file, g.Pos, "duplicate task name %q (also used at line %d)", g.Name, first.Line)
		}
		byName[g.Name] = i
		if err := resolveAfter(w, g, byName, file); err != nil {
			return err
		}
		if len(g.Steps) == 0 {
			return errorAt(file, g.Pos, "task %q has no steps", g.Name)
		}
		if g.Count < 1 {
			return errorAt(file, g.Pos, "task %q has count %d (want 1 or more)", g.Name, g.Count)
		}
		total += g.Count
		if total > MaxTasks {
			return errorAt(file, g.Pos, "too many tasks: more than %d in all", MaxTasks)
		}
		if g.Weight == 0 {
			g.Weight = 1
		}
		last := float64(g.Start) + float64(g.Every)*float64(g.Count-1)
		if last > maxTotal {
			return errorAt(file, g.Pos, "the last copy of %q would start after about 70 years", g.Name)
		}
		if g.Input < 0 || g.Input > MaxBytes || g.Output < 0 || g.Output > MaxBytes {
			return errorAt(file, g.Pos, "the input and output of %q must be sizes from 0 to 1TiB", g.Name)
		}
		c := checker{file: file, resources: len(w.Resources)}
		info, err := c.steps(g.Steps, 0, 0, 1)
		if err != nil {
			return err
		}
		perTask := info.time
		// The branches a task's gathers create are tasks too: the engine
		// keeps each one, so they count against MaxTasks.
		if kids := info.kids; kids > 0 {
			each, all := 1+kids, (1+kids)*float64(g.Count)
			if w.Arrivals != nil {
				all = (1 + kids) * arrivals
			}
			if all+float64(total-g.Count) > MaxTasks {
				return errorAt(file, g.Pos, "too many tasks: each copy of %q gathers %s branch tasks, about %s tasks in all (at most %s)",
					g.Name, bigCount(each-1), bigCount(all+float64(total-g.Count)), numfmt.Thousands(MaxTasks))
			}
			total += int(all) - g.Count
		}
		totalTime += perTask * float64(g.Count)
		if w.Arrivals == nil && totalTime > maxTotal || perTask*arrivals > maxTotal {
			return errorAt(file, g.Pos, "the tasks add up to more than 70 years of virtual time")
		}
	}
	// Copies are named g-1 … g-N; one of those must not be another group's
	// own name. (Two generated names cannot collide: the text after the last
	// "-" is the copy number, so the prefixes would be equal.)
	for i := range w.Groups {
		g := &w.Groups[i]
		if g.Count != 1 {
			continue
		}
		cut := strings.LastIndexByte(g.Name, '-')
		if cut < 0 {
			continue
		}
		j, ok := byName[g.Name[:cut]]
		if !ok || w.Groups[j].Count == 1 {
			continue
		}
		if n, err := strconv.Atoi(g.Name[cut+1:]); err == nil && n >= 1 && n <= w.Groups[j].Count &&
			strconv.Itoa(n) == g.Name[cut+1:] {
			return errorAt(file, g.Pos, "task name %q is also the name of a copy of %q (count %d)",
				g.Name, w.Groups[j].Name, w.Groups[j].Count)
		}
	}
	return nil
}

// resolveAfter turns the names g's after: gives into group indices: each
// an earlier group's (the phases of a program run in file order, and no
// cycle can form), each once.
func resolveAfter(w *Workload, g *Group, earlier map[string]int, file string) *Error {
	if len(g.AfterNames) == 0 {
		g.After = nil
		return nil
	}
	if w.Arrivals != nil {
		return errorAt(file, g.AfterPos, "after is not used with arrivals: each arrival is one task built from a group")
	}
	g.After = g.After[:0]
	for _, name := range g.AfterNames {
		j, ok := earlier[name]
		switch {
		case !ok:
			for k := range w.Groups {
				if w.Groups[k].Name == name {
					return errorAt(file, g.AfterPos, "task %q is after %q, which comes later in the file (a task can only be after tasks above it)", g.Name, name)
				}
			}
			return errorAt(file, g.AfterPos, "task %q is after %q, and no task above it has that name", g.Name, name)
		case &w.Groups[j] == g:
			return errorAt(file, g.AfterPos, "task %q cannot be after itself", g.Name)
		}
		if slices.Contains(g.After, j) {
			return errorAt(file, g.AfterPos, "task %q is after %q twice", g.Name, name)
		}
		g.After = append(g.After, j)
	}
	return nil
}

// checker holds what checking a task's steps needs to know.
type checker struct {
	file      string
	resources int // how many the workload declares
}

// stepsInfo is what checker.steps finds in a list of steps.
type stepsInfo struct {
	// time is the mean time the steps take once (work plus wait),
	// multiplied out through repeats and gathers (branches counted as if
	// run one after another), a choose at its longest alternative.
	time float64
	// kids is how many branch tasks their gathers create, at every level,
	// a choose at its alternative that creates the most.
	kids float64
}

// steps enforces MaxDepth, MaxNest and MaxRepeat on steps, given the
// repeats (depth) and blocks around them and the product of the counts of
// the repeats and gathers around them.
func (c *checker) steps(steps []Step, depth, blocks int, product int64) (stepsInfo, *Error) {
	var sum stepsInfo
	for i := range steps {
		s := &steps[i]
		if s.Kind != Work && s.Kind != Wait && blocks+1 > MaxNest {
			return sum, errorAt(c.file, s.Pos, "blocks nested too deeply (at most %d levels of repeat, use, gather and choose)", MaxNest)
		}
		switch s.Kind {
		case Work, Wait:
			sum.time += float64(s.Dur.Mean())
			if s.Input < 0 || s.Input > MaxBytes || s.Output < 0 || s.Output > MaxBytes {
				return sum, errorAt(c.file, s.Pos, "input and output must be sizes from 0 to 1TiB")
			}
			if (s.Input > 0 || s.Output > 0) && s.Offload != OffloadProcess {
				return sum, errorAt(c.file, s.Pos, "input and output apply to a step offloaded to a process (offload: process)")
			}
		case Repeat:
			if depth+1 > MaxDepth {
				return sum, errorAt(c.file, s.Pos, "repeats nested too deeply (at most %d levels)", MaxDepth)
			}
			if s.Count < 1 || s.Count > MaxRepeat {
				return sum, errorAt(c.file, s.Pos, "repeat count %d (want 1 to %d)", s.Count, MaxRepeat)
			}
			if len(s.Steps) == 0 {
				return sum, errorAt(c.file, s.Pos, "repeat has no steps")
			}
			p := product * int64(s.Count)
			if p > MaxRepeat {
				return sum, errorAt(c.file, s.Pos, "nested repeats multiply to more than %d runs of the innermost steps", MaxRepeat)
			}
			inner, err := c.steps(s.Steps, depth+1, blocks+1, p)
			if err != nil {
				return sum, err
			}
			sum.time += inner.time * float64(s.Count)
			sum.kids += inner.kids * float64(s.Count)
		case Use:
			if s.Resource < 0 || s.Resource >= c.resources {
				return sum, errorAt(c.file, s.Pos, "use of resource %d, which is not declared", s.Resource)
			}
			if len(s.Steps) == 0 {
				return sum, errorAt(c.file, s.Pos, "use has no steps")
			}
			inner, err := c.steps(s.Steps, depth, blocks+1, product)
			if err != nil {
				return sum, err
			}
			sum.time += inner.time
			sum.kids += inner.kids
		case Gather:
			if len(s.Branches) == 0 {
				return sum, errorAt(c.file, s.Pos, "gather has no branches")
			}
			for j := range s.Branches {
				b := &s.Branches[j]
				if b.Count < 1 || b.Count > MaxTasks {
					return sum, errorAt(c.file, b.Pos, "branch count %d (want 1 to %d)", b.Count, MaxTasks)
				}
				if len(b.Steps) == 0 {
					return sum, errorAt(c.file, b.Pos, "branch has no steps")
				}
				p := product * int64(b.Count)
				if p > MaxRepeat {
					return sum, errorAt(c.file, b.Pos, "nested repeats and gathers multiply to more than %d runs of the innermost steps", MaxRepeat)
				}
				inner, err := c.steps(b.Steps, depth, blocks+1, p)
				if err != nil {
					return sum, err
				}
				sum.time += inner.time * float64(b.Count)
				sum.kids += (1 + inner.kids) * float64(b.Count)
			}
		case Choose:
			if len(s.Alternatives) == 0 {
				return sum, errorAt(c.file, s.Pos, "choose has no alternatives")
			}
			var most stepsInfo
			for j := range s.Alternatives {
				a := &s.Alternatives[j]
				if !(a.Weight > 0) || a.Weight > MaxWeight {
					return sum, errorAt(c.file, a.Pos, "weight %g (want a number > 0, at most %g)", a.Weight, MaxWeight)
				}
				if len(a.Steps) == 0 {
					return sum, errorAt(c.file, a.Pos, "alternative has no steps")
				}
				inner, err := c.steps(a.Steps, depth, blocks+1, product)
				if err != nil {
					return sum, err
				}
				most.time = max(most.time, inner.time)
				most.kids = max(most.kids, inner.kids)
			}
			sum.time += most.time
			sum.kids += most.kids
		default:
			return sum, errorAt(c.file, s.Pos, "unknown step kind %d", s.Kind)
		}
	}
	return sum, nil
}

// bigCount writes a count that may exceed int64 with thousands separators,
// or as a power of ten beyond 10^15.
func bigCount(f float64) string {
	if f < 1e15 {
		return numfmt.Thousands(int64(math.Round(f)))
	}
	return strconv.FormatFloat(f, 'g', 3, 64)
}

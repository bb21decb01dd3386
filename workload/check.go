package workload

import (
	"strconv"
	"strings"
)

// maxTotal bounds the sum of the mean durations of all steps of all tasks
// (about 73 years), so no schedule of them overflows int64 nanoseconds.
const maxTotal = float64(int64(1) << 61)

// finish names unnamed groups and checks what both syntaxes share: unique
// task names, nesting and repeat limits, and the size of the whole.
func finish(w *Workload, file string) *Error {
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
		perTask, err := checkSteps(g.Steps, 0, 1, file)
		if err != nil {
			return err
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

// checkSteps, given the number of repeats around steps, enforces MaxDepth and MaxRepeat and returns the mean time the
// steps take once (work plus wait), multiplied out through repeats.
func checkSteps(steps []Step, depth int, product int64, file string) (float64, *Error) {
	var sum float64
	for i := range steps {
		s := &steps[i]
		switch s.Kind {
		case Work, Wait:
			sum += float64(s.Dur.Mean())
		case Repeat:
			if depth+1 > MaxDepth {
				return 0, errorAt(file, s.Pos, "repeats nested too deeply (at most %d levels)", MaxDepth)
			}
			if s.Count < 1 || s.Count > MaxRepeat {
				return 0, errorAt(file, s.Pos, "repeat count %d (want 1 to %d)", s.Count, MaxRepeat)
			}
			if len(s.Steps) == 0 {
				return 0, errorAt(file, s.Pos, "repeat has no steps")
			}
			p := product * int64(s.Count)
			if p > MaxRepeat {
				return 0, errorAt(file, s.Pos, "nested repeats multiply to more than %d runs of the innermost steps", MaxRepeat)
			}
			inner, err := checkSteps(s.Steps, depth+1, p, file)
			if err != nil {
				return 0, err
			}
			sum += inner * float64(s.Count)
		}
	}
	return sum, nil
}

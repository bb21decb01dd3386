package truth

import (
	"fmt"
	"strings"

	"github.com/conclab/conclab/workload"
)

// MaxSteps is the most steps, summed over all tasks with repeats expanded,
// that an exported program may hold. Every step becomes a line of data and
// a record in the program's output, so a bigger workload is refused rather
// than written as a program of gigabytes.
const MaxSteps = 2_000_000

// StepKind is what a step of an exported program does, by the name the
// program uses for it.
type StepKind string

// The step kinds of an exported program.
const (
	Work         StepKind = "work"          // Python code: holds the GIL
	WorkReleased StepKind = "work_released" // C code with the GIL released
	Wait         StepKind = "wait"          // time.sleep, or await asyncio.sleep on a loop
	WaitBlocking StepKind = "wait_blocking" // time.sleep even on an event loop
)

// Step is one step of a task with its duration drawn.
type Step struct {
	Kind    StepKind
	Dur     int64 // nanoseconds, > 0
	Offload workload.Offload
}

// Task is one task of a workload as an exported program runs it: its name,
// its release time and its steps, repeats expanded and durations drawn.
type Task struct {
	Name    string
	Release int64
	Steps   []Step
}

// Tasks expands wl into its tasks in file order, drawing every duration as
// the simulator does: task i (0-based, in file order) draws from
// workload.NewRand(wl.Seed, i), in step order with repeats expanded, and a
// step whose drawn duration is zero is left out (the engine skips it too).
// Open workloads (arrivals) are refused, and so are workloads of more than
// MaxSteps steps.
func Tasks(wl *workload.Workload) ([]Task, error) {
	if wl.Arrivals != nil {
		return nil, fmt.Errorf("workload %s: open workloads (arrivals) cannot be exported yet", wl.Name)
	}
	if err := unexportable(wl); err != nil {
		return nil, err
	}
	var tasks []Task
	total := 0
	id := uint64(0)
	for g, gr := range wl.Groups {
		for c := 0; c < gr.Count; c++ {
			rng := workload.NewRand(wl.Seed, id)
			id++
			t := Task{Name: wl.TaskName(g, c), Release: gr.Start + int64(c)*gr.Every}
			if err := expand(&t.Steps, gr.Steps, &rng, &total); err != nil {
				return nil, fmt.Errorf("workload %s: %w", wl.Name, err)
			}
			tasks = append(tasks, t)
		}
	}
	return tasks, nil
}

// expand appends steps to out in the order the engine runs them.
func expand(out *[]Step, steps []workload.Step, rng *workload.Rand, total *int) error {
	for _, s := range steps {
		switch s.Kind {
		case workload.Repeat:
			if s.Count <= 0 || len(s.Steps) == 0 {
				continue
			}
			for range s.Count {
				if err := expand(out, s.Steps, rng, total); err != nil {
					return err
				}
			}
		case workload.Work, workload.Wait:
			d := s.Dur.Sample(rng)
			if d <= 0 {
				continue
			}
			*total++
			if *total > MaxSteps {
				return fmt.Errorf("more than %d steps with repeats expanded: too many to export", MaxSteps)
			}
			st := Step{Kind: Work, Dur: d, Offload: s.Offload}
			switch {
			case s.Kind == workload.Work && s.GILReleased:
				st.Kind = WorkReleased
			case s.Kind == workload.Wait && s.Blocking:
				st.Kind = WaitBlocking
			case s.Kind == workload.Wait:
				st.Kind = Wait
			}
			*out = append(*out, st)
		}
	}
	return nil
}

// stepsData is steps as the exported programs read them: [kind, seconds],
// or [kind, seconds, "thread" | "process"] for a step that an event loop
// offloads (other models run it in place).
func stepsData(steps []Step) []any {
	out := make([]any, len(steps))
	for i, s := range steps {
		switch s.Offload {
		case workload.OffloadThread:
			out[i] = []any{s.Kind, number(s.Dur), "thread"}
		case workload.OffloadProcess:
			out[i] = []any{s.Kind, number(s.Dur), "process"}
		default:
			out[i] = []any{s.Kind, number(s.Dur)}
		}
	}
	return out
}

// unexportable refuses a workload that uses constructs of SPEC §1.1 that
// the exported programs do not write yet, rather than leave them out.
func unexportable(wl *workload.Workload) error {
	if shapes := wl.Shapes(); len(shapes) > 0 {
		return fmt.Errorf("workload %s: %s cannot be exported yet (the simulation runs them; the exported program would leave them out)",
			wl.Name, strings.Join(shapes, ", "))
	}
	return nil
}

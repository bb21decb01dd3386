package truth

import (
	"fmt"
	"slices"

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
	// The shapes of SPEC §1.1: they hold steps of their own.
	Use    StepKind = "use"    // hold one unit of Resource while Steps run
	Gather StepKind = "gather" // run Branches side by side, wait for all
	Choose StepKind = "choose" // the alternative Alt that the simulation drew: its Steps
	// ResourceWait is what a program records for the time between asking
	// for a unit of a resource and getting it; no step of a task has it.
	ResourceWait StepKind = "resource_wait"
)

// Step is one step of a task with its duration drawn, or one of the
// shapes of SPEC §1.1 with the steps it holds, drawn too.
type Step struct {
	Kind    StepKind
	Dur     int64 // nanoseconds, > 0 (work and wait)
	Offload workload.Offload
	// Joined: offloaded to a thread right after a step that was, in the
	// same block and round, so the same executor call runs both (the
	// engine's rule, sim's nextOffloaded).
	Joined bool
	// Input and Output are the bytes a step offloaded to a process
	// pickles to it and back.
	Input, Output int64
	Resource      int      // Use: index in the workload's Resources
	Alt           int      // Choose: the alternative drawn (0-based)
	Steps         []Step   // Use and Choose: the steps inside
	Branches      [][]Step // Gather: one entry per copy of each branch, in order
}

// Task is one task of a workload as an exported program runs it: its name,
// its release time, the bytes pickled to a worker process with it and back,
// and its steps, repeats expanded, durations and choices drawn.
type Task struct {
	Name string
	// Group is the index of the task's group in the workload; Release
	// counts from time 0, or for a group that is after others (a later
	// phase) from when the last task of those finished.
	Group         int
	Release       int64
	Input, Output int64
	Steps         []Step
}

// Tasks expands wl into its tasks in file order, drawing every duration and
// choice as the simulator does: task i (0-based, in file order) draws from
// workload.NewRand(wl.Seed, i), in step order with repeats expanded; the
// n-th copy (0-based, over all its gathers) that a task or branch gathers
// draws from the stream workload.ChildStream(its own stream's key, n); a
// choose takes the alternative workload.Rand.Pick draws at its place among
// the draws; and a step whose drawn duration is zero is left out (the
// engine skips it too). Open workloads (arrivals) are refused, and so are
// workloads of more than MaxSteps steps.
func Tasks(wl *workload.Workload) ([]Task, error) {
	if wl.Arrivals != nil {
		return nil, fmt.Errorf("workload %s: open workloads (arrivals) cannot be exported yet", wl.Name)
	}
	var tasks []Task
	total := 0
	id := uint64(0)
	for g, gr := range wl.Groups {
		for c := 0; c < gr.Count; c++ {
			rng := workload.NewRand(wl.Seed, id)
			id++
			t := Task{Name: wl.TaskName(g, c), Group: g, Release: gr.Start + int64(c)*gr.Every, Input: gr.Input, Output: gr.Output}
			x := expander{seed: wl.Seed, rng: &rng, key: id - 1, total: &total}
			if err := x.expand(&t.Steps, gr.Steps); err != nil {
				return nil, fmt.Errorf("workload %s: %w", wl.Name, err)
			}
			tasks = append(tasks, t)
		}
	}
	return tasks, nil
}

// expander expands the steps of one task or gather branch: its random
// stream, the key that stream was made from (its children's streams derive
// from it) and how many children it has gathered so far.
type expander struct {
	seed  uint64
	rng   *workload.Rand
	key   uint64
	kids  uint64
	total *int // steps so far, over all tasks
}

// expand appends steps to out in the order the engine runs them, drawing
// as it does.
func (x *expander) expand(out *[]Step, steps []workload.Step) error {
	call := false // an executor call is open: steps offloaded to a thread, one after another in this block and round
	for _, s := range steps {
		thread := (s.Kind == workload.Work || s.Kind == workload.Wait) && s.Offload == workload.OffloadThread
		call = call && thread
		switch s.Kind {
		case workload.Repeat:
			if s.Count <= 0 || len(s.Steps) == 0 {
				continue
			}
			for range s.Count {
				if err := x.expand(out, s.Steps); err != nil {
					return err
				}
			}
		case workload.Use:
			st := Step{Kind: Use, Resource: s.Resource}
			if err := x.expand(&st.Steps, s.Steps); err != nil {
				return err
			}
			*out = append(*out, st)
		case workload.Choose:
			cum := make([]float64, len(s.Alternatives))
			sum := 0.0
			for i, a := range s.Alternatives {
				sum += a.Weight
				cum[i] = sum
			}
			st := Step{Kind: Choose, Alt: x.rng.Pick(cum)}
			if err := x.expand(&st.Steps, s.Alternatives[st.Alt].Steps); err != nil {
				return err
			}
			*out = append(*out, st)
		case workload.Gather:
			st := Step{Kind: Gather}
			for _, b := range s.Branches {
				for range b.Count {
					key := workload.ChildStream(x.key, x.kids)
					x.kids++
					rng := workload.NewRand(x.seed, key)
					child := expander{seed: x.seed, rng: &rng, key: key, total: x.total}
					var steps []Step
					if err := child.expand(&steps, b.Steps); err != nil {
						return err
					}
					st.Branches = append(st.Branches, steps)
				}
			}
			*out = append(*out, st)
		case workload.Work, workload.Wait:
			d := s.Dur.Sample(x.rng)
			if d <= 0 && (s.Offload != workload.OffloadProcess || s.Input == 0 && s.Output == 0) {
				continue
			}
			*x.total++
			if *x.total > MaxSteps {
				return fmt.Errorf("more than %d steps with repeats expanded: too many to export", MaxSteps)
			}
			st := Step{Kind: Work, Dur: d, Offload: s.Offload, Joined: call}
			call = thread
			if s.Offload == workload.OffloadProcess {
				st.Input, st.Output = s.Input, s.Output
			}
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
// offloads (other models run it in place; "thread+" for one that goes on
// the executor call of the step before), with [..., "process", input,
// output] when it pickles data; ["use", resource, steps], ["gather",
// [steps, ...]] (one list per copy) and ["choose", alternative, steps].
func stepsData(steps []Step) []any {
	out := make([]any, len(steps))
	for i, s := range steps {
		switch {
		case s.Kind == Use:
			out[i] = []any{s.Kind, s.Resource, stepsData(s.Steps)}
		case s.Kind == Choose:
			out[i] = []any{s.Kind, s.Alt, stepsData(s.Steps)}
		case s.Kind == Gather:
			branches := make([]any, len(s.Branches))
			for j, b := range s.Branches {
				branches[j] = stepsData(b)
			}
			out[i] = []any{s.Kind, branches}
		case s.Offload == workload.OffloadThread && s.Joined:
			out[i] = []any{s.Kind, number(s.Dur), "thread+"}
		case s.Offload == workload.OffloadThread:
			out[i] = []any{s.Kind, number(s.Dur), "thread"}
		case s.Offload == workload.OffloadProcess && (s.Input > 0 || s.Output > 0):
			out[i] = []any{s.Kind, number(s.Dur), "process", s.Input, s.Output}
		case s.Offload == workload.OffloadProcess:
			out[i] = []any{s.Kind, number(s.Dur), "process"}
		default:
			out[i] = []any{s.Kind, number(s.Dur)}
		}
	}
	return out
}

// countSteps is how many work and wait steps steps hold, shapes opened.
func countSteps(steps []Step) int {
	n := 0
	for _, s := range steps {
		switch s.Kind {
		case Use, Choose:
			n += countSteps(s.Steps)
		case Gather:
			for _, b := range s.Branches {
				n += countSteps(b)
			}
		default:
			n++
		}
	}
	return n
}

// unexportable refuses an open workload whose requests carry data to
// worker processes (input:, output:): the exported servers' workers
// accept their connections themselves, and nothing is pickled to them.
// Resources, gathers and chooses are served (pySteps, pyRunRequest).
func unexportable(wl *workload.Workload) error {
	if slices.Contains(wl.Shapes(), "input/output") {
		return fmt.Errorf("workload %s: input/output cannot be served by an exported server yet (the simulation runs it; the server would leave it out)",
			wl.Name)
	}
	return nil
}

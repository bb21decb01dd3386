package truth

import (
	"cmp"
	"context"
	"math"
	"slices"
	"time"

	"github.com/conclab/conclab/internal/machine"
)

// Noise: a real run measures wall time, which other processes stretch
// when they take the cores (another build, a browser, a neighbour on the
// same host taking the CPU away: steal). Check reads the machine before
// and during every run (package machine), calls a run busy when other
// processes used more than NoiseConfig.Limits, repeats busy runs a few
// times, and takes its medians over the quietest runs. A model whose
// makespan is beyond the tolerance after a busy run is inconclusive, not
// failed: the machine, not the model, may be what was measured.

// NoiseConfig says how a check watches the machine.
type NoiseConfig struct {
	Reader machine.Reader // nil: machine.System{}
	Limits machine.Limits // zero: machine.DefaultLimits
	// Retries is how many runs a model may add to its Repeat when some
	// were busy; 0: DefaultRetries; negative: none.
	Retries int
	// Window is how long the machine is read just before each run: 0:
	// 250 ms; negative: not at all.
	Window time.Duration
	// Wait is how long, before a run made again, it waits for a quiet
	// window (reading Window after Window); 0: 2 s.
	Wait time.Duration
	// Speed is how far the CPU may run the work steps from the speed the
	// work rate was measured at before a run counts as busy: their CPU
	// time against their duration, as a fraction; 0: DefaultSpeed.
	Speed float64
	// Tolerance: a busy run whose makespan is within it of the prediction
	// stands (making it again cannot turn a pass into a miss, and an
	// I/O-bound run hardly feels the load); 0: every busy run is made
	// again.
	Tolerance float64
}

// DefaultRetries is how many runs a model adds, at most, when some were busy.
const DefaultRetries = 2

// DefaultSpeed: a run whose work steps took 15 % more (or less) CPU time
// than their durations is busy. The CPU ran the same Python code slower
// (or faster) than when its rate was measured: something this machine's
// /proc/stat does not show took the CPU's speed (another tenant of the
// host that no steal time reports, a hyperthread sibling, a slower clock).
const DefaultSpeed = 0.15

// Load is how busy the machine was around one real run.
type Load struct {
	Known  bool          // false: this system does not say (no /proc/stat)
	Before machine.Usage // the window just before the run (Wall 0: not read)
	During machine.Usage // the run itself
	Waited time.Duration // waited for a quiet window before the run
	// WorkSpeed is how fast the CPU ran the work steps against the speed
	// their rate was measured at: their durations over their CPU time
	// (0.8: 25 % more CPU time than the work is long). 0: not measured
	// (no work, or less than 10 ms of it).
	WorkSpeed float64
	Crowded   bool // During was beyond the limits
	SlowWork  bool // WorkSpeed is off by more than NoiseConfig.Speed
	Busy      bool // Crowded or SlowWork
}

// offSpeed says whether work that ran at speed (0: unknown) is off by
// more than limit: its CPU time more than limit from its duration.
func offSpeed(speed, limit float64) bool {
	return speed > 0 && math.Abs(1/speed-1) > limit
}

// workSpeed is how fast m ran its work steps, whose durations tasks
// gives: their total duration over their total CPU time; 0 for less than
// 10 ms of work or CPU times the program did not report.
func workSpeed(tasks []Task, m *Measurement) float64 {
	var dur int64
	var cpu float64
	for i, t := range tasks {
		if i >= len(m.Tasks) {
			return 0
		}
		for j, s := range t.Steps {
			if s.Kind != Work {
				continue
			}
			if j >= len(m.Tasks[i].Steps) || m.Tasks[i].Steps[j].CPU < 0 {
				return 0
			}
			dur += s.Dur
			cpu += m.Tasks[i].Steps[j].CPU
		}
	}
	if dur < int64(10*time.Millisecond) || !(cpu > 0) {
		return 0
	}
	return float64(dur) / 1e9 / cpu
}

// Run is one real run of a model's program.
type Run struct {
	Makespan int64   // nanoseconds
	Error    float64 // RelErr of the makespan against the prediction
	Load     Load
	Used     bool // among the runs the medians are taken over
	// CompilerCPU is the CPU the JVM's JIT compilers took during the run
	// (nanoseconds), when CompilerKnown: measured, by a Java program on Linux.
	CompilerCPU   int64
	CompilerKnown bool
}

// CompilerMedian is the median CPU the JVM's JIT compilers took over the
// runs the medians are taken over that measured it; false when none did.
func CompilerMedian(runs []Run) (int64, bool) {
	var cpu []int64
	for _, r := range runs {
		if r.Used && r.CompilerKnown {
			cpu = append(cpu, r.CompilerCPU)
		}
	}
	if len(cpu) == 0 {
		return 0, false
	}
	return median(cpu), true
}

// Spread is the range of the runs the medians are taken over.
type Spread struct {
	Min, Max       int64   // makespans, nanoseconds
	MinErr, MaxErr float64 // their RelErrs
}

// Verdict is what a check says of one model.
type Verdict int

// The verdicts.
const (
	Within       Verdict = iota // the makespan is within the tolerance
	Beyond                      // beyond it, on a quiet machine: the model missed
	Inconclusive                // beyond it, but the machine was busy during a run counted
)

// String is the verdict's word in JSON: ok, beyond or inconclusive.
func (v Verdict) String() string {
	switch v {
	case Beyond:
		return "beyond"
	case Inconclusive:
		return "inconclusive"
	}
	return "ok"
}

// watcher reads the machine around runs, as a NoiseConfig says.
type watcher struct {
	NoiseConfig
	known bool // the reader has answered at least once
}

func newWatcher(cfg NoiseConfig) *watcher {
	w := &watcher{NoiseConfig: cfg}
	if w.Reader == nil {
		w.Reader = machine.System{}
	}
	if w.Limits == (machine.Limits{}) {
		w.Limits = machine.DefaultLimits
	}
	switch {
	case w.Retries == 0:
		w.Retries = DefaultRetries
	case w.Retries < 0:
		w.Retries = 0
	}
	if w.Window == 0 {
		w.Window = 250 * time.Millisecond
	}
	if w.Wait <= 0 {
		w.Wait = 2 * time.Second
	}
	if w.Speed <= 0 {
		w.Speed = DefaultSpeed
	}
	return w
}

// read reads the counters; ok is false when the system does not say.
func (w *watcher) read() (machine.Counters, bool) {
	c, err := w.Reader.Read()
	if err != nil {
		return c, false
	}
	w.known = true
	return c, true
}

// before reads the machine for a window just before a run and returns the
// counters the run starts from. patient: the run is made again because an
// earlier one was busy; it then goes on reading windows, up to Wait, until
// one is quiet.
func (w *watcher) before(ctx context.Context, patient bool) (start machine.Counters, l Load, err error) {
	c, ok := w.read()
	if !ok {
		return c, l, nil
	}
	l.Known = true
	if w.Window < 0 {
		return c, l, nil
	}
	began := time.Now()
	for windows := 1; ; windows++ {
		if err := sleep(ctx, w.Window); err != nil {
			return c, l, err
		}
		next, ok := w.read()
		if !ok {
			return c, Load{}, nil
		}
		l.Before = machine.Between(c, next)
		c = next
		if windows > 1 {
			l.Waited = time.Since(began) - w.Window
		}
		if !patient || !l.Before.Busy(w.Limits) || time.Since(began)+w.Window > w.Wait {
			return c, l, nil
		}
	}
}

// workRate measures the programs' work rate with py (MeasureWorkRate),
// again while the machine is busy, up to Retries more times: the rate is
// the best of the measurements, so that a neighbour slowing the CPU down
// does not make every work step short. The Load is the best one's.
func (w *watcher) workRate(ctx context.Context, py string) (float64, Load, error) {
	best, bestLoad := 0.0, Load{}
	for try := 0; try <= w.Retries; try++ {
		start, l, err := w.before(ctx, try > 0)
		if err != nil {
			return 0, l, err
		}
		rate, err := MeasureWorkRate(ctx, py)
		if err != nil {
			return 0, l, err
		}
		l = w.during(start, l, 0)
		if rate > best {
			best, bestLoad = rate, l
		}
		if !l.Busy {
			break
		}
	}
	return best, bestLoad, nil
}

// during completes l with the run from start to now, and how fast the
// run's work went (workSpeed), which needs no /proc/stat.
func (w *watcher) during(start machine.Counters, l Load, speed float64) Load {
	l.WorkSpeed = speed
	if l.Known {
		if end, ok := w.read(); ok {
			l.During = machine.Between(start, end)
		} else {
			l = Load{WorkSpeed: speed}
		}
	}
	l.Crowded = l.Known && l.During.Busy(w.Limits)
	l.SlowWork = offSpeed(speed, w.Speed)
	l.Busy = l.Crowded || l.SlowWork
	return l
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// more says whether a model whose runs so far are runs needs another:
// the first repeat are always made; then one more while fewer than repeat
// stand (quiet, or busy but within tol), up to retries more.
func more(runs []Run, repeat, retries int, tol float64) bool {
	if len(runs) < repeat {
		return true
	}
	return standing(runs, tol) < repeat && len(runs) < repeat+retries
}

// standing counts the runs that need not be made again: quiet, or busy
// but within tol (when tol > 0).
func standing(runs []Run, tol float64) int {
	n := 0
	for _, r := range runs {
		if !r.Load.Busy || tol > 0 && math.Abs(r.Error) <= tol {
			n++
		}
	}
	return n
}

// choose marks the repeat runs the medians are taken over: the quiet ones
// first, then the least busy, in the order they were made. It returns
// their indexes.
func choose(runs []Run, repeat int) []int {
	order := make([]int, len(runs))
	for i := range order {
		order[i] = i
	}
	others := func(r Run) float64 { return r.Load.During.Others + r.Load.During.Steal }
	slices.SortStableFunc(order, func(a, b int) int {
		ra, rb := runs[a], runs[b]
		if ra.Load.Busy != rb.Load.Busy {
			if ra.Load.Busy {
				return 1
			}
			return -1
		}
		if !ra.Load.Busy {
			return 0
		}
		return cmp.Compare(others(ra), others(rb))
	})
	used := order[:min(repeat, len(order))]
	slices.Sort(used)
	for _, i := range used {
		runs[i].Used = true
	}
	return used
}

// spreadOf is the range of the used runs.
func spreadOf(runs []Run) (s Spread, busy bool) {
	first := true
	for _, r := range runs {
		if !r.Used {
			continue
		}
		busy = busy || r.Load.Busy
		if first {
			s = Spread{Min: r.Makespan, Max: r.Makespan, MinErr: r.Error, MaxErr: r.Error}
			first = false
			continue
		}
		s.Min, s.Max = min(s.Min, r.Makespan), max(s.Max, r.Makespan)
		s.MinErr, s.MaxErr = min(s.MinErr, r.Error), max(s.MaxErr, r.Error)
	}
	return s, busy
}

// Verdict says whether c's makespan is within tol of the prediction, and
// when it is not, whether the machine was busy during a run counted
// (Inconclusive) or not (Beyond).
//
// A deadlock decides alone: one predicted and not seen (or seen and not
// predicted) is Beyond, one predicted and seen is Within, whatever the
// makespans (the real run stopped when its watchdog saw no progress, not
// at the instant of the cycle).
func (c ModelCheck) Verdict(tol float64) Verdict {
	switch cmp := c.Comparison; {
	case cmp.DeadlockMismatch():
		return Beyond
	case cmp.DeadlockPredicted || math.Abs(cmp.Makespan) <= tol:
		return Within
	case c.Busy:
		return Inconclusive
	}
	return Beyond
}

// BusyRuns are the runs of c during which the machine was busy, counted
// or set aside.
func (c ModelCheck) BusyRuns() []int {
	var busy []int
	for i, r := range c.Runs {
		if r.Load.Busy {
			busy = append(busy, i)
		}
	}
	return busy
}

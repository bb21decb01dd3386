package advise

import (
	"context"
	"fmt"

	"github.com/conclab/conclab/internal/numfmt"

	"github.com/conclab/conclab/plan"
	"github.com/conclab/conclab/whatif"
)

// ChangeSpeedup is the speed-up advise tries on every step of the
// recommendation (conclab whatif tries more).
const ChangeSpeedup = 0.5

// MaxChangeRuns bounds the simulations advise spends on the change: a
// workload of more steps than that many changes is left to conclab whatif.
const MaxChangeRuns = 64

// ChangeMatters is the least cut of the ranking metric that advise names a
// code change for.
const ChangeMatters = 0.05

// ChangeAdvice is the one code change that buys the most under the
// recommendation: a step made ChangeSpeedup faster, turned into C code
// that releases the GIL, or moved off the event loop (whatif.Run).
type ChangeAdvice struct {
	Effect   *whatif.Effect // nil when no change cuts ChangeMatters or more
	Open     bool           // the metric is p99 (else the makespan)
	Baseline whatif.Metrics
	Cut      float64 // the change of the metric: -0.3 is 30 % less
	Text     string
}

// adviseChange runs the causal profile of the recommendation and keeps
// its best change of a step (resources have their own word).
func (a *Advice) adviseChange(ctx context.Context, s Setup) error {
	rec := a.Recommendation()
	if rec == nil {
		return nil
	}
	if n := len(whatif.Changes(rec.Workload, rec.Model, []float64{ChangeSpeedup})); n > MaxChangeRuns {
		a.Change = &ChangeAdvice{Open: a.open(), Text: fmt.Sprintf("%d changes of its steps are more than advise tries; "+
			"conclab whatif -m '%s' ranks them all", n, rec.Model)}
		return nil
	}
	p := &plan.Plan{Workload: rec.Workload, Profile: s.Profile, Cores: s.Cores, SwitchInterval: s.SwitchInterval}
	r, err := whatif.Run(ctx, p, rec.Model, whatif.Options{Speedups: []float64{ChangeSpeedup}, Workers: s.Workers})
	if err != nil {
		return err
	}
	c := &ChangeAdvice{Open: r.Open(), Baseline: r.Baseline}
	for i := range r.Effects {
		e := &r.Effects[i]
		if e.Kind == whatif.Capacity || e.Deadlock {
			continue
		}
		if r.Ranked(e) <= -ChangeMatters {
			c.Effect = e
		}
		break
	}
	if c.Effect != nil {
		c.Cut = r.Ranked(c.Effect)
	}
	c.Text = c.text(rec.Label)
	a.Change = c
	return nil
}

// text says the change in a sentence, with its figures.
func (c *ChangeAdvice) text(model string) string {
	metric, from := "the makespan", c.Baseline.Makespan
	if c.Open {
		metric, from = "p99", c.Baseline.P99
	}
	if c.Effect == nil {
		return fmt.Sprintf("no step made %.0f%% faster, turned into C code that releases the GIL or moved off an event loop "+
			"cuts %s by %.0f%% or more under %s: no one step holds it back (conclab whatif ranks them all)",
			100*ChangeSpeedup, metric, 100*ChangeMatters, model)
	}
	e := c.Effect
	to := e.Makespan
	if c.Open {
		to = e.P99
	}
	var how string
	switch e.Kind {
	case whatif.Speedup:
		how = fmt.Sprintf("made %.0f%% faster", 100*e.Amount)
	case whatif.ReleaseGIL:
		how = "as C code that releases the GIL (a C extension, numpy, hashlib)"
	case whatif.OffloadThread:
		how = "moved off the event loop to a thread (asyncio.to_thread)"
	case whatif.OffloadProcess:
		how = "moved off the event loop to a process pool (run_in_executor with a ProcessPoolExecutor)"
	}
	return fmt.Sprintf("%s (%s) %s cuts %s from %s to %s (%s) under %s (conclab whatif ranks every change)",
		e.Step, e.Said(), how, metric, ms(from), ms(to), numfmt.SignedPercent(c.Cut), model)
}

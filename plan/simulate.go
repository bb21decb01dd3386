package plan

import (
	"context"
	"fmt"

	"github.com/conclab/conclab/report"
	"github.com/conclab/conclab/sim"
)

// MaxSpanTasks is the most tasks whose spans Simulate keeps for a
// timeline or a story; a workload with more is simulated without spans.
const MaxSpanTasks = 20_000

// Options says how Plan.Simulate runs a plan and what it keeps of each run.
type Options struct {
	// Records keeps each run's task records, for the JSON task list, when
	// the workload has at most report.MaxListedTasks tasks.
	Records bool
	// Spans keeps each run's spans, for its timeline and story, when the
	// workload has at most MaxSpanTasks tasks: up to report.MaxSpans per
	// run. A run that makes more is folded when Fold is set; otherwise it
	// comes back with neither Spans nor Folded (Plan.SpansDropped).
	Spans bool
	// Fold lays out the folded rerun of a run that makes more than
	// report.MaxSpans spans: the time its timeline covers (axis is the
	// longest makespan of all runs) and its columns. The run is
	// deterministic: its rerun into a report.Folded sink keeps what its
	// timeline draws, in memory that does not grow with its spans.
	Fold func(r *sim.Result, l *report.SpanLimit, axis int64) (m int64, cols int)
	// Workers, Start: as Batch's. Each run's sink holds up to
	// report.MaxSpans spans, so Workers bounds the memory too.
	Workers int
	Start   func(i int) error
	// Progress, when set, gives each model's run (named by its model, with
	// " (timeline)" for a folded rerun) a callback told how far it has
	// come.
	Progress func(run string) func(sim.Progress)
}

// SpansDropped reports whether Simulate, given o, dropped run's spans
// because it made more than report.MaxSpans and o has no Fold: what needs
// every span (a trace, a story) cannot be had for that run.
func (p *Plan) SpansDropped(run report.Run, o Options) bool {
	return o.Spans && p.Tasks() <= MaxSpanTasks && run.Spans == nil && run.Folded == nil
}

// Simulate runs the plan's workload under each of its models, side by side
// as o.Workers says, and returns one run per model, in order.
func (p *Plan) Simulate(ctx context.Context, o Options) ([]report.Run, error) {
	tasks := p.Tasks()
	keep := o.Spans && tasks <= MaxSpanTasks
	b := Batch{Workers: o.Workers, Start: o.Start}
	limits := make([]*report.SpanLimit, len(p.Models))
	for i, d := range p.Models {
		cfg := p.Config(d)
		cfg.RecordTasks = o.Records && tasks <= report.MaxListedTasks
		if o.Progress != nil {
			cfg.Progress = o.Progress(d.String())
		}
		if keep {
			limits[i] = &report.SpanLimit{Max: report.MaxSpans}
			cfg.Sink = limits[i]
		}
		b.Sims = append(b.Sims, cfg)
	}
	res, err := Run(ctx, b)
	if err != nil {
		return nil, err
	}
	runs := make([]report.Run, len(res))
	var axis int64
	for i, r := range res {
		runs[i].Result = r
		if l := limits[i]; l != nil && !l.Over {
			runs[i].Spans = &l.Recorder
		}
		axis = max(axis, r.Makespan)
	}
	if o.Fold == nil {
		return runs, nil
	}

	// The runs with too many spans, again, into Folded sinks.
	var again []int
	fold := Batch{Workers: o.Workers}
	for i, l := range limits {
		if l == nil || !l.Over {
			continue
		}
		m, cols := o.Fold(runs[i].Result, l, axis)
		runs[i].Folded = report.NewFolded(m, cols)
		cfg := b.Sims[i]
		cfg.Sink = runs[i].Folded
		if o.Progress != nil {
			cfg.Progress = o.Progress(cfg.Deployment.String() + " (timeline)")
		}
		fold.Sims = append(fold.Sims, cfg)
		again = append(again, i)
	}
	if len(again) == 0 {
		return runs, nil
	}
	res, err = Run(ctx, fold)
	if err != nil {
		return nil, err
	}
	for k, i := range again {
		first, l, folded := runs[i].Result, limits[i], runs[i].Folded
		if res[k].Makespan != first.Makespan || folded.Spans() != l.Spans {
			return nil, &sim.InternalError{Value: fmt.Sprintf("%s under %s ran differently the second time (makespan %d then %d ns, %d then %d spans)",
				p.Workload.Name, p.Models[i], first.Makespan, res[k].Makespan, l.Spans, folded.Spans())}
		}
	}
	return runs, nil
}

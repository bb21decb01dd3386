package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/conclab/conclab/advise"
	"github.com/conclab/conclab/internal/numfmt"
	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/plan"
	"github.com/conclab/conclab/sim"
)

type sweepOptions struct {
	runOptions
	model     string
	rate      string
	capacity  string
	steps     int
	geometric bool
}

func newSweepCmd(s *streams) *cobra.Command {
	var o sweepOptions
	cmd := &cobra.Command{
		Use:   "sweep FILE|NAME|-e INLINE -m 'MODEL(LO..HI)' | --rate LO..HI/s -m MODEL | --capacity RES=LO..HI [-m MODEL]",
		Short: "Simulate a model over a range of pool sizes, resource capacities or arrival rates",
		Long: `Sweep simulates a workload at every point of a range and prints a table of
makespan, throughput ("served": for an overloaded open workload, what it
actually sustained), latency p50 and p99, CPU utilisation, GIL wait, peak
threads, resident and reserved memory, and overload; --format svg or html
draws p50, p99 and throughput against the swept value and marks the knee.

-m gives a model with one range, such as threads(1..64), processes(1..8),
processes(2)*threads(1..32) or asyncio(limit=1..100). A range of more than
16 values is swept at 1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, … (powers of
two and one and a half times them) within it, plus both ends.

--rate LO..HI/s sweeps the arrival rate of an open workload (one with
arrivals:) under the one model -m names, in --steps even steps, or in a
constant ratio with --geometric.

--capacity NAME=LO..HI sweeps the capacity of one of the workload's
resources (how many connections a pool has), under the one model -m names
(the workload's first model when -m is not given). With a model range in
-m as well it sweeps both: the text shows p99 and throughput as two small
grids (a row per model, a column per capacity) and svg a heat map of p99.
A range of more than 16 capacities is swept as a model range is.

The knee: for a range of a model, the smallest value that is not
overloaded, reaches 95 % of the best throughput and has a p99 within 5 % of
the best (past it, more buys little of either; a smaller value that reaches
the throughput but not the p99 is named under the table); with --capacity the
same rule, the fewest units first (then, in a grid, the smallest model);
for rates, the highest rate before p99 exceeds 3× its value at the lowest rate or overload
begins.

The points run in parallel on all cores; the results do not depend on it.`,
		Example: `  conclab sweep server.yaml -m 'threads(1..64)'
  conclab sweep server.yaml -m 'threads(1..64)' --format svg -o threads.svg
  conclab sweep db-pool -m 'threads(40)' --capacity db=1..50
  conclab sweep db-pool -m 'threads(4..32)' --capacity db=2..20 --format svg -o grid.svg
  conclab sweep server.yaml -m asyncio --rate 50..500/s --steps 10 --format html -o rates.html
  conclab sweep -e '200 x [work 5ms, wait 50ms]' -m 'processes(1..4)*threads(8)' --format json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkCommonFlags(cmd, &o.runOptions, args); err != nil {
				return err
			}
			return runSweep(cmd.Context(), s, &o, args)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.model, "model", "m", "", "the model, with a range unless --rate is given, e.g. threads(1..64)")
	f.StringVar(&o.rate, "rate", "", "sweep the arrival rate instead, e.g. 50..500/s")
	f.StringVar(&o.capacity, "capacity", "", "sweep a resource's capacity, e.g. db=1..50 (alone, or with a model range)")
	f.IntVar(&o.steps, "steps", 10, "points of a --rate sweep")
	f.BoolVar(&o.geometric, "geometric", false, "space the --rate points by a constant ratio instead of evenly")
	addCommonFlags(cmd, &o.runOptions, "text, json, svg or html")
	return cmd
}

// capacityPoints reads --capacity and -m for a sweep of a resource's
// capacity: under one model (the workload's first when -m is empty), or
// crossed with a model range.
func capacityPoints(s *streams, p *plan.Plan, o *sweepOptions, args []string) (swept, resource string, pts []advise.Point, err error) {
	cr, err := advise.ParseCapacity(p.Workload, o.capacity)
	if err != nil {
		return "", "", nil, fmt.Errorf("--capacity: %w", err)
	}
	prof := p.Profile
	expr := strings.TrimSpace(o.model)
	if expr == "" {
		if len(p.Workload.Models) == 0 {
			return "", "", nil, fmt.Errorf("--capacity %s: give the model to sweep it under, e.g. -m 'threads(16)'", o.capacity)
		}
		expr = p.Workload.Models[0].Expr
	}
	var base []advise.Point
	swept = advise.SweptCapacity
	if _, rerr := model.ParseSweep(expr); rerr == nil && strings.Contains(expr, "..") {
		if swept, base, err = advise.ModelPoints(p.Workload, expr, prof); err != nil {
			return "", "", nil, o.overrides().ModelError(0, expr, err)
		}
	} else {
		d, err := model.Parse(expr)
		if err == nil {
			err = prof.Check(d)
		}
		if err != nil {
			return "", "", nil, o.overrides().ModelError(0, expr, err)
		}
		base = []advise.Point{{Model: d, Workload: p.Workload}}
	}
	return swept, cr.Resource, advise.CapacityPoints(base, cr), nil
}

// addCommonFlags defines the flags sweep and advise share with run.
func addCommonFlags(cmd *cobra.Command, o *runOptions, formats string) {
	f := cmd.Flags()
	f.StringVarP(&o.inline, "expr", "e", "", "an inline workload instead of a file (see conclab run --help)")
	addSimFlags(f, o)
	f.StringVar(&o.format, "format", "text", "output format: "+formats)
	f.StringVarP(&o.output, "output", "o", "", "write to this file (only once all succeeded) instead of stdout")
	addWidthFlag(f, &o.width)
}

// loadForAdvise reads the workload named by args or -e and resolves its
// runtime, cores and switch interval as run does; the models are the
// command's own, so the workload's models: are not used.
func loadForAdvise(ctx context.Context, s *streams, o *runOptions, args []string) (*plan.Plan, error) {
	var src string
	switch {
	case len(args) == 1 && o.inline != "":
		return nil, errors.New("give a workload FILE or NAME, or -e INLINE, not both")
	case len(args) == 1:
		src = args[0]
	case o.inline == "":
		return nil, errors.New("missing workload: give a FILE, the NAME of an example (see conclab examples) or -e INLINE")
	}
	wl, _, err := loadWorkload(s, src, o.inline)
	if err != nil {
		return nil, err
	}
	ov := o.overrides()
	ov.NoModels = true // the models: of the file are not ours
	return o.plan(ctx, s, wl, nil, ov)
}

func runSweep(ctx context.Context, s *streams, o *sweepOptions, args []string) error {
	switch o.format {
	case "text", "json", "svg", "html":
	default:
		return fmt.Errorf("invalid --format %q (want text, json, svg or html)", o.format)
	}
	if strings.TrimSpace(o.model) == "" && o.capacity == "" {
		return errors.New("sweep needs a model with a range, e.g. -m 'threads(1..64)', one model and --rate 50..500/s, or --capacity db=1..50")
	}
	if o.capacity != "" && o.rate != "" {
		return errors.New("--capacity and --rate: sweep one of them at a time")
	}
	p, err := loadForAdvise(ctx, s, &o.runOptions, args)
	if err != nil {
		return err
	}
	prof := p.Profile
	var swept, resource string
	var pts []advise.Point
	if o.capacity != "" {
		if swept, resource, pts, err = capacityPoints(s, p, o, args); err != nil {
			return err
		}
	} else if o.rate != "" {
		rates, err := advise.ParseRates(o.rate, o.steps, o.geometric)
		if err != nil {
			return fmt.Errorf("--rate: %w", err)
		}
		d, err := model.Parse(o.model)
		if err == nil {
			err = prof.Check(d)
		}
		if err != nil {
			if _, rerr := model.ParseSweep(o.model); rerr == nil {
				return fmt.Errorf("-m %q: --rate sweeps the rate under one model; give a model without a range", o.model)
			}
			return o.overrides().ModelError(0, o.model, err)
		}
		if pts, err = advise.RatePoints(p.Workload, d, rates); err != nil {
			return err
		}
		for _, pt := range pts {
			if err := p.CheckSteps(pt.Workload, o.overrides()); err != nil {
				return fmt.Errorf("--rate %g/s: %w", pt.Value, err)
			}
		}
		swept = advise.SweptRate
	} else {
		swept, pts, err = advise.ModelPoints(p.Workload, o.model, prof)
		switch {
		case errors.Is(err, advise.ErrNoRange):
			return fmt.Errorf("-m %q: no range to sweep; give one such as threads(1..64), or sweep the arrival rate with --rate 50..500/s", o.model)
		case err != nil:
			return o.overrides().ModelError(0, o.model, err)
		}
	}

	setup := advise.SetupOf(p)
	setup.Progress = s.progress("sweep", "points")
	sw, err := advise.RunResource(ctx, p.Workload, swept, resource, pts, setup)
	if err != nil {
		return fail(err)
	}
	var buf bytes.Buffer
	switch o.format {
	case "json":
		err = sw.WriteJSON(&buf)
	case "svg":
		err = sw.WriteSVG(&buf)
	case "html":
		err = sw.WriteHTML(&buf)
	default:
		err = sw.WriteText(&buf, s.textOptions(toFile(o.output), o.width).Width)
	}
	if err != nil {
		return fail(err)
	}
	return s.emit(ctx, o.output, buf.Bytes(), o.inputs(args)...)
}

// progress is a progress line on stderr for work counted in units (see
// progressLine).
func (s *streams) progress(what, unit string) func(done, total int) {
	show := s.progressLine()
	return func(done, total int) {
		show(fmt.Sprintf("%s: %d/%d %s", what, done, total, unit), done == total)
	}
}

// runProgress is the progress line of one simulation: the tasks finished
// and the virtual time reached, which moves on even while two tasks
// compute for hours ("run threads(2): 0/2 tasks, 1h12m0s simulated").
func (s *streams) runProgress(what string) func(sim.Progress) {
	show := s.progressLine()
	return func(p sim.Progress) {
		total := "?"
		if p.Total >= 0 {
			total = numfmt.Thousands(p.Total)
		}
		show(fmt.Sprintf("%s: %s/%s tasks, %s simulated", what, numfmt.Thousands(p.Done), total,
			time.Duration(p.Now).Round(time.Second)), p.Done == p.Total)
	}
}

// progressLine writes a progress line to stderr when it is a terminal,
// redrawn in place at most ten times a second, the final one always; a
// script reading stderr gets no progress lines, only what went wrong.
func (s *streams) progressLine() func(line string, final bool) {
	var last time.Time
	return func(line string, final bool) {
		switch {
		case !s.errTTY:
		case final:
			fmt.Fprintf(s.err, "\r%s\n", line)
		case time.Since(last) >= 100*time.Millisecond:
			last = time.Now()
			fmt.Fprintf(s.err, "\r%s", line)
		}
	}
}

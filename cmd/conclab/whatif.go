package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/conclab/conclab/internal/numfmt"
	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/plan"
	"github.com/conclab/conclab/report"
	"github.com/conclab/conclab/whatif"
)

type whatifOptions struct {
	runOptions
	model    string
	speedups string
	top      int
}

func newWhatifCmd(s *streams) *cobra.Command {
	var o whatifOptions
	cmd := &cobra.Command{
		Use:   "whatif FILE|NAME|-e INLINE [-m MODEL] [--speedup 10%,25%,50%,100%]",
		Short: "Rank the steps whose speed-up (or move elsewhere) buys the most: causal profiling",
		Long: `Whatif is causal profiling for a concurrency model. For every work and wait
step of the workload it simulates the workload with that step made faster
by each --speedup (100% removes it), and, for a work step that holds the
GIL, as C code that releases it ("gil: released") and, under a model with
an event loop, offloaded to a thread and to a process; for every resource,
with half and half again as many units. It ranks the changes by what they
buy: the cut in p99 for an open workload (a server), in the makespan for a
batch, each against the unchanged run.

A profiler says where the time goes; in a concurrent program that is not
where speeding up pays. A wait that other tasks overlap buys nothing when
shortened; the work every request does holding the GIL, or inside a lock
that everything queues for, buys the most. The simulation is exact, so
each speed-up is exact too (after Coz, Curtsinger and Berger, SOSP 2015).

A step is named by its group and its place: the 1-based index of each step
on the way down (a use's or repeat's steps; a gather's branch, then the step
in it; a choose's alternative, then the step in it), as view/2/1.

-m names the one model (the workload's first when not given). The
simulations run in parallel on all cores; the results do not depend on it.

After the ranking come the steps that buy nothing (under 1 %), even
removed, each with why: a resource that serialises the run (held most of
it), the cores kept busy, a gather that waits for a slower branch, an
alternative few tasks draw, or the step that sets the pace instead. JSON
lists them as "idle"; conclab explain --why tells the same after its story.

--format svg (or html, with the table under it) draws the causal profile:
a panel per step, its speed-up across and what it cuts up, on one scale, as
Coz draws it; --top says how many steps (and rows of the table).`,
		Example: `  conclab whatif db-pool -m 'threads(40)'
  conclab whatif api-io -m asyncio --speedup 50%
  conclab whatif -e '100 x [wait 5ms, use lock [work 2ms]]; res lock=1' -m 'threads(8)'
  conclab whatif crawler --format json
  conclab whatif db-pool -m 'threads(40)' --format svg -o profile.svg`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkCommonFlags(cmd, &o.runOptions, args); err != nil {
				return err
			}
			return runWhatif(cmd.Context(), s, &o, args)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.model, "model", "m", "", "the model (the workload's first when not given)")
	f.StringVar(&o.speedups, "speedup", "10%,25%,50%,100%", "the speed-ups tried on every step, the share of its duration taken off")
	f.IntVar(&o.top, "top", 15, "changes shown in the text, steps drawn in svg and html (JSON has them all)")
	addCommonFlags(cmd, &o.runOptions, "text, json, svg or html")
	return cmd
}

func runWhatif(ctx context.Context, s *streams, o *whatifOptions, args []string) error {
	switch o.format {
	case "text", "json", "svg", "html":
	default:
		return fmt.Errorf("invalid --format %q (want text, json, svg or html)", o.format)
	}
	if o.top < 1 {
		return fmt.Errorf("--top %d: want at least 1", o.top)
	}
	speedups, err := whatif.ParseSpeedups(o.speedups)
	if err != nil {
		return fmt.Errorf("--speedup %w", err)
	}
	p, err := loadForAdvise(ctx, s, &o.runOptions, args)
	if err != nil {
		return err
	}
	expr := strings.TrimSpace(o.model)
	if expr == "" {
		if len(p.Workload.Models) == 0 {
			return errors.New("whatif needs a model: give one with -m, e.g. -m 'threads(8)'")
		}
		expr = p.Workload.Models[0].Expr
	}
	d, err := model.Parse(expr)
	if err == nil {
		err = p.Profile.Check(d)
	}
	if err != nil {
		return o.overrides().ModelError(0, expr, err)
	}
	r, err := whatif.Run(ctx, p, d, whatif.Options{Speedups: speedups, Progress: s.progress("whatif", "simulations")})
	if err != nil {
		return fail(err)
	}
	var buf bytes.Buffer
	switch o.format {
	case "json":
		err = whatifJSON(&buf, p, r)
	case "svg":
		err = r.WriteSVG(&buf, o.top)
	case "html":
		var text bytes.Buffer
		if err = whatifText(&text, p, r, o.top, 0); err == nil {
			err = r.WriteHTML(&buf, o.top, text.String())
		}
	default:
		err = whatifText(&buf, p, r, o.top, s.textOptions(toFile(o.output), o.width).Width)
	}
	if err != nil {
		return fail(err)
	}
	return s.emit(ctx, o.output, buf.Bytes(), o.inputs(args)...)
}

// whatifText writes the ranking: the baseline, then the top changes.
func whatifText(w io.Writer, p *plan.Plan, r *whatif.Report, top, width int) error {
	writeWrapped(w, fmt.Sprintf("whatif %s · %s · runtime %s · %s · switch interval %s", oneLine(p.Workload.Name), r.Model,
		p.Profile.Name, numfmt.Count(p.Cores, "core", "cores"), report.Seconds(p.SwitchInterval)), width)
	b := r.Baseline
	writeWrapped(w, fmt.Sprintf("as it is: makespan %s, p50 %s, p99 %s, %.1f/s served", report.Seconds(b.Makespan),
		report.Seconds(b.P50), report.Seconds(b.P99), b.Served), width)
	by := "its makespan (a batch)"
	if r.Open() {
		by = "p99 (a server: an open workload)"
	}
	writeWrapped(w, fmt.Sprintf("%s tried, ranked by what they cut of %s:", numfmt.Count(len(r.Effects), "change", "changes"), by), width)
	fmt.Fprintln(w)
	head, rows := r.Table()
	writeColumns(w, append([][]string{head}, rows[:min(top, len(rows))]...), []bool{true, false, false, false, true, true, true, true, false}, width)
	fmt.Fprintln(w)
	if len(r.Effects) > top {
		writeWrapped(w, fmt.Sprintf("The top %d of %d; --top shows more, --format json lists them all.", top, len(r.Effects)), width)
	}
	what := "the makespan"
	if r.Open() {
		what = "p99"
	}
	if r.Best() == nil {
		writeWrapped(w, fmt.Sprintf("No change cuts %s by 1 %% or more: no one step, and no resource's size, holds this run back.", what), width)
	}
	if idle := r.Idle(); len(idle) > 0 {
		fmt.Fprintln(w)
		writeWrapped(w, fmt.Sprintf("Speeding these up buys nothing (under 1 %% of %s, even removed):", what), width)
		for _, x := range idle {
			writeWrapped(w, fmt.Sprintf("- %s (%s): %s.", x.Step, x.Said(), x.Why), width)
		}
	}
	return nil
}

// whatifJSON writes the report as SPEC §5's header, the model, the
// baseline and every change with its figures (whatif.Document).
func whatifJSON(w io.Writer, p *plan.Plan, r *whatif.Report) error {
	return report.WriteJSON(w, r.Document(p.Header()))
}

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/conclab/conclab/explain"
	"github.com/conclab/conclab/plan"
	"github.com/conclab/conclab/report"
	"github.com/conclab/conclab/whatif"
	"github.com/conclab/conclab/workload"

	"github.com/conclab/conclab/internal/jsonout"
	"github.com/conclab/conclab/internal/numfmt"
)

type explainOptions struct {
	runOptions
	why bool
}

func newExplainCmd(s *streams) *cobra.Command {
	var o explainOptions
	cmd := &cobra.Command{
		Use:   "explain FILE|NAME|-e INLINE -m MODEL",
		Short: "Tell one model's run as a story, step by step",
		Long: `Explain simulates a workload under one model and tells what happened, in
time order and plain words: which task starts where, who waits and for what,
when the event loop switches tasks, when a blocking call stalls it, which
thread waits for the GIL and which one holds it, and where the time went.

Similar events close together in time are folded into one line with ×N and
a time range, so thousands of tasks still read as a page. Lines marked ⚠
are the ones to fix (a blocking call on an event loop, a long computation
on it).

The workload is given as for "conclab run". -m names the model; it may be
left out when the workload lists exactly one.

--why then says what to speed up: it runs conclab whatif's changes (every
step faster, offloaded, releasing the GIL; every resource bigger and
smaller) and names the one that cuts the makespan (a batch) or p99 (a
server) most, and, for each step that buys nothing even removed, why: the
resource that serialises the run, the cores kept busy, the gather's slower
branch, the rarely drawn alternative, the step that sets the pace.`,
		Example: `  conclab explain seed-io -m asyncio
  conclab explain seed-blocking -m asyncio
  conclab explain convoy
  conclab explain -e '3 x [work 1s]' -m 'threads(3)' --cores 2
  conclab explain memory -m 'threads(1000)' --width 80 --format json
  conclab explain -e 'res lock=1; 100 x [wait 1ms, use lock [work 2ms]]' -m 'threads(8)' --why`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.models = splitModels(o.models)
			if err := checkCommonFlags(cmd, &o.runOptions, args); err != nil {
				return err
			}
			o.width = s.textOptions(false, o.width).Width
			return runExplain(cmd.Context(), s, &o, args)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.inline, "expr", "e", "", "an inline workload instead of a file (see conclab run --help)")
	f.StringArrayVarP(&o.models, "model", "m", nil, "the model to explain, such as asyncio or threads(8)")
	addSimFlags(f, &o.runOptions)
	f.StringVar(&o.format, "format", "text", "output format: text or json")
	f.BoolVar(&o.why, "why", false, "then say what to speed up, and why the other steps buy nothing (as conclab whatif finds)")
	addWidthFlag(f, &o.width)
	return cmd
}

func runExplain(ctx context.Context, s *streams, o *explainOptions, args []string) error {
	if o.format != "text" && o.format != "json" {
		return fmt.Errorf("invalid --format %q (want text or json)", o.format)
	}
	var src string
	switch {
	case len(args) == 1 && o.inline != "":
		return errors.New("give a workload FILE or NAME, or -e INLINE, not both")
	case len(args) == 1:
		src = args[0]
	case o.inline == "":
		return errors.New("missing workload: give a FILE, the NAME of an example (see conclab examples) or -e INLINE")
	}
	if len(o.models) > 1 {
		return fmt.Errorf("-m: explain tells one model's story, got %d (%s); run it once per model", len(o.models), strings.Join(o.models, ", "))
	}
	wl, text, err := loadWorkload(s, src, o.inline)
	if err != nil {
		return err
	}
	if len(o.models) == 0 && len(wl.Models) != 1 {
		var names []string
		for _, m := range wl.Models {
			names = append(names, m.Expr)
		}
		if len(names) == 0 {
			return errors.New("missing -m MODEL: explain tells one model's story, and the workload names none (try -m asyncio or -m 'threads(8)')")
		}
		return fmt.Errorf("missing -m MODEL: explain tells one model's story, and the workload lists %d (%s)", len(names), strings.Join(names, ", "))
	}
	p, err := newPlan(ctx, s, wl, text, &o.runOptions)
	if err != nil {
		return err
	}
	if n := p.Tasks(); n > maxSpanTasks {
		return fmt.Errorf("%s has %s; explain follows every task and takes at most %s (conclab run summarises any number)",
			wl.Name, numfmt.Count(n, "task", "tasks"), numfmt.Thousands(maxSpanTasks))
	}
	runs, err := simulate(ctx, p, spanPlan{keep: true, needs: "explain"}, true)
	if err != nil {
		return err
	}
	run := runs[0]
	lines := explain.Narrate(wl, run.Result, run.Spans)
	var prof *whatif.Report
	if o.why {
		prof, err = whatif.Run(ctx, p, p.Models[0], whatif.Options{Progress: s.progress("explain --why", "simulations")})
		if err != nil {
			return fail(err)
		}
	}

	var buf bytes.Buffer
	if o.format == "json" {
		err = explainJSON(&buf, p, run, lines, prof)
	} else {
		head := fmt.Sprintf("%s · %s · runtime %s · %d %s · switch interval %s",
			wl.Name, run.Result.Model, p.Profile.Name, p.Cores, numfmt.Plural(p.Cores, "core", "cores"), workload.FormatDuration(p.SwitchInterval))
		writeWrapped(&buf, head, o.width)
		if note := p.Profile.SlowdownNote(); note != "" {
			writeWrapped(&buf, note, o.width)
		}
		fmt.Fprintln(&buf)
		err = explain.Write(&buf, lines, o.width)
		if err == nil && prof != nil {
			fmt.Fprintln(&buf)
			writeWhy(&buf, prof, o.width)
		}
	}
	if err != nil {
		return fail(err)
	}
	_, err = s.out.Write(buf.Bytes())
	return fail(err)
}

// explainJSON writes the narration as one JSON object.
func explainJSON(buf *bytes.Buffer, p *plan.Plan, run report.Run, lines []explain.Line, prof *whatif.Report) error {
	type line struct {
		AtS   float64 `json:"at_s"`
		Text  string  `json:"text"`
		Warn  bool    `json:"warn"`
		Count int     `json:"count"`
	}
	doc := struct {
		Workload  string  `json:"workload"`
		Model     string  `json:"model"`
		Runtime   string  `json:"runtime"`
		Slowdown  string  `json:"runtime_slowdown,omitempty"` // Profile.SlowdownNote
		Cores     int     `json:"cores"`
		MakespanS float64 `json:"makespan_s"`
		Lines     []line  `json:"lines"`
		Why       *why    `json:"why,omitempty"` // with --why
	}{p.Workload.Name, run.Result.Model, p.Profile.Name, p.Profile.SlowdownNote(), p.Cores, float64(run.Result.Makespan) / 1e9, make([]line, len(lines)), whyOf(prof)}
	for i, l := range lines {
		doc.Lines[i] = line{float64(l.At) / 1e9, l.Text, l.Warn, l.Count}
	}
	return jsonout.WriteIndented(buf, doc)
}

// why is explain --why's finding in JSON: the change that buys the most,
// and the steps that buy nothing, with why.
type why struct {
	Best *whyBest  `json:"best"` // null when no change cuts the ranked metric by 1 % or more
	Idle []whyIdle `json:"idle"`
}

type whyBest struct {
	Step     string  `json:"step,omitempty"`
	What     string  `json:"what,omitempty"`
	Source   string  `json:"source,omitempty"`
	Resource string  `json:"resource,omitempty"`
	Change   string  `json:"change"`
	Metric   string  `json:"metric"` // makespan or p99
	Cut      float64 `json:"cut"`    // the share of the metric it takes off
}

type whyIdle struct {
	Step   string `json:"step"`
	What   string `json:"what"`
	Source string `json:"source,omitempty"`
	Why    string `json:"why"`
}

func whyOf(r *whatif.Report) *why {
	if r == nil {
		return nil
	}
	w := &why{Idle: []whyIdle{}}
	if b := r.Best(); b != nil {
		w.Best = &whyBest{Step: b.Step, What: b.What, Source: b.Source, Resource: b.Resource, Change: b.Label(), Metric: r.Metric(), Cut: -r.Ranked(b)}
	}
	for _, x := range r.Idle() {
		w.Idle = append(w.Idle, whyIdle{x.Step, x.What, x.Source, x.Why})
	}
	return w
}

// writeWhy tells explain --why's finding: what to speed up, and what not.
func writeWhy(w io.Writer, r *whatif.Report, width int) {
	metric := "the makespan"
	if r.Open() {
		metric = "p99"
	}
	if b := r.Best(); b != nil {
		what := fmt.Sprintf("%s (%s) %s", b.Step, b.Said(), b.Label())
		if b.Kind == whatif.Capacity {
			what = b.Label()
		}
		writeWrapped(w, fmt.Sprintf("What to speed up: %s cuts %s %s, the most of %s tried (conclab whatif lists them).",
			what, metric, numfmt.WholePercent(-r.Ranked(b)), numfmt.Count(len(r.Effects), "change", "changes")), width)
	} else {
		writeWrapped(w, fmt.Sprintf("What to speed up: nothing; no change cuts %s by 1 %% or more.", metric), width)
	}
	for _, x := range r.Idle() {
		writeWrapped(w, fmt.Sprintf("Speeding up %s (%s) buys nothing, even removed: %s.", x.Step, x.Said(), x.Why), width)
	}
}

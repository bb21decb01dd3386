package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/plan"
	"github.com/conclab/conclab/report"
	"github.com/conclab/conclab/truth"
)

// Slack for servers: p50 passes within the tolerance or p50Slack, p99
// within p99Factor × the tolerance or p99Slack; throughput within the
// tolerance.
const (
	p50Slack  = 2 * time.Millisecond
	p99Factor = 3
	p99Slack  = 10 * time.Millisecond
)

// served is one model of an open workload: predicted, and measured on a
// real server.
type served struct {
	model     model.Deployment
	runner    truth.Runner // what served it
	server    string       // what served it, in words
	predicted report.Run
	measured  *truth.LoadResult
	p50, p99  float64 // relative errors
	tput      float64
}

// verdicts says which figures of s are beyond the tolerance.
func (s served) verdicts(tol float64) []string {
	var off []string
	p, m := s.predicted.Result, s.measured
	if math.Abs(s.p50) > tol && math.Abs(float64(m.P50-p.Latency.P50)) > float64(p50Slack) {
		off = append(off, "p50 "+signedPercent(s.p50))
	}
	if math.Abs(s.tput) > tol {
		off = append(off, "throughput "+signedPercent(s.tput))
	}
	if math.Abs(s.p99) > p99Factor*tol && math.Abs(float64(m.P99-p.Latency.P99)) > float64(p99Slack) {
		off = append(off, "p99 "+signedPercent(s.p99))
	}
	if m.Errors > 0 {
		off = append(off, fmt.Sprintf("%d failed requests (%s)", m.Errors, m.FirstErr))
	}
	return off
}

// runVerifyOpen checks an open workload against real servers.
func runVerifyOpen(ctx context.Context, s *streams, o *verifyOptions, args []string, p *plan.Plan, py interpreter, tol float64) error {
	reqs, err := truth.Requests(p.Workload, truth.MaxRequests)
	if err != nil {
		return err
	}
	if len(reqs) == 0 {
		return fmt.Errorf("verify %s: the arrivals give no request", oneLine(p.Workload.Name))
	}
	runs, err := simulate(ctx, p, spanPlan{}, false)
	if err != nil {
		return err
	}
	window := reqs[len(reqs)-1].At
	if a := p.Workload.Arrivals; a.Count == 0 {
		window = a.For
	}
	timeout := o.timeout
	if timeout <= 0 {
		timeout = max(time.Minute, 3*time.Duration(window)+30*time.Second)
	}
	// gunicorn and uvicorn serve the composites when python has them; a
	// python that cannot say runs the standard library's servers.
	var av truth.Available
	if needsThirdParty(p.Models) {
		av, _ = truth.DetectServers(ctx, py.path)
	}
	var checks []served
	for i, d := range p.Models {
		srv, err := truth.NewServer(p.Workload, d, reqs, truth.ExportOptions{Cores: p.Cores, SwitchInterval: p.SwitchInterval}, av)
		if err != nil {
			return fail(err)
		}
		var results []*truth.LoadResult
		for k := 1; k <= o.repeat; k++ {
			fmt.Fprintf(s.err, "verify %s: %s on %s, run %d/%d, %s …\n", oneLine(p.Workload.Name), d, srv.Runner, k, o.repeat, count(len(reqs), "request", "requests"))
			res, err := srv.Check(ctx, py.path, reqs, truth.ServerOptions{
				Load:    truth.LoadOptions{Window: window},
				Timeout: timeout,
			})
			if err != nil {
				if ctx.Err() != nil {
					return interrupted(ctx, p.Workload.Name, err)
				}
				return fail(fmt.Errorf("verify %s under %s, run %d: %w", oneLine(p.Workload.Name), d, k, err))
			}
			results = append(results, res)
		}
		// The run of the median p50 stands for the model.
		slices.SortFunc(results, func(a, b *truth.LoadResult) int { return int(a.P50 - b.P50) })
		m := results[len(results)/2]
		pr := runs[i].Result
		checks = append(checks, served{model: d, runner: srv.Runner, server: srv.Kind, predicted: runs[i], measured: m,
			p50: truth.RelErr(pr.Latency.P50, m.P50), p99: truth.RelErr(pr.Latency.P99, m.P99),
			tput: (m.Throughput - pr.Throughput) / math.Max(pr.Throughput, 1e-9)})
	}

	var buf bytes.Buffer
	if o.format == "json" {
		err = verifyOpenJSON(&buf, p, py, o.repeat, tol, checks)
	} else {
		err = verifyOpenText(&buf, p, py, o.repeat, tol, len(reqs), checks, s.textOptions(toFile(o.output)).Width)
	}
	if err != nil {
		return fail(err)
	}
	if err := s.emit(ctx, o.output, buf.Bytes(), o.inputs(args)...); err != nil {
		return err
	}
	var off []string
	for _, c := range checks {
		if v := c.verdicts(tol); len(v) > 0 {
			off = append(off, fmt.Sprintf("%s: %s", c.model, strings.Join(v, ", ")))
		}
	}
	if len(off) > 0 {
		return fail(fmt.Errorf("beyond the tolerance: %s", strings.Join(off, "; ")))
	}
	return nil
}

func verifyOpenText(w io.Writer, p *plan.Plan, py interpreter, repeat int, tol float64, n int, checks []served, width int) error {
	writeWrapped(w, fmt.Sprintf("verify %s · open workload · %s · %s · switch interval %s", oneLine(p.Workload.Name),
		count(n, "request", "requests"), count(p.Cores, "core", "cores"), report.Seconds(p.SwitchInterval)), width)
	writeWrapped(w, fmt.Sprintf("real servers on 127.0.0.1 with %s, driven open-loop by conclab's load generator (a connection per request, latency from the scheduled send); the run of median p50 of %s per model",
		py, count(repeat, "run", "runs")), width)
	fmt.Fprintln(w)
	rows := [][]string{{"model", "", "p50", "p99", "max", "throughput", ""}}
	for _, c := range checks {
		pr, m := c.predicted.Result, c.measured
		note := ""
		if pr.Overloaded {
			note = "overloaded"
		}
		rows = append(rows,
			[]string{c.model.String(), "predicted", report.Seconds(pr.Latency.P50), report.Seconds(pr.Latency.P99),
				report.Seconds(pr.Latency.Max), fmt.Sprintf("%.1f/s", pr.Throughput), note},
			[]string{"", "measured", report.Seconds(m.P50), report.Seconds(m.P99), report.Seconds(m.Max),
				fmt.Sprintf("%.1f/s", m.Throughput), fmt.Sprintf("%d ok, %d failed", m.OK, m.Errors)})
		verdict := "ok"
		if v := c.verdicts(tol); len(v) > 0 {
			verdict = "beyond: " + strings.Join(v, ", ")
		}
		rows = append(rows, []string{"", "error", signedPercent(c.p50), signedPercent(c.p99), "",
			signedPercent(c.tput), verdict})
	}
	writeColumns(w, rows, []bool{false, false, true, true, true, true, false}, width)
	fmt.Fprintln(w)
	for _, c := range checks {
		writeWrapped(w, fmt.Sprintf("%s ran as %s.", c.model, c.server), width)
	}
	writeWrapped(w, fmt.Sprintf("Judged: p50 within ±%s (or %s) and throughput within ±%s; p99, noisier on a real machine, within ±%s (or %s). Throughput is answered requests per second of the arrival window, as the simulator counts it.",
		percentText(tol), p50Slack, percentText(tol), percentText(p99Factor*tol), p99Slack), width)
	return nil
}

func verifyOpenJSON(w io.Writer, p *plan.Plan, py interpreter, repeat int, tol float64, checks []served) error {
	pred := make([]report.Run, len(checks))
	for i, c := range checks {
		pred[i] = c.predicted
	}
	predDoc, err := report.NewDocument(p.Header(), p.Workload, pred, true)
	if err != nil {
		return err
	}
	type measuredDoc struct {
		Requests   int     `json:"requests"`
		OK         int     `json:"ok"`
		Errors     int     `json:"errors"`
		P50        float64 `json:"p50_s"`
		P99        float64 `json:"p99_s"`
		Max        float64 `json:"max_s"`
		Mean       float64 `json:"mean_s"`
		Throughput float64 `json:"throughput"`
	}
	type errorDoc struct {
		P50        float64 `json:"p50"`
		P99        float64 `json:"p99"`
		Throughput float64 `json:"throughput"`
	}
	type result struct {
		report.Result
		Runner   string      `json:"runner"`
		Server   string      `json:"server"`
		Measured measuredDoc `json:"measured"`
		Error    errorDoc    `json:"error"`
	}
	doc := struct {
		report.Header
		Python    string   `json:"python"`
		Repeat    int      `json:"repeat"`
		Tolerance float64  `json:"tolerance"`
		P99Factor float64  `json:"p99_tolerance_factor"`
		Results   []result `json:"results"`
	}{predDoc.Header, py.version, repeat, tol, p99Factor, nil}
	for i, c := range checks {
		m := c.measured
		doc.Results = append(doc.Results, result{predDoc.Results[i], c.runner.String(), c.server,
			measuredDoc{m.Sent, m.OK, m.Errors, sec(m.P50), sec(m.P99), sec(m.Max), sec(m.Mean), m.Throughput},
			errorDoc{c.p50, c.p99, c.tput}})
	}
	return report.WriteJSON(w, doc)
}

// needsThirdParty says whether a model of models could run on gunicorn or
// uvicorn (worker processes), so that python is asked which it has.
func needsThirdParty(models []model.Deployment) bool {
	for _, d := range models {
		if d.Kind == model.Processes {
			return true
		}
	}
	return false
}

func sec(ns int64) float64 { return float64(ns) / 1e9 }

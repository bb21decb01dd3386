package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/plan"
	"github.com/conclab/conclab/report"
	"github.com/conclab/conclab/truth"

	"github.com/conclab/conclab/internal/numfmt"
)

// How far a real server may be from its prediction (truth.ServerCheck.Verdicts).
const (
	p50Slack  = truth.P50Slack
	p99Factor = truth.P99Factor
	p99Slack  = truth.P99Slack
)

// served is one model of an open workload: predicted, and measured on a
// real server.
type served struct {
	check     truth.ServerCheck
	model     model.Deployment
	runner    truth.Runner // what served it
	server    string       // what served it, in words
	predicted report.Run
	measured  *truth.LoadResult
	p50, p99  float64 // relative errors
	tput      float64
}

// verdicts says which figures of s are beyond the tolerance.
func (s served) verdicts(tol float64) []string { return s.check.Verdicts(tol) }

// runVerifyOpen checks an open workload against real servers.
func runVerifyOpen(ctx context.Context, s *streams, o *verifyOptions, args []string, p *plan.Plan, tol float64) error {
	rep, err := truth.CheckOpen(ctx, truth.OpenConfig{Target: target(p), Python: o.python, GILPython: o.gilPython, Repeat: o.repeat,
		Timeout: o.timeout, Progress: verifyProgress(s)})
	if err != nil {
		return verifyError(ctx, p.Workload.Name, err)
	}
	py := interpreterOf(rep.Python)
	checks := make([]served, len(rep.Models))
	for i, c := range rep.Models {
		checks[i] = served{check: c, model: c.Model, runner: c.Runner, server: c.Server, predicted: c.Predicted,
			measured: c.Measured, p50: c.P50, p99: c.P99, tput: c.Throughput}
	}

	var buf bytes.Buffer
	if o.format == "json" {
		err = verifyOpenJSON(&buf, p, py, o.repeat, tol, checks)
	} else {
		err = verifyOpenText(&buf, p, py, o.repeat, tol, rep.Requests, checks, s.textOptions(toFile(o.output), o.width).Width)
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
		numfmt.Count(n, "request", "requests"), numfmt.Count(p.Cores, "core", "cores"), report.Seconds(p.SwitchInterval)), width)
	writeWrapped(w, fmt.Sprintf("real servers on 127.0.0.1 with %s, driven open-loop by conclab's load generator (a connection per request, latency from when it sent the request); the run of median p50 of %s per model",
		py, numfmt.Count(repeat, "run", "runs")), width)
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
		rows = append(rows, []string{"", "error", numfmt.SignedPercent(c.p50), numfmt.SignedPercent(c.p99), "",
			numfmt.SignedPercent(c.tput), verdict})
	}
	writeColumns(w, rows, []bool{false, false, true, true, true, true, false}, width)
	fmt.Fprintln(w)
	for _, c := range checks {
		writeWrapped(w, fmt.Sprintf("%s ran as %s; it spends %s of CPU on a request beyond its steps (measured with %d requests that do nothing), charged to the prediction.",
			c.model, c.server, report.Seconds(c.check.Cost), truth.CostRequests), width)
		if m := c.measured; m.Errors > 0 && !c.check.FailuresJudged() {
			writeWrapped(w, fmt.Sprintf("%s: %d of %d requests failed (%s), not judged: the simulator finds this model overloaded, and a real server's queue then outgrows its listen backlog, where the kernel drops or resets connections that wait too long; the figures are the answered requests'.",
				c.model, m.Errors, m.Sent, m.FirstErr), width)
		}
	}
	writeWrapped(w, fmt.Sprintf("Judged: p50 within ±%s (or %s) and throughput within ±%s; p99, noisier on a real machine, within ±%s (or %s). Throughput is answered requests per second of the arrival window, or, for a model the simulator finds overloaded, from the first request to the last answer: the rate served, as the simulator counts it.",
		numfmt.ShortPercent(tol), p50Slack, numfmt.ShortPercent(tol), numfmt.ShortPercent(p99Factor*tol), p99Slack), width)
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
		Runner string `json:"runner"`
		Server string `json:"server"`
		// The server's CPU per request beyond its steps, charged to the
		// prediction (truth.RequestCost).
		ServerCost float64     `json:"server_cost_s"`
		Measured   measuredDoc `json:"measured"`
		Error      errorDoc    `json:"error"`
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
		doc.Results = append(doc.Results, result{predDoc.Results[i], c.runner.String(), c.server, sec(c.check.Cost),
			measuredDoc{m.Sent, m.OK, m.Errors, sec(m.P50), sec(m.P99), sec(m.Max), sec(m.Mean), m.Throughput},
			errorDoc{c.p50, c.p99, c.tput}})
	}
	return report.WriteJSON(w, doc)
}

func sec(ns int64) float64 { return float64(ns) / 1e9 }

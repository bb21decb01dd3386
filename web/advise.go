package web

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/conclab/conclab/advise"
	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/plan"
	"github.com/conclab/conclab/workload"

	"github.com/conclab/conclab/internal/numfmt"
)

// Limits of advise and sweep requests, besides those of a run's workload
// (MaxTasks, MaxSteps per simulation).
const (
	// MaxSweepSteps is the most steps all the simulations of one advise
	// or sweep may take together, as MaxSteps counts them: as many as a
	// run of MaxModels models may take.
	MaxSweepSteps = MaxModels * MaxSteps
	// MaxRatePoints is the most points a sweep of rates may have.
	MaxRatePoints = 64
	// DefaultRatePoints is the points of a sweep of rates that does not
	// say, as for `conclab sweep --rate`.
	DefaultRatePoints = 10
)

// AdviseRequest is the body of POST /api/advise: the workload, and the
// bounds of `conclab advise --p99 --memory`.
type AdviseRequest struct {
	WorkloadRequest
	// P99 rejects candidates whose p99 latency is above it: a duration
	// such as "200ms"; empty means no bound.
	P99 string `json:"p99,omitempty"`
	// Memory rejects candidates whose peak resident memory is above it:
	// a size such as "2GiB"; empty means no bound.
	Memory string `json:"memory,omitempty"`
}

// SweepRequest is the body of POST /api/sweep, as `conclab sweep` takes
// it: a model with one range, such as "threads(1..64)", or one model and
// a range of arrival rates.
type SweepRequest struct {
	WorkloadRequest
	// Model is a model with one range, or with Rate a model without.
	Model string `json:"model"`
	// Rate sweeps the arrival rate of an open workload instead, such as
	// "50..500/s", in Steps points (DefaultRatePoints when 0, at most
	// MaxRatePoints), evenly or, when Geometric, in a constant ratio.
	Rate      string `json:"rate,omitempty"`
	Steps     int    `json:"steps,omitempty"`
	Geometric bool   `json:"geometric,omitempty"`
}

// adviceDoc answers an advise request: the document of `conclab advise
// --format json`, with the table of candidates as the text prints it.
type adviceDoc struct {
	advise.AdviceDocument
	Table textTable `json:"table"`
}

// sweepDoc answers a sweep request: the document of `conclab sweep
// --format json`, with its title, the table and the knee in words as the
// text prints them, and the plot (`--format svg`).
type sweepDoc struct {
	advise.SweepDocument
	Title    string    `json:"title"`
	Table    textTable `json:"table"`
	KneeText string    `json:"knee_text"`
	// KneeNote says what the knee's rule weighed besides throughput, when
	// it passed over a smaller pool (advise.Knee.Note).
	KneeNote string `json:"knee_note,omitempty"`
	SVG      string `json:"svg"`
}

// textTable is a table as a command's text prints it, cell by cell.
type textTable struct {
	Head []string   `json:"head"`
	Rows [][]string `json:"rows"`
}

func tableOf(head []string, rows [][]string) textTable {
	if rows == nil {
		rows = [][]string{}
	}
	return textTable{Head: head, Rows: rows}
}

// advise answers POST /api/advise.
func (s *server) advise(w http.ResponseWriter, r *http.Request) {
	var req AdviseRequest
	if err := readJSON(w, r, &req, "an advise request", `{"yaml": "...", "p99": "200ms", "memory": "2GiB"}`); err != nil {
		s.fail(w, r, err)
		return
	}
	s.inTurn(w, r, func(ctx context.Context) error {
		a, err := adviseFor(ctx, &req)
		if err != nil {
			return err
		}
		writeValue(w, http.StatusOK, adviceDoc{AdviceDocument: a.Document(), Table: tableOf(a.Table())})
		return nil
	})
}

// adviseFor checks an advise request and simulates its candidates.
func adviseFor(ctx context.Context, req *AdviseRequest) (*advise.Advice, error) {
	var c advise.Constraints
	if v := strings.TrimSpace(req.P99); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return nil, badRequest("p99", "p99 %q: want a positive duration such as 200ms", req.P99)
		}
		c.P99 = int64(d)
	}
	if v := strings.TrimSpace(req.Memory); v != "" {
		n, err := advise.ParseBytes(v)
		if err != nil {
			return nil, badRequest("memory", "memory %q: %v", req.Memory, err)
		}
		c.Memory = n
	}
	p, err := newPlan(&req.WorkloadRequest, nil, true)
	if err != nil {
		return nil, err
	}
	if err := checkTasks(p.Tasks()); err != nil {
		return nil, err
	}
	setup := advise.SetupOf(p)
	var sims []simulation
	for _, cd := range advise.Candidates(p.Workload, setup) {
		sims = append(sims, simulation{cd.Workload, cd.Model})
	}
	if err := checkBudget(p, sims, "candidates"); err != nil {
		return nil, err
	}
	a, err := advise.Advise(ctx, p.Workload, c, setup)
	if err != nil {
		return nil, simulationError(ctx, p.Workload.Name, err)
	}
	return a, nil
}

// sweep answers POST /api/sweep.
func (s *server) sweep(w http.ResponseWriter, r *http.Request) {
	var req SweepRequest
	if err := readJSON(w, r, &req, "a sweep request", `{"yaml": "...", "model": "threads(1..64)"}`); err != nil {
		s.fail(w, r, err)
		return
	}
	s.inTurn(w, r, func(ctx context.Context) error {
		sw, err := sweepFor(ctx, &req)
		if err != nil {
			return err
		}
		var svg strings.Builder
		if err := sw.WriteSVG(&svg); err != nil {
			return err
		}
		writeValue(w, http.StatusOK, sweepDoc{SweepDocument: sw.Document(), Title: sw.Title(), Table: tableOf(sw.Table()),
			KneeText: sw.KneeSentence(), KneeNote: sw.Knee.Note, SVG: svg.String()})
		return nil
	})
}

// sweepFor checks a sweep request, as `conclab sweep` checks its flags,
// and simulates its points.
func sweepFor(ctx context.Context, req *SweepRequest) (*advise.Sweep, error) {
	expr := strings.TrimSpace(req.Model)
	if expr == "" {
		return nil, badRequest("model", "a sweep needs a model with a range, such as threads(1..64), or one model and a rate range such as 50..500/s")
	}
	p, err := newPlan(&req.WorkloadRequest, nil, true)
	if err != nil {
		return nil, err
	}
	if err := checkTasks(p.Tasks()); err != nil {
		return nil, err
	}
	prof := p.Profile
	modelError := func(err error) error {
		o := plan.Overrides{Names: map[plan.Field]string{plan.FieldModels: "model"}}
		return badRequest("model", "%s", o.ModelError(0, expr, err).Msg)
	}
	var swept string
	var pts []advise.Point
	if strings.TrimSpace(req.Rate) != "" {
		n := req.Steps
		if n == 0 {
			n = DefaultRatePoints
		}
		if n < 2 || n > MaxRatePoints {
			return nil, badRequest("steps", "steps %d: want 2 to %d points", req.Steps, MaxRatePoints)
		}
		rates, err := advise.ParseRates(req.Rate, n, req.Geometric)
		if err != nil {
			return nil, badRequest("rate", "%v", err)
		}
		d, err := model.Parse(expr)
		if err == nil {
			err = prof.Check(d)
		}
		if err != nil {
			if _, rerr := model.ParseSweep(expr); rerr == nil && strings.Contains(expr, "..") {
				return nil, badRequest("model", "model %q: a sweep of rates runs one model; give one without a range", expr)
			}
			return nil, modelError(err)
		}
		if pts, err = advise.RatePoints(p.Workload, d, rates); err != nil {
			return nil, badRequest("rate", "%v", err)
		}
		for _, pt := range pts {
			if err := checkTasks(int(pt.Workload.ExpectedArrivals())); err != nil {
				return nil, err
			}
		}
		swept = advise.SweptRate
	} else {
		swept, pts, err = advise.ModelPoints(p.Workload, expr, prof)
		switch {
		case errors.Is(err, advise.ErrNoRange):
			return nil, badRequest("model", "model %q: no range to sweep; give one such as threads(1..64), or sweep the arrival rate with a rate range such as 50..500/s", expr)
		case err != nil:
			return nil, modelError(err)
		}
	}
	sims := make([]simulation, len(pts))
	for i, pt := range pts {
		sims[i] = simulation{pt.Workload, pt.Model}
	}
	if err := checkBudget(p, sims, "points"); err != nil {
		return nil, err
	}
	sw, err := advise.Run(ctx, p.Workload, swept, pts, advise.SetupOf(p))
	if err != nil {
		return nil, simulationError(ctx, p.Workload.Name, err)
	}
	return sw, nil
}

// simulation is one of the simulations of an advise or a sweep.
type simulation struct {
	wl *workload.Workload
	d  model.Deployment
}

// checkBudget refuses simulations of which one would take more than
// MaxSteps steps, or all of them together more than MaxSweepSteps, as p
// estimates them (plan.Plan.Steps). what names them for the message.
func checkBudget(p *plan.Plan, sims []simulation, what string) error {
	defer func(models []model.Deployment) { p.Models = models }(p.Models)
	var total int64
	for _, s := range sims {
		p.Models = []model.Deployment{s.d}
		n := p.Steps(s.wl)
		if n > MaxSteps {
			return tooBig("%s under %s: about %s steps (tasks × steps with repeats unrolled, and the GIL hand-overs of threads computing together): the page simulates at most %s per model (the command line has no such bound: run it there)",
				p.Workload.Name, s.d, numfmt.Thousands(n), numfmt.Thousands(MaxSteps))
		}
		total += n
	}
	if total > MaxSweepSteps {
		return tooBig("%s %s: about %s steps together; the page simulates at most %s (the command line has no such bound: run it there)",
			numfmt.Thousands(len(sims)), what, numfmt.Thousands(total), numfmt.Thousands(MaxSweepSteps))
	}
	return nil
}

package web

import (
	"context"
	"net/http"
	"strings"

	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/plan"
	"github.com/conclab/conclab/whatif"

	"github.com/conclab/conclab/internal/numfmt"
)

const (
	// WhatifTop is how many steps the causal profile of a whatif answer
	// draws, the panels of its plot.
	WhatifTop = 8
	// MaxWhatifChanges is the most changes one whatif may try, each a
	// simulation (422 beyond). The examples make at most a few dozen; the
	// workloads of those it refuses take memory in proportion to the
	// square of their size, as each change copies the steps on its way.
	MaxWhatifChanges = 500
)

// WhatifRequest is the body of POST /api/whatif, as `conclab whatif`
// takes it: the workload, one model and the speed-ups to try.
type WhatifRequest struct {
	WorkloadRequest
	// Model is one model expression; empty means the workload's first.
	Model string `json:"model,omitempty"`
	// Speedups are the speed-ups tried on every step, as `conclab whatif
	// --speedup` takes them: "10%,25%,50%,100%" (whatif.DefaultSpeedups)
	// when empty.
	Speedups string `json:"speedups,omitempty"`
}

// whatifDoc answers a whatif request: the document of `conclab whatif
// --format json`, with the ranking as the text prints it and the causal
// profile of the top WhatifTop steps (`--format svg`).
type whatifDoc struct {
	whatif.Document
	Table textTable `json:"table"`
	SVG   string    `json:"svg"`
}

// whatif answers POST /api/whatif.
func (s *server) whatif(w http.ResponseWriter, r *http.Request) {
	var req WhatifRequest
	if err := readJSON(w, r, &req, "a whatif request", `{"yaml": "...", "model": "threads(8)", "speedups": "25%,50%"}`); err != nil {
		s.fail(w, r, err)
		return
	}
	s.inTurn(w, r, func(ctx context.Context) error {
		p, rep, err := whatifFor(ctx, &req)
		if err != nil {
			return err
		}
		var svg strings.Builder
		if err := rep.WriteSVG(&svg, WhatifTop); err != nil {
			return err
		}
		writeValue(w, http.StatusOK, whatifDoc{Document: rep.Document(p.Header()), Table: tableOf(rep.Table()), SVG: svg.String()})
		return nil
	})
}

// whatifFor checks a whatif request, as `conclab whatif` checks its
// flags, and simulates the workload unchanged and under every change.
func whatifFor(ctx context.Context, req *WhatifRequest) (*plan.Plan, *whatif.Report, error) {
	speedups := whatif.DefaultSpeedups
	if v := strings.TrimSpace(req.Speedups); v != "" {
		var err error
		if speedups, err = whatif.ParseSpeedups(v); err != nil {
			return nil, nil, badRequest("speedups", "speedups %v", err)
		}
	}
	p, err := newPlan(&req.WorkloadRequest, nil, true)
	if err != nil {
		return nil, nil, err
	}
	if err := checkTasks(p.Tasks()); err != nil {
		return nil, nil, err
	}
	expr := strings.TrimSpace(req.Model)
	if expr == "" {
		if len(p.Workload.Models) == 0 {
			return nil, nil, badRequest("model", "whatif needs a model: give one, such as threads(8)")
		}
		expr = p.Workload.Models[0].Expr
	}
	d, err := model.Parse(expr)
	if err == nil {
		err = p.Profile.Check(d)
	}
	if err != nil {
		o := plan.Overrides{Names: map[plan.Field]string{plan.FieldModels: "model"}}
		return nil, nil, badRequest("model", "%s", o.ModelError(0, expr, err).Msg)
	}
	changes := whatif.Changes(p.Workload, d, speedups)
	if len(changes) > MaxWhatifChanges {
		return nil, nil, tooBig("%s changes to try, each a simulation: the page tries at most %s (try fewer speedups, or run it with `conclab whatif`)",
			numfmt.Thousands(len(changes)), numfmt.Thousands(MaxWhatifChanges))
	}
	// The unchanged run, then one per change, as whatif.Run simulates them.
	sims := []simulation{{p.Workload, d}}
	for _, c := range changes {
		sims = append(sims, simulation{whatif.Apply(p.Workload, c), d})
	}
	if err := checkBudget(p, sims, "simulations of whatif"); err != nil {
		return nil, nil, err
	}
	rep, err := whatif.Run(ctx, p, d, whatif.Options{Speedups: speedups})
	if err != nil {
		return nil, nil, simulationError(ctx, p.Workload.Name, err)
	}
	return p, rep, nil
}

package whatif

import "github.com/conclab/conclab/report"

// Document is the JSON document of a causal profile, as `conclab whatif
// --format json` writes it and the web API answers it: SPEC §5's header,
// the model, the metric the changes are ranked by, the unchanged run's
// figures, every change with its figures in the ranking's order, and the
// steps that buy nothing.
type Document struct {
	report.Header
	Model string `json:"model"`
	// RankedBy is "p99" for an open workload (a server), "makespan" for a
	// batch.
	RankedBy string           `json:"ranked_by"`
	Baseline MetricsDocument  `json:"baseline"`
	Effects  []EffectDocument `json:"effects"`
	Idle     []IdleDocument   `json:"idle"`
}

// MetricsDocument is a run's figures in a Document, in seconds.
type MetricsDocument struct {
	MakespanS float64 `json:"makespan_s"`
	P50S      float64 `json:"p50_s"`
	P99S      float64 `json:"p99_s"`
	Served    float64 `json:"served_per_s"`
	Deadlock  bool    `json:"deadlock"`
}

// EffectDocument is a change and its figures in a Document: Step and What
// for a step's change, Resource and Units for a resource's, and each
// figure's change against the baseline (-0.3 is 30 % less).
type EffectDocument struct {
	Step string `json:"step,omitempty"`
	What string `json:"what,omitempty"`
	// Source is where in the program the step is ("app.py:42(parse)"),
	// when the workload says it.
	Source   string `json:"source,omitempty"`
	Resource string `json:"resource,omitempty"`
	Units    int    `json:"units,omitempty"`
	// Change says the change in a few words (Change.Label).
	Change string `json:"change"`
	MetricsDocument
	MakespanChange float64 `json:"makespan_change"`
	P50Change      float64 `json:"p50_change"`
	P99Change      float64 `json:"p99_change"`
	ServedChange   float64 `json:"served_change"`
}

// IdleDocument is a step that buys nothing in a Document (Idle): Change
// is the change of the ranked metric its largest speed-up made.
type IdleDocument struct {
	Step   string  `json:"step"`
	What   string  `json:"what"`
	Source string  `json:"source,omitempty"`
	Change float64 `json:"change"`
	Why    string  `json:"why"`
}

// Document is r's JSON document under the header h.
func (r *Report) Document(h report.Header) Document {
	doc := Document{Header: h, Model: r.Model.String(), RankedBy: r.Metric(), Baseline: metricsDoc(r.Baseline),
		Effects: make([]EffectDocument, 0, len(r.Effects)), Idle: []IdleDocument{}}
	for _, e := range r.Effects {
		doc.Effects = append(doc.Effects, EffectDocument{Step: e.Step, What: e.What, Source: e.Source, Resource: e.Resource, Units: e.Units,
			Change: e.Label(), MetricsDocument: metricsDoc(e.Metrics), MakespanChange: e.MakespanChange,
			P50Change: e.P50Change, P99Change: e.P99Change, ServedChange: e.ServedChange})
	}
	for _, x := range r.Idle() {
		doc.Idle = append(doc.Idle, IdleDocument{Step: x.Step, What: x.What, Source: x.Source, Change: x.Best, Why: x.Why})
	}
	return doc
}

func metricsDoc(m Metrics) MetricsDocument {
	s := func(ns int64) float64 { return float64(ns) / 1e9 }
	return MetricsDocument{MakespanS: s(m.Makespan), P50S: s(m.P50), P99S: s(m.P99), Served: m.Served, Deadlock: m.Deadlock}
}

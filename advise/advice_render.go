package advise

import (
	"fmt"
	"io"
	"strings"

	"github.com/conclab/conclab/report"
	"github.com/conclab/conclab/workload"

	"github.com/conclab/conclab/internal/jsonout"
	"github.com/conclab/conclab/internal/numfmt"
	"github.com/conclab/conclab/internal/textsafe"
)

// WriteText writes the advice: the workload and its profile, the
// recommendation and the runner-up, three reasons, the word on the rule of
// thumb and the table of candidates, best first. No line is wider than
// width columns (report.DefaultWidth when width ≤ 0): sentences wrap, and
// a narrow table leaves out its least needed columns.
func (a *Advice) WriteText(w io.Writer, width int) error {
	width = textWidth(width)
	var b strings.Builder
	p := a.Profile
	head := fmt.Sprintf("advise · %s · runtime %s · %d cores", textsafe.Clean(a.Workload.Name), a.Runtime, a.Cores)
	if a.open() {
		head += " · " + rateText(a.Workload.Arrivals)
	} else {
		head += " · " + numfmt.Count(p.Tasks, "task", "tasks")
	}
	wrap(&b, head, width, "", "  ")
	cpu := ms(p.CPU()) + " CPU"
	if p.Released > 0 {
		cpu += fmt.Sprintf(" (%s with the GIL released)", ms(p.Released))
	}
	wait := fmt.Sprintf("%s waiting (%s)", ms(p.Wait), numfmt.WholePercent(p.WaitShare()))
	if p.Blocking > 0 {
		wait += fmt.Sprintf(", %s of it blocking", ms(p.Blocking))
	}
	wrap(&b, fmt.Sprintf("each %s: %s, %s", a.unit(), cpu, wait), width, "", "  ")
	if a.open() && len(a.Candidates) > 0 {
		// What arrived, the same under every model: a Poisson window
		// draws its own count, so the rate offered is not the nominal one.
		arr, r := a.Workload.Arrivals, a.Candidates[0].Result
		offered := "offered: " + perSecond(r.Offered)
		if arr.Count == 0 && arr.Pattern == workload.Poisson {
			offered += fmt.Sprintf(" (Poisson: %s requests drawn in %s)", numfmt.Thousands(r.Arrived), workload.FormatDuration(arr.For))
		}
		wrap(&b, offered, width, "", "  ")
	}
	if c := a.constraintText(); c != "" {
		wrap(&b, "bounds: "+c, width, "", "  ")
	}
	b.WriteString("\n")
	const pad = "             " // under the label "recommended  "
	if rec := a.Recommendation(); rec != nil {
		wrap(&b, fmt.Sprintf("%s — %s", rec.Label, a.summary(rec)), width, "recommended  ", pad)
	} else {
		wrap(&b, "none: no candidate meets the bounds", width, "recommended  ", pad)
	}
	for _, ra := range a.Resources {
		if ra.Suggested > 0 {
			k := &ra.Sweep.Points[ra.Sweep.Knee.Index]
			wrap(&b, fmt.Sprintf("%s capacity %d (declared %d) — p99 %s, %s served", ra.Resource, ra.Suggested, ra.Declared,
				ms(k.Result.Latency.P99), perSecond(Served(k.Workload, k.Result))), width, "  with       ", pad)
		}
	}
	if ru := a.RunnerUpCandidate(); ru != nil {
		wrap(&b, fmt.Sprintf("%s — %s", ru.Label, a.summary(ru)), width, "runner-up    ", pad)
	}
	b.WriteString("\nwhy:\n")
	for i, r := range a.Reasons {
		wrap(&b, fmt.Sprintf("%d. %s", i+1, r), width, "  ", "     ")
	}
	if len(a.Resources) > 0 || a.Deadlocks != "" {
		if a.Deadlocks != "" {
			b.WriteString("\nresources and deadlocks:\n")
		} else {
			b.WriteString("\nresources:\n")
		}
		for _, ra := range a.Resources {
			wrap(&b, ra.Reason, width, "  ", "    ")
		}
		if a.Deadlocks != "" {
			wrap(&b, a.Deadlocks, width, "  ", "    ")
		}
	}
	if a.Change != nil {
		b.WriteString("\nthe code change that buys the most:\n")
		wrap(&b, a.Change.Text, width, "  ", "  ")
	}
	b.WriteString("\n")
	wrap(&b, a.RuleOfThumb, width, "", "")
	b.WriteString("\n")

	cols, rows := a.Table()
	t := &table{
		head:  cols,
		right: []bool{false, true, true, true, true, true, true, false},
		drop:  []int{6, 1, 4, 5}, // reserved, p50, thr, resident
		rows:  rows,
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	return t.write(w, width)
}

// Table is the table of candidates, best first, as WriteText prints it:
// its heading and a row of cells per candidate (its label, p50, p99,
// served or, for a batch, makespan, peak threads, resident and reserved
// memory, and a note: recommended, runner-up, overloaded or why it was
// rejected).
func (a *Advice) Table() (head []string, rows [][]string) {
	third := "served"
	if !a.open() {
		third = "makespan"
	}
	head = []string{"candidate", "p50", "p99", third, "thr", "resident", "reserved", "note"}
	for i, c := range a.Candidates {
		r := c.Result
		note := ""
		switch {
		case i == a.Best:
			note = "recommended"
		case i == a.RunnerUp:
			note = "runner-up"
		case c.Overloaded:
			note = "overloaded"
		case c.Rejected != "":
			note = c.Rejected
		}
		v := perSecond(Served(c.Workload, r))
		if !a.open() {
			v = report.Seconds(r.Makespan)
		}
		rows = append(rows, []string{c.Label, report.Seconds(r.Latency.P50), report.Seconds(r.Latency.P99), v, fmt.Sprint(r.PeakThreads),
			report.Bytes(r.PeakMemoryBytes), report.Bytes(r.PeakVirtualBytes), note})
	}
	return head, rows
}

// summary is one line of figures for a candidate.
func (a *Advice) summary(c *Candidate) string {
	r := c.Result
	lead := fmt.Sprintf("p99 %s, %s", ms(r.Latency.P99), servedText(c))
	if !a.open() {
		lead = fmt.Sprintf("makespan %s, p99 %s", ms(r.Makespan), ms(r.Latency.P99))
	}
	return fmt.Sprintf("%s, %s resident, %s reserved", lead, report.Bytes(r.PeakMemoryBytes), report.Bytes(r.PeakVirtualBytes))
}

func (a *Advice) constraintText() string {
	var parts []string
	if a.Constraints.P99 > 0 {
		parts = append(parts, "p99 ≤ "+ms(a.Constraints.P99))
	}
	if a.Constraints.Memory > 0 {
		parts = append(parts, "resident ≤ "+report.Bytes(a.Constraints.Memory))
	}
	return strings.Join(parts, ", ")
}

// AdviceDocument is the JSON document of an advice (WriteJSON), for a
// caller that embeds it in its own answer.
type AdviceDocument struct {
	Workload       string          `json:"workload"`
	Runtime        string          `json:"runtime"`
	Cores          int             `json:"cores"`
	Profile        jsonProfile     `json:"profile"`
	Constraints    jsonConstraints `json:"constraints"`
	Recommendation *jsonChoice     `json:"recommendation"`
	RunnerUp       *jsonChoice     `json:"runner_up"`
	Reasons        []string        `json:"reasons"`
	RuleOfThumb    string          `json:"rule_of_thumb"`
	// Resources is the capacity advised for each resource under the
	// recommendation; absent when the workload has none.
	Resources []jsonResource `json:"resources,omitempty"`
	// Deadlocks says which candidates deadlock and why; absent when none.
	Deadlocks string `json:"deadlocks,omitempty"`
	// Change is the code change that buys the most under the
	// recommendation (conclab whatif's best change of a step); absent when
	// nothing is recommended.
	Change     *jsonChange     `json:"change,omitempty"`
	Candidates []jsonCandidate `json:"candidates"`
}

type jsonChange struct {
	Step   string  `json:"step,omitempty"` // absent when no change cuts 5 % or more
	What   string  `json:"what,omitempty"`
	Source string  `json:"source,omitempty"` // where in the program, when the workload says it
	Change string  `json:"change,omitempty"`
	Metric string  `json:"metric"` // p99 or makespan
	FromS  float64 `json:"from_s"`
	ToS    float64 `json:"to_s"`
	Text   string  `json:"text"`
}

type jsonResource struct {
	Resource  string `json:"resource"`
	Declared  int    `json:"declared"`
	Suggested int    `json:"suggested"` // 0: no capacity tried reaches the best
	Reason    string `json:"reason"`
}

type jsonProfile struct {
	WorkS       float64 `json:"work_s"`
	ReleasedS   float64 `json:"released_s"`
	WaitS       float64 `json:"wait_s"`
	BlockingS   float64 `json:"blocking_s"`
	WaitShare   float64 `json:"wait_share"`
	RatePerS    float64 `json:"rate_per_s,omitempty"`
	InFlight    float64 `json:"in_flight,omitempty"`
	CoresNeeded float64 `json:"cores_needed,omitempty"`
}

type jsonConstraints struct {
	P99S        float64 `json:"p99_s,omitempty"`
	MemoryBytes int64   `json:"memory_bytes,omitempty"`
}

type jsonChoice struct {
	Model   string  `json:"model"`
	Metrics Metrics `json:"metrics"`
}

type jsonCandidate struct {
	Model    string  `json:"model"`
	Metrics  Metrics `json:"metrics"`
	Rejected string  `json:"rejected"`
}

// WriteJSON writes the advice as one JSON object: {"workload", "runtime",
// "cores", "profile", "constraints", "recommendation": {"model",
// "metrics"} or null, "runner_up": likewise, "reasons": [three strings],
// "rule_of_thumb", "candidates": [{"model", "metrics", "rejected"}]}, the
// candidates ranked as in the text.
func (a *Advice) WriteJSON(w io.Writer) error {
	return jsonout.WriteIndented(w, a.Document())
}

// Document is the advice's JSON document, as WriteJSON writes it.
func (a *Advice) Document() AdviceDocument {
	p := a.Profile
	doc := AdviceDocument{
		Workload: a.Workload.Name, Runtime: a.Runtime, Cores: a.Cores,
		Profile: jsonProfile{WorkS: secs(p.Work), ReleasedS: secs(p.Released), WaitS: secs(p.Wait), BlockingS: secs(p.Blocking),
			WaitShare: p.WaitShare(), RatePerS: p.Rate, InFlight: p.InFlight(), CoresNeeded: p.CoresNeeded()},
		Constraints: jsonConstraints{P99S: secs(a.Constraints.P99), MemoryBytes: a.Constraints.Memory},
		Reasons:     a.Reasons, RuleOfThumb: a.RuleOfThumb, Deadlocks: a.Deadlocks,
		Candidates: make([]jsonCandidate, len(a.Candidates)),
	}
	choice := func(c *Candidate) *jsonChoice {
		if c == nil {
			return nil
		}
		return &jsonChoice{Model: c.Label, Metrics: MetricsOf(c.Workload, c.Result)}
	}
	doc.Recommendation, doc.RunnerUp = choice(a.Recommendation()), choice(a.RunnerUpCandidate())
	for _, ra := range a.Resources {
		doc.Resources = append(doc.Resources, jsonResource{Resource: ra.Resource, Declared: ra.Declared, Suggested: ra.Suggested, Reason: ra.Reason})
	}
	if c := a.Change; c != nil {
		jc := &jsonChange{Metric: "makespan", FromS: secs(c.Baseline.Makespan), ToS: secs(c.Baseline.Makespan), Text: c.Text}
		if c.Open {
			jc.Metric, jc.FromS, jc.ToS = "p99", secs(c.Baseline.P99), secs(c.Baseline.P99)
		}
		if e := c.Effect; e != nil {
			jc.Step, jc.What, jc.Source, jc.Change, jc.ToS = e.Step, e.What, e.Source, e.Label(), secs(e.Makespan)
			if c.Open {
				jc.ToS = secs(e.P99)
			}
		}
		doc.Change = jc
	}
	for i := range a.Candidates {
		c := &a.Candidates[i]
		doc.Candidates[i] = jsonCandidate{Model: c.Label, Metrics: MetricsOf(c.Workload, c.Result), Rejected: c.Rejected}
	}
	if doc.Reasons == nil {
		doc.Reasons = []string{}
	}
	return doc
}

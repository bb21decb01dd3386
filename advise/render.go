package advise

import (
	"fmt"
	"io"
	"strings"

	"github.com/conclab/conclab/report"
	"github.com/conclab/conclab/workload"

	"github.com/conclab/conclab/internal/jsonout"
	"github.com/conclab/conclab/internal/numfmt"
)

// valueLabel is how a point's swept value is written: its model for a
// model sweep, its rate for a rate sweep.
func (sw *Sweep) valueLabel(p Point) string {
	switch {
	case sw.Swept == SweptRate:
		return perSecond(p.Value)
	case sw.Swept == SweptCapacity:
		return fmt.Sprintf("%s capacity %d", sw.Resource, p.Capacity)
	case sw.Grid():
		return fmt.Sprintf("%s with %s capacity %d", p.Model, sw.Resource, p.Capacity)
	}
	return p.Model.String()
}

// Title is a one-line description of the sweep.
func (sw *Sweep) Title() string {
	what := sw.Swept
	switch {
	case sw.Swept == SweptRate && len(sw.Points) > 0:
		what = "arrival rate under " + sw.Points[0].Model.String()
	case sw.Swept == SweptCapacity && len(sw.Points) > 0:
		what = sw.Resource + " capacity under " + sw.Points[0].Model.String()
	case sw.Grid():
		what = sw.Swept + " × " + sw.Resource + " capacity"
	}
	return fmt.Sprintf("sweep of %s · %s · runtime %s · %d cores", what, sw.Workload.Name, sw.Runtime, sw.Cores)
}

// WriteText writes the sweep as a table, one row per point (served is
// the throughput, see Served; thr the peak threads; over marks overloaded
// points; ◀ the knee), followed by the knee and how it was chosen. No line
// is wider than width columns (report.DefaultWidth when width ≤ 0): a
// narrow table leaves out its least needed columns.
func (sw *Sweep) WriteText(w io.Writer, width int) error {
	width = textWidth(width)
	if sw.Grid() {
		return sw.writeGrid(w, width)
	}
	head, rows := sw.Table()
	t := &table{
		head:  head,
		right: []bool{false, true, true, true, true, true, true, true, true, true, false},
		drop:  []int{9, 6, 5, 7, 8, 3, 1}, // reserved, GIL wait, cpu, thr, resident, p50, makespan
		rows:  rows,
	}
	var b strings.Builder
	wrap(&b, sw.Title(), width, "", "  ")
	b.WriteString("\n")
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	if err := t.write(w, width); err != nil {
		return err
	}
	return sw.writeKnee(w, width)
}

// writeKnee writes the sentence under a sweep's table: where the knee is,
// and its note if any, wrapped to width.
func (sw *Sweep) writeKnee(w io.Writer, width int) error {
	var b strings.Builder
	b.WriteString("\n")
	wrap(&b, sw.kneeSentence(), width, "", "  ")
	if sw.Knee.Note != "" {
		wrap(&b, sw.Knee.Note, width, "  ", "  ")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Table is the sweep as WriteText prints it: its heading and a row of
// cells per point (its model or rate, ◀ marking the knee, makespan,
// served, p50, p99, cpu, GIL wait, peak threads, resident and reserved
// memory, and "yes" when overloaded).
func (sw *Sweep) Table() (head []string, rows [][]string) {
	first, wait := "model", "GIL wait"
	switch {
	case sw.Swept == SweptRate:
		first = "rate"
	case sw.Swept == SweptCapacity:
		first = sw.Resource + " capacity"
	}
	if sw.Resource != "" {
		wait = "res wait" // what a capacity changes; the GIL wait barely moves
	}
	head = []string{first, "makespan", "served", "p50", "p99", "cpu", wait, "thr", "resident", "reserved", "over"}
	for i, p := range sw.Points {
		r := p.Result
		over := ""
		switch {
		case p.Result.Deadlock != nil:
			over = "deadlock"
		case p.Overloaded:
			over = "yes"
		}
		label := sw.valueLabel(p)
		if sw.Swept == SweptCapacity {
			label = fmt.Sprint(p.Capacity)
		}
		waited := r.GILWait
		if sw.Resource != "" {
			waited = r.ResourceWait
		}
		if i == sw.Knee.Index {
			label += " ◀"
		}
		rows = append(rows, []string{label, report.Seconds(r.Makespan), perSecond(Served(p.Workload, r)),
			report.Seconds(r.Latency.P50), report.Seconds(r.Latency.P99), numfmt.Percent(r.CPUUtilization),
			report.Seconds(waited), fmt.Sprint(r.PeakThreads), report.Bytes(r.PeakMemoryBytes),
			report.Bytes(r.PeakVirtualBytes), over})
	}
	return head, rows
}

// kneeSentence names the knee and the rule that chose it.
func (sw *Sweep) kneeSentence() string {
	if sw.Knee.Beyond {
		return fmt.Sprintf("no knee up to %s: p99 stays within %g× its low-load value without overload", sw.valueLabel(sw.Points[len(sw.Points)-1]), kneeLatency)
	}
	if sw.Knee.Index < 0 {
		overloaded := 0
		for _, p := range sw.Points {
			if p.Overloaded {
				overloaded++
			}
		}
		switch {
		case sw.Swept == SweptRate:
			return "no knee: the lowest rate is overloaded already"
		case overloaded == len(sw.Points):
			return "no knee: every point is overloaded"
		}
		return fmt.Sprintf("no knee: no point reaches both %s of the best throughput and p99 within %s of the best",
			numfmt.WholePercent(kneeThroughput), numfmt.ShortPercent(Equal))
	}
	return fmt.Sprintf("◀ %s: %s", sw.kneeLabel(), sw.Knee.Rule)
}

// KneeSentence names the knee and the rule that chose it, as the text
// ends with it: "◀ knee at threads(24): the smallest threads reaching …".
func (sw *Sweep) KneeSentence() string { return sw.kneeSentence() }

func (sw *Sweep) kneeLabel() string {
	return "knee at " + sw.valueLabel(sw.Points[sw.Knee.Index])
}

// SweepDocument is the JSON document of a sweep (WriteJSON), for a caller
// that embeds it in its own answer.
type SweepDocument struct {
	Workload string      `json:"workload"`
	Runtime  string      `json:"runtime"`
	Cores    int         `json:"cores"`
	Swept    string      `json:"swept"`
	Resource string      `json:"resource,omitempty"` // the resource whose capacity varies
	Points   []jsonPoint `json:"points"`
	Knee     *jsonKnee   `json:"knee"`
}

type jsonPoint struct {
	Value    float64 `json:"value"`
	Model    string  `json:"model"`
	Capacity int     `json:"capacity,omitempty"`
	Metrics  Metrics `json:"metrics"`
}

type jsonKnee struct {
	Value    float64 `json:"value"`
	Model    string  `json:"model"`
	Capacity int     `json:"capacity,omitempty"`
	Rule     string  `json:"rule"`
}

// WriteJSON writes the sweep as one JSON object: {"workload", "runtime",
// "cores", "swept", "points": [{"value", "model", "metrics"}], "knee":
// {"value", "model", "rule"} or null}; a sweep of a resource's capacity
// adds "resource" and each point's (and the knee's) "capacity". The metrics carry the keys of the
// run contract (see Metrics).
func (sw *Sweep) WriteJSON(w io.Writer) error {
	return jsonout.WriteIndented(w, sw.Document())
}

// Document is the sweep's JSON document, as WriteJSON writes it.
func (sw *Sweep) Document() SweepDocument {
	doc := SweepDocument{Workload: sw.Workload.Name, Runtime: sw.Runtime, Cores: sw.Cores, Swept: sw.Swept,
		Resource: sw.Resource, Points: make([]jsonPoint, len(sw.Points))}
	for i, p := range sw.Points {
		doc.Points[i] = jsonPoint{Value: p.Value, Model: p.Model.String(), Capacity: p.Capacity, Metrics: MetricsOf(p.Workload, p.Result)}
	}
	if k := sw.Knee.Index; k >= 0 {
		doc.Knee = &jsonKnee{Value: sw.Points[k].Value, Model: sw.Points[k].Model.String(), Capacity: sw.Points[k].Capacity, Rule: sw.Knee.Rule}
	}
	return doc
}

// rateText describes an open workload's arrivals: "200/s for 20s" or
// "200/s, 5000 requests".
func rateText(a *workload.Arrivals) string {
	if a.For > 0 {
		return perSecond(a.Rate) + " for " + workload.FormatDuration(a.For)
	}
	return fmt.Sprintf("%s, %d requests", perSecond(a.Rate), a.Count)
}

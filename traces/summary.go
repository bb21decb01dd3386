package traces

import (
	"fmt"
	"slices"
	"strings"

	"github.com/conclab/conclab/internal/numfmt"
)

// Text is the summary as import prints it on standard error, ending with
// the next command to run.
func (s *Summary) Text(next string) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	var formats []string
	for f, n := range s.Formats {
		formats = append(formats, fmt.Sprintf("%s (%s)", f, numfmt.Count(n, "document", "documents")))
	}
	slices.Sort(formats)
	w("import: %s over %s from %s: %s, %s arrivals\n", numfmt.Count(s.Requests, "request", "requests"),
		durText(s.Window), strings.Join(formats, " and "), numfmt.PerSecond(s.Arrivals.Rate), s.Arrivals.Pattern)
	w("  arrivals: %s\n", s.Arrivals.Why)
	w("  %s of the requests' time is spent waiting for calls; the rest, their own time, is written as work:\n", numfmt.Percent(s.Waiting))
	w("  an upper bound on their CPU (it holds the GIL and scheduling waits of the traced deployment)\n")
	w("  %-40s %8s %7s %10s %10s\n", "route", "requests", "share", "mean", "p99")
	for i, r := range s.Routes {
		if i == 12 && len(s.Routes) > 13 {
			w("  … and %s more\n", numfmt.Count(len(s.Routes)-12, "route", "routes"))
			break
		}
		route := oneLine(r.Route)
		if r.Shapes > 1 {
			route += fmt.Sprintf(" (%d paths)", r.Shapes)
		}
		w("  %-40s %8d %7s %10s %10s\n", clip(route, 40), r.Count, numfmt.Percent(r.Share), durText(r.Mean), durText(r.P99))
	}
	if s.Dropped > 0 {
		w("  left out: %s taking a path rarer than 1%% of its route's\n", numfmt.Count(s.Dropped, "request", "requests"))
	}
	p := s.Problems
	if p.Total() > 0 {
		var parts []string
		for _, c := range []struct {
			n    int
			what string
		}{
			{p.NegativeDuration, "ending before they start (left out)"},
			{p.Outlived, "outliving their request (clipped to it)"},
			{p.MissingParent, "whose parent is not in the input"},
			{p.NoRequest, "in traces without a request"},
			{p.Duplicate, "read twice (counted once)"},
		} {
			if c.n > 0 {
				parts = append(parts, fmt.Sprintf("%s %s", numfmt.Count(c.n, "span", "spans"), c.what))
			}
		}
		w("  read past: %s; the first: %s\n", strings.Join(parts, ", "), p.First)
	}
	w("next: %s\n", next)
	return b.String()
}

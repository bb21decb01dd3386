package traces

import (
	"bytes"
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/conclab/conclab/internal/fit"
	"github.com/conclab/conclab/internal/numfmt"
	"github.com/conclab/conclab/workload"
)

// WriteOptions say what the workload is called and how arrivals are kept.
type WriteOptions struct {
	Name    string   // the workload's name
	Sources []string // the files read, for its about line
	// Replay keeps each request as a task of its own, released at its
	// exact time with its own durations, instead of routes and arrivals.
	Replay bool
	// MinShare: a request shape of a route taken by fewer than this share
	// of the route's requests is left out (counted in the summary); 0:
	// 1 %.
	MinShare float64
}

// Summary is what import tells about the requests it turned into a workload.
type Summary struct {
	Requests int
	Window   int64 // from the first request's start to the last's
	Arrivals fit.Arrivals
	Waiting  float64 // share of the requests' time spent in calls
	Routes   []RouteSummary
	Dropped  int // requests of shapes left out (rarer than MinShare)
	Problems Problems
	Formats  map[Format]int
}

// RouteSummary is one route's requests.
type RouteSummary struct {
	Route  string
	Group  string // the workload group's name
	Count  int
	Share  float64
	Mean   int64 // duration
	P99    int64
	Shapes int // request shapes kept (a choose among them when more than one)
}

// Write writes the workload of the requests agg holds and returns its
// summary. o.Replay needs every request (Reader.KeepAll).
func Write(agg *Aggregate, o WriteOptions, problems Problems) ([]byte, *Summary, error) {
	if agg == nil || agg.N == 0 {
		return nil, nil, fmt.Errorf("no requests: no span of kind server (or root span) in the input")
	}
	if o.Replay && len(agg.All) != agg.N {
		return nil, nil, fmt.Errorf("replay needs every request: read with KeepAll")
	}
	if o.MinShare <= 0 {
		o.MinShare = 0.01
	}
	sum := &Summary{Requests: agg.N, Window: agg.Last - agg.First, Problems: problems}
	sum.Arrivals = fit.ArrivalTimes(agg.Starts)
	sum.Arrivals.N = agg.N
	if sum.Window > 0 {
		sum.Arrivals.Rate = float64(agg.N-1) / (float64(sum.Window) / 1e9)
	}
	if err := fits(agg, sum.Window, o.Replay); err != nil {
		return nil, nil, err
	}
	if agg.Total > 0 {
		sum.Waiting = float64(agg.Waiting) / float64(agg.Total)
	}

	// Routes, most requests first.
	order := agg.routes()
	names := map[string]bool{}
	groups := make([]string, len(order))
	for i, route := range order {
		g := groupName(route)
		for k := 2; names[g]; k++ {
			g = fmt.Sprintf("%s-%d", groupName(route), k)
		}
		names[g] = true
		groups[i] = g
		ra := agg.Routes[route]
		durs := slices.Clone(ra.Durs)
		slices.Sort(durs)
		sum.Routes = append(sum.Routes, RouteSummary{Route: route, Group: g, Count: ra.Count,
			Share: float64(ra.Count) / float64(agg.N), Mean: ra.Sum / int64(ra.Count),
			P99: durs[min(len(durs)-1, int(0.99*float64(len(durs))))]})
	}

	var b bytes.Buffer
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("# Imported by conclab import from %s: %d requests of %d routes over %s.\n",
		strings.Join(o.Sources, ", "), agg.N, len(order), durText(sum.Window))
	w("# A request's work is its own time between its calls: an upper bound on its CPU,\n")
	w("# as it holds the GIL and scheduling waits of the deployment that was traced.\n")
	w("name: %s\n", yamlString(o.Name))
	w("about: %s\n", yamlString(fmt.Sprintf("%d requests of %d routes imported from traces; %.0f%% of their time in calls",
		agg.N, len(order), 100*sum.Waiting)))
	if o.Replay {
		all := slices.Clone(agg.All)
		slices.SortStableFunc(all, func(x, y Request) int { return cmp.Compare(x.Start, y.Start) })
		w("tasks:\n")
		for i := range all {
			r := &all[i]
			w("  - name: %s\n", yamlString(fmt.Sprintf("%s-%d", groupName(r.Route), i+1)))
			w("    start: %s\n", fit.Dur(float64(r.Start-agg.First)))
			w("    steps:\n")
			writeSteps(&b, "      ", []*Request{r})
		}
		return b.Bytes(), sum, nil
	}
	w("arrivals:\n")
	w("  rate: %s/s    # %d requests over %s\n", rateText(sum.Arrivals.Rate), agg.N, durText(sum.Window))
	w("  pattern: %s    # %s\n", sum.Arrivals.Pattern, oneLine(sum.Arrivals.Why))
	w("  count: %d\n", agg.N)
	w("tasks:\n")
	for i, route := range order {
		ra := agg.Routes[route]
		rsum := &sum.Routes[i]
		w("  - name: %s    # %s: %s (%.1f%%), mean %s, p99 %s\n", yamlString(groups[i]), oneLine(route),
			numfmt.Count(ra.Count, "request", "requests"), 100*rsum.Share, durText(rsum.Mean), durText(rsum.P99))
		w("    weight: %d\n", ra.Count)
		// The route's paths, most requests first.
		var kept []string
		for _, k := range ra.paths() {
			if float64(ra.Paths[k].Count) >= o.MinShare*float64(ra.Count) || len(kept) == 0 {
				kept = append(kept, k)
			} else {
				sum.Dropped += ra.Paths[k].Count
			}
		}
		rsum.Shapes = len(kept)
		w("    steps:\n")
		if len(kept) == 1 {
			writeSteps(&b, "      ", ra.Paths[kept[0]].Reqs)
			continue
		}
		w("      - choose:\n")
		for _, k := range kept {
			w("          - weight: %d    # %s\n", ra.Paths[k].Count, oneLine(ra.Paths[k].Reqs[0].shapeText()))
			w("            steps:\n")
			writeSteps(&b, "              ", ra.Paths[k].Reqs)
		}
	}
	return b.Bytes(), sum, nil
}

// fits says why reqs cannot be a workload, or nil: too many, over too
// long a time, or one lasting longer than a duration may.
func fits(agg *Aggregate, window int64, replay bool) error {
	if agg.N > workload.MaxTasks {
		return fmt.Errorf("%s: more than the %s a workload holds; import fewer traces (or one service with --service)",
			numfmt.Count(agg.N, "request", "requests"), numfmt.Thousands(workload.MaxTasks))
	}
	// 1 % below the limit: the rate is written with four digits.
	limit := workload.MaxDuration / 100 * 99
	span := float64(window)
	if n := agg.N; !replay && n > 1 {
		span *= float64(n) / float64(n-1) // n arrivals at the rate take n gaps
	}
	if span > float64(limit) {
		return fmt.Errorf("the requests span %s, more than the %s a workload covers; import a shorter window",
			durText(window), durText(workload.MaxDuration))
	}
	if agg.Longest > limit {
		return fmt.Errorf("a request of %s lasts %s, more than the %s a duration may be", oneLine(agg.LongestRoute),
			durText(agg.Longest), durText(workload.MaxDuration))
	}
	return nil
}

// writeSteps writes the steps of requests of one shape, each fitted over
// them: work, call, work, …, work.
func writeSteps(b *bytes.Buffer, indent string, rs []*Request) {
	w := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	n := len(rs[0].Calls)
	wrote := false
	for k := 0; k <= n; k++ {
		works := make([]int64, len(rs))
		for i, r := range rs {
			works[i] = r.Work[k]
		}
		if f := fit.Durations(works); f.Mean >= 1000 || k == n && !wrote {
			w("%s- work: %s%s\n", indent, f.Text, fitComment(f))
			wrote = true
		}
		if k == n {
			break
		}
		c := rs[0].Calls[k]
		if len(c.Branches) == 1 {
			waits := make([]int64, len(rs))
			for i, r := range rs {
				waits[i] = r.Calls[k].Branches[0]
			}
			f := fit.Durations(waits)
			w("%s- wait: %s    # %s%s\n", indent, f.Text, oneLine(callName(c.Names[0])), fitNote(f))
			wrote = true
			continue
		}
		w("%s- gather:    # %d calls at once\n", indent, len(c.Branches))
		for j := range c.Branches {
			waits := make([]int64, len(rs))
			for i, r := range rs {
				waits[i] = r.Calls[k].Branches[j]
			}
			f := fit.Durations(waits)
			text := f.Text
			if strings.Contains(text, ",") {
				text = `"` + text + `"` // inside { } YAML splits at commas
			}
			w("%s    - steps: [{wait: %s}]    # %s%s\n", indent, text, oneLine(callName(c.Names[j])), fitNote(f))
		}
		wrote = true
	}
}

func fitComment(f fit.Fit) string {
	if s := fitNote(f); s != "" {
		return "    #" + strings.TrimPrefix(s, ";")
	}
	return ""
}

// fitNote says how well a distribution fits its samples: "; 412 samples,
// lognormal D=0.03 (normal D=0.09)".
func fitNote(f fit.Fit) string {
	if f.Name == "constant" || f.N < 5 {
		return ""
	}
	s := fmt.Sprintf("; %d samples, %s %s", f.N, f.Name, fit.FormatD(f.D))
	if f.Second != "" {
		s += " (" + f.Second + ")"
	}
	return s
}

// groupName is a group's name for a route: "GET /users/{id}" is
// GET-users-id.
func groupName(route string) string {
	var b strings.Builder
	dash := false
	for _, r := range route {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '.'
		if !ok {
			dash = b.Len() > 0
			continue
		}
		if dash {
			b.WriteByte('-')
			dash = false
		}
		b.WriteRune(r)
	}
	if b.Len() == 0 {
		return "request"
	}
	s := b.String()
	if len(s) > 60 {
		s = s[:60]
	}
	return s
}

// yamlString quotes s for YAML when it needs it.
func yamlString(s string) string {
	plain := s != "" && !strings.ContainsAny(s, ":#{}[],&*!|>'\"%@`\n\t\\") && s == strings.TrimSpace(s)
	if plain {
		switch strings.ToLower(s) {
		case "true", "false", "yes", "no", "null", "on", "off", "~":
			plain = false
		}
	}
	if plain && (s[0] == '-' || s[0] == '?' || (s[0] >= '0' && s[0] <= '9')) {
		plain = false
	}
	if plain {
		return s
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, "\\x%02x", r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// oneLine makes s safe for a comment: one line of printable text.
func oneLine(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			b.WriteByte(' ')
		case r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0:
		default:
			b.WriteRune(r)
		}
	}
	return clip(b.String(), 120)
}

// rateText is a rate per second with four significant digits.
func rateText(r float64) string {
	if r <= 0 || math.IsInf(r, 0) || math.IsNaN(r) {
		return "1"
	}
	digits := max(0, 3-int(math.Floor(math.Log10(r))))
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.*f", min(digits, 9), r), "0"), ".")
}

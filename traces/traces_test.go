package traces

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/runtime"
	"github.com/conclab/conclab/sim"
	"github.com/conclab/conclab/workload"

	"github.com/conclab/conclab/internal/golden"
)

// imported reads files and returns the workload and summary import writes.
func imported(t *testing.T, o Options, w WriteOptions, files ...string) ([]byte, *Summary, *Reader) {
	t.Helper()
	rd := NewReader(o)
	rd.KeepAll = true
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := rd.Read(bytes.NewReader(data), f); err != nil {
			t.Fatal(err)
		}
	}
	if w.Name == "" {
		w.Name = "shop"
	}
	w.Sources = files
	agg := rd.Finish()
	out, sum, err := Write(agg, w, rd.Problems)
	if err != nil {
		t.Fatal(err)
	}
	sum.Formats = rd.Formats
	if _, err := workload.Parse("imported.yaml", out); err != nil {
		t.Fatalf("the workload does not read back: %v\n%s", err, out)
	}
	return out, sum, rd
}

// TestGolden: small hand-written exports of each format, and one laid out
// as the OpenTelemetry protocol repository's example (one whole document,
// a server span whose parent is not in the file).
func TestGolden(t *testing.T) {
	for _, c := range []struct {
		name  string
		files []string
		o     Options
		w     WriteOptions
	}{
		{"otlp", []string{"testdata/shop.otlp.jsonl"}, Options{}, WriteOptions{}},
		{"jaeger", []string{"testdata/shop.jaeger.json"}, Options{}, WriteOptions{}},
		{"protocol-example", []string{"testdata/protocol-example.json"}, Options{}, WriteOptions{}},
		{"otlp-replay", []string{"testdata/shop.otlp.jsonl"}, Options{}, WriteOptions{Replay: true}},
		{"otlp-by-name", []string{"testdata/shop.otlp.jsonl"}, Options{RouteBy: "name"}, WriteOptions{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, sum, _ := imported(t, c.o, c.w, c.files...)
			golden.Check(t, filepath.Join("testdata", c.name+".golden.yaml"), out)
			golden.Check(t, filepath.Join("testdata", c.name+".golden.txt"), []byte(sum.Text("conclab advise app.yaml")))
		})
	}
}

// TestShop: the requests of the hand-written OTLP file, step by step.
func TestShop(t *testing.T) {
	_, sum, rd := imported(t, Options{}, WriteOptions{}, "testdata/shop.otlp.jsonl")
	reqs := slices.Clone(rd.agg.All)
	slices.SortFunc(reqs, func(a, b Request) int { return cmp.Compare(a.Start, b.Start) })
	if len(reqs) != 4 || sum.Requests != 4 {
		t.Fatalf("%d requests, want 4", len(reqs))
	}
	ms := int64(1e6)
	// GET /cart: 10 ms of work, SELECT cart 30 ms, 10 ms of work (in
	// render), GET inventory 30 ms (under render), 20 ms of work.
	first := reqs[0]
	if first.Route != "/cart" || len(first.Calls) != 2 ||
		!equal(first.Work, []int64{10 * ms, 10 * ms, 20 * ms}) || first.Calls[0].Branches[0] != 30*ms || first.Calls[1].Branches[0] != 30*ms {
		t.Errorf("GET /cart: %+v", first)
	}
	// POST /checkout: charge (90 ms) and reserve (60 ms, from 10 ms
	// after) overlap: a gather whose branches wait 90 and 70 ms from the
	// first call's start. The server span under charge is charge's callee,
	// not walked.
	co := reqs[2]
	if co.Route != "/checkout" || len(co.Calls) != 1 || !equal(co.Calls[0].Branches, []int64{90 * ms, 70 * ms}) ||
		!equal(co.Work, []int64{10 * ms, 100 * ms}) || strings.Join(co.Calls[0].Names, ",") != "charge,reserve" {
		t.Errorf("POST /checkout: %+v", co)
	}
	if sum.Routes[0].Route != "/cart" || sum.Routes[0].Count != 3 || sum.Routes[0].Shapes != 2 {
		t.Errorf("routes: %+v", sum.Routes)
	}
	if got := rd.Formats[OTLP]; got != 3 {
		t.Errorf("%d OTLP documents, want 3", got)
	}
}

func equal(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestGzipAndStdin: a gzipped file reads as the plain one.
func TestGzip(t *testing.T) {
	data, err := os.ReadFile("testdata/shop.otlp.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write(data)
	zw.Close()
	plain, gz := NewReader(Options{}), NewReader(Options{})
	if err := plain.Read(bytes.NewReader(data), "a"); err != nil {
		t.Fatal(err)
	}
	if err := gz.Read(&z, "a.gz"); err != nil {
		t.Fatal(err)
	}
	if plain.Spans() != gz.Spans() || plain.Spans() != 13 {
		t.Errorf("%d spans gzipped, %d plain, want 13", gz.Spans(), plain.Spans())
	}
}

// TestBadInput: input that is not a trace export is an error that says
// where; problems that can be read past are counted.
func TestBadInput(t *testing.T) {
	good, err := os.ReadFile("testdata/shop.otlp.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(good)), "\n")
	for _, c := range []struct {
		name, input, want string
	}{
		{"not JSON", "hello\n", `in:1:1: not JSON: invalid character 'h' at start of value`},
		{"empty", "\n\n", `in:1:1: empty: want OTLP/JSON`},
		{"truncated line", lines[0] + "\n" + lines[1][:200] + "\n" + lines[2], `in:2:201: a line ends inside a JSON string: cut short (a truncated line?)`},
		{"truncated file", lines[0] + "\n" + lines[1][:200], `in:2:201: the input ends inside a JSON document: cut short (a truncated line?)`},
		{"neither format", lines[0] + "\n" + `{"spans": []}` + "\n", `in:2:1: a JSON document that is neither OTLP/JSON (no "resourceSpans") nor Jaeger JSON (no "data")`},
		{"bad kind", strings.Replace(lines[0], `"kind":3`, `"kind":"SPAN_KIND_SIDEWAYS"`, 1),
			`in:1:606: /resourceSpans/0/scopeSpans/0/spans/1/kind: "SPAN_KIND_SIDEWAYS" is not a span kind (want 0–5 or SPAN_KIND_SERVER, …)`},
		{"bad time", strings.Replace(lines[0], `"1700000000010000000"`, `"yesterday"`, 1), `"yesterday" is not a time in nanoseconds`},
		{"no ids", `{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":"x"}]}]}]}`, `in:1:1: span "x" has no traceId or spanId`},
		{"wrong type", `{"resourceSpans": 7}`, `in:1:19: /resourceSpans: `},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := NewReader(Options{}).Read(strings.NewReader(c.input), "in")
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want it to hold %q", err, c.want)
			}
		})
	}

	// Lines are counted right deep into a file (the reader forgets the
	// offsets of lines it has passed).
	many, _ := generate([]*route{{name: "/x", share: 1, work: [2]float64{1, 1}, calls: [][]float64{{2}}}}, 6000, 100, "poisson", 3)
	err = NewReader(Options{}).Read(strings.NewReader(string(many)+"{\"data\": [}\n"), "big")
	if err == nil || !strings.HasPrefix(err.Error(), "big:6001:11: not JSON") {
		t.Errorf("a bad line after 6,000 good ones: %v", err)
	}

	// Read past, and counted: a span ending before it starts, a call
	// outliving its request, a parent not in the input.
	bad := strings.Replace(lines[0], `"endTimeUnixNano":"1700000000080000000"`, `"endTimeUnixNano":"1700000000030000000"`, 1) + "\n" +
		strings.Replace(lines[1], `"endTimeUnixNano":"1700000001090000000"`, `"endTimeUnixNano":"1700000001200000000"`, 1) + "\n" +
		strings.Replace(lines[2], `"parentSpanId":"e7ad6b7169203331"`, `"parentSpanId":"ffffffffffffffff"`, 1) + "\n"
	rd := NewReader(Options{})
	if err := rd.Read(strings.NewReader(bad), "in"); err != nil {
		t.Fatal(err)
	}
	agg := rd.Finish()
	p := rd.Problems
	if p.NegativeDuration != 1 || p.Outlived != 1 || p.MissingParent != 1 || agg.N != 4 {
		t.Errorf("problems %+v, %d requests; want one of each, 4 requests", p, agg.N)
	}
	if !strings.Contains(p.First, "ends 20.0 ms before it starts") {
		t.Errorf("first problem: %q", p.First)
	}
	// The same export read twice: every span once.
	twice := NewReader(Options{})
	for range 2 {
		if err := twice.Read(strings.NewReader(string(good)), "in"); err != nil {
			t.Fatal(err)
		}
	}
	if agg := twice.Finish(); agg.N != 4 || twice.Problems.Duplicate != 13 || len(agg.Routes["/cart"].Paths) != 2 {
		t.Errorf("read twice: %d requests, %d duplicates, %d paths of /cart; want 4, 13, 2", agg.N, twice.Problems.Duplicate, len(agg.Routes["/cart"].Paths))
	}
	if _, _, err := Write(newAggregate(), WriteOptions{}, Problems{}); err == nil || !strings.Contains(err.Error(), "no requests") {
		t.Errorf("no requests: %v", err)
	}
}

// TestWindow: a trace is finished once Window spans of others came after
// its last one; a span of it that comes later is a span whose parent is
// not in the input.
func TestWindow(t *testing.T) {
	span := func(trace, id, parent, kind int, start, end int64) string {
		p := ""
		if parent > 0 {
			p = fmt.Sprintf(`,"parentSpanId":"%016x"`, parent)
		}
		return fmt.Sprintf(`{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"%032x","spanId":"%016x"%s,"name":"s%d","kind":%d,`+
			`"startTimeUnixNano":"%d","endTimeUnixNano":"%d"}]}]}]}`+"\n", trace, id, p, id, kind, start, end)
	}
	var b strings.Builder
	b.WriteString(span(1, 1, 0, 2, 0, 100e6)) // a request…
	for i := range 10 {
		b.WriteString(span(100+i, 100+i, 0, 2, int64(i)*1e6, int64(i)*1e6+5e6)) // …ten others…
	}
	b.WriteString(span(1, 2, 1, 3, 10e6, 60e6)) // …and its call, late
	for _, c := range []struct {
		window, missing, calls int
	}{{0, 0, 1}, {4, 1, 0}} {
		rd := NewReader(Options{})
		rd.Window, rd.KeepAll = c.window, true
		if err := rd.Read(strings.NewReader(b.String()), "w"); err != nil {
			t.Fatal(err)
		}
		agg := rd.Finish()
		calls := 0
		for _, r := range agg.All {
			calls += len(r.Calls)
		}
		if agg.N != 11 || rd.Problems.MissingParent != c.missing || calls != c.calls {
			t.Errorf("window %d: %d requests, %d spans without their parent, %d calls; want 11, %d, %d",
				c.window, agg.N, rd.Problems.MissingParent, calls, c.missing, c.calls)
		}
	}
}

// route is one route of a known open workload the round trip generates
// traces of.
type route struct {
	name   string
	share  float64
	work   [2]float64  // ms before and after the calls
	calls  [][]float64 // ms: one per step; several overlapping: a gather
	spread float64     // relative spread of every duration (uniform ±)
}

// TestRoundTrip: traces generated from a known open workload (Poisson
// arrivals at 80/s, three routes) import back into it: the rate within
// 5 %, the route mix within 3 points, each route's mean latency, simulated
// with no contention, within 5 %, and the pattern Poisson; uniform
// arrivals are not called Poisson.
func TestRoundTrip(t *testing.T) {
	routes := []*route{
		{name: "/items", share: 0.6, work: [2]float64{4, 2}, calls: [][]float64{{20}}, spread: 0.3},
		{name: "/search", share: 0.3, work: [2]float64{8, 3}, calls: [][]float64{{30, 12, 18}, {5}}, spread: 0.2},
		{name: "/health", share: 0.1, work: [2]float64{0.5, 0.2}, spread: 0.1},
	}
	for _, pattern := range []string{"poisson", "uniform"} {
		t.Run(pattern, func(t *testing.T) {
			const n, rate = 6000, 80.0
			data, mean := generate(routes, n, rate, pattern, 7)
			rd := NewReader(Options{})
			if err := rd.Read(bytes.NewReader(data), "gen"); err != nil {
				t.Fatal(err)
			}
			agg := rd.Finish()
			out, sum, err := Write(agg, WriteOptions{Name: "gen", Sources: []string{"gen"}}, rd.Problems)
			if err != nil {
				t.Fatal(err)
			}
			// /items has more requests than a path keeps: a sample of them,
			// the counts exact.
			items := agg.Routes["/items"]
			if p := items.Paths[items.Order[0]]; len(p.Reqs) != maxPathReqs || p.Count != items.Count || p.Count < 3000 {
				t.Errorf("/items: %d requests, %d kept", p.Count, len(p.Reqs))
			}
			if len(rd.open) != 0 || agg.N != n || len(agg.All) != 0 {
				t.Errorf("after Finish: %d traces open, %d requests, %d kept whole", len(rd.open), agg.N, len(agg.All))
			}
			if math.Abs(sum.Arrivals.Rate-rate)/rate > 0.05 {
				t.Errorf("rate %.1f/s, want %.0f within 5%%", sum.Arrivals.Rate, rate)
			}
			if sum.Arrivals.Pattern != pattern {
				t.Errorf("pattern %s (%s), want %s", sum.Arrivals.Pattern, sum.Arrivals.Why, pattern)
			}
			for _, r := range routes {
				var got float64
				for _, rs := range sum.Routes {
					if rs.Route == r.name {
						got = rs.Share
					}
				}
				if math.Abs(got-r.share) > 0.03 {
					t.Errorf("%s: share %.3f, want %.2f within 3 points", r.name, got, r.share)
				}
			}
			// Each route alone: one request of it at a time, on a runtime
			// without a GIL.
			wl, err := workload.Parse("gen.yaml", out)
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			for _, r := range routes {
				alone := latencyAlone(t, wl, groupName(r.name))
				if want := mean[r.name]; math.Abs(alone-want)/want > 0.05 {
					t.Errorf("%s: mean latency %.2f ms simulated alone, %.2f ms in the traces (want within 5%%)", r.name, alone, want)
				}
			}
		})
	}
}

// latencyAlone is the mean latency (ms) of group g's tasks of wl when
// each runs alone: 400 of them one after another, far apart, on go.
func latencyAlone(t *testing.T, wl *workload.Workload, g string) float64 {
	t.Helper()
	one := *wl
	one.Arrivals = nil
	one.Groups = nil
	for _, grp := range wl.Groups {
		if grp.Name == g {
			c := grp
			c.Count, c.Start, c.Every, c.Weight = 400, 0, int64(2e9), 0
			one.Groups = append(one.Groups, c)
		}
	}
	if len(one.Groups) != 1 {
		t.Fatalf("no group %s", g)
	}
	prof, err := runtime.Builtin("go")
	if err != nil {
		t.Fatal(err)
	}
	d, err := model.Parse("threads")
	if err != nil {
		t.Fatal(err)
	}
	res, err := sim.Run(context.Background(), sim.Config{Workload: &one, Deployment: d, Profile: prof, Cores: 8,
		SwitchInterval: workload.DefaultSwitchInterval})
	if err != nil {
		t.Fatal(err)
	}
	return float64(res.Latency.Mean) / 1e6
}

// generate writes OTLP/JSON lines of n requests of routes arriving at rate
// per second (poisson or uniform), and returns each route's mean latency
// in ms.
func generate(routes []*route, n int, rate float64, pattern string, seed uint64) ([]byte, map[string]float64) {
	rng := rand.New(rand.NewPCG(seed, 1))
	vary := func(ms, spread float64) int64 {
		return int64(ms * (1 + spread*(2*rng.Float64()-1)) * 1e6)
	}
	var b bytes.Buffer
	sums, counts := map[string]float64{}, map[string]int{}
	at := int64(1_700_000_000_000_000_000)
	for i := 0; i < n; i++ {
		gap := 1 / rate
		if pattern == "poisson" {
			gap = rng.ExpFloat64() / rate
		}
		at += int64(gap * 1e9)
		x, r := rng.Float64(), routes[len(routes)-1]
		for _, c := range routes {
			if x < c.share {
				r = c
				break
			}
			x -= c.share
		}
		trace := fmt.Sprintf("%032x", i+1)
		var spans []string
		t := at + vary(r.work[0], r.spread)
		for k, step := range r.calls {
			end := t
			for j, ms := range step {
				s := t + int64(j)*200_000 // the calls of a gather start a little apart
				e := s + vary(ms, r.spread)
				end = max(end, e)
				spans = append(spans, fmt.Sprintf(`{"traceId":"%s","spanId":"%016x","parentSpanId":"%016x","name":"call-%d-%d","kind":3,"startTimeUnixNano":"%d","endTimeUnixNano":"%d"}`,
					trace, i*100+k*10+j+2, i*100+1, k, j, s, e))
			}
			t = end
			if k < len(r.calls)-1 {
				t += vary(1, r.spread)
			}
		}
		end := t + vary(r.work[1], r.spread)
		spans = append(spans, fmt.Sprintf(`{"traceId":"%s","spanId":"%016x","name":"GET %s","kind":2,"startTimeUnixNano":"%d","endTimeUnixNano":"%d","attributes":[{"key":"http.route","value":{"stringValue":"%s"}}]}`,
			trace, i*100+1, r.name, at, end, r.name))
		sums[r.name] += float64(end-at) / 1e6
		counts[r.name]++
		fmt.Fprintf(&b, `{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"gen"}}]},"scopeSpans":[{"spans":[%s]}]}]}`+"\n",
			strings.Join(spans, ","))
	}
	mean := map[string]float64{}
	for k, v := range sums {
		mean[k] = v / float64(counts[k])
	}
	return b.Bytes(), mean
}

// TestShapeNames: calls whose names are empty or hold the characters a
// shape is written with are paths of their own. A call named "" once made a
// request with it one path with a request of no calls (found by FuzzRead).
func TestShapeNames(t *testing.T) {
	span := func(trace, id, parent, name, kind string, start, dur int) string {
		refs := "[]"
		if parent != "" {
			refs = fmt.Sprintf(`[{"refType": "CHILD_OF", "traceID": %q, "spanID": %q}]`, trace, parent)
		}
		return fmt.Sprintf(`{"traceID": %q, "spanID": %q, "operationName": %q, "references": %s, "startTime": %d, "duration": %d,
			"tags": [{"key": "span.kind", "type": "string", "value": %q}], "processID": "p1"}`, trace, id, name, refs, start, dur, kind)
	}
	trace := func(id string, spans ...string) string {
		return fmt.Sprintf(`{"traceID": %q, "spans": [%s], "processes": {"p1": {"serviceName": "api", "tags": []}}}`,
			id, strings.Join(spans, ","))
	}
	data := `{"data": [` + strings.Join([]string{
		trace("1", span("1", "a", "", "GET /x", "server", 1000, 10000)),
		trace("2", span("2", "a", "", "GET /x", "server", 21000, 10000), span("2", "b", "a", "", "client", 22000, 5000)),
		trace("3", span("3", "a", "", "GET /x", "server", 41000, 10000), span("3", "b", "a", "p → q", "client", 42000, 5000)),
		trace("4", span("4", "a", "", "GET /x", "server", 61000, 10000), span("4", "b", "a", "p", "client", 62000, 2000),
			span("4", "c", "a", "q", "client", 65000, 2000)),
	}, ",") + `]}`
	rd := NewReader(Options{})
	if err := rd.Read(strings.NewReader(data), "names.json"); err != nil {
		t.Fatal(err)
	}
	agg := rd.Finish()
	if ra := agg.Routes["GET /x"]; ra == nil || len(ra.Paths) != 4 {
		t.Fatalf("routes %v: want GET /x with 4 paths", agg.Order)
	}
	out, _, err := Write(agg, WriteOptions{Name: "names"}, rd.Problems)
	if err != nil {
		t.Fatal(err)
	}
	// Each path's comment, and the wait's: "p → q" three times (one call,
	// its wait; two calls), the call with no name said to have none.
	for want, n := range map[string]int{"    # no calls\n": 1, "    # p → q\n": 3, "    # (no name)\n": 2} {
		if got := strings.Count(string(out), want); got != n {
			t.Errorf("%q %d times, want %d, in\n%s", want, got, n, out)
		}
	}
	if _, err := workload.Parse("names.yaml", out); err != nil {
		t.Errorf("%v\n%s", err, out)
	}
}

// FuzzRead: any input reads or fails with an error; never a panic, and
// what reads turns into requests and a workload that reads back.
func FuzzRead(f *testing.F) {
	for _, name := range []string{"testdata/shop.otlp.jsonl", "testdata/shop.jaeger.json", "testdata/protocol-example.json"} {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"data":[{"spans":[{"traceID":"1","spanID":"2","startTime":5,"duration":-3}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		rd := NewReader(Options{})
		if err := rd.Read(bytes.NewReader(data), "fuzz"); err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz") {
				t.Errorf("an error that does not say where: %v", err)
			}
			return
		}
		agg := rd.Finish()
		if agg.N == 0 {
			return
		}
		out, _, err := Write(agg, WriteOptions{Name: "fuzz"}, rd.Problems)
		if err != nil {
			return // requests that no workload can hold (too long, too many) are refused
		}
		if _, err := workload.Parse("fuzz.yaml", out); err != nil {
			t.Errorf("the workload does not read back: %v\n%s", err, out)
		}
	})
}

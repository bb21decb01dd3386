package report

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/conclab/conclab/examples"
	"github.com/conclab/conclab/internal/golden"
	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/runtime"
	"github.com/conclab/conclab/sim"
	"github.com/conclab/conclab/workload"
)

// simRuns simulates a built-in example (or, when name starts with "-e ",
// an inline workload) under models on 2 cores with the built-in cpython
// profile, keeping every span.
func simRuns(t testing.TB, name string, models ...string) (*workload.Workload, []Run) {
	t.Helper()
	var wl *workload.Workload
	var err error
	if expr, ok := strings.CutPrefix(name, "-e "); ok {
		wl, err = workload.ParseInline(expr)
	} else {
		data, found := examples.Lookup(name)
		if !found {
			t.Fatalf("no example %q", name)
		}
		wl, err = workload.Parse("examples/"+name+".yaml", data)
	}
	if err != nil {
		t.Fatal(err)
	}
	prof, err := runtime.Builtin("cpython")
	if err != nil {
		t.Fatal(err)
	}
	var runs []Run
	for _, m := range models {
		d, err := model.Parse(m)
		if err != nil {
			t.Fatal(err)
		}
		rec := &sim.Recorder{}
		r, err := sim.Run(context.Background(), sim.Config{Workload: wl, Deployment: d, Profile: prof, Cores: 2,
			SwitchInterval: 5e6, RecordTasks: true, Sink: rec})
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, Run{Result: r, Spans: rec})
	}
	return wl, runs
}

// seedModels are the seed's three ways of running its tasks.
var seedModels = []string{"sync", "threads(3)", "asyncio"}

// wellFormed parses data as XML and returns its character data.
func wellFormed(t *testing.T, data []byte) string {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	var text strings.Builder
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v", err)
		}
		if c, ok := tok.(xml.CharData); ok {
			text.Write(c)
		}
	}
	return text.String()
}

func svgOf(t *testing.T, runs []Run, opt SVGOptions) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := SVG(&buf, runs, opt); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestSVGGolden(t *testing.T) {
	_, seed := simRuns(t, "seed-io", seedModels...)
	_, blocking := simRuns(t, "seed-blocking", "asyncio")
	tests := []struct {
		name string
		runs []Run
		opt  SVGOptions
	}{
		{"seed", seed, SVGOptions{}},
		{"seed_separate", seed, SVGOptions{SeparateAxes: true, Width: 800}},
		{"blocking", blocking, SVGOptions{}},
		{"states", []Run{cpuThreads(), composite()}, SVGOptions{Width: 900}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := svgOf(t, tt.runs, tt.opt)
			wellFormed(t, got)
			golden.Check(t, "testdata/svg_"+tt.name+".golden", got)
		})
	}
}

// The seed's picture says what the seed says: sync takes 6 s, the others 2.
func TestSVGSeedContent(t *testing.T) {
	_, runs := simRuns(t, "seed-io", seedModels...)
	out := string(svgOf(t, runs, SVGOptions{}))
	for _, want := range []string{
		"sync · makespan 6.000 s · 3 tasks · 1 lane",
		"threads(3) · makespan 2.000 s · 3 tasks · 4 lanes",
		"asyncio · makespan 2.002 s · 3 tasks · 1 lane",
		">worker-3</text>", ">loop</text>", ">tasks</text>",
		"<title>main · B · waiting 2.000 s (2.000–4.000 s)</title>",
		"<title>worker-2 · B · waiting 2.000 s (0.000–2.000 s)</title>",
		"waiting (I/O, sleep)", "GIL holder",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the seed's SVG lacks %q", want)
		}
	}
	// A shared axis: every block has the ticks of the longest run, 0–6 s.
	if n := strings.Count(out, `text-anchor="end">6 s</text>`); n != 3 {
		t.Errorf("want the 6 s tick under all 3 models, got %d", n)
	}
	sep := string(svgOf(t, runs, SVGOptions{SeparateAxes: true}))
	if n := strings.Count(sep, `>6 s</text>`); n != 1 {
		t.Errorf("separate axes: want the 6 s tick under sync only, got %d", n)
	}
}

// Every shape of a span, column run or ribbon has a title to hover.
func TestSVGEveryShapeHasATitle(t *testing.T) {
	_, runs := simRuns(t, "mixed", "sync", "threads(8)", "asyncio", "processes(2)*threads(2)")
	for _, out := range []string{string(svgOf(t, runs, SVGOptions{})), string(svgOf(t, []Run{cpuThreads()}, SVGOptions{}))} {
		shape := regexp.MustCompile(`<rect class="[sg]\d"[^>]*(/?)>(<title>)?`)
		n := 0
		for _, m := range shape.FindAllStringSubmatch(out, -1) {
			n++
			if m[1] == "/" || m[2] == "" {
				t.Fatalf("a shape without a title: %s", m[0])
			}
		}
		if n == 0 {
			t.Fatal("no shapes drawn")
		}
	}
}

func TestSVGRibbon(t *testing.T) {
	_, runs := simRuns(t, "seed-cpu", "threads(2)")
	out := string(svgOf(t, runs, SVGOptions{}))
	holds := regexp.MustCompile(`<title>main process · GIL · (worker-\d|main) holds the GIL`).FindAllStringSubmatch(out, -1)
	if len(holds) < 100 {
		t.Fatalf("two CPU-bound threads take turns on the GIL hundreds of times; the ribbon shows %d holds", len(holds))
	}
	for i := 1; i < len(holds); i++ {
		if holds[i][1] == holds[i-1][1] {
			t.Fatalf("hold %d: %s holds the GIL twice in a row; the ribbon should merge it", i, holds[i][1])
		}
	}
	// No ribbon where there is no GIL, or only one thread.
	for _, m := range []string{"sync", "processes(2)"} {
		_, runs := simRuns(t, "seed-cpu", m)
		if out := string(svgOf(t, runs, SVGOptions{})); strings.Contains(out, "· GIL · ") {
			t.Errorf("%s: a ribbon for a process of one thread", m)
		}
	}
	free := composite()
	free.Result.Runtime = "java"
	if out := string(svgOf(t, []Run{free}, SVGOptions{})); strings.Contains(out, "· GIL · ") {
		t.Error("a ribbon for a runtime without a GIL")
	}
	if out := string(svgOf(t, []Run{composite()}, SVGOptions{})); !strings.Contains(out, "process 2 · GIL") {
		t.Error("no ribbon for the second process of cpython threads")
	}
}

// Names from the workload cannot break the XML or inject markup.
func TestSVGEscapesNames(t *testing.T) {
	const hostile = `<script>alert("x & y")</script>'`
	runs := []Run{seedThreads(), seedAsyncio()}
	for _, run := range runs {
		run.Result.Model = hostile
		for i := range run.Result.Lanes {
			run.Result.Lanes[i].Name = hostile + "\x1b[31m"
		}
		for i := range run.Result.Records {
			run.Result.Records[i].Name = hostile
		}
	}
	out := svgOf(t, runs, SVGOptions{Width: 2000})
	text := wellFormed(t, out)
	if bytes.Contains(out, []byte("<script")) {
		t.Error("a name was written as markup")
	}
	if !strings.Contains(text, hostile) {
		t.Error("the names are not in the picture's text, escaped")
	}
	if strings.Contains(text, "\x1b") {
		t.Error("a control character got through")
	}
}

// A run of 10,000 tasks is aggregated into a picture of bounded size.
func TestSVGLargeRunsStaySmall(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates 10,000 tasks under five models")
	}
	const limit = 2 << 20
	_, runs := simRuns(t, "-e 10000 x [work 1ms, wait uniform(50ms, 150ms), work 200us] every 100us",
		"threads", "threads(8)", "asyncio", "processes(2)", "sync")
	for _, run := range runs {
		t.Run(run.Result.Model, func(t *testing.T) {
			out := svgOf(t, []Run{run}, SVGOptions{})
			wellFormed(t, out)
			if len(out) > limit {
				t.Errorf("%d bytes; want at most %d", len(out), limit)
			}
			if !bytes.Contains(out, []byte("aggregated (")) {
				t.Error("the picture does not say it is aggregated")
			}
		})
	}
	out := svgOf(t, runs, SVGOptions{})
	if len(out) > 5*limit/2 {
		t.Errorf("all five: %d bytes", len(out))
	}
	t.Logf("five models of 10,000 tasks: %d bytes", len(out))
}

// Many lanes fold: the 1,000 threads of manyThreads become a few rows.
func TestSVGFoldsLanes(t *testing.T) {
	out := string(svgOf(t, []Run{manyThreads(1000)}, SVGOptions{}))
	wellFormed(t, []byte(out))
	for _, want := range []string{"aggregated (1,000 lanes", "thread-1 … thread-5 (5 lanes alike)", ">thread-1 +4<", "all 1,000 lanes together"} {
		if !strings.Contains(out, want) {
			t.Errorf("lacks %q", want)
		}
	}
	if n := strings.Count(out, `class="lbl"`); n > maxLaneRows+1 {
		t.Errorf("%d rows of lanes; want at most %d", n, maxLaneRows+1)
	}
}

func TestSVGTicks(t *testing.T) {
	tests := []struct {
		makespan int64
		want     []string
	}{
		{6 * s, []string{"0 s", "1 s", "2 s", "3 s", "4 s", "5 s", "6 s"}},
		{482 * ms, []string{"0 ms", "50 ms", "100 ms", "450 ms"}},
		{2*s + 10*ms, []string{"0 s", "0.2 s", "1.4 s", "2 s"}},
		{750 * µs, []string{"0 µs", "100 µs", "700 µs"}},
		{900, []string{"0 ns", "100 ns", "900 ns"}},
	}
	tick := regexp.MustCompile(`class="tick"[^>]*>([^<]*)<`)
	for _, tt := range tests {
		run := Run{Result: &sim.Result{Model: "sync", Makespan: tt.makespan, Lanes: []sim.Lane{{Name: "main"}}},
			Spans: &sim.Recorder{Lanes: []sim.Span{{State: sim.Waiting, Task: -1, End: tt.makespan}}}}
		var got []string
		for _, m := range tick.FindAllStringSubmatch(string(svgOf(t, []Run{run}, SVGOptions{})), -1) {
			got = append(got, m[1])
		}
		for _, w := range tt.want {
			if !strings.Contains(" "+strings.Join(got, " | ")+" ", " "+w+" ") {
				t.Errorf("makespan %s: ticks %q lack %q", Seconds(tt.makespan), got, w)
			}
		}
		if len(got) < 3 || len(got) > 13 {
			t.Errorf("makespan %s: %d ticks", Seconds(tt.makespan), len(got))
		}
	}
}

func TestSVGEdgeCases(t *testing.T) {
	tests := []struct {
		name string
		runs []Run
		want string
	}{
		{"no spans", []Run{{Result: seedSync().Result}}, "spans were not recorded"},
		{"zero makespan", []Run{{Result: &sim.Result{Model: "sync"}, Spans: &sim.Recorder{}}}, "the makespan is zero"},
		{"no runs", nil, "</svg>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := svgOf(t, tt.runs, SVGOptions{})
			wellFormed(t, out)
			if !bytes.Contains(out, []byte(tt.want)) {
				t.Errorf("lacks %q", tt.want)
			}
		})
	}
	if err := SVG(io.Discard, seedRuns(), SVGOptions{Width: 100}); err == nil {
		t.Error("a 100 px picture: want an error")
	}
	if err := SVG(io.Discard, []Run{{}}, SVGOptions{}); err == nil {
		t.Error("a run without a result: want an error")
	}
}

func TestSpanTimes(t *testing.T) {
	tests := []struct {
		start, end int64
		want       string
	}{
		{0, 2 * s, "(0.000–2.000 s)"},
		{2 * s, 2*s + 146*µs, "(2.0000–2.0001 s)"},
		{0, 146223, "(0.000–146.223 µs)"},
		{1 * ms, 482 * ms, "(1.000–482.000 ms)"},
		{0, 500, "(0.000–500.000 ns)"},
	}
	for _, tt := range tests {
		if got := spanTimes(tt.start, tt.end); got != tt.want {
			t.Errorf("spanTimes(%d, %d) = %q, want %q", tt.start, tt.end, got, tt.want)
		}
	}
}

func BenchmarkSVGLarge(b *testing.B) {
	_, runs := simRuns(b, "-e 10000 x [work 1ms, wait 100ms]", "threads(8)")
	b.ResetTimer()
	for range b.N {
		if err := SVG(io.Discard, runs, SVGOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

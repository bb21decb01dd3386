package report

import (
	"bytes"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/conclab/conclab/examples"
	"github.com/conclab/conclab/internal/golden"
	"github.com/conclab/conclab/workload"
)

func htmlOf(t *testing.T, wl *workload.Workload, runs []Run, opt HTMLOptions) string {
	t.Helper()
	var buf bytes.Buffer
	if err := HTML(&buf, wl, runs, opt); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// checkPage checks the structure of a report of n models: it is
// well-formed (XHTML-safe), has one timeline <svg> per model, a summary
// table with a row per model, links that all resolve, and nothing to
// fetch from the network.
func checkPage(t *testing.T, page string, n int) {
	t.Helper()
	wellFormed(t, []byte(page))
	if !strings.HasPrefix(page, "<!DOCTYPE html>\n") {
		t.Error("no doctype")
	}
	if got := strings.Count(page, "<svg"); got != n {
		t.Errorf("%d <svg> elements; want one per model, %d", got, n)
	}
	if got := strings.Count(page, "<tr id=\"row-"); got != n {
		t.Errorf("%d table rows; want %d", got, n)
	}
	if got := len(regexp.MustCompile(`<thead><tr>(<th[^>]*>[^<]*</th>){11}`).FindAllString(page, -1)); got != 1 {
		t.Error("the table has not the 11 columns of Table")
	}
	ids := map[string]bool{}
	for _, m := range regexp.MustCompile(` id="([^"]+)"`).FindAllStringSubmatch(page, -1) {
		if ids[m[1]] {
			t.Errorf("id %q twice", m[1])
		}
		ids[m[1]] = true
	}
	links := regexp.MustCompile(`href="([^"]*)"`).FindAllStringSubmatch(page, -1)
	if len(links) < 2*n {
		t.Errorf("%d links; want at least two per model", len(links))
	}
	for _, m := range links {
		target, ok := strings.CutPrefix(m[1], "#")
		if !ok || !ids[target] {
			t.Errorf("link %q does not resolve in the page", m[1])
		}
	}
	for _, m := range regexp.MustCompile(`(?i)(src|href|xlink:href|action)\s*=\s*"([^"]*)"`).FindAllStringSubmatch(page, -1) {
		if strings.Contains(m[2], "//") {
			t.Errorf("an external reference: %s", m[0])
		}
	}
	for _, bad := range []string{"<script src", "<link", "<img", "<iframe", "@import", "url("} {
		if strings.Contains(page, bad) {
			t.Errorf("the page loads something: %q", bad)
		}
	}
}

func TestHTMLSeed(t *testing.T) {
	wl, runs := simRuns(t, "seed-io", seedModels...)
	src, _ := examples.Lookup("seed-io")
	page := htmlOf(t, wl, runs, HTMLOptions{Source: src, SourceName: "examples/seed-io.yaml", SwitchInterval: 5e6})
	checkPage(t, page, 3)
	for _, want := range []string{
		"<h1>seed-io</h1>",
		"Three tasks that each wait 2 s; sync ≈ 6 s, threads(3) and asyncio ≈ 2 s.",
		"runtime cpython", "2 cores", "switch interval 5ms", "3 tasks",
		`<a href="#timeline-2">threads(3)</a>`, `<td class="num">6.000 s</td>`,
		`<figure class="model" id="timeline-3">`, `href="#row-1"`,
		"<summary>examples/seed-io.yaml</summary>", "  - name: A",
		"All models share one time axis",
		`<span class="sw s4"></span>waiting (I/O, sleep)`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	golden.Check(t, "testdata/html_seed.golden", []byte(page))

	sep := htmlOf(t, wl, runs, HTMLOptions{SVG: SVGOptions{SeparateAxes: true}})
	checkPage(t, sep, 3)
	if !strings.Contains(sep, "its own makespan") || strings.Contains(sep, "<summary>") {
		t.Error("separate axes, no source: the page says otherwise")
	}
}

// Story lines become a section linked to and from each timeline.
func TestHTMLStory(t *testing.T) {
	wl, runs := simRuns(t, "seed-blocking", "sync", "asyncio")
	narrate := func(wl *workload.Workload, run Run) []StoryLine {
		if run.Result.Model == "sync" {
			return nil // a model may have no story
		}
		return []StoryLine{
			{At: 0, Text: "A starts & <blocks>"},
			{At: 4617, Text: "the loop stalls for 2.000 s", Warn: true},
			{At: 6e9, Text: "done (×3)", Count: 3},
		}
	}
	page := htmlOf(t, wl, runs, HTMLOptions{Narrate: narrate})
	checkPage(t, page, 2)
	for _, want := range []string{`<article class="story" id="story-2">`, `href="#story-2"`, `<a href="#stories">`,
		`<li class="warn"><time>0.000 s</time><span>⚠ the loop stalls for 2.000 s</span></li>`,
		"<time>0.000 s</time><span>A starts &amp; &lt;blocks&gt;</span>", "<time>6.000 s</time>"} {
		if !strings.Contains(page, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	if strings.Contains(page, "story-1") {
		t.Error("a story link for a model without a story")
	}
}

func TestHTMLEscapes(t *testing.T) {
	const hostile = `</title><script>alert("x & y")</script><!--'`
	wl := &workload.Workload{Name: hostile, About: hostile}
	runs := []Run{seedThreads(), seedAsyncio()}
	for _, run := range runs {
		run.Result.Model = hostile
		for i := range run.Result.Lanes {
			run.Result.Lanes[i].Name = hostile
		}
		for i := range run.Result.Records {
			run.Result.Records[i].Name = hostile
		}
	}
	page := htmlOf(t, wl, runs, HTMLOptions{Source: []byte(hostile + "\n]]>"), SourceName: hostile})
	checkPage(t, page, 2)
	if strings.Contains(page, "<script") || strings.Contains(page, "<!--'") {
		t.Error("a name was written as markup")
	}
	if text := wellFormed(t, []byte(page)); strings.Count(text, hostile) < 4 {
		t.Error("the names are not in the page's text")
	}
}

func TestHTMLEdgeCases(t *testing.T) {
	checkPage(t, htmlOf(t, nil, nil, HTMLOptions{}), 0)
	checkPage(t, htmlOf(t, nil, []Run{{Result: seedSync().Result}}, HTMLOptions{}), 1)
	if err := HTML(io.Discard, nil, seedRuns(), HTMLOptions{SVG: SVGOptions{Width: 10}}); err == nil {
		t.Error("a 10 px timeline: want an error")
	}
	if err := HTML(io.Discard, nil, []Run{{}}, HTMLOptions{}); err == nil {
		t.Error("a run without a result: want an error")
	}
}

// A page of 10,000 tasks stays small enough to mail.
func TestHTMLLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates 10,000 tasks")
	}
	wl, runs := simRuns(t, "-e 10000 x [work 1ms, wait 100ms] every 100us", "threads", "threads(8)", "asyncio")
	page := htmlOf(t, wl, runs, HTMLOptions{})
	checkPage(t, page, 3)
	if len(page) > 3<<20 {
		t.Errorf("%d bytes", len(page))
	}
}

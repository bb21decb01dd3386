package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"mime"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/conclab/conclab/report"
)

// The browser tests of the page's tools: zoom and pan, hiding a model, an
// axis per model, hovering a span, the best mark, the palette and the
// columns' meanings, permalinks, downloads, advise and sweep. Each opens
// its own Chromium (openBrowser) and fails without the feature it tests.

// box is an element's place in the viewport, in CSS pixels.
type box struct {
	X, Y, W, H float64
}

// boxOf scrolls the element sel selects to the middle of the window and
// returns its place.
func (p *page) boxOf(sel string) box {
	p.t.Helper()
	b := eval[*box](p, "find "+sel, fmt.Sprintf(`(() => {
		const e = document.querySelector(%q);
		if (!e) return null;
		e.scrollIntoView({block: "center"});
		const r = e.getBoundingClientRect();
		return {X: r.left, Y: r.top, W: r.width, H: r.height};
	})()`, sel))
	if b == nil {
		p.t.Fatalf("no element %s on the page", sel)
	}
	// The page hears of the scroll a frame later (and hides a tip then).
	time.Sleep(100 * time.Millisecond)
	return *b
}

// windows reads the stretch of time each model's timeline shows, ns.
func (p *page) windows() map[string][2]float64 {
	p.t.Helper()
	raw := eval[map[string][]float64](p, "read the windows", `Object.fromEntries([...document.querySelectorAll(".tl-model")].map(s => [s.dataset.model, [Number(s.dataset.t0), Number(s.dataset.t1)]]))`)
	out := map[string][2]float64{}
	for k, v := range raw {
		if len(v) != 2 || math.IsNaN(v[0]) || math.IsNaN(v[1]) {
			p.t.Fatalf("%s shows no stretch of time: %v", k, v)
		}
		out[k] = [2]float64{v[0], v[1]}
	}
	return out
}

// mouse sends one mouse event at x, y.
func (p *page) mouse(what string, typ input.DispatchMouseEventType, x, y float64, opts ...chromedp.MouseOption) {
	p.t.Helper()
	p.do(what, chromedp.MouseEvent(typ, x, y, opts...))
}

// wheel turns the wheel by dy pixels with the modifiers held (Ctrl 2,
// Shift 8). The protocol wants a deltaX and leaves a zero out: a
// thousandth of a pixel stands for none.
func wheel(dy float64, modifiers int64) chromedp.MouseOption {
	return func(e *input.DispatchMouseEventParams) { e.DeltaX, e.DeltaY, e.Modifiers = 0.001, dy, modifiers }
}

func held(e *input.DispatchMouseEventParams) {
	e.Button, e.Buttons, e.ClickCount = input.MouseButtonLeft, 1, 1
}

// drag presses the left button at (x0, y), moves to x1 in steps and lets
// go there.
func (p *page) drag(what string, x0, x1, y float64) {
	p.t.Helper()
	p.mouse(what, chromedp.MousePressed, x0, y, held)
	for i := 1; i <= 8; i++ {
		p.mouse(what, chromedp.MouseMoved, x0+(x1-x0)*float64(i)/8, y, held)
	}
	p.mouse(what, chromedp.MouseReleased, x1, y, held)
}

// hover moves the mouse to x, y until the page shows its tip: the page
// hides a tip when it scrolls, which it may hear of only after the mouse
// came, as a person then moves the mouse again.
func (p *page) hover(what string, x, y float64) string {
	p.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for i := 0; ; i++ {
		p.mouse(what, chromedp.MouseMoved, x+float64(i%2)*0.5, y)
		time.Sleep(50 * time.Millisecond)
		if tip := eval[string](p, "read the tip", `document.getElementById("tip").hidden ? "" : document.getElementById("tip").innerText`); tip != "" {
			return tip
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("%s: no tip after 20 s", what)
		}
	}
}

// key presses a key with nothing focused.
func (p *page) key(k string) {
	p.t.Helper()
	p.do("press "+k, chromedp.Evaluate[chromedp.Void](`document.activeElement && document.activeElement.blur()`), chromedp.KeyEvent(k))
}

// waitFor waits until the JavaScript expression cond is true.
func (p *page) waitFor(what, cond string) {
	p.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !eval[bool](p, what, cond) {
		if time.Now().After(deadline) {
			p.t.Fatalf("%s: still not so after 20 s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestBrowserZoom: the wheel with Ctrl, the keys, a drag on a timeline
// and a drag on the time axis change the stretch of time shown, about
// where they point; a double-click shows it all again.
func TestBrowserZoom(t *testing.T) {
	p := openBrowser(t)
	p.open("/#seed-io", "seed-io")
	full := p.windows()["sync"]
	if full[0] != 0 || math.Abs(full[1]-6e9) > 0.01e9 {
		t.Fatalf("sync shows %v before any zoom, want 0 to 6 s", full)
	}
	track := p.boxOf(`.tl-model[data-model="sync"] .tl-body .track`)
	at := func(ns float64) float64 { return track.X + track.W*ns/full[1] }
	y := track.Y + track.H/2

	// Ctrl + wheel over 3 s zooms in about 3 s.
	p.mouse("wheel", chromedp.MouseWheel, at(3e9), y, wheel(-400, 2))
	p.waitFor("zoomed by the wheel", `Number(document.querySelector('.tl-model[data-model="sync"]').dataset.t1) < 5.9e9`)
	w := p.windows()["sync"]
	if !(w[0] > 0 && w[1] < 6e9 && w[0] < 3e9 && w[1] > 3e9) || math.Abs((3e9-w[0])/(w[1]-w[0])-0.5) > 0.02 {
		t.Errorf("after Ctrl + wheel at 3 s sync shows %v, want a narrower stretch with 3 s where it was", w)
	}
	all := p.windows()
	if all["asyncio"] != w {
		t.Errorf("one axis: asyncio shows %v, sync %v", all["asyncio"], w)
	}
	if r := eval[string](p, "range", `document.getElementById("range").textContent`); !strings.Contains(r, "×") {
		t.Errorf("the range says %q, want the zoom", r)
	}

	// A plain wheel scrolls the page and leaves the zoom alone.
	p.mouse("plain wheel", chromedp.MouseWheel, at(3e9), y, wheel(-100, 0))
	time.Sleep(200 * time.Millisecond)
	if got := p.windows()["sync"]; got != w {
		t.Errorf("a plain wheel changed the zoom: %v, was %v", got, w)
	}

	// Dragging the timeline to the left shows later times.
	track = p.boxOf(`.tl-model[data-model="sync"] .tl-body .track`)
	y = track.Y + track.H/2
	p.drag("pan", track.X+track.W*0.6, track.X+track.W*0.4, y)
	p.waitFor("panned", fmt.Sprintf(`Number(document.querySelector('.tl-model[data-model="sync"]').dataset.t0) > %g`, w[0]+1e6))
	pw := p.windows()["sync"]
	if span, was := pw[1]-pw[0], w[1]-w[0]; math.Abs(span-was) > 1e3 || math.Abs((pw[0]-w[0])/was-0.2) > 0.02 {
		t.Errorf("after dragging a fifth of the width to the left sync shows %v, was %v", pw, w)
	}

	// Keys: + zooms in, 0 shows everything, → pans.
	p.key("+")
	p.waitFor("+", fmt.Sprintf(`Number(document.querySelector('.tl-model[data-model="sync"]').dataset.t1) - Number(document.querySelector('.tl-model[data-model="sync"]').dataset.t0) < %g`, (pw[1]-pw[0])*0.6))
	p.key("0")
	p.waitFor("0", `document.querySelector('.tl-model[data-model="sync"]').dataset.t0 === "0" && Number(document.querySelector('.tl-model[data-model="sync"]').dataset.t1) > 5.9e9`)
	p.key("+")
	p.key(kb.ArrowRight)
	p.waitFor("→", `Number(document.querySelector('.tl-model[data-model="sync"]').dataset.t0) > 0`)

	// A drag on the time axis zooms into the stretch dragged over.
	p.key("0")
	p.waitFor("fit", `document.querySelector('.tl-model[data-model="sync"]').dataset.t0 === "0"`)
	axis := p.boxOf(`.shared-axis .track`)
	p.drag("brush", axis.X+axis.W/6, axis.X+axis.W/3, axis.Y+axis.H/2) // 1 s to 2 s
	p.waitFor("brushed", `Number(document.querySelector('.tl-model[data-model="sync"]').dataset.t1) < 2.5e9`)
	if b := p.windows()["sync"]; math.Abs(b[0]-1e9) > 0.03e9 || math.Abs(b[1]-2e9) > 0.03e9 {
		t.Errorf("after dragging over 1 s to 2 s on the axis sync shows %v", b)
	}
	p.shot("zoomed.png", false)

	// A double-click fits.
	track = p.boxOf(`.tl-model[data-model="sync"] .tl-body .track`)
	p.do("double-click", chromedp.MouseClickXY(track.X+10, track.Y+5, chromedp.ClickCount(2)))
	p.waitFor("double-click fits", `document.querySelector('.tl-model[data-model="sync"]').dataset.t0 === "0" && Number(document.querySelector('.tl-model[data-model="sync"]').dataset.t1) > 5.9e9`)
}

// TestBrowserHideAndAxis: in api-io, sync takes 193 s and flattens the
// others on the shared axis. Hiding it removes its timeline and the axis
// shrinks to the others'; each model on its own axis spans its own
// makespan.
func TestBrowserHideAndAxis(t *testing.T) {
	p := openBrowser(t)
	p.open("/#api-io", "api-io")
	w := p.windows()
	if len(w) != 4 || w["sync"][1] < 150e9 || w["asyncio"] != w["sync"] {
		t.Fatalf("api-io before hiding: %v, want four models on sync's axis of about 193 s", w)
	}
	if flat := eval[string](p, "the squeeze", `document.getElementById("flat").hidden ? "" : document.getElementById("flat").textContent`); !strings.Contains(flat, "sync takes") {
		t.Errorf("the page does not say that sync squeezes the others: %q", flat)
	}
	p.do("show the timelines", chromedp.Evaluate[chromedp.Void](`document.getElementById("timelines").closest(".card").scrollIntoView()`))
	p.shot("api-io-shared.png", false)

	// Hide sync from the summary.
	b := p.boxOf(`#summary tr[data-model="sync"] input[type=checkbox]`)
	p.do("untick sync", chromedp.MouseClickXY(b.X+b.W/2, b.Y+b.H/2))
	p.waitFor("sync hidden", `!document.querySelector('.tl-model[data-model="sync"]')`)
	w = p.windows()
	if _, ok := w["sync"]; ok || len(w) != 3 {
		t.Fatalf("after hiding sync: %v", w)
	}
	if w["asyncio"][1] > 30e9 || w["asyncio"][1] < 10e9 {
		t.Errorf("after hiding sync the axis ends at %g s, want the longest of the others (about 10–20 s)", w["asyncio"][1]/1e9)
	}
	lanes := eval[int](p, "count the lanes", `document.querySelectorAll('.tl-model .lane-label').length`)
	if lanes == 0 {
		t.Error("no lanes left")
	}
	if eval[bool](p, "the squeeze", `!document.getElementById("flat").hidden`) {
		t.Error("the page still says sync squeezes the others")
	}
	if n := eval[int](p, "readout", `[...document.querySelectorAll("#readout .rm b")].filter(b => b.textContent === "sync").length`); n != 0 {
		t.Error("the readout still tells sync")
	}
	p.shot("api-io-hidden.png", false)

	// Each model on its own axis.
	radio := p.boxOf(`input[name=axis][value=own]`)
	p.do("each its own", chromedp.MouseClickXY(radio.X+radio.W/2, radio.Y+radio.H/2))
	p.waitFor("own axes", `document.getElementById("timelines").classList.contains("own")`)
	own := p.windows()
	mk := eval[map[string]float64](p, "makespans", `Object.fromEntries([...document.querySelectorAll(".tl-model")].map(s => [s.dataset.model, 0]))`)
	a := answerOf(t, p, "api-io")
	for _, r := range a.Results {
		if _, ok := mk[r.Model]; !ok {
			continue
		}
		got := own[r.Model]
		if got[0] != 0 || math.Abs(got[1]-float64(r.Timeline.MakespanNS)) > 1 {
			t.Errorf("own axis: %s shows %v, want 0 to its makespan %d", r.Model, got, r.Timeline.MakespanNS)
		}
	}
	if own["threads(32)"] == own["threads(16)"] {
		t.Errorf("own axes: threads(16) and threads(32) show the same stretch %v", own["threads(16)"])
	}
	if vis := eval[[]bool](p, "axes", `[document.querySelector(".shared-axis").offsetWidth > 0, ...[...document.querySelectorAll(".tl-model .own-axis")].map(a => a.offsetWidth > 0)]`); vis[0] || slices.Contains(vis[1:], false) {
		t.Errorf("own axes: shared axis shown %v, own axes shown %v", vis[0], vis[1:])
	}
	p.shot("api-io-own.png", false)

	// Show sync again from its chip.
	chip := p.boxOf(`#hidden-models .chip`)
	p.do("show sync", chromedp.MouseClickXY(chip.X+chip.W/2, chip.Y+chip.H/2))
	p.waitFor("sync back", `!!document.querySelector('.tl-model[data-model="sync"]')`)
}

// answerOf asks the page's server for the page's answer for an example.
func answerOf(t *testing.T, p *page, name string) answer {
	t.Helper()
	w := do(t, "POST", "/api/run", "application/json", runBody(t, map[string]any{"yaml": example(t, name), "name": name, "spans": true, "no_tasks": true}))
	return decode(t, w)
}

// TestBrowserHover: hovering a span tells its task, state, start,
// duration and what ended it: in seed-io, worker-1 waits in A from about
// 0.1 ms (after its Thread.start) for 2 s; in convoy, a wait for the GIL
// ends when a thread lets the GIL go.
func TestBrowserHover(t *testing.T) {
	p := openBrowser(t)
	p.open("/#seed-io", "seed-io")
	track := p.boxOf(`.tl-model[data-model="threads(3)"] .tl-body .track`)
	w := p.windows()["threads(3)"]
	// Rows: main, worker-1, worker-2, worker-3; 1 s is in A's wait.
	x := track.X + track.W*(1e9-w[0])/(w[1]-w[0])
	tip := p.hover("hover worker-1", x, track.Y+20*1+10)
	for _, want := range []string{"A on worker-1", "waiting (I/O, sleep)", "start 112 µs", "for 2.000 s", "ended:"} {
		if !strings.Contains(tip, want) {
			t.Errorf("the tip over worker-1 at 1 s says %q, want %q in it", tip, want)
		}
	}
	p.shot("hover.png", false)
	p.mouse("leave", chromedp.MouseMoved, 5, 5)
	p.waitFor("no tip", `document.getElementById("tip").hidden`)

	// convoy under threads(2): find a wait for the GIL and hover it.
	p.pick("convoy")
	a := answerOf(t, p, "convoy")
	gilWait := slices.Index(a.States, "gil-wait")
	var model string
	var row int
	var span []int64
	for _, r := range a.Results {
		if r.Timeline == nil {
			continue
		}
		for ri, rw := range r.Timeline.Rows {
			for k := 0; k+3 < len(rw.Spans) && span == nil; k += 4 {
				// One of a millisecond or more, well inside the run.
				if rw.Spans[k+2] == int64(gilWait) && rw.Spans[k+1]-rw.Spans[k] > r.Timeline.MakespanNS/1000 && rw.Spans[k] > r.Timeline.MakespanNS/4 {
					model, row, span = r.Model, ri, rw.Spans[k:k+4]
				}
			}
		}
	}
	if span == nil {
		t.Fatal("convoy has no wait for the GIL of a millisecond or more to hover")
	}
	// Zoom in on it with a drag on the time axis, then hover it.
	axis := p.boxOf(`.shared-axis .track`)
	w = p.windows()[model]
	xOf := func(b box, ns float64) float64 { return b.X + b.W*(ns-w[0])/(w[1]-w[0]) }
	p.drag("zoom in", max(axis.X+1, xOf(axis, float64(span[0]))-30), min(axis.X+axis.W-1, xOf(axis, float64(span[1]))+30), axis.Y+axis.H/2)
	p.waitFor("zoomed", fmt.Sprintf(`(s => Number(s.dataset.t1) - Number(s.dataset.t0))(document.querySelector('.tl-model[data-model="%s"]')) < %d`, model, a.Results[0].Timeline.MakespanNS/4))
	track = p.boxOf(`.tl-model[data-model="` + model + `"] .tl-body .track`)
	w = p.windows()[model]
	tip = p.hover("hover a GIL wait", xOf(track, float64(span[0]+span[1])/2), track.Y+20*float64(row)+10)
	if !strings.Contains(tip, "waiting for the GIL") || !strings.Contains(tip, "ended: ") ||
		!strings.Contains(tip, "for "+report.Seconds(span[1]-span[0])) || !strings.Contains(tip, "start "+report.Seconds(span[0])) {
		t.Errorf("the tip over a wait for the GIL of %s (%v) says %q", model, span, tip)
	}
	if !strings.Contains(tip, "released the GIL") && !strings.Contains(tip, "drop the GIL") {
		t.Errorf("the tip does not say who let the GIL go: %q", tip)
	}
	p.shot("hover-gil.png", false)
}

// TestBrowserBest: a model is marked best only by more than the tie; models
// within it are marked together and the note says so; when all tie, none
// is marked and the note says why.
func TestBrowserBest(t *testing.T) {
	p := openBrowser(t)
	marks := func() ([]string, string, string) {
		best := eval[[]string](p, "best rows", `[...document.querySelectorAll("#summary tbody tr.best")].map(r => r.dataset.model)`)
		kind := eval[string](p, "note kind", `document.getElementById("best-note").dataset.kind`)
		note := eval[string](p, "note", `document.getElementById("best-note").textContent`)
		return best, kind, note
	}
	// seed-io: threads(3) 2.0015 s, asyncio 2.0021 s.
	p.open("/#seed-io", "seed-io")
	best, kind, note := marks()
	if !slices.Equal(best, []string{"threads(3)", "asyncio"}) || kind != "tie" || !strings.Contains(note, "tie") || !strings.Contains(note, "5 %") {
		t.Errorf("seed-io: best %q, note %s %q; want threads(3) and asyncio tied", best, kind, note)
	}
	// seed-cpu: processes(2) alone.
	p.pick("seed-cpu")
	if best, kind, _ := marks(); !slices.Equal(best, []string{"processes(2)"}) || kind != "one" {
		t.Errorf("seed-cpu: best %q (%s), want processes(2) alone", best, kind)
	}
	// Two models that differ by a millisecond in 10 s: none marked.
	p.do("a workload of ties",
		chromedp.Evaluate[chromedp.Void](`(() => {
			const ta = document.getElementById("yaml");
			ta.value = "tasks:\n  - name: t\n    count: 4\n    steps: [{wait: 10s}]\nmodels: [threads(4), asyncio]\n";
			ta.dispatchEvent(new Event("input"));
			for (const i of document.querySelectorAll(".model input")) i.value = "";
		})()`),
		loaded("workload"),
	)
	p.waitFor("the tie", `document.getElementById("best-note").dataset.kind === "all"`)
	best, _, note = marks()
	mk := eval[[]string](p, "makespans", `[...document.querySelectorAll("#summary tbody tr td.mk")].map(c => c.textContent)`)
	if len(best) != 0 || !strings.Contains(note, "No model is marked best") {
		t.Errorf("all tied (%q): best %q, note %q", mk, best, note)
	}
	p.shot("best-all-tied.png", false)
}

// TestBrowserPalette: the page draws the states in report's colours
// (report.StateStyles), waiting for the GIL hatched rather than solid like
// working, and explains every column of the summary as report does.
func TestBrowserPalette(t *testing.T) {
	p := openBrowser(t)
	p.open("/#convoy", "convoy")
	type item struct{ State, Fill string }
	legend := eval[[]item](p, "legend", `[...document.querySelectorAll("#legend > span")].map(s => ({state: s.dataset.state, fill: s.dataset.fill}))`)
	styles := map[string]report.StateStyle{}
	for _, s := range report.StateStyles() {
		styles[s.Name] = s
	}
	seen := map[string]bool{}
	for _, it := range legend {
		seen[it.State] = true
		if s, ok := styles[it.State]; !ok || s.Fill != it.Fill {
			t.Errorf("legend: %s drawn in %s, report's palette has %q", it.State, it.Fill, s.Fill)
		}
	}
	if !seen["working"] || !seen["gil-wait"] {
		t.Fatalf("convoy's legend %v lacks working or waiting for the GIL", legend)
	}
	// The swatches are drawn as the timelines are: working one solid
	// colour, report's; waiting for the GIL in stripes of several.
	colours := func(state string) []string {
		return eval[[]string](p, "swatch "+state, `(() => {
			const c = document.querySelector('#legend canvas[data-state="`+state+`"]');
			const g = c.getContext("2d");
			const d = g.getImageData(2 * c.width / 22, 5 * c.height / 20, c.width * 18 / 22, c.height / 2).data;
			const seen = new Set();
			for (let i = 0; i < d.length; i += 4) seen.add("#" + [d[i], d[i+1], d[i+2]].map(v => v.toString(16).padStart(2, "0")).join(""));
			return [...seen];
		})()`)
	}
	if w := colours("working"); len(w) != 1 || w[0] != styles["working"].Fill {
		t.Errorf("working is drawn in %q, want report's %s alone", w, styles["working"].Fill)
	}
	if g := colours("gil-wait"); len(g) < 3 || !slices.Contains(g, styles["gil-wait"].Fill) {
		t.Errorf("waiting for the GIL is drawn in %q, want stripes of report's %s over a lighter tint", g, styles["gil-wait"].Fill)
	}
	if v := eval[string](p, "css var", `getComputedStyle(document.documentElement).getPropertyValue("--s-gil-wait").trim()`); v != styles["gil-wait"].Fill {
		t.Errorf("--s-gil-wait is %q, want %s", v, styles["gil-wait"].Fill)
	}

	// The columns, with their meanings.
	type col struct{ Head, Meaning string }
	heads := eval[[]col](p, "headings", `[...document.querySelectorAll("#summary thead th")].map(th => ({head: th.textContent, meaning: th.title}))`)
	help := eval[[]col](p, "column help", `[...document.querySelectorAll("#column-help dt")].map(dt => ({head: dt.textContent, meaning: dt.nextElementSibling.textContent}))`)
	for i, c := range report.Columns() {
		if i >= len(heads) || heads[i].Head != c.Head || heads[i].Meaning != c.Meaning {
			t.Errorf("heading %d: %+v, want %+v", i, heads, c)
			break
		}
		if i >= len(help) || help[i].Head != c.Head || help[i].Meaning != c.Meaning {
			t.Errorf("column help %d: %+v, want %+v", i, help, c)
			break
		}
	}
	p.shot("palette.png", false)
}

// TestBrowserPermalink: a workload of one's own, its models, cores and
// view go into the link; the link opened afresh shows the same workload,
// models and result, and a visit without a link resumes where the last
// one left off.
func TestBrowserPermalink(t *testing.T) {
	p := openBrowser(t)
	p.open("/#seed-io", "seed-io")
	own := "name: mine\ntasks:\n  - name: A\n    steps: [{work: 30ms}, {wait: 1s}]\n  - name: B\n    count: 3\n    steps: [{wait: 500ms}, {work: 10ms}]\n"
	p.do("edit", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => {
		const ta = document.getElementById("yaml");
		ta.value = %q;
		ta.dispatchEvent(new Event("input"));
		const ins = document.querySelectorAll(".model input");
		ins[0].value = "threads(2)"; ins[1].value = "processes(2)"; ins[2].value = "asyncio";
		document.getElementById("cores").value = "3";
	})()`, own)), loaded("mine"))
	p.waitFor("cores 3", `document.getElementById("status").textContent.includes("3 cores")`)
	// Hide asyncio, one axis each, and zoom.
	b := p.boxOf(`#summary tr[data-model="asyncio"] input[type=checkbox]`)
	p.do("hide asyncio", chromedp.MouseClickXY(b.X+b.W/2, b.Y+b.H/2))
	r := p.boxOf(`input[name=axis][value=own]`)
	p.do("own axes", chromedp.MouseClickXY(r.X+r.W/2, r.Y+r.H/2))
	p.key("+")
	p.waitFor("the link", `location.hash.includes("zoom=") && location.hash.includes("hide=asyncio") && location.hash.includes("axis=own")`)

	type state struct {
		YAML, Cores, Link string
		Models, Hidden    []string
		Table             [][]string
		Windows           map[string][]float64
	}
	read := func() state {
		return eval[state](p, "read the page", `({
			yaml: document.getElementById("yaml").value,
			cores: document.getElementById("cores").value,
			link: location.href,
			models: [...document.querySelectorAll(".model input")].map(i => i.value).filter(v => v),
			hidden: [...document.querySelectorAll("#summary tbody tr.hidden")].map(r => r.dataset.model),
			table: [...document.querySelectorAll("#summary tbody tr")].map(r => [...r.cells].map(c => c.textContent)),
			windows: Object.fromEntries([...document.querySelectorAll(".tl-model")].map(s => [s.dataset.model, [Number(s.dataset.t0), Number(s.dataset.t1)]])),
		})`)
	}
	before := read()
	if before.YAML != own || !slices.Equal(before.Models, []string{"threads(2)", "processes(2)", "asyncio"}) || before.Cores != "3" ||
		!slices.Equal(before.Hidden, []string{"asyncio"}) || len(before.Windows) != 2 {
		t.Fatalf("the page before the link: %+v", before)
	}
	if strings.Contains(before.Link, "work") || len(before.Link) > 2000 {
		t.Errorf("the link %q holds the workload unpacked or is long", before.Link)
	}

	// A new browser, so nothing is remembered: the link alone.
	q := openBrowser(t)
	q.do("open the link", chromedp.Navigate(strings.Replace(before.Link, p.url, q.url, 1)), loaded("mine"))
	q.waitFor("the view", `document.getElementById("timelines").classList.contains("own")`)
	after := eval[state](q, "read the page", `({
		yaml: document.getElementById("yaml").value,
		cores: document.getElementById("cores").value,
		link: location.href,
		models: [...document.querySelectorAll(".model input")].map(i => i.value).filter(v => v),
		hidden: [...document.querySelectorAll("#summary tbody tr.hidden")].map(r => r.dataset.model),
		table: [...document.querySelectorAll("#summary tbody tr")].map(r => [...r.cells].map(c => c.textContent)),
		windows: Object.fromEntries([...document.querySelectorAll(".tl-model")].map(s => [s.dataset.model, [Number(s.dataset.t0), Number(s.dataset.t1)]])),
	})`)
	if after.YAML != before.YAML || !slices.Equal(after.Models, before.Models) || after.Cores != before.Cores || !slices.Equal(after.Hidden, before.Hidden) {
		t.Errorf("the link shows\n%+v\nwant\n%+v", after, before)
	}
	if fmt.Sprint(after.Table) != fmt.Sprint(before.Table) {
		t.Errorf("the link's result:\n%q\nwant\n%q", after.Table, before.Table)
	}
	for m, w := range before.Windows {
		if a := after.Windows[m]; len(a) != 2 || math.Abs(a[0]-w[0]) > 1e3 || math.Abs(a[1]-w[1]) > 1e3 {
			t.Errorf("the link shows %s over %v, want %v", m, a, w)
		}
	}
	q.shot("permalink.png", false)

	// The same browser, no link: the last run comes back.
	p.do("leave", chromedp.Navigate("about:blank"))
	p.open("/", "mine")
	again := read()
	if again.YAML != own || fmt.Sprint(again.Table) != fmt.Sprint(before.Table) {
		t.Errorf("a visit without a link shows %+v, want the last run", again)
	}

	// An old link to an example still works.
	q.open("/#convoy", "convoy")
}

// TestBrowserDownloads clicks each download and checks that the file
// arrives, is the format its name says, and came with that content type.
func TestBrowserDownloads(t *testing.T) {
	p := openBrowser(t)
	dir := t.TempDir()
	var mu sync.Mutex
	names := map[string]string{} // guid → suggested name
	done := map[string]bool{}
	types := map[string]string{} // file name → Content-Type
	ctx, cancel := context.WithCancel(p.ctx)
	defer cancel()
	go func() {
		for e, err := range chromedp.BrowserEvents(ctx, browser.DownloadWillBegin) {
			if err != nil {
				return
			}
			mu.Lock()
			names[e.GUID] = e.SuggestedFilename
			mu.Unlock()
		}
	}()
	go func() {
		for e, err := range chromedp.BrowserEvents(ctx, browser.DownloadProgress) {
			if err != nil {
				return
			}
			if e.State == browser.DownloadProgressStateCompleted {
				mu.Lock()
				done[e.GUID] = true
				mu.Unlock()
			}
		}
	}()
	go func() {
		for e, err := range chromedp.Events(ctx, network.ResponseReceived) {
			if err != nil {
				return
			}
			if !strings.HasSuffix(e.Response.URL, "/api/run") {
				continue
			}
			for k, v := range e.Response.Headers {
				if strings.EqualFold(k, "Content-Disposition") {
					_, params, _ := mime.ParseMediaType(fmt.Sprint(v))
					ct := ""
					for k2, v2 := range e.Response.Headers {
						if strings.EqualFold(k2, "Content-Type") {
							ct = fmt.Sprint(v2)
						}
					}
					mu.Lock()
					types[params["filename"]] = ct
					mu.Unlock()
				}
			}
		}
	}()
	yes := true
	if _, err := chromedp.CallBrowser(p.ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: &yes}); err != nil {
		t.Fatal(err)
	}
	p.open("/#seed-io", "seed-io")
	want := map[string]struct {
		format, contentType string
		check               func(body []byte) error
	}{
		"seed-io.json": {"json", "application/json", func(b []byte) error {
			var doc report.Document
			if err := json.Unmarshal(b, &doc); err != nil {
				return err
			}
			if doc.Workload != "seed-io" || len(doc.Results) != 3 || len(doc.Results[0].Tasks) != 3 {
				return fmt.Errorf("document of %q with %d results", doc.Workload, len(doc.Results))
			}
			return nil
		}},
		"seed-io.html": {"html", "text/html; charset=utf-8", func(b []byte) error {
			if !bytes.Contains(b, []byte("<h1>seed-io</h1>")) || bytes.Count(b, []byte(`<svg class="tl"`)) != 3 {
				return fmt.Errorf("not the report: %.200s", b)
			}
			return nil
		}},
		"seed-io.svg": {"svg", "image/svg+xml", func(b []byte) error {
			if root := parseXML(t, string(b)); root != "svg" {
				return fmt.Errorf("root %q", root)
			}
			return nil
		}},
		"seed-io.trace.json": {"trace", "application/json", func(b []byte) error {
			var tr struct {
				TraceEvents []json.RawMessage `json:"traceEvents"`
			}
			if err := json.Unmarshal(b, &tr); err != nil {
				return err
			}
			if len(tr.TraceEvents) == 0 {
				return fmt.Errorf("no events")
			}
			return nil
		}},
	}
	for name, w := range want {
		b := p.boxOf(`.dl[data-format="` + w.format + `"]`)
		p.do("download "+w.format, chromedp.MouseClickXY(b.X+b.W/2, b.Y+b.H/2))
		deadline := time.Now().Add(20 * time.Second)
		var guid string
		for guid == "" {
			mu.Lock()
			for g, n := range names {
				if n == name && done[g] {
					guid = g
				}
			}
			mu.Unlock()
			if time.Now().After(deadline) {
				t.Fatalf("%s: no download finished (began: %v)", name, names)
			}
			time.Sleep(50 * time.Millisecond)
		}
		body, err := os.ReadFile(filepath.Join(dir, guid))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := w.check(body); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		mu.Lock()
		ct := types[name]
		mu.Unlock()
		if ct != w.contentType {
			t.Errorf("%s came as %q, want %q", name, ct, w.contentType)
		}
	}
	status := eval[string](p, "status", `document.getElementById("status").textContent`)
	if !strings.Contains(status, "saved") {
		t.Errorf("status %q after the downloads", status)
	}
}

// TestBrowserAdviseSweep asks for advice and a sweep on the page and sees
// the server's answers shown: the recommendation with its reasons and the
// candidates, the plot and the table with the knee.
func TestBrowserAdviseSweep(t *testing.T) {
	p := openBrowser(t)
	p.open("/#api-io", "api-io")
	w := do(t, "POST", "/api/advise", "application/json", runBody(t, map[string]any{"yaml": example(t, "api-io"), "name": "api-io"}))
	var want adviceAnswer
	if err := json.Unmarshal(w.Body.Bytes(), &want); err != nil || want.Recommendation == nil {
		t.Fatalf("advise: %v %s", err, w.Body)
	}
	btn := p.boxOf(`#advise-form button[type=submit]`)
	p.do("advise", chromedp.MouseClickXY(btn.X+btn.W/2, btn.Y+btn.H/2))
	p.waitFor("the advice", `!document.getElementById("advice").hidden`)
	type advice struct {
		Rec        string
		Reasons    []string
		Candidates int
	}
	got := eval[advice](p, "read the advice", `({
		rec: document.querySelector("#advice .rec b").textContent,
		reasons: [...document.querySelectorAll("#advice .reasons li")].map(l => l.textContent),
		candidates: document.querySelectorAll("#advice .candidates tbody tr").length,
	})`)
	if got.Rec != want.Recommendation.Model || !slices.Equal(got.Reasons, want.Reasons) || got.Candidates != len(want.Candidates) {
		t.Errorf("the page's advice %+v, want %s, %q and %d candidates", got, want.Recommendation.Model, want.Reasons, len(want.Candidates))
	}
	p.do("show the advice", chromedp.Evaluate[chromedp.Void](`document.querySelector("#advice").closest(".card").scrollIntoView()`))
	p.shot("advice.png", false)

	// Its bounds, and an error named.
	p.do("a bound nothing meets", chromedp.SetValue(chromedp.ID("p99"), "1ms"))
	btn = p.boxOf(`#advise-form button[type=submit]`)
	p.do("advise", chromedp.MouseClickXY(btn.X+btn.W/2, btn.Y+btn.H/2))
	p.waitFor("no recommendation", `document.querySelector("#advice .badge.none") !== null`)
	p.do("a bad bound", chromedp.SetValue(chromedp.ID("p99"), "soon"))
	btn = p.boxOf(`#advise-form button[type=submit]`)
	p.do("advise", chromedp.MouseClickXY(btn.X+btn.W/2, btn.Y+btn.H/2))
	p.waitFor("the error", `!document.getElementById("advise-error").hidden`)
	if e := eval[string](p, "error", `document.getElementById("advise-error").textContent`); !strings.Contains(e, `p99: p99 "soon"`) {
		t.Errorf("advise error %q", e)
	}

	// A sweep of the pool size.
	p.do("sweep threads", chromedp.SetValue(chromedp.ID("sweep-model"), "threads(1..64)"))
	btn = p.boxOf(`#sweep-form button[type=submit]`)
	p.do("sweep", chromedp.MouseClickXY(btn.X+btn.W/2, btn.Y+btn.H/2))
	p.waitFor("the sweep", `!document.getElementById("sweep").hidden`)
	w = do(t, "POST", "/api/sweep", "application/json", runBody(t, map[string]any{"yaml": example(t, "api-io"), "name": "api-io", "model": "threads(1..64)"}))
	var sw sweepAnswer
	if err := json.Unmarshal(w.Body.Bytes(), &sw); err != nil || sw.Knee == nil {
		t.Fatalf("sweep: %v %s", err, w.Body)
	}
	type sweep struct {
		SVG   bool
		Rows  int
		Knee  string
		Title string
		Mark  string
	}
	gs := eval[sweep](p, "read the sweep", `({
		svg: !!document.querySelector("#sweep .plot svg polyline"),
		rows: document.querySelectorAll("#sweep tbody tr").length,
		knee: document.querySelector("#sweep .knee").textContent,
		title: document.querySelector("#sweep h4").textContent,
		mark: (document.querySelector("#sweep tbody tr.best td") || {}).textContent || "",
	})`)
	if !gs.SVG || gs.Rows != len(sw.Points) || gs.Knee != sw.KneeText || gs.Title != sw.Title || gs.Mark != sw.Knee.Model+" ◀" {
		t.Errorf("the page's sweep %+v, want a plot, %d rows, %q, %q and the knee %s marked", gs, len(sw.Points), sw.KneeText, sw.Title, sw.Knee.Model)
	}
	p.do("show the sweep", chromedp.Evaluate[chromedp.Void](`document.getElementById("sweep").scrollIntoView()`))
	p.shot("sweep.png", false)

	// A sweep of rates.
	p.do("sweep rates", chromedp.SetValue(chromedp.ID("sweep-model"), "asyncio"), chromedp.SetValue(chromedp.ID("sweep-rate"), "50..400/s"),
		chromedp.SetValue(chromedp.ID("sweep-steps"), "4"))
	btn = p.boxOf(`#sweep-form button[type=submit]`)
	p.do("sweep", chromedp.MouseClickXY(btn.X+btn.W/2, btn.Y+btn.H/2))
	p.waitFor("the rate sweep", `document.querySelectorAll("#sweep tbody tr").length === 4`)
}

package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/conclab/conclab/internal/testtool"
	"github.com/conclab/conclab/report"
	"github.com/conclab/conclab/web"
	"github.com/conclab/conclab/workload"
)

// chromium finds a Chromium or Chrome binary on PATH.
func chromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// laneView is what the page shows of one model's timeline.
type laneView struct {
	Model    string   `json:"model"`
	Makespan string   `json:"makespan"`
	Labels   []string `json:"labels"`
}

// page is a headless Chromium showing the page of a test server.
type page struct {
	t     *testing.T
	ctx   context.Context
	url   string // the server's
	shots string // where screenshots go
}

// openBrowser starts a test server and a headless Chromium for it, both
// stopped when t ends. Without Chromium the test is skipped, or fails
// when CI is set (testtool.Missing).
func openBrowser(t *testing.T) *page {
	t.Helper()
	bin := chromium()
	if bin == "" {
		testtool.Missing(t, "no chromium, chromium-browser or google-chrome on PATH; install one (apt-get install chromium) to run the browser test")
	}
	// A browser keeps both cores busy for seconds: not beside a test
	// that times a real interpreter.
	testtool.Heavy(t)
	shots := os.Getenv("CONCLAB_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}

	srv := httptest.NewServer(web.Handler(web.Options{}))
	t.Cleanup(srv.Close)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	var browser *exec.Cmd
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 800),
		chromedp.ModifyCmdFunc(func(cmd *exec.Cmd) {
			// Its own process group, so that every process it starts ends
			// with it.
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
			browser = cmd
		}),
	}
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(func() {
		bcancel()
		acancel()
		if browser != nil && browser.Process != nil {
			syscall.Kill(-browser.Process.Pid, syscall.SIGKILL)
		}
	})
	p := &page{t: t, ctx: bctx, url: srv.URL, shots: shots}
	p.do("set the viewport", chromedp.EmulateViewport(1280, 800))
	return p
}

// do runs steps in the browser.
func (p *page) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, steps...); err != nil {
		p.t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](p *page, what, expr string) T {
	p.t.Helper()
	return get(p.t, p.ctx, what, chromedp.Evaluate[T](expr))
}

// shot saves a screenshot, of the window or the whole page.
func (p *page) shot(name string, full bool) {
	p.t.Helper()
	action := chromedp.CaptureScreenshot()
	if full {
		action = chromedp.FullScreenshot(100)
	}
	png := get(p.t, p.ctx, "screenshot "+name, action)
	path := filepath.Join(p.shots, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		p.t.Fatal(err)
	}
	p.t.Logf("screenshot %s", path)
}

// loaded waits until the page shows a run of the workload called name.
func loaded(name string) chromedp.Action[chromedp.Void] {
	return chromedp.WaitVisible(chromedp.CSS(`body[data-workload="` + name + `"][data-state="ok"]`))
}

// open loads the page at path (with its fragment) and waits for a run of
// the workload called name.
func (p *page) open(path, name string) {
	p.t.Helper()
	p.do("open "+path, chromedp.Navigate(p.url+path), loaded(name))
}

// pick selects an example as a person would, through the select.
func (p *page) pick(name string) {
	p.t.Helper()
	p.do("pick "+name,
		chromedp.SetValue(chromedp.ID("example"), name),
		chromedp.Evaluate[chromedp.Void](`document.getElementById("example").dispatchEvent(new Event("change"))`),
		loaded(name),
	)
}

// TestBrowser drives headless Chromium through the page: it picks the seed's
// example, checks the lanes and makespans of every model, moves the cursor,
// types a broken workload and sees the error marked, and saves screenshots
// under $CONCLAB_SCREENSHOTS (a temporary directory when unset).
func TestBrowser(t *testing.T) {
	p := openBrowser(t)
	bctx := p.ctx
	do := p.do
	shot := p.shot
	pick := p.pick
	views := func() []laneView {
		t.Helper()
		return get(t, bctx, "read the timelines", chromedp.Evaluate[[]laneView](`[...document.querySelectorAll(".tl-model")].map(s => ({
			model: s.dataset.model,
			makespan: s.querySelector(".makespan b").textContent,
			labels: [...s.querySelectorAll(".lane-label .name")].map(l => l.textContent),
		}))`))
	}

	// The page starts on another example; the seed's is picked from the list.
	p.open("/#convoy", "convoy")
	pick("seed-io")
	checkSeconds(t, bctx)

	want := []struct {
		model    string
		makespan float64
		labels   []string
	}{
		{"sync", 6, []string{"main"}},
		{"threads(3)", 2, []string{"main", "worker-1", "worker-2", "worker-3"}},
		{"asyncio", 2, []string{"loop", "A", "B", "C"}},
	}
	got := views()
	if len(got) != len(want) {
		t.Fatalf("the page shows %d timelines %+v, want %d", len(got), got, len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Model != w.model || !slices.Equal(g.Labels, w.labels) {
			t.Errorf("timeline %d: %s with lanes %q, want %s with %q", i+1, g.Model, g.Labels, w.model, w.labels)
		}
		s, ok := strings.CutSuffix(g.Makespan, " s")
		f, err := strconv.ParseFloat(s, 64)
		if !ok || err != nil || math.Abs(f-w.makespan) > 0.01*w.makespan {
			t.Errorf("%s: makespan %q, want %g s as printed", g.Model, g.Makespan, w.makespan)
		}
	}
	table := get(t, bctx, "read the summary", chromedp.Evaluate[[][]string](
		`[...document.querySelectorAll("#summary tbody tr")].map(r => [...r.cells].map(c => c.textContent))`))
	if len(table) != 3 || table[0][0] != "sync" || table[0][1] != got[0].Makespan {
		t.Errorf("summary table %q does not match the timelines %+v", table, got)
	}

	// The cursor at 1 s: sync's main thread waits in A.
	do("move the cursor",
		chromedp.SetValue(chromedp.ID("scrub"), "167"), // 1/6 of the axis: 1 s
		chromedp.Evaluate[chromedp.Void](`document.getElementById("scrub").dispatchEvent(new Event("input"))`),
	)
	readout := get(t, bctx, "read the readout", chromedp.Text(chromedp.ID("readout")))
	if !strings.Contains(readout, "main") || !strings.Contains(readout, "waiting (I/O, sleep) · A") {
		t.Errorf("the readout at 1 s does not say that main waits in A:\n%s", readout)
	}
	shot("laptop.png", false)
	shot("laptop-full.png", true)

	// A broken workload, typed into the editor, is marked where it is wrong.
	broken := "tasks:\n  - name: A\n    steps:\n      - sleep: 2s\n"
	_, perr := workload.Parse("", []byte(broken))
	var we *workload.Error
	if !errors.As(perr, &we) {
		t.Fatalf("the broken workload parses: %v", perr)
	}
	do("type a broken workload",
		chromedp.Evaluate[chromedp.Void](`document.getElementById("yaml").value = ""`),
		chromedp.SendKeys(chromedp.ID("yaml"), broken),
		chromedp.WaitVisible(chromedp.ID("error")),
	)
	line := get(t, bctx, "error line", chromedp.AttributeValue(chromedp.ID("error"), "data-line")).Value
	col := get(t, bctx, "error col", chromedp.AttributeValue(chromedp.ID("error"), "data-col")).Value
	msg := get(t, bctx, "error message", chromedp.Text(chromedp.ID("error")))
	marked := get(t, bctx, "marked line", chromedp.Text(chromedp.CSS("#gutter .bad")))
	markHidden := get(t, bctx, "highlight", chromedp.Evaluate[bool](`document.getElementById("mark").hidden`))
	if line != strconv.Itoa(we.Line) || col != strconv.Itoa(we.Col) || marked != strconv.Itoa(we.Line) || markHidden {
		t.Errorf("error marked at line %s col %s (gutter %q, highlight hidden %v), want %d:%d", line, col, marked, markHidden, we.Line, we.Col)
	}
	if !strings.Contains(msg, we.Msg) || !strings.Contains(msg, fmt.Sprintf("line %d, col %d", we.Line, we.Col)) {
		t.Errorf("error message %q, want line %d, col %d and %q", msg, we.Line, we.Col, we.Msg)
	}
	shot("laptop-error.png", false)

	// A narrow screen stacks the page.
	do("narrow screen",
		chromedp.EmulateViewport(400, 900),
		chromedp.Navigate(p.url+"/?narrow#seed-io"), // a new document, not a jump within this one
		loaded("seed-io"),
	)
	if got := views(); len(got) != 3 {
		t.Errorf("narrow: %d timelines, want 3", len(got))
	}
	if get(t, bctx, "check the width", chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`)) {
		t.Errorf("narrow: the page is wider than the 400 px screen")
	}
	shot("narrow.png", false)
	shot("narrow-full.png", true)
}

// checkSeconds checks that the page formats durations as report.Seconds
// does: at the edges of its units, at ties that JavaScript's toFixed rounds
// up and Go's %f to even, and at random durations of every magnitude.
func checkSeconds(t *testing.T, ctx context.Context) {
	t.Helper()
	ns := []int64{0, 1, 42, 999, 1000, 1005, 1015, 1125, 9994, 9995, 10250, 99949, 99950, 100500, 999499, 999500,
		1_000_000, 12_345_678, 999_499_999, 999_500_000, 1_062_500_000, 2_000_000_000, 99_999_499_999,
		99_999_500_000, 100_000_000_000, 123_456_789_012, 999_994_999_999, 999_995_000_000, 1_000_000_000_000,
		1_234_567_890_123_456, -5_000_000}
	rng := rand.New(rand.NewPCG(9, 9))
	for range 2000 {
		ns = append(ns, rng.Int64N(int64(math.Pow10(1+rng.IntN(15)))))
	}
	list, err := json.Marshal(ns)
	if err != nil {
		t.Fatal(err)
	}
	got := get(t, ctx, "format durations", chromedp.Evaluate[[]string](string(list)+".map((n) => conclab.seconds(n))"))
	if len(got) != len(ns) {
		t.Fatalf("the page formatted %d durations of %d", len(got), len(ns))
	}
	bad := 0
	for i, n := range ns {
		if want := report.Seconds(n); got[i] != want && bad < 10 {
			bad++
			t.Errorf("the page writes %d ns as %q, report.Seconds as %q", n, got[i], want)
		}
	}
}

// get runs one action in the browser and returns its value.
func get[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

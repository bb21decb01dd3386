package whatif

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/conclab/conclab/internal/textsafe"
)

// The causal-profile plot: one small panel per step, as Coz draws them —
// the step's speed-up across, what it cuts of the ranking metric up.
const (
	panelW, panelH = 240.0, 170.0
	panelCols      = 3
	padL, padR     = 44.0, 22.0
	padT, padB     = 34.0, 30.0
	headH          = 58.0
	lineBlue       = "#0072B2" // Okabe–Ito blue, report's palette
	zeroGrey       = "#999999"
)

// stepCurve is one step's speed-ups and the cut each bought (a share of
// the ranking metric: 0.3 is 30 % less), the origin first.
type stepCurve struct {
	step, what string
	x, y       []float64
}

// curves are the steps with speed-ups, the ones whose speed-ups cut most
// first (then in the workload's order), at most top of them.
func (r *Report) curves(top int) []stepCurve {
	byStep := map[string]*stepCurve{}
	var order []string
	for _, e := range r.Effects {
		if e.Kind != Speedup {
			continue
		}
		c := byStep[e.Step]
		if c == nil {
			c = &stepCurve{step: e.Step, what: e.What, x: []float64{0}, y: []float64{0}}
			byStep[e.Step] = c
			order = append(order, e.Step)
		}
		cut := -r.Ranked(&e)
		if e.Deadlock {
			cut = math.NaN()
		}
		c.x, c.y = append(c.x, e.Amount), append(c.y, cut)
	}
	var out []stepCurve
	for _, s := range order { // Effects are ranked: the best step comes first
		c := byStep[s]
		idx := make([]int, len(c.x))
		for i := range idx {
			idx[i] = i
		}
		slices.SortFunc(idx, func(a, b int) int {
			switch {
			case c.x[a] < c.x[b]:
				return -1
			case c.x[a] > c.x[b]:
				return 1
			}
			return 0
		})
		sorted := stepCurve{step: c.step, what: c.what}
		for _, i := range idx {
			sorted.x, sorted.y = append(sorted.x, c.x[i]), append(sorted.y, c.y[i])
		}
		out = append(out, sorted)
		if len(out) == top {
			break
		}
	}
	return out
}

// WriteSVG draws the causal profile of the top steps: per step, its
// speed-up (0 to 100 %) across and the cut of p99 (a server) or of the
// makespan (a batch) up, on one scale for every panel.
func (r *Report) WriteSVG(w io.Writer, top int) error {
	var b strings.Builder
	r.svg(&b, top)
	_, err := io.WriteString(w, b.String())
	return err
}

func (r *Report) svg(b *strings.Builder, top int) {
	cs := r.curves(top)
	rows := max(1, (len(cs)+panelCols-1)/panelCols)
	width, height := panelCols*panelW, headH+float64(rows)*panelH
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" width="%g" height="%g" viewBox="0 0 %g %g" font-family="sans-serif" font-size="11">`+"\n",
		width, height, width, height)
	fmt.Fprintf(b, `<rect width="%g" height="%g" fill="white"/>`+"\n", width, height)
	metric := r.Metric()
	fmt.Fprintf(b, `<text x="12" y="22" font-size="15" font-weight="bold">%s</text>`+"\n",
		textsafe.Markup(fmt.Sprintf("whatif %s · %s: causal profile", r.Workload.Name, r.Model)))
	fmt.Fprintf(b, `<text x="12" y="42">%s</text>`+"\n",
		textsafe.Markup(fmt.Sprintf("per step: how much of the %s a speed-up of the step cuts (up), by the speed-up (across)", metric)))
	if len(cs) == 0 {
		fmt.Fprintf(b, `<text x="12" y="%g">no step to speed up</text>`+"\n", headH+20)
		b.WriteString("</svg>\n")
		return
	}
	// One scale for all: from the worst loss (at most as far down as the
	// best cut goes up) to the best cut, and at least ±5 %.
	hi, lo := 0.05, 0.0
	for _, c := range cs {
		for _, v := range c.y {
			if !math.IsNaN(v) {
				hi, lo = max(hi, v), min(lo, v)
			}
		}
	}
	lo = max(lo, -hi)
	for i, c := range cs {
		x0 := float64(i%panelCols) * panelW
		y0 := headH + float64(i/panelCols)*panelH
		r.panel(b, c, x0, y0, lo, hi)
	}
	b.WriteString("</svg>\n")
}

// panel draws one step's curve in the panel at x0, y0.
func (r *Report) panel(b *strings.Builder, c stepCurve, x0, y0, lo, hi float64) {
	left, right := x0+padL, x0+panelW-padR
	top, bottom := y0+padT, y0+panelH-padB
	px := func(v float64) float64 { return left + v*(right-left) }
	py := func(v float64) float64 { return bottom - (v-lo)/(hi-lo)*(bottom-top) }
	title := c.step + " · " + c.what
	if len([]rune(title)) > 34 {
		title = string([]rune(title)[:33]) + "…"
	}
	fmt.Fprintf(b, `<text x="%g" y="%g" font-weight="bold">%s</text>`+"\n", left, y0+18, textsafe.Markup(title))
	fmt.Fprintf(b, `<rect x="%g" y="%g" width="%g" height="%g" fill="none" stroke="#ccc"/>`+"\n", left, top, right-left, bottom-top)
	fmt.Fprintf(b, `<line x1="%g" y1="%g" x2="%g" y2="%g" stroke="%s" stroke-dasharray="3,3"/>`+"\n", left, py(0), right, py(0), zeroGrey)
	for _, v := range []float64{lo, hi} {
		fmt.Fprintf(b, `<text x="%g" y="%g" text-anchor="end">%s</text>`+"\n", left-4, py(v)+4, pct(v))
	}
	for _, v := range []float64{0, 0.5, 1} {
		fmt.Fprintf(b, `<text x="%g" y="%g" text-anchor="middle">%s</text>`+"\n", px(v), bottom+14, pct(v))
	}
	var pts []string
	for i := range c.x {
		if math.IsNaN(c.y[i]) {
			continue // the speed-up deadlocked the run
		}
		y := min(max(c.y[i], lo), hi)
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", px(c.x[i]), py(y)))
		fmt.Fprintf(b, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"><title>%s</title></circle>`+"\n", px(c.x[i]), py(y), lineBlue,
			textsafe.Markup(fmt.Sprintf("%s faster: %s less", pct(c.x[i]), pct(c.y[i]))))
	}
	fmt.Fprintf(b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2"/>`+"\n", strings.Join(pts, " "), lineBlue)
}

// pct is a share as a whole percentage: "−12%", "50%".
func pct(v float64) string {
	s := fmt.Sprintf("%.0f%%", 100*v)
	return strings.Replace(s, "-", "−", 1)
}

// WriteHTML writes a standalone page: the plot, then the text (the table).
func (r *Report) WriteHTML(w io.Writer, top int, text string) error {
	var b strings.Builder
	title := textsafe.Markup(fmt.Sprintf("whatif %s · %s", r.Workload.Name, r.Model))
	fmt.Fprintf(&b, "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>%s</title>\n", title)
	b.WriteString("<style>body{font-family:sans-serif;margin:2em;color:#222}pre{font-size:13px}</style>\n</head>\n<body>\n")
	fmt.Fprintf(&b, "<h1>%s</h1>\n", title)
	r.svg(&b, top)
	fmt.Fprintf(&b, "<pre>%s</pre>\n</body>\n</html>\n", textsafe.MarkupText(text))
	_, err := io.WriteString(w, b.String())
	return err
}

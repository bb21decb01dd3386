package advise

import (
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/conclab/conclab/workload"

	"github.com/conclab/conclab/internal/textsafe"
)

// The plot's geometry, in SVG user units.
const (
	plotW, plotH           = 760.0, 460.0 // plotH grows by kneeLineH a line of the knee's rule past the first
	kneeLineH              = 16.0
	kneeChars              = 96          // a line of the knee's rule, in characters: 12 px sans serif from plotL fits
	plotL, plotR           = 80.0, 680.0 // the plot area's left and right edges
	plotT, plotB           = 56.0, 350.0 // its top and bottom
	colorP50, colorP99     = "#1f77b4", "#d62728"
	colorServed, colorOver = "#2ca02c", "#f4d4d4"
)

// axis maps values to a span of the plot: linearly, or by their logarithm.
type axis struct {
	lo, hi   float64 // the range shown
	log      bool
	from, to float64 // the span in user units
}

func (a axis) pos(v float64) float64 {
	if a.log {
		v, lo, hi := math.Log10(max(v, a.lo)), math.Log10(a.lo), math.Log10(a.hi)
		return a.from + (v-lo)/(hi-lo)*(a.to-a.from)
	}
	return a.from + (v-a.lo)/(a.hi-a.lo)*(a.to-a.from)
}

// ticks returns the tick values of a: 1-2-5 steps on a linear axis; on a
// log axis 1, 2 and 5 of each decade, or whole decades only when there
// are more than three.
func (a axis) ticks() []float64 {
	var out []float64
	if a.log {
		mult := []float64{1, 2, 5}
		if math.Log10(a.hi/a.lo) > 3 {
			mult = []float64{1}
		}
		for e := math.Floor(math.Log10(a.lo)); e <= math.Ceil(math.Log10(a.hi)); e++ {
			for _, m := range mult {
				v := m * math.Pow(10, e)
				if v >= a.lo*(1-1e-9) && v <= a.hi*(1+1e-9) {
					out = append(out, v)
				}
			}
		}
		return out
	}
	step := niceStep((a.hi - a.lo) / 6)
	for v := math.Ceil(a.lo/step) * step; v <= a.hi*(1+1e-9); v += step {
		out = append(out, v)
	}
	return out
}

// niceStep rounds x up to 1, 2 or 5 times a power of ten.
func niceStep(x float64) float64 {
	if x <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= x*(1-1e-9) {
			return m * p
		}
	}
	return 10 * p
}

// linearAxis covers 0 (or lo) to a 1-2-5 multiple at or above hi.
func linearAxis(lo, hi, from, to float64) axis {
	if hi <= lo {
		hi = lo + 1
	}
	step := niceStep((hi - lo) / 6)
	return axis{lo: math.Floor(lo/step) * step, hi: math.Ceil(hi/step) * step, from: from, to: to}
}

// logAxis covers lo…hi with a little room, from and to values of the
// 1-2-5 series.
func logAxis(lo, hi, from, to float64) axis {
	return axis{lo: snap125(lo/1.15, false), hi: snap125(hi*1.05, true), log: true, from: from, to: to}
}

// snap125 rounds v > 0 to 1, 2 or 5 times a power of ten: up or down.
func snap125(v float64, up bool) float64 {
	p := math.Pow(10, math.Floor(math.Log10(v)))
	if up {
		for _, m := range []float64{1, 2, 5, 10} {
			if m*p >= v*(1-1e-9) {
				return m * p
			}
		}
	}
	for _, m := range []float64{5, 2, 1} {
		if m*p <= v*(1+1e-9) {
			return m * p
		}
	}
	return p
}

// WriteSVG draws p50 and p99 latency (left axis) and throughput (right
// axis) against the swept value, shades overloaded points and marks the
// knee with a dashed line and the rule that chose it. The latency axis is
// logarithmic when the latencies span more than two decades; the swept
// axis when its values span a decade or more in a geometric series.
func (sw *Sweep) WriteSVG(w io.Writer) error {
	var b strings.Builder
	sw.svg(&b)
	_, err := io.WriteString(w, b.String())
	return err
}

func (sw *Sweep) svg(b *strings.Builder) {
	if sw.Grid() {
		sw.gridSVG(b)
		return
	}
	pts := sw.Points
	knee := textsafe.Wrap(sw.kneeSentence(), kneeChars, "", "  ")
	h := plotH + kneeLineH*float64(max(len(knee)-1, 0))
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" width="%g" height="%g" viewBox="0 0 %g %g" font-family="sans-serif" font-size="12">`+"\n", plotW, h, plotW, h)
	fmt.Fprintf(b, `<rect width="%g" height="%g" fill="white"/>`+"\n", plotW, h)
	fmt.Fprintf(b, `<text x="%g" y="24" font-size="15" font-weight="bold">%s</text>`+"\n", plotL, textsafe.Markup(sw.Title()))
	if len(pts) == 0 {
		b.WriteString("</svg>\n")
		return
	}

	// The swept axis.
	xlo, xhi := pts[0].Value, pts[len(pts)-1].Value
	var x axis
	if xlo > 0 && xhi/xlo >= 10 && geometric(pts) {
		x = axis{lo: xlo, hi: xhi, log: true, from: plotL, to: plotR}
	} else {
		x = linearAxis(min(0, xlo), xhi, plotL, plotR)
		if xlo > 0 {
			x = linearAxis(xlo, xhi, plotL, plotR)
		}
	}
	// The latency axis.
	latLo, latHi := math.Inf(1), 0.0
	for _, p := range pts {
		for _, v := range []int64{p.Result.Latency.P50, p.Result.Latency.P99} {
			if v > 0 {
				latLo, latHi = min(latLo, secs(v)), max(latHi, secs(v))
			}
		}
	}
	var y axis
	switch {
	case latHi == 0:
		y = linearAxis(0, 1, plotB, plotT)
	case latHi/latLo > 100:
		y = logAxis(latLo, latHi, plotB, plotT)
	default:
		y = linearAxis(0, latHi, plotB, plotT)
	}
	// The throughput axis.
	srvHi := 0.0
	for _, p := range pts {
		srvHi = max(srvHi, Served(p.Workload, p.Result))
	}
	y2 := linearAxis(0, max(srvHi, 1e-9), plotB, plotT)

	// Overloaded points: a band from halfway to each neighbour.
	for i, p := range pts {
		if !p.Overloaded {
			continue
		}
		l, r := x.pos(p.Value), x.pos(p.Value)
		if i > 0 {
			l = (l + x.pos(pts[i-1].Value)) / 2
		}
		if i < len(pts)-1 {
			r = (r + x.pos(pts[i+1].Value)) / 2
		}
		fmt.Fprintf(b, `<rect x="%.1f" y="%g" width="%.1f" height="%g" fill="%s"/>`+"\n", l, plotT, max(r-l, 2), plotB-plotT, colorOver)
	}

	// Grid, ticks and labels.
	b.WriteString(`<g stroke="#ddd">` + "\n")
	for _, t := range y.ticks() {
		fmt.Fprintf(b, `<line x1="%g" x2="%g" y1="%.1f" y2="%.1f"/>`+"\n", plotL, plotR, y.pos(t), y.pos(t))
	}
	b.WriteString("</g>\n")
	fmt.Fprintf(b, `<g stroke="black" fill="none"><rect x="%g" y="%g" width="%g" height="%g"/></g>`+"\n", plotL, plotT, plotR-plotL, plotB-plotT)
	b.WriteString(`<g text-anchor="middle">` + "\n")
	for _, t := range x.ticks() {
		fmt.Fprintf(b, `<line x1="%.1f" x2="%.1f" y1="%g" y2="%g" stroke="black"/><text x="%.1f" y="%g">%s</text>`+"\n",
			x.pos(t), x.pos(t), plotB, plotB+5, x.pos(t), plotB+19, textsafe.Markup(num(t)))
	}
	xname := sw.Swept
	switch sw.Swept {
	case SweptRate:
		xname = "arrival rate (per second)"
	case SweptCapacity:
		xname = sw.Resource + " capacity (units)"
	}
	fmt.Fprintf(b, `<text x="%g" y="%g">%s%s</text>`+"\n", (plotL+plotR)/2, plotB+38, textsafe.Markup(xname), logNote(x))
	b.WriteString("</g>\n")
	b.WriteString(`<g text-anchor="end">` + "\n")
	for _, t := range y.ticks() {
		fmt.Fprintf(b, `<line x1="%g" x2="%g" y1="%.1f" y2="%.1f" stroke="black"/><text x="%g" y="%.1f">%s</text>`+"\n",
			plotL-5, plotL, y.pos(t), y.pos(t), plotL-8, y.pos(t)+4, textsafe.Markup(workload.FormatDuration(int64(math.Round(t*1e9)))))
	}
	b.WriteString("</g>\n")
	fmt.Fprintf(b, `<text transform="translate(18 %g) rotate(-90)" text-anchor="middle">latency%s</text>`+"\n", (plotT+plotB)/2, logNote(y))
	b.WriteString(`<g text-anchor="start">` + "\n")
	for _, t := range y2.ticks() {
		fmt.Fprintf(b, `<line x1="%g" x2="%g" y1="%.1f" y2="%.1f" stroke="black"/><text x="%g" y="%.1f">%s</text>`+"\n",
			plotR, plotR+5, y2.pos(t), y2.pos(t), plotR+8, y2.pos(t)+4, textsafe.Markup(num(t)))
	}
	b.WriteString("</g>\n")
	fmt.Fprintf(b, `<text transform="translate(%g %g) rotate(90)" text-anchor="middle">throughput (per second)</text>`+"\n", plotW-14, (plotT+plotB)/2)

	// The knee.
	if k := sw.Knee.Index; k >= 0 {
		kx := x.pos(pts[k].Value)
		fmt.Fprintf(b, `<line x1="%.1f" x2="%.1f" y1="%g" y2="%g" stroke="#555" stroke-dasharray="6 4"/>`+"\n", kx, kx, plotT, plotB)
		anchor, dx := "start", 4.0
		if kx > (plotL+plotR)/2 {
			anchor, dx = "end", -4
		}
		fmt.Fprintf(b, `<text x="%.1f" y="%g" text-anchor="%s" fill="#333">%s</text>`+"\n", kx+dx, plotT-6, anchor, textsafe.Markup(sw.kneeLabel()))
	}

	// The series.
	series := func(color, dash string, val func(Point) (float64, bool), ax axis, marker string) {
		var xy [][2]float64
		var path []string
		for _, p := range pts {
			if v, ok := val(p); ok {
				xy = append(xy, [2]float64{x.pos(p.Value), ax.pos(v)})
				path = append(path, fmt.Sprintf("%.1f,%.1f", xy[len(xy)-1][0], xy[len(xy)-1][1]))
			}
		}
		if len(xy) == 0 {
			return
		}
		fmt.Fprintf(b, `<polyline fill="none" stroke="%s" stroke-width="2"%s points="%s"/>`+"\n", color, dash, strings.Join(path, " "))
		for _, c := range xy {
			b.WriteString(markerAt(marker, color, c[0], c[1]))
		}
	}
	latency := func(get func(Point) int64) func(Point) (float64, bool) {
		return func(p Point) (float64, bool) {
			v := secs(get(p))
			return v, v > 0 || !y.log
		}
	}
	series(colorP50, "", latency(func(p Point) int64 { return p.Result.Latency.P50 }), y, "circle")
	series(colorP99, "", latency(func(p Point) int64 { return p.Result.Latency.P99 }), y, "square")
	series(colorServed, ` stroke-dasharray="5 3"`, func(p Point) (float64, bool) { return Served(p.Workload, p.Result), true }, y2, "diamond")

	// The legend and the knee's rule.
	ly := plotB + 62
	lx := plotL
	for _, e := range []struct{ color, marker, text string }{
		{colorP50, "circle", "p50 latency"},
		{colorP99, "square", "p99 latency"},
		{colorServed, "diamond", "throughput (right axis)"},
	} {
		fmt.Fprintf(b, `<line x1="%g" x2="%g" y1="%g" y2="%g" stroke="%s" stroke-width="2"/>`, lx, lx+24, ly, ly, e.color)
		b.WriteString(markerAt(e.marker, e.color, lx+12, ly))
		fmt.Fprintf(b, `<text x="%g" y="%g">%s</text>`+"\n", lx+30, ly+4, textsafe.Markup(e.text))
		lx += 40 + 7*float64(len(e.text))
	}
	fmt.Fprintf(b, `<rect x="%g" y="%g" width="14" height="12" fill="%s"/><text x="%g" y="%g">overloaded</text>`+"\n", lx, ly-6, colorOver, lx+20, ly+4)
	for i, line := range knee {
		fmt.Fprintf(b, `<text x="%g" y="%g" fill="#333" xml:space="preserve">%s</text>`+"\n", plotL, ly+28+kneeLineH*float64(i), textsafe.Markup(line))
	}
	b.WriteString("</svg>\n")
}

// markerAt draws a small marker of the given shape centred on (x, y).
func markerAt(shape, color string, x, y float64) string {
	switch shape {
	case "square":
		return fmt.Sprintf(`<rect x="%.1f" y="%.1f" width="7" height="7" fill="%s"/>`+"\n", x-3.5, y-3.5, color)
	case "diamond":
		return fmt.Sprintf(`<path d="M%.1f %.1fl4 4-4 4-4-4z" fill="%s"/>`+"\n", x, y-4, color)
	}
	return fmt.Sprintf(`<circle cx="%.1f" cy="%.1f" r="3.5" fill="%s"/>`+"\n", x, y, color)
}

func logNote(a axis) string {
	if a.log {
		return " (log scale)"
	}
	return ""
}

// geometric reports whether the values grow by ratios rather than steps:
// the last gap is more than three times the first.
func geometric(pts []Point) bool {
	if len(pts) < 3 {
		return false
	}
	first := pts[1].Value - pts[0].Value
	last := pts[len(pts)-1].Value - pts[len(pts)-2].Value
	return first > 0 && last > 3*first
}

// WriteHTML writes a standalone HTML page with the plot and the table.
func (sw *Sweep) WriteHTML(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>%s</title>\n", textsafe.Markup(sw.Title()))
	b.WriteString("<style>body{font-family:sans-serif;margin:2em;color:#222}pre{font-size:13px}</style>\n</head>\n<body>\n")
	fmt.Fprintf(&b, "<h1>%s</h1>\n", textsafe.Markup(sw.Title()))
	sw.svg(&b)
	var t strings.Builder
	if err := sw.WriteText(&t, 0); err != nil {
		return err
	}
	fmt.Fprintf(&b, "<pre>%s</pre>\n</body>\n</html>\n", textsafe.MarkupText(t.String()))
	_, err := io.WriteString(w, b.String())
	return err
}

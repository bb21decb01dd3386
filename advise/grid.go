package advise

import (
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/conclab/conclab/report"

	"github.com/conclab/conclab/internal/textsafe"
)

// gridAxes returns the models (in the order of their first point) and the
// capacities of a grid sweep, and the point at each (row, column).
func (sw *Sweep) gridAxes() (models []string, caps []int, at map[[2]int]int) {
	rowOf, colOf := map[string]int{}, map[int]int{}
	at = map[[2]int]int{}
	for i, p := range sw.Points {
		m := p.Model.String()
		if _, ok := rowOf[m]; !ok {
			rowOf[m] = len(models)
			models = append(models, m)
		}
		if _, ok := colOf[p.Capacity]; !ok {
			colOf[p.Capacity] = len(caps)
			caps = append(caps, p.Capacity)
		}
		at[[2]int{rowOf[m], colOf[p.Capacity]}] = i
	}
	return models, caps, at
}

// gridCell is a point's figure in a grid, marked: "*" overloaded, "✗" a
// deadlock (no figure), "◀" the knee.
func (sw *Sweep) gridCell(i int, fig func(Point) string) string {
	p := sw.Points[i]
	var c string
	switch {
	case p.Result.Deadlock != nil:
		c = "✗"
	case p.Overloaded:
		c = fig(p) + "*"
	default:
		c = fig(p)
	}
	if i == sw.Knee.Index {
		c += " ◀"
	}
	return c
}

// writeGrid writes a grid sweep as two small tables, p99 and throughput,
// one row per model and one column per capacity, then the knee: a long
// table of every point would hide the shape that matters, where more
// threads stop helping without more units and the other way round.
func (sw *Sweep) writeGrid(w io.Writer, width int) error {
	var b strings.Builder
	wrap(&b, sw.Title(), width, "", "  ")
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	models, caps, at := sw.gridAxes()
	for _, g := range []struct {
		title string
		fig   func(Point) string
	}{
		{"p99 latency", func(p Point) string { return report.Seconds(p.Result.Latency.P99) }},
		{"throughput (served)", func(p Point) string { return perSecond(Served(p.Workload, p.Result)) }},
	} {
		if _, err := fmt.Fprintf(w, "\n%s, by %s (rows) and %s capacity (columns); * overloaded, ✗ deadlock\n",
			g.title, sw.Swept, sw.Resource); err != nil {
			return err
		}
		t := &table{head: []string{"model"}, right: []bool{false}}
		for j, c := range caps {
			t.head = append(t.head, fmt.Sprintf("%s %d", sw.Resource, c))
			t.right = append(t.right, true)
			if j > 0 && j < len(caps)-1 {
				t.drop = append(t.drop, j+1) // the ends stay
			}
		}
		// Leave out every other inner column first, so what is left still
		// spans the range evenly.
		var odd, even []int
		for _, j := range t.drop {
			if j%2 == 0 {
				even = append(even, j)
			} else {
				odd = append(odd, j)
			}
		}
		t.drop = append(even, odd...)
		for r, m := range models {
			row := []string{m}
			for c := range caps {
				if i, ok := at[[2]int{r, c}]; ok {
					row = append(row, sw.gridCell(i, g.fig))
				} else {
					row = append(row, "")
				}
			}
			t.rows = append(t.rows, row)
		}
		if err := t.write(w, width); err != nil {
			return err
		}
	}
	return sw.writeKnee(w, width)
}

// Heat map geometry of a grid sweep's SVG.
const (
	gridL     = 170.0 // left edge of the cells (room for the models)
	gridT     = 70.0  // top edge of the cells
	gridCellW = 62.0
	gridCellH = 26.0
)

// gridSVG draws a grid sweep as a heat map of p99 latency: a row per
// model, a column per capacity, each cell shaded from the best p99
// (light) to the worst (dark, on a log scale), hatched grey when
// overloaded, crossed when deadlocked, the knee outlined.
func (sw *Sweep) gridSVG(b *strings.Builder) {
	models, caps, at := sw.gridAxes()
	knee := textsafe.Wrap(sw.kneeSentence(), kneeChars, "", "  ")
	w := gridL + gridCellW*float64(len(caps)) + 20
	w = max(w, plotW)
	h := gridT + gridCellH*float64(len(models)) + 50 + kneeLineH*float64(len(knee))
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" width="%g" height="%g" viewBox="0 0 %g %g" font-family="sans-serif" font-size="12">`+"\n", w, h, w, h)
	fmt.Fprintf(b, `<rect width="%g" height="%g" fill="white"/>`+"\n", w, h)
	fmt.Fprintf(b, `<text x="20" y="24" font-size="15" font-weight="bold">%s</text>`+"\n", textsafe.Markup(sw.Title()))
	fmt.Fprintf(b, `<text x="20" y="46">p99 latency by %s (rows) and %s capacity (columns): lighter is faster</text>`+"\n",
		textsafe.Markup(sw.Swept), textsafe.Markup(sw.Resource))
	lo, hi := math.Inf(1), 0.0
	for _, p := range sw.Points {
		if p.Result.Deadlock == nil && p.Result.Latency.P99 > 0 {
			v := float64(p.Result.Latency.P99)
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	shade := func(v float64) string {
		f := 0.0
		if hi > lo && v > 0 {
			f = math.Log(v/lo) / math.Log(hi/lo)
		}
		// From a pale blue to a deep one.
		r := int(math.Round(222 - f*(222-8)))
		g := int(math.Round(235 - f*(235-48)))
		bl := int(math.Round(247 - f*(247-107)))
		return fmt.Sprintf("#%02x%02x%02x", r, g, bl)
	}
	for c, cp := range caps {
		fmt.Fprintf(b, `<text x="%.1f" y="%g" text-anchor="middle">%s %d</text>`+"\n",
			gridL+gridCellW*(float64(c)+0.5), gridT-6, textsafe.Markup(sw.Resource), cp)
	}
	for r, m := range models {
		y := gridT + gridCellH*float64(r)
		fmt.Fprintf(b, `<text x="%g" y="%.1f" text-anchor="end">%s</text>`+"\n", gridL-8, y+gridCellH/2+4, textsafe.Markup(m))
		for c := range caps {
			i, ok := at[[2]int{r, c}]
			if !ok {
				continue
			}
			p := sw.Points[i]
			x := gridL + gridCellW*float64(c)
			fill, label, ink := colorOver, report.Seconds(p.Result.Latency.P99), "#222"
			switch {
			case p.Result.Deadlock != nil:
				fill, label, ink = "#8c1c13", "✗ deadlock", "white"
			case !p.Overloaded:
				fill = shade(float64(p.Result.Latency.P99))
				if hi > lo && math.Log(float64(p.Result.Latency.P99)/lo)/math.Log(hi/lo) > 0.55 {
					ink = "white"
				}
			}
			fmt.Fprintf(b, `<rect x="%.1f" y="%.1f" width="%g" height="%g" fill="%s" stroke="white"><title>%s: p99 %s, %s served</title></rect>`+"\n",
				x, y, gridCellW, gridCellH, fill, textsafe.Markup(sw.valueLabel(p)), textsafe.Markup(report.Seconds(p.Result.Latency.P99)),
				textsafe.Markup(perSecond(Served(p.Workload, p.Result))))
			fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="middle" font-size="11" fill="%s">%s</text>`+"\n",
				x+gridCellW/2, y+gridCellH/2+4, ink, textsafe.Markup(label))
			if i == sw.Knee.Index {
				fmt.Fprintf(b, `<rect x="%.1f" y="%.1f" width="%g" height="%g" fill="none" stroke="#d62728" stroke-width="3"/>`+"\n",
					x+1.5, y+1.5, gridCellW-3, gridCellH-3)
			}
		}
	}
	ly := gridT + gridCellH*float64(len(models)) + 24
	fmt.Fprintf(b, `<rect x="20" y="%g" width="14" height="12" fill="%s"/><text x="40" y="%g">overloaded</text>`+"\n", ly-10, colorOver, ly)
	fmt.Fprintf(b, `<rect x="130" y="%g" width="14" height="12" fill="none" stroke="#d62728" stroke-width="2"/><text x="150" y="%g">the knee</text>`+"\n", ly-10, ly)
	for i, line := range knee {
		fmt.Fprintf(b, `<text x="20" y="%g" fill="#333" xml:space="preserve">%s</text>`+"\n", ly+24+kneeLineH*float64(i), textsafe.Markup(line))
	}
	b.WriteString("</svg>\n")
}

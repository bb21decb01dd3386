package report

import (
	"strings"
	"testing"

	"github.com/conclab/conclab/sim"
)

// TestColumns: every column of the table says what it means, the help
// lists all but the model, one to a line, and the three easy to misread
// say what they are.
func TestColumns(t *testing.T) {
	cols := Columns()
	cells := TableCells(&sim.Result{Model: "sync"})
	if len(cols) != len(cells) || cols[0].Head != "model" || cells[0] != "sync" {
		t.Fatalf("columns %v do not match the cells %q", cols, cells)
	}
	help := ColumnsHelp()
	for _, c := range cols {
		if c.Meaning == "" {
			t.Errorf("column %q means nothing", c.Head)
		}
		if c.Head != "model" && !strings.Contains(help, "\n  "+c.Head+" ") && !strings.HasPrefix(help, "  "+c.Head+" ") {
			t.Errorf("the help does not explain %q:\n%s", c.Head, help)
		}
	}
	for _, want := range []string{"summed over threads", "share of all the cores", "the longest"} {
		if !strings.Contains(strings.Join(strings.Fields(help), " "), want) {
			t.Errorf("the help does not say %q:\n%s", want, help)
		}
	}
	for _, line := range strings.Split(help, "\n") {
		if len([]rune(line)) > 74 {
			t.Errorf("help line wider than 74: %q", line)
		}
	}
}

// TestStateStyles: the palette the pictures share covers every state they
// draw, in the legend's order, with the legend's words.
func TestStateStyles(t *testing.T) {
	styles := StateStyles()
	if len(styles) != len(legendOrder) {
		t.Fatalf("%d styles for %d states", len(styles), len(legendOrder))
	}
	by := map[sim.State]StateStyle{}
	for i, s := range styles {
		if s.State != legendOrder[i] || s.Name != s.State.String() || s.Fill != svgStates[s.State].fill || s.Text == "" || s.Words == "" {
			t.Errorf("style %d: %+v", i, s)
		}
		by[s.State] = s
	}
	if by[sim.Working].WordsGIL != "working (holds the GIL)" || by[sim.GILWait].Words != "waiting for the GIL" {
		t.Errorf("the legend's words: %+v", styles)
	}
}

package report

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/conclab/conclab/sim"
)

func TestColorsFor(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	truecolor := func(k string) string { return map[string]string{"COLORTERM": "truecolor"}[k] }
	if c := ColorsFor(f, truecolor); c != NoColor {
		t.Errorf("ColorsFor(a regular file) = %d, want NoColor", c)
	}
	if c := ColorsFor(nil, truecolor); c != NoColor {
		t.Errorf("ColorsFor(nil) = %d, want NoColor", c)
	}
	noColor := func(k string) string { return map[string]string{"NO_COLOR": "1", "COLORTERM": "truecolor"}[k] }
	if c := ColorsFor(os.Stdout, noColor); c != NoColor {
		t.Errorf("ColorsFor with NO_COLOR set = %d, want NoColor", c)
	}
	dumb := func(k string) string { return map[string]string{"TERM": "dumb"}[k] }
	if c := ColorsFor(os.Stdout, dumb); c != NoColor {
		t.Errorf("ColorsFor with TERM=dumb = %d, want NoColor", c)
	}
}

func TestColorDepth(t *testing.T) {
	tests := []struct {
		term, colorterm string
		want            Colors
	}{
		{"xterm", "", Colors16},
		{"", "", Colors16},
		{"linux", "", Colors16},
		{"xterm-256color", "", Colors256},
		{"tmux-256color", "", Colors256},
		{"xterm-256color", "truecolor", TrueColor},
		{"xterm", "24bit", TrueColor},
		{"xterm-direct", "", TrueColor},
	}
	for _, tt := range tests {
		env := map[string]string{"TERM": tt.term, "COLORTERM": tt.colorterm}
		if got := colorDepth(func(k string) string { return env[k] }); got != tt.want {
			t.Errorf("TERM=%q COLORTERM=%q: depth %d, want %d", tt.term, tt.colorterm, got, tt.want)
		}
	}
}

// drawnStates are the states a timeline draws (all but Idle).
func drawnStates() []sim.State {
	var out []sim.State
	for s := range sim.State(nStates) {
		if s != sim.Idle {
			out = append(out, s)
		}
	}
	return out
}

// The terminal draws each state in the hue the SVG and the HTML report
// fill or outline it with: exactly in true colour, the nearest of xterm's
// colours in 256.
func TestTerminalHuesAreThePictures(t *testing.T) {
	for _, s := range drawnStates() {
		h := stateHue[s]
		want := fmt.Sprintf("\x1b[38;2;%d;%d;%dm", h.r, h.g, h.b)
		if got := stateSGR(s, TrueColor); got != want {
			t.Errorf("%v in true colour: %q, want %q", s, got, want)
		}
		if st := svgStates[s]; st.fill != h.hex() && st.stroke != h.hex() {
			t.Errorf("%v: the SVG draws it in %s and %s, not in its hue %s", s, st.fill, st.stroke, h.hex())
		}
		if got := stateSGR(s, Colors256); !strings.HasPrefix(got, "\x1b[38;5;") {
			t.Errorf("%v in 256 colours: %q", s, got)
		}
	}
	// Two that show the rule: bluish green and vermillion are xterm's 35
	// and 166.
	if got := stateSGR(sim.Working, Colors256); got != "\x1b[38;5;35m" {
		t.Errorf("working in 256 colours: %q, want colour 35", got)
	}
	if got := stateSGR(sim.GILWait, Colors256); got != "\x1b[38;5;166m" {
		t.Errorf("waiting for the GIL in 256 colours: %q, want colour 166", got)
	}
}

// Colour is never the only thing that tells two states apart: each has
// its own glyph; and at every depth each has its own colour, working and
// waiting for the GIL never the red–green pair.
func TestStatesApartWithoutColour(t *testing.T) {
	glyphs := map[rune]sim.State{}
	for _, s := range drawnStates() {
		if o, ok := glyphs[glyph[s]]; ok {
			t.Errorf("%v and %v share the glyph %q", o, s, glyph[s])
		}
		glyphs[glyph[s]] = s
	}
	for _, c := range []Colors{Colors16, Colors256, TrueColor} {
		inks := map[string]sim.State{}
		for _, s := range drawnStates() {
			sgr := stateSGR(s, c)
			if o, ok := inks[sgr]; ok {
				t.Errorf("depth %d: %v and %v share the colour %q", c, o, s, sgr)
			}
			inks[sgr] = s
		}
	}
	// ANSI's red, green and yellow (and their bright forms) lie on the
	// red–green axis that the common colour blindness cannot see.
	redGreen := map[string]bool{}
	for _, n := range []int{31, 32, 33, 91, 92, 93} {
		redGreen[fmt.Sprintf("\x1b[%dm", n)] = true
	}
	if redGreen[stateSGR16[sim.Working]] && redGreen[stateSGR16[sim.GILWait]] {
		t.Errorf("in 16 colours working (%q) and waiting for the GIL (%q) are both on the red–green axis",
			stateSGR16[sim.Working], stateSGR16[sim.GILWait])
	}
}

// The legend never lies: at every depth it shows each state drawn, and
// only those, with the glyph and the colour of its cells; and it speaks of
// the GIL only where the runtime has one.
func TestLegendTellsTheTruth(t *testing.T) {
	noGIL := cpuThreads()
	r := *noGIL.Result
	r.Runtime, r.GIL = "java", false
	noGIL = Run{Result: &r, Spans: withoutGILWait(noGIL.Spans)}
	runs := map[string]Run{"cpu": cpuThreads(), "asyncio": seedAsyncio(), "composite": composite(), "java": noGIL}
	for name, run := range runs {
		for _, c := range []Colors{NoColor, Colors16, Colors256, TrueColor} {
			var buf bytes.Buffer
			if err := Timeline(&buf, run, Options{Width: 100, Color: c}); err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
			// The cells: what lies between the bars of each row.
			var cells []string
			var legend string
			for i, l := range lines {
				if strings.Contains(l, "└") {
					legend = strings.Join(lines[i+2:], "\n")
					break
				}
				if a, b := strings.Index(l, "│"), strings.LastIndex(l, "│"); a >= 0 && b > a {
					cells = append(cells, l[a+len("│"):b])
				}
			}
			body := strings.Join(cells, "\n")
			for _, s := range drawnStates() {
				cell := paint(c, stateSGR(s, c), string(glyph[s]))
				inRows := strings.Contains(stripSGR(body), string(glyph[s]))
				item := cell + " " + describe(s, runHasGIL(run))
				if inRows != strings.Contains(legend, item) {
					t.Errorf("%s, depth %d: %v drawn %v, but the legend %q", name, c, s, inRows, legend)
				}
				if inRows && c != NoColor && !strings.Contains(body, stateSGR(s, c)+string(glyph[s])) {
					t.Errorf("%s, depth %d: %v is not drawn in its colour", name, c, s)
				}
			}
			if name == "java" && strings.Contains(legend, "GIL") {
				t.Errorf("the legend of a runtime without a GIL speaks of one: %q", legend)
			}
		}
	}
}

// withoutGILWait is rec with its GIL waits turned into work, as a runtime
// without a GIL would have run them.
func withoutGILWait(rec *sim.Recorder) *sim.Recorder {
	out := &sim.Recorder{}
	for _, sp := range rec.Lanes {
		if sp.State == sim.GILWait {
			sp.State = sim.Working
		}
		out.LaneSpan(sp)
	}
	for _, sp := range rec.Tasks {
		if sp.State == sim.GILWait {
			sp.State = sim.Working
		}
		out.TaskSpan(sp)
	}
	return out
}

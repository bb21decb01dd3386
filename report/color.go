package report

import (
	"fmt"
	"os"
	"strings"

	"github.com/mattn/go-isatty"

	"github.com/conclab/conclab/sim"
)

// Colors is how a terminal is coloured: not at all, with the 16 ANSI
// colours, with xterm's 256 or with 24-bit ("true") colour.
type Colors uint8

// The colour depths, from none to the most.
const (
	NoColor Colors = iota
	Colors16
	Colors256
	TrueColor
)

// ColorsFor says how output written to f should be coloured, reading the
// environment with getenv (os.Getenv when nil): not at all unless f is a
// terminal, NO_COLOR is unset or empty (https://no-color.org) and TERM is
// not "dumb"; then in true colour when COLORTERM says "truecolor" or
// "24bit" (or TERM ends in "-direct"), in 256 colours when TERM names a
// 256-colour terminal ("xterm-256color"), else in the 16 ANSI colours.
func ColorsFor(f *os.File, getenv func(string) string) Colors {
	if getenv == nil {
		getenv = os.Getenv
	}
	if f == nil || getenv("NO_COLOR") != "" || getenv("TERM") == "dumb" {
		return NoColor
	}
	if fd := f.Fd(); !isatty.IsTerminal(fd) && !isatty.IsCygwinTerminal(fd) {
		return NoColor
	}
	return colorDepth(getenv)
}

// colorDepth reads the colour depth a terminal announces in the
// environment.
func colorDepth(getenv func(string) string) Colors {
	term := getenv("TERM")
	switch ct := strings.ToLower(getenv("COLORTERM")); {
	case ct == "truecolor" || ct == "24bit" || strings.HasSuffix(term, "-direct"):
		return TrueColor
	case strings.Contains(term, "256color"):
		return Colors256
	}
	return Colors16
}

// rgb is a colour of the palette.
type rgb struct{ r, g, b uint8 }

// hex is the colour as SVG and CSS write it: "#009e73".
func (c rgb) hex() string { return fmt.Sprintf("#%02x%02x%02x", c.r, c.g, c.b) }

// The Okabe–Ito palette (Okabe and Ito, "Color Universal Design", 2002):
// eight colours that readers with any common colour-vision deficiency can
// tell apart; grey for what is neither work nor waiting.
var (
	okabeOrange        = rgb{0xe6, 0x9f, 0x00}
	okabeSkyBlue       = rgb{0x56, 0xb4, 0xe9}
	okabeBluishGreen   = rgb{0x00, 0x9e, 0x73}
	okabeBlue          = rgb{0x00, 0x72, 0xb2}
	okabeVermillion    = rgb{0xd5, 0x5e, 0x00}
	okabeReddishPurple = rgb{0xcc, 0x79, 0xa7}
	okabeYellow        = rgb{0xf0, 0xe4, 0x42}
	paletteGrey        = rgb{0x8c, 0x8c, 0x8c}
	paletteDarkGrey    = rgb{0x4d, 0x4d, 0x4d}
	// paletteDarkGreen is bluish green darkened: measured Python code,
	// which ran or waited for the GIL (the program cannot tell which).
	paletteDarkGreen = rgb{0x00, 0x6b, 0x4e}
)

// stateHue is the hue of each state, the one the SVG, the HTML report and
// the terminal draw it in: bluish green for Python code running and
// vermillion for waiting for the GIL, the pair the tool is about and the
// one red–green colour blindness cannot confuse; sky blue for C code, blue
// for waiting, reddish purple for a stalled loop, orange for ready, yellow
// for waiting for a resource (a pool, a lock), grey for overhead and dark
// grey for pickling data. The pictures fill the states in which no code
// runs with a light tint and outline them in the hue.
var stateHue = [nStates]rgb{
	sim.Working:      okabeBluishGreen,
	sim.WorkingC:     okabeSkyBlue,
	sim.GILWait:      okabeVermillion,
	sim.Waiting:      okabeBlue,
	sim.Blocked:      okabeReddishPurple,
	sim.Ready:        okabeOrange,
	sim.Overhead:     paletteGrey,
	sim.ResourceWait: okabeYellow,
	sim.Pickling:     paletteDarkGrey,
	sim.Running:      paletteDarkGreen,
}

// stateSGR16 colours the states with the 16 ANSI colours, whose actual
// shades each terminal chooses: the nearest hue of each, with working
// (cyan) and waiting for the GIL (red) apart on the blue–yellow axis that
// red–green colour blindness keeps, and the blues told apart by lightness
// (and, like every state, by glyph).
var stateSGR16 = [nStates]string{
	sim.Working:      "\x1b[36m", // cyan: bluish green
	sim.WorkingC:     "\x1b[94m", // bright blue: sky blue
	sim.GILWait:      "\x1b[31m", // red: vermillion
	sim.Waiting:      "\x1b[34m", // blue
	sim.Blocked:      "\x1b[35m", // magenta: reddish purple
	sim.Ready:        "\x1b[33m", // yellow: orange
	sim.Overhead:     sgrDim,     // grey
	sim.ResourceWait: "\x1b[93m", // bright yellow: yellow
	sim.Pickling:     "\x1b[90m", // bright black: dark grey
	sim.Running:      "\x1b[32m", // green: dark bluish green (no GIL wait is drawn beside it)
}

// stateSGR256 and stateSGRTrue colour the states in the palette's hues:
// the nearest of xterm's 256 colours, and the exact colour.
var stateSGR256, stateSGRTrue = func() (c256, ctrue [nStates]string) {
	for s, c := range stateHue {
		if c == (rgb{}) {
			continue // Idle: not drawn
		}
		c256[s] = fmt.Sprintf("\x1b[38;5;%dm", xterm256(c))
		ctrue[s] = fmt.Sprintf("\x1b[38;2;%d;%d;%dm", c.r, c.g, c.b)
	}
	return c256, ctrue
}()

// stateSGR is the SGR sequence that colours state s at depth c; "" for no
// colour.
func stateSGR(s sim.State, c Colors) string {
	switch c {
	case Colors16:
		return stateSGR16[s]
	case Colors256:
		return stateSGR256[s]
	case TrueColor:
		return stateSGRTrue[s]
	}
	return ""
}

// xterm256 is the index of xterm's colour nearest to c: from its 6×6×6
// cube (16–231) and grey ramp (232–255), never the first 16, whose shades
// the terminal's theme picks.
func xterm256(c rgb) int {
	level := [6]int{0, 95, 135, 175, 215, 255}
	dist := func(r, g, b int) int {
		dr, dg, db := r-int(c.r), g-int(c.g), b-int(c.b)
		return dr*dr + dg*dg + db*db
	}
	best, bestD := 16, 1<<30
	for i := 16; i < 256; i++ {
		var d int
		if i < 232 {
			j := i - 16
			d = dist(level[j/36], level[j/6%6], level[j%6])
		} else {
			g := 8 + 10*(i-232)
			d = dist(g, g, g)
		}
		if d < bestD {
			best, bestD = i, d
		}
	}
	return best
}

// ANSI SGR sequences used by the renderers.
const (
	sgrReset = "\x1b[0m"
	sgrBold  = "\x1b[1m"
	sgrDim   = "\x1b[2m"
)

// paint wraps s in the SGR sequence sgr when colour is on.
func paint(c Colors, sgr, s string) string {
	if c == NoColor || sgr == "" || s == "" {
		return s
	}
	return sgr + s + sgrReset
}

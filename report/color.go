package report

import (
	"os"

	"github.com/mattn/go-isatty"
)

// ColorFor reports whether output written to f should be coloured: only
// when f is a terminal, NO_COLOR is unset or empty (https://no-color.org)
// and TERM is not "dumb".
func ColorFor(f *os.File) bool {
	if f == nil {
		return false
	}
	if os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" {
		return false
	}
	fd := f.Fd()
	return isatty.IsTerminal(fd) || isatty.IsCygwinTerminal(fd)
}

// ANSI SGR sequences used by the renderers.
const (
	sgrReset = "\x1b[0m"
	sgrBold  = "\x1b[1m"
	sgrDim   = "\x1b[2m"
)

// paint wraps s in the SGR sequence sgr when colour is on.
func paint(on bool, sgr, s string) string {
	if !on || sgr == "" || s == "" {
		return s
	}
	return sgr + s + sgrReset
}

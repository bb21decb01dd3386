package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/mattn/go-isatty"
	"github.com/spf13/pflag"

	"github.com/conclab/conclab/report"
)

// How wide text output is, for every command that draws tables, timelines
// or wrapped text:
//
//  1. --width N, when given;
//  2. else, when the output goes to a terminal, the terminal's width (as
//     the system reports it: TIOCGWINSZ, or the Windows console);
//  3. else COLUMNS, when it holds a number;
//  4. else 100 columns, so that output into a pipe or a file is the same
//     whatever window it was made in.
//
// A terminal or COLUMNS narrower than minWidth gets minWidth columns (the
// terminal wraps what is wider), and one wider than maxWidth gets maxWidth;
// --width outside that range is refused. Colour is for a terminal only
// (report.ColorsFor), never for -o FILE.
const (
	// defaultWidth is the width of output that goes to no terminal.
	defaultWidth = report.DefaultWidth
	// minWidth is the narrowest text output drawn.
	minWidth = 40
	// maxWidth is the widest: wider than any screen, narrow enough to
	// catch a typo.
	maxWidth = 1000
)

// widthUsage is --width's help, the same on every command.
var widthUsage = fmt.Sprintf("columns of text output, %d to %d (default: the terminal's width, else COLUMNS, else %d)",
	minWidth, maxWidth, defaultWidth)

// addWidthFlag registers --width for a command that draws text.
func addWidthFlag(f *pflag.FlagSet, width *int) {
	f.IntVar(width, "width", 0, widthUsage)
}

// checkWidthFlag validates --width.
func checkWidthFlag(f *pflag.FlagSet, width int) error {
	if f.Changed("width") && (width < minWidth || width > maxWidth) {
		return fmt.Errorf("--width %d: want a number of columns from %d to %d", width, minWidth, maxWidth)
	}
	return nil
}

// textOptions says how wide and whether in colour text output is, by the
// rules above: width is --width (0 when not given), toFile is set for -o
// FILE.
func (s *streams) textOptions(toFile bool, width int) report.Options {
	opt := report.Options{Width: defaultWidth}
	f, _ := s.out.(*os.File)
	onTerminal := !toFile && f != nil && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
	if onTerminal {
		opt.Color = report.ColorsFor(f, s.env)
	}
	clamp := func(n int) int { return max(minWidth, min(maxWidth, n)) }
	if width > 0 {
		opt.Width = clamp(width)
	} else if n := terminalWidth(f); onTerminal && n > 0 {
		opt.Width = clamp(n)
	} else if n, err := strconv.Atoi(strings.TrimSpace(s.env("COLUMNS"))); err == nil && n > 0 {
		opt.Width = clamp(n)
	}
	return opt
}

//go:build linux

package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/sys/unix"

	"github.com/conclab/conclab/report"
)

// openPTY opens a pseudo-terminal cols columns wide: term, the side a
// program writes to, and screen, the side that reads what it wrote.
func openPTY(t *testing.T, cols int) (term, screen *os.File) {
	t.Helper()
	screen, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal here: %v", err)
	}
	t.Cleanup(func() { screen.Close() })
	if err := unix.IoctlSetPointerInt(int(screen.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(screen.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	term, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { term.Close() })
	if err := unix.IoctlSetWinsize(int(term.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 50, Col: uint16(cols)}); err != nil {
		t.Fatal(err)
	}
	return term, screen
}

// On a terminal the width is --width, else the terminal's own (not
// COLUMNS, which a shell may not have updated), within 40 to 1000
// columns; colour as deep as the terminal says, none with NO_COLOR or
// into -o FILE (issue 10, items 10 and 12).
func TestTextOptionsTerminal(t *testing.T) {
	tests := []struct {
		cols   int
		env    map[string]string
		toFile bool
		width  int
		want   int
		color  report.Colors
	}{
		{cols: 150, want: 150, color: report.Colors16},
		{cols: 150, env: map[string]string{"COLUMNS": "80"}, want: 150, color: report.Colors16},
		{cols: 150, width: 120, want: 120, color: report.Colors16},
		{cols: 60, want: 60, color: report.Colors16},
		{cols: 30, want: minWidth, color: report.Colors16},
		{cols: 5000, want: maxWidth, color: report.Colors16},
		{cols: 150, env: map[string]string{"TERM": "xterm-256color"}, want: 150, color: report.Colors256},
		{cols: 150, env: map[string]string{"TERM": "xterm-256color", "COLORTERM": "truecolor"}, want: 150, color: report.TrueColor},
		{cols: 150, env: map[string]string{"NO_COLOR": "1", "COLORTERM": "truecolor"}, want: 150, color: report.NoColor},
		{cols: 150, env: map[string]string{"TERM": "dumb"}, want: 150, color: report.NoColor},
		{cols: 150, toFile: true, want: 100, color: report.NoColor},
		{cols: 150, env: map[string]string{"COLUMNS": "80"}, toFile: true, want: 80, color: report.NoColor},
	}
	for _, tt := range tests {
		term, _ := openPTY(t, tt.cols)
		s := &streams{out: term, env: func(k string) string { return tt.env[k] }}
		opt := s.textOptions(tt.toFile, tt.width)
		if opt.Width != tt.want || opt.Color != tt.color {
			t.Errorf("terminal of %d columns, env %v, -o %v, --width %d: width %d, colour %d; want %d, %d",
				tt.cols, tt.env, tt.toFile, tt.width, opt.Width, opt.Color, tt.want, tt.color)
		}
	}
}

// run on a terminal 160 columns wide draws at 160: every column of the
// table and whole model names, which 100 columns cannot hold; the same
// into a pipe stays 100 wide, without escapes.
func TestRunOnWideTerminal(t *testing.T) {
	args := []string{"run", "mixed", "-m", "processes(2)*threads(16)", "-m", "processes(4, start=spawn)*asyncio(limit=100, executor=8)"}
	term, screen := openPTY(t, 160)
	var shown bytes.Buffer
	done := make(chan struct{})
	go func() {
		io.Copy(&shown, screen) // ends with EIO once the terminal is closed
		close(done)
	}()
	var errOut bytes.Buffer
	code := execute(context.Background(), args, strings.NewReader(""), term, &errOut, func(string) string { return "" })
	term.Close()
	<-done
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	text := strings.ReplaceAll(shown.String(), "\r\n", "\n")
	plain := stripEscapes(text)
	if plain == text {
		t.Error("no colour on a terminal")
	}
	longest := 0
	for _, line := range strings.Split(plain, "\n") {
		longest = max(longest, utf8.RuneCountInString(line))
	}
	if longest != 160 {
		t.Errorf("the longest line on a terminal of 160 columns is %d", longest)
	}
	if strings.Contains(plain, "too narrow") || !strings.Contains(plain, "processes(4, start=spawn)*asyncio(limit=100, executor=8) ") {
		t.Errorf("a terminal of 160 columns leaves out columns or cuts a model name:\n%s", plain)
	}

	r := conclab(t, nil, args...)
	checkLines(t, r.stdout, 100)
	if !strings.Contains(r.stdout, "too narrow to show") {
		t.Errorf("100 columns hold the whole table; the test needs a wider one:\n%s", r.stdout)
	}
}

// stripEscapes removes ANSI SGR sequences.
func stripEscapes(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '[' {
			j := i + 2
			for j < len(s) && s[j] != 'm' {
				j++
			}
			i = j
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/conclab/conclab/report"
)

// Output that goes to no terminal (a file, a pipe, -o FILE) is as wide as
// --width says, else COLUMNS, else 100 columns, and never coloured.
func TestTextOptionsNoTerminal(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	envs := map[string]func(string) string{
		"none":   func(string) string { return "" },
		"60":     func(k string) string { return map[string]string{"COLUMNS": "60", "COLORTERM": "truecolor"}[k] },
		"300":    func(k string) string { return map[string]string{"COLUMNS": "300"}[k] },
		"10":     func(k string) string { return map[string]string{"COLUMNS": "10"}[k] },
		"999999": func(k string) string { return map[string]string{"COLUMNS": "999999"}[k] },
		"junk":   func(k string) string { return map[string]string{"COLUMNS": "wide"}[k] },
	}
	tests := []struct {
		env    string
		toFile bool
		width  int
		want   int
	}{
		{"none", false, 0, 100},
		{"60", false, 0, 60},
		{"300", false, 0, 300},
		{"10", false, 0, minWidth},
		{"999999", false, 0, maxWidth},
		{"junk", false, 0, 100},
		{"60", false, 120, 120},
		{"none", true, 0, 100},
		{"60", true, 0, 60},
		{"60", true, 80, 80},
	}
	for _, tt := range tests {
		for _, out := range []struct {
			name string
			w    *streams
		}{
			{"file", &streams{out: f, env: envs[tt.env]}},
			{"buffer", &streams{out: &bytes.Buffer{}, env: envs[tt.env]}},
		} {
			opt := out.w.textOptions(tt.toFile, tt.width)
			if opt.Width != tt.want || opt.Color != report.NoColor {
				t.Errorf("%s, COLUMNS %s, -o %v, --width %d: %+v, want width %d without colour",
					out.name, tt.env, tt.toFile, tt.width, opt, tt.want)
			}
		}
	}
}

// Every command that draws has --width, says in its help where the width
// comes from, and refuses a width it cannot draw at.
func TestWidthFlag(t *testing.T) {
	for _, cmd := range []string{"run", "explain", "advise", "sweep", "demo", "examples", "verify"} {
		help := conclab(t, nil, cmd, "--help").stdout
		if !strings.Contains(help, "--width int") || !strings.Contains(help, "the terminal's width, else COLUMNS, else 100") {
			t.Errorf("%s --help does not offer --width and its defaults:\n%s", cmd, help)
		}
		for _, bad := range []string{"39", "1001", "-5"} {
			r := conclab(t, nil, cmd, "seed-io", "--width", bad)
			if cmd == "demo" || cmd == "examples" {
				r = conclab(t, nil, cmd, "--width", bad)
			}
			if r.code != exitUsage || !strings.Contains(r.stderr, "--width "+bad+": want a number of columns from 40 to 1000") {
				t.Errorf("%s --width %s: exit %d, stderr %q", cmd, bad, r.code, r.stderr)
			}
		}
	}
}

// Each command draws at the width asked, wide or narrow: no line wider, no
// panic; wide, the table keeps every column and the whole model names.
func TestWidthEveryCommand(t *testing.T) {
	long := []string{"-m", "processes(2)*threads(16)", "-m", "asyncio(limit=10, executor=4)", "-m", "processes(4, start=spawn)*asyncio(limit=100, executor=8)"}
	cmds := [][]string{
		append([]string{"run", "mixed"}, long...),
		{"explain", "seed-blocking", "-m", "asyncio"},
		{"advise", "seed-blocking"},
		{"advise", "api-io"},
		{"sweep", "api-io", "-m", "processes(2)*threads(4..32)"},
		{"examples"},
		{"demo"},
	}
	for _, width := range []string{"40", "60", "100", "200"} {
		for _, args := range cmds {
			r := conclab(t, []string{"NO_COLOR=1"}, append(args, "--width", width)...)
			if r.code != exitOK {
				t.Errorf("%v at %s: exit %d: %s", args, width, r.code, r.stderr)
				continue
			}
			w := map[string]int{"40": 40, "60": 60, "100": 100, "200": 200}[width]
			longest := 0
			for _, line := range strings.Split(r.stdout, "\n") {
				longest = max(longest, utf8.RuneCountInString(line))
			}
			if longest > w {
				t.Errorf("%v at %d columns: a line of %d", args, w, longest)
			}
			if w == 200 && strings.Contains(r.stdout, "too narrow") {
				t.Errorf("%v at 200 columns leaves something out:\n%s", args, r.stdout)
			}
		}
	}
	r := conclab(t, nil, append([]string{"run", "mixed", "--width", "200"}, long...)...)
	if !strings.Contains(r.stdout, "processes(4, start=spawn)*asyncio(limit=100, executor=8)  ") || !strings.Contains(r.stdout, "reserved") {
		t.Errorf("200 columns cut a model name or a column:\n%s", r.stdout)
	}
}

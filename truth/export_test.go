package truth

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/conclab/conclab/examples"
	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/workload"

	"github.com/conclab/conclab/internal/golden"
)

func TestExportGolden(t *testing.T) {
	data, ok := examples.Lookup("seed-io")
	if !ok {
		t.Fatal("no example seed-io")
	}
	wl, err := workload.Parse("seed-io.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	d, err := model.Parse("threads(3)")
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if err := Export(&got, wl, d, ExportOptions{Cores: 2}); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "testdata/seed-io-threads3.py", got.Bytes())
}

// TestExportFixedWork: for a free-threaded build, work is a count of
// iterations at the speed of the build with the GIL, not CPU time.
func TestExportFixedWork(t *testing.T) {
	wl, err := workload.ParseInline("2 x [work 100ms, wait 10ms]")
	if err != nil {
		t.Fatal(err)
	}
	d, _ := model.Parse("threads(2)")
	var b bytes.Buffer
	if err := Export(&b, wl, d, ExportOptions{Cores: 2, WorkRate: 8e6, FixedWork: true}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"WORK_RATE        = 8000000", "FIXED_WORK       = True", "if FIXED_WORK:"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("the program lacks %q", want)
		}
	}
	if err := Export(&b, wl, d, ExportOptions{Cores: 2, FixedWork: true}); err == nil {
		t.Error("fixed work without a work rate: no error")
	}
}

func TestExportIsASCIIAndReadable(t *testing.T) {
	wl := hostileWorkload()
	for _, expr := range []string{"sync", "threads(2)", "threads", "asyncio(limit=3, executor=2)",
		"processes(2)", "processes(3, start=spawn)", "processes(2)*threads(4)", "processes(2)*asyncio(limit=5)"} {
		d, err := model.Parse(expr)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := Export(&b, wl, d, ExportOptions{Cores: 2}); err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		for i, line := range strings.Split(b.String(), "\n") {
			for _, r := range line {
				if r < 0x20 || r >= 0x7f {
					t.Fatalf("%s: line %d holds %U: %q", expr, i+1, r, line)
				}
			}
		}
		for _, want := range []string{"def run_model():", "def work(seconds):", "def work_released(seconds):", "def main():", "json.loads('''"} {
			if !strings.Contains(b.String(), want) {
				t.Errorf("%s: the program lacks %q", expr, want)
			}
		}
	}
}

func TestPyEscape(t *testing.T) {
	tests := []struct {
		in    string
		quote byte
		keep  bool
		want  string
	}{
		{`plain`, '"', false, `plain`},
		{`a"b`, '"', false, `a\"b`},
		{`a'b`, '"', false, `a'b`},
		{`a'b`, '\'', true, `a\'b`},
		{`'''`, '\'', true, `\'\'\'`},
		{`back\slash`, '"', false, `back\\slash`},
		{"two\nlines", '"', false, `two\x0alines`},
		{"two\nlines", '\'', true, "two\nlines"},
		{"tab\tcr\r", '"', false, `tab\x09cr\x0d`},
		{"é", '"', false, `\xe9`},
		{"\u2028", '"', false, `\u2028`},
		{"😀", '"', false, `\U0001f600`},
	}
	for _, tt := range tests {
		if got := pyEscape(tt.in, tt.quote, tt.keep); got != tt.want {
			t.Errorf("pyEscape(%q, %q, %v) = %q, want %q", tt.in, tt.quote, tt.keep, got, tt.want)
		}
	}
}

// hostileNames are task names that would break a program that spliced
// them into code.
var hostileNames = []string{
	`it's`,
	`say "hi"`,
	`back\slash\`,
	`\'''`,
	`'''`,
	`"""`,
	"line one\nline two",
	"cr\rand tab\t",
	`{} {0} %s %(x)s`,
	`"); import os; os.system("x`,
	`'); import os; os.system('x`,
	`''' + __import__("os").system("x") + '''`,
	"# comment\n__import__('os').system('x')",
	`\u0041\x41\N{BULLET}`,
	"naïve 名前 😀 \u2028 \u0085",
	"nul\x00byte",
	`</script>&amp;`,
}

func hostileWorkload() *workload.Workload {
	wl := &workload.Workload{Name: `wl "''' \ ` + "\n" + `import os`, Seed: 1}
	for _, n := range hostileNames {
		wl.Groups = append(wl.Groups, workload.Group{Name: n, Count: 1,
			Steps: []workload.Step{{Kind: workload.Wait, Dur: workload.Dist{A: int64(time.Millisecond)}}}})
	}
	return wl
}

func TestHostileNamesRoundTrip(t *testing.T) {
	py := needPython(t)
	wl := hostileWorkload()
	for _, expr := range []string{"sync", "asyncio"} {
		d, _ := model.Parse(expr)
		var prog bytes.Buffer
		if err := Export(&prog, wl, d, ExportOptions{Cores: 2}); err != nil {
			t.Fatal(err)
		}
		m, err := Measure(context.Background(), py, prog.Bytes(), time.Minute)
		if err != nil {
			t.Fatalf("%s: %v\n%s", expr, err, prog.String())
		}
		if m.Workload != wl.Name {
			t.Errorf("%s: workload name came back as %q, want %q", expr, m.Workload, wl.Name)
		}
		if len(m.Tasks) != len(hostileNames) {
			t.Fatalf("%s: %d tasks came back, want %d", expr, len(m.Tasks), len(hostileNames))
		}
		for i, task := range m.Tasks {
			if task.Name != hostileNames[i] {
				t.Errorf("%s: name %d came back as %q, want %q", expr, i, task.Name, hostileNames[i])
			}
		}
	}
}

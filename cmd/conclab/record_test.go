package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/conclab/conclab/workload"
)

const recordProg = `import sys, time
def handle(i):
    end = time.thread_time() + 0.002
    while time.thread_time() < end:
        pass
    time.sleep(0.01)
for i in range(4):
    handle(i)
print("done", sys.argv[1:])
sys.exit(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
`

func writeProg(t *testing.T, src string) (dir, prog string) {
	t.Helper()
	dir = t.TempDir()
	prog = filepath.Join(dir, "app.py")
	if err := os.WriteFile(prog, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, prog
}

func TestRecordCommand(t *testing.T) {
	needPython(t)
	dir, prog := writeProg(t, recordProg)
	out := filepath.Join(dir, "app.yaml")
	r := conclab(t, nil, "record", "-o", out, "--", prog, "0", "--flag-of-the-program")
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "done ['0', '--flag-of-the-program']") {
		t.Errorf("the program's argv and output did not pass through: %q", r.stdout)
	}
	for _, want := range []string{"recorded " + prog, "handle", "model: sync", "next: conclab advise " + out, "wrote " + out} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("the summary lacks %q:\n%s", want, r.stderr)
		}
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	wl, err := workload.Parse(out, data)
	if err != nil {
		t.Fatal(err)
	}
	if wl.NumTasks() != 4 || wl.Groups[0].Name != "handle" {
		t.Errorf("want handle × 4:\n%s", data)
	}
	// conclab run takes the file as it is.
	if r := conclab(t, nil, "run", out); r.code != exitOK {
		t.Errorf("conclab run %s: exit %d: %s", out, r.code, r.stderr)
	}
}

func TestRecordPassesTheExitStatusOn(t *testing.T) {
	needPython(t)
	dir, prog := writeProg(t, recordProg)
	out := filepath.Join(dir, "app.yaml")
	r := conclab(t, nil, "record", "-o", out, "--format", "json", prog, "3")
	if r.code != 3 {
		t.Fatalf("exit %d, want the program's 3: %s", r.code, r.stderr)
	}
	var sum struct {
		Exit   int
		Groups []struct{ Count int }
	}
	if err := json.Unmarshal([]byte(r.stderr), &sum); err != nil {
		t.Fatalf("--format json: %v\n%s", err, r.stderr)
	}
	if sum.Exit != 3 || len(sum.Groups) != 1 || sum.Groups[0].Count != 4 {
		t.Errorf("summary %+v", sum)
	}
	if _, err := os.Stat(out); err != nil {
		t.Errorf("a program that exits 3 still gives the workload of what ran: %v", err)
	}
}

func TestRecordBadUsage(t *testing.T) {
	needPython(t)
	dir, prog := writeProg(t, recordProg)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no program", []string{"record"}, "missing program"},
		{"missing file", []string{"record", filepath.Join(dir, "nope.py")}, "nope.py: no such file"},
		{"a directory", []string{"record", dir}, "is a directory"},
		{"interpreter option", []string{"record", "--", "-c", "print(1)"}, "not interpreter options"},
		{"bad format", []string{"record", "--format", "xml", prog}, `--format "xml": want text or json`},
		{"-m without module", []string{"record", "--", "-m"}, "-m needs a module"},
		{"output is the program", []string{"record", "-o", prog, prog}, "is the program being read"},
		{"no python", []string{"record", "--python", filepath.Join(dir, "python9"), prog}, "python9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := conclab(t, nil, tt.args...)
			if r.code != exitUsage || !strings.Contains(r.stderr, tt.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 {
				t.Errorf("exit %d, stderr %q: want 2 and one line with %q", r.code, r.stderr, tt.want)
			}
		})
	}
	if data, _ := os.ReadFile(prog); string(data) != recordProg {
		t.Error("the program was overwritten")
	}
}

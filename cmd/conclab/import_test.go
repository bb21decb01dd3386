package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestImport runs conclab import as a user would: a file to -o, a summary
// on stderr with the next command, and the workload run and advised.
func TestImport(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "shop.yaml")
	r := conclab(t, nil, "import", "../../traces/testdata/shop.otlp.jsonl", "-o", out)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{"import: 4 requests over 3.000 s from OTLP/JSON (3 documents)", "/cart (2 paths)", "next: conclab advise " + out} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	checkLines(t, r.stderr, 120)
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "arrivals:") || !strings.Contains(string(data), "- choose:") {
		t.Errorf("the workload:\n%s", data)
	}
	for _, args := range [][]string{{"run", out, "-m", "threads(4)"}, {"advise", out}} {
		if r := conclab(t, nil, args...); r.code != 0 {
			t.Errorf("%s: exit %d: %s", strings.Join(args, " "), r.code, r.stderr)
		}
	}

	// Standard input, Jaeger, to stdout.
	jaeger, err := os.ReadFile("../../traces/testdata/shop.jaeger.json")
	if err != nil {
		t.Fatal(err)
	}
	r = conclabStdin(t, string(jaeger), nil, "import", "-", "--route-by", "name")
	if r.code != 0 || !strings.Contains(r.stdout, "name: imported") || !strings.Contains(r.stdout, "POST-checkout") ||
		!strings.Contains(r.stderr, "Jaeger JSON (1 document)") {
		t.Errorf("import -: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

// TestImportBadInput: one error that says where, exit 2, nothing written.
func TestImportBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.jsonl")
	good, err := os.ReadFile("../../traces/testdata/shop.otlp.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(good), "\n")
	if err := os.WriteFile(bad, []byte(lines[0]+lines[1][:300]+"\n"+lines[2]), 0o600); err != nil {
		t.Fatal(err)
	}
	noServer := filepath.Join(dir, "client-only.json")
	if err := os.WriteFile(noServer, []byte(`{"resourceSpans":[{"scopeSpans":[{"spans":[`+
		`{"traceId":"01","spanId":"02","parentSpanId":"03","name":"q","kind":3,"startTimeUnixNano":"1","endTimeUnixNano":"2"}]}]}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.yaml")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"import", bad, "-o", out}, bad + ":2:301: a line ends inside a JSON string: cut short (a truncated line?)"},
		{[]string{"import", filepath.Join(dir, "missing.json"), "-o", out}, "missing.json: no such file or directory"},
		{[]string{"import", noServer, "-o", out}, "no span of kind server and no root span among 1 span: nothing to import"},
		{[]string{"import", "../../traces/testdata/shop.otlp.jsonl", "--service", "billing", "-o", out}, `no span of kind server of service "billing"`},
		{[]string{"import", "../../traces/testdata/shop.otlp.jsonl", "--route-by", "path"}, `--route-by "path": want http.route or name`},
		{[]string{"import"}, "requires at least 1 arg"},
		{[]string{"import", "-", "-"}, "- (standard input) is given twice"},
	} {
		r := conclab(t, nil, c.args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, c.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 {
			t.Errorf("%s: exit %d, stderr %q; want exit 2 and one line holding %q", strings.Join(c.args, " "), r.code, r.stderr, c.want)
		}
		if _, err := os.Stat(out); err == nil {
			t.Fatalf("%s: wrote %s", strings.Join(c.args, " "), out)
		}
	}
}

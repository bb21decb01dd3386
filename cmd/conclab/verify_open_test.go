package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestVerifyOpenServer: verify on an open workload runs a real asyncio
// server and writes, per model, the prediction with "server", "measured"
// and "error"; the text form shows both sides and what ran.
func TestVerifyOpenServer(t *testing.T) {
	needPython(t)
	file := filepath.Join(t.TempDir(), "open.yaml")
	yaml := "name: open-check\narrivals: {rate: 20/s, for: 1s}\ntasks:\n  - name: req\n    steps: [{work: 1ms}, {wait: 10ms}]\n"
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	// A generous tolerance: the check is of the plumbing, not the accuracy.
	r := conclab(t, nil, "verify", file, "-m", "asyncio", "--repeat", "1", "--tolerance", "300%", "--format", "json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var doc struct {
		Results []struct {
			Model    string `json:"model"`
			Server   string `json:"server"`
			Measured struct {
				Requests int     `json:"requests"`
				OK       int     `json:"ok"`
				P50      float64 `json:"p50_s"`
			} `json:"measured"`
			Error map[string]float64 `json:"error"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("%v in %s", err, r.stdout)
	}
	if len(doc.Results) != 1 {
		t.Fatalf("%d results, want 1", len(doc.Results))
	}
	res := doc.Results[0]
	if res.Model != "asyncio" || !strings.Contains(res.Server, "asyncio.start_server") ||
		res.Measured.Requests == 0 || res.Measured.OK != res.Measured.Requests || res.Measured.P50 <= 0.010 {
		t.Errorf("result %+v", res)
	}
	for _, k := range []string{"p50", "p99", "throughput"} {
		if _, ok := res.Error[k]; !ok {
			t.Errorf("error has no %q: %v", k, res.Error)
		}
	}

	r = conclab(t, nil, "verify", file, "-m", "threads(2)", "--repeat", "1", "--tolerance", "300%")
	if r.code != 0 || !strings.Contains(r.stdout, "measured") || !strings.Contains(r.stdout, "ThreadPoolExecutor(2)") {
		t.Errorf("text: exit %d, stdout %s, stderr %s", r.code, r.stdout, r.stderr)
	}
}

package main

import (
	"encoding/json"
	"strings"
	"testing"
)

const blockingServer = `name: blocking-server
cores: 4
arrivals: {rate: 50/s, for: 20s}
tasks:
  - name: req
    steps: [{work: 1ms}, {wait: 30ms, blocking: true}]
`

func TestAdvise(t *testing.T) {
	file := writeTemp(t, "server.yaml", ioServer)
	r := conclab(t, nil, "advise", file)
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{"recommended  asyncio", "runner-up", "why:", "  1. ", "  3. ", "rule of thumb", "overloaded"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("text lacks %q:\n%s", want, r.stdout)
		}
	}
	checkLines(t, r.stdout, 100)

	r = conclab(t, nil, "advise", writeTemp(t, "b.yaml", blockingServer), "--format", "json", "--p99", "200ms", "--memory", "1GiB")
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var doc struct {
		Recommendation *struct {
			Model   string `json:"model"`
			Metrics struct {
				Latency struct{ P99 float64 } `json:"latency_s"`
			} `json:"metrics"`
		} `json:"recommendation"`
		RunnerUp    *struct{ Model string } `json:"runner_up"`
		Reasons     []string                `json:"reasons"`
		RuleOfThumb string                  `json:"rule_of_thumb"`
		Candidates  []struct {
			Model    string `json:"model"`
			Rejected string `json:"rejected"`
		} `json:"candidates"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Recommendation == nil || doc.Recommendation.Model == "asyncio" || doc.Recommendation.Metrics.Latency.P99 > 0.2 {
		t.Errorf("recommendation %+v", doc.Recommendation)
	}
	if doc.RunnerUp == nil || len(doc.Reasons) != 3 || !strings.Contains(doc.Reasons[0], "stalls the event loop for 30.0 ms") {
		t.Errorf("runner-up %v, reasons %q", doc.RunnerUp, doc.Reasons)
	}
	found := false
	for _, c := range doc.Candidates {
		if c.Model == "asyncio" {
			found = strings.HasPrefix(c.Rejected, "overloaded")
		}
	}
	if !found {
		t.Errorf("plain asyncio not rejected as overloaded: %+v", doc.Candidates)
	}

	// Nothing meets an impossible bound: the table still prints, exit 1.
	r = conclab(t, nil, "advise", file, "--p99", "1ms")
	if r.code != exitFailure || !strings.Contains(r.stdout, "recommended  none") || !strings.Contains(r.stderr, "no candidate meets the bounds") {
		t.Errorf("impossible bound: exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestAdviseBadInput(t *testing.T) {
	file := writeTemp(t, "server.yaml", ioServer)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"advise"}, "missing workload"},
		{[]string{"advise", file, "--memory", "2 parsecs"}, "--memory 2 parsecs: want a size such as 2GiB"},
		{[]string{"advise", file, "--p99", "-1s"}, "--p99 -1s: want a positive duration"},
		{[]string{"advise", file, "--format", "svg"}, `invalid --format "svg" (want text or json)`},
		{[]string{"advise", "-e", "3 x [wat 2s]"}, `-e:1:6: unknown step kind "wat"`},
		{[]string{"advise", file, "--cores", "0"}, "--cores 0"},
	}
	for _, tt := range tests {
		r := conclab(t, nil, tt.args...)
		if r.code != exitUsage || r.stdout != "" || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("%v: exit %d, stdout %.40q, stderr %q; want exit 2 and %q", tt.args, r.code, r.stdout, r.stderr, tt.want)
		}
	}
}

package advise

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/conclab/conclab/model"
)

// The three cases of the issue, each for its printed reason.
func TestAdvisePicks(t *testing.T) {
	tests := []struct {
		name     string
		text     string
		cores    int
		wantKind func(c *Candidate) bool
		reasons  []string // each must appear in some reason
		notBest  string   // a label that must not be recommended
	}{
		{
			name: "CPU-bound handler needs processes",
			text: `
name: cpu-handler
arrivals: {rate: 150/s, for: 20s}
tasks: [{name: req, steps: [{work: 20ms}]}]
`,
			cores:    4,
			wantKind: func(c *Candidate) bool { return c.Model.UsesProcesses() },
			reasons:  []string{"CPU work is 100% of each request", "the GIL serialises it", "needs 3.0 cores"},
		},
		{
			name:  "I/O-bound handler: asyncio or threads",
			text:  ioHandler,
			cores: 2,
			wantKind: func(c *Candidate) bool {
				return !c.Model.UsesProcesses() && (c.Model.Kind == model.Asyncio || c.Model.Kind == model.ThreadPool)
			},
			reasons: []string{"99% of each request is waiting", "about 20 requests are in flight", "Little's law"},
		},
		{
			name: "blocking call refuses plain asyncio",
			text: `
name: blocking-handler
arrivals: {rate: 50/s, for: 20s}
tasks: [{name: req, steps: [{work: 1ms}, {wait: 30ms, blocking: true}]}]
`,
			cores:    4,
			wantKind: func(c *Candidate) bool { return c.Label != "asyncio" },
			reasons:  []string{"a blocking call in each request handler stalls the event loop for 30.0 ms", "plain asyncio is overloaded", "offload it"},
			notBest:  "asyncio",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := Advise(context.Background(), parse(t, tt.text), Constraints{}, setup(t, tt.cores))
			if err != nil {
				t.Fatal(err)
			}
			rec := a.Recommendation()
			if rec == nil {
				t.Fatal("no recommendation")
			}
			if !tt.wantKind(rec) {
				t.Errorf("recommended %s", rec.Label)
			}
			if len(a.Reasons) != 3 {
				t.Errorf("%d reasons, want 3: %q", len(a.Reasons), a.Reasons)
			}
			all := strings.Join(a.Reasons, "\n")
			for _, want := range tt.reasons {
				if !strings.Contains(all, want) {
					t.Errorf("no reason says %q:\n%s", want, all)
				}
			}
			if a.RunnerUpCandidate() == nil {
				t.Error("no runner-up")
			}
			if a.RuleOfThumb == "" || !strings.Contains(a.RuleOfThumb, "rule of thumb") {
				t.Errorf("rule of thumb: %q", a.RuleOfThumb)
			}
			var b bytes.Buffer
			if err := a.WriteText(&b, 0); err != nil {
				t.Fatal(err)
			}
			for _, line := range strings.Split(b.String(), "\n") {
				if n := len([]rune(line)); n > 100 {
					t.Errorf("line of %d columns: %q", n, line)
				}
			}
			if !strings.Contains(b.String(), "recommended  "+rec.Label+" ") {
				t.Errorf("text does not name the recommendation:\n%s", b.String())
			}
		})
	}
}

func TestAdviseConstraints(t *testing.T) {
	wl := parse(t, ioHandler)
	a, err := Advise(context.Background(), wl, Constraints{P99: 110e6, Memory: 14 << 20}, setup(t, 2))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range a.Candidates {
		r := c.Result
		broke := c.Overloaded || r.Latency.P99 > 110e6 || r.PeakMemoryBytes > 14<<20
		if broke != (c.Rejected != "") {
			t.Errorf("%s: rejected %q, p99 %d, resident %d, overloaded %v", c.Label, c.Rejected, r.Latency.P99, r.PeakMemoryBytes, c.Overloaded)
		}
	}
	if !strings.Contains(strings.Join(a.Reasons, "\n"), "--memory 14.0 MiB rules out") {
		t.Errorf("reasons do not name the memory bound: %q", a.Reasons)
	}
	// Nothing fits an impossible bound.
	a, err = Advise(context.Background(), wl, Constraints{P99: 1e6}, setup(t, 2))
	if err != nil {
		t.Fatal(err)
	}
	if a.Recommendation() != nil || len(a.Reasons) != 1 || !strings.Contains(a.Reasons[0], "all ") {
		t.Errorf("impossible bound: recommended %v, reasons %q", a.Recommendation(), a.Reasons)
	}
}

func TestCandidates(t *testing.T) {
	s := setup(t, 2)
	labels := func(cs []Candidate) string {
		var out []string
		for _, c := range cs {
			out = append(out, c.Label)
		}
		return strings.Join(out, " ")
	}
	got := labels(Candidates(parse(t, `
tasks: [{name: t, count: 3, steps: [{wait: 2s, blocking: true}]}]
`), s))
	want := "sync threads(2) threads(3) processes(2) processes(4) asyncio asyncio + to_thread processes(2)*threads(2) processes(2)*asyncio"
	if got != want {
		t.Errorf("batch of 3 blocking waits:\n got %s\nwant %s", got, want)
	}
	// A runtime without asyncio gets no asyncio candidates.
	s.Profile.Name, s.Profile.Asyncio = "go", false
	if got := labels(Candidates(parse(t, ioHandler), s)); strings.Contains(got, "asyncio") {
		t.Errorf("go runtime got asyncio candidates: %s", got)
	}
}

// A Poisson window draws its own count: the advice says how many arrived
// and the rate offered, and says a model that keeps up serves all of it
// rather than a bare rate below the nominal one; an overloaded model
// serves a share of the rate offered.
func TestAdviseOfferedAndServed(t *testing.T) {
	wl := parse(t, `
name: api-io
cores: 2
arrivals: {rate: 200/s, for: 10s}
tasks: [{name: req, steps: [{work: 1ms}, {wait: exp(100ms)}]}]
`)
	a, err := Advise(context.Background(), wl, Constraints{}, setup(t, 2))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := a.WriteText(&b, 0); err != nil {
		t.Fatal(err)
	}
	text := b.String()
	if want := "\noffered: 192/s (Poisson: 1,920 requests drawn in 10s)\n"; !strings.Contains(text, want) {
		t.Errorf("advice lacks %q:\n%s", want, text)
	}
	flat := strings.Join(strings.Fields(text), " ")
	for _, want := range []string{
		"recommended asyncio — p99 465 ms, serves all 192/s,",
		"plain sync is overloaded (serves 9.93/s of 192/s offered)",
	} {
		if !strings.Contains(flat, want) {
			t.Errorf("advice lacks %q:\n%s", want, text)
		}
	}
}

// The blocking reason of a batch reads as a sentence, and counts of one
// thread are singular (issue 10).
func TestAdviseBlockingBatchWords(t *testing.T) {
	a, err := Advise(context.Background(), parse(t, `
name: seed-blocking
tasks:
  - {name: A, steps: [{wait: 2s, blocking: true}]}
  - {name: B, steps: [{wait: 2s, blocking: true}]}
  - {name: C, steps: [{wait: 2s, blocking: true}]}
`), Constraints{}, setup(t, 2))
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(a.Reasons, "\n")
	want := "plain asyncio takes 6.000 s (its loop stalled up to 2.000 s at a time), against 2.000 s for threads(3); offload it"
	if !strings.Contains(all, want) {
		t.Errorf("no reason says %q:\n%s", want, all)
	}
	var b bytes.Buffer
	if err := a.WriteText(&b, 0); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "against takes") || strings.Contains(b.String(), " 1 threads") {
		t.Errorf("garbled words:\n%s", b.String())
	}
}

package truth

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"time"

	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/report"

	"github.com/conclab/conclab/internal/numfmt"
	"github.com/conclab/conclab/internal/python"
)

// How far a real server may be from its prediction: p50 passes within the
// tolerance or P50Slack, p99 within P99Factor × the tolerance or
// P99Slack, throughput within the tolerance.
const (
	P50Slack  = 2 * time.Millisecond
	P99Factor = 3
	P99Slack  = 10 * time.Millisecond
)

// OpenReport is what CheckOpen found.
type OpenReport struct {
	Target
	Python   *python.Interpreter
	Repeat   int
	Requests int     // sent to each server in each run
	WorkRate float64 // the servers' work rate (0: no request has work)
	Models   []ServerCheck
}

// ServerCheck is one model of an open workload: predicted, and measured on
// a real server.
type ServerCheck struct {
	Model     model.Deployment
	Runner    Runner      // what served it
	Server    string      // what served it, in words
	Predicted report.Run  // with Cost charged to every request
	Measured  *LoadResult // the run of the median p50
	// Cost is the CPU the server spends on a request beyond its steps
	// (RequestCost), in nanoseconds, charged to the prediction.
	Cost int64
	// Relative errors of the measured p50, p99 and throughput.
	P50, P99, Throughput float64
}

// Verdicts says which figures of c are beyond the tolerance tol (with
// P50Slack, P99Factor and P99Slack), in words; none when c passes.
func (c ServerCheck) Verdicts(tol float64) []string {
	var off []string
	p, m := c.Predicted.Result, c.Measured
	if math.Abs(c.P50) > tol && math.Abs(float64(m.P50-p.Latency.P50)) > float64(P50Slack) {
		off = append(off, "p50 "+numfmt.SignedPercent(c.P50))
	}
	if math.Abs(c.Throughput) > tol {
		off = append(off, "throughput "+numfmt.SignedPercent(c.Throughput))
	}
	if math.Abs(c.P99) > P99Factor*tol && math.Abs(float64(m.P99-p.Latency.P99)) > float64(P99Slack) {
		off = append(off, "p99 "+numfmt.SignedPercent(c.P99))
	}
	if m.Errors > 0 && c.FailuresJudged() {
		off = append(off, fmt.Sprintf("%d failed requests (%s)", m.Errors, m.FirstErr))
	}
	return off
}

// FailuresJudged says whether failed requests are a miss of the model:
// not where it finds the model overloaded, whose queue outgrows a real
// server's listen backlog, so that the kernel resets connections that
// waited too long, as overload does; the answered requests' figures are
// judged then.
func (c ServerCheck) FailuresJudged() bool { return !c.Predicted.Result.Overloaded }

// OpenConfig says how to check an open workload.
type OpenConfig struct {
	Target
	Python string // the interpreter; python.Default when empty
	Repeat int    // runs per model (the run of the median p50 stands for it); at least 1
	// Timeout stops a run; 0: max(1 min, 3 × the arrival window + 30 s).
	Timeout  time.Duration
	Progress func(Progress) // may be nil
	// GILPython is CheckConfig's: for a free-threaded interpreter, the
	// build with the GIL whose speed work is measured in.
	GILPython string
}

// CheckOpen puts an open workload (arrivals) to the test on real servers:
// it simulates it under each model, draws its requests as the simulator
// does (Requests), serves them on 127.0.0.1 with the server NewServer
// chooses (gunicorn or uvicorn when the interpreter imports them and the
// model has worker processes) and drives them open-loop cfg.Repeat times;
// the run of the median p50 stands for each model. Each prediction charges
// every request what that server spends on one beyond its steps,
// measured first (RequestCost). It refuses what Check
// refuses, and its RunErrors are the same.
func CheckOpen(ctx context.Context, cfg OpenConfig) (*OpenReport, error) {
	t := cfg.Target
	if err := checkTarget(t, true, "the server of an open workload"); err != nil {
		return nil, err
	}
	reqs, err := Requests(t.Workload, MaxRequests)
	if err != nil {
		return nil, err
	}
	if len(reqs) == 0 {
		return nil, fmt.Errorf("%s: the arrivals give no request", t.Workload.Name)
	}
	py, err := findInterpreter(ctx, cfg.Python, t.Profile)
	if err != nil {
		return nil, err
	}
	gil, err := withGIL(ctx, cfg.GILPython, py, t.Profile)
	if err != nil {
		return nil, err
	}
	cfg.Repeat = max(cfg.Repeat, 1)
	window := reqs[len(reqs)-1].At
	if a := t.Workload.Arrivals; a.Count == 0 {
		window = a.For
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = max(time.Minute, 3*time.Duration(window)+30*time.Second)
	}
	// gunicorn and uvicorn serve the models with worker processes when
	// the interpreter has them; one that cannot say runs the standard
	// library's servers.
	var av Available
	for _, d := range t.Models {
		if d.Kind == model.Processes {
			av, _ = DetectServers(ctx, py.Path)
			break
		}
	}
	r := &OpenReport{Target: t, Python: py, Repeat: cfg.Repeat, Requests: len(reqs)}
	// One work rate for every server, as Check has one for every program.
	for _, q := range reqs {
		if hasWork([]Task{{Steps: q.Steps}}) {
			if r.WorkRate, _, err = newWatcher(NoiseConfig{}).workRate(ctx, rateInterpreter(py, gil).Path); err != nil {
				return nil, runErr(err)
			}
			break
		}
	}
	for _, d := range t.Models {
		opt := ExportOptions{Cores: t.Cores, SwitchInterval: t.SwitchInterval, WorkRate: r.WorkRate, FixedWork: gil != nil && r.WorkRate > 0}
		srv, err := NewServer(t.Workload, d, reqs, opt, av)
		if err != nil {
			return nil, runErr(err)
		}
		// The prediction, with what the server spends on each request
		// beyond its steps.
		cost, err := RequestCost(ctx, py.Path, t.Workload, d, opt, av)
		if err != nil {
			return nil, runErr(err)
		}
		withCost := t
		withCost.Workload, withCost.Models = WithRequestCost(t.Workload, cost), []model.Deployment{d}
		preds, err := predict(ctx, withCost, false, false)
		if err != nil {
			return nil, err
		}
		// Every request waits for its answer as long as the prediction
		// says the slowest may take, and more: an overloaded server
		// answers its queue long after the window, and a load generator
		// that gave up on those would count them failed and measure only
		// the first few.
		pr := preds[0].Result
		load := LoadOptions{Window: window, Timeout: RequestTimeout(pr.Latency.Max)}
		runTimeout := timeout
		if cfg.Timeout <= 0 {
			runTimeout = max(timeout, time.Duration(window)+load.Timeout+30*time.Second)
		}
		var results []*LoadResult
		for k := 1; k <= cfg.Repeat; k++ {
			if cfg.Progress != nil {
				cfg.Progress(Progress{Workload: t.Workload.Name, Model: d, Run: k, Runs: cfg.Repeat, Server: srv, Requests: len(reqs)})
			}
			res, err := srv.Check(ctx, py.Path, reqs, ServerOptions{Load: load, Timeout: runTimeout})
			if err != nil {
				return nil, runErr(fmt.Errorf("%s under %s, run %d: %w", t.Workload.Name, d, k, err))
			}
			results = append(results, res)
		}
		m := results[medianIndex(results, func(a, b *LoadResult) int { return cmp.Compare(a.P50, b.P50) })]
		if pr.Overloaded {
			// Judged on the rate served, as the simulator counts it for
			// an overloaded run: over the time taken to answer them all.
			m.Throughput = m.Rate
		}
		r.Models = append(r.Models, ServerCheck{Model: d, Runner: srv.Runner, Server: srv.Kind, Predicted: preds[0], Measured: m, Cost: cost,
			P50: RelErr(pr.Latency.P50, m.P50), P99: RelErr(pr.Latency.P99, m.P99),
			Throughput: (m.Throughput - pr.Throughput) / math.Max(pr.Throughput, 1e-9)})
	}
	return r, nil
}

// RequestTimeout is how long the load generator waits for one answer when
// the prediction's slowest takes maxLatency: half as long again and 10 s
// more, at least the 30 s a load waits by default.
func RequestTimeout(maxLatency int64) time.Duration {
	return max(30*time.Second, time.Duration(maxLatency)*3/2+10*time.Second)
}

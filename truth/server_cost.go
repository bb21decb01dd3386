package truth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/workload"
)

// CostRequests is how many requests that do nothing RequestCost sends, and
// CostGap how far apart: one at a time, each answered before the next.
const (
	CostRequests = 200
	CostGap      = 5 * time.Millisecond
)

// RequestCost measures the CPU a server of model d spends on one request
// beyond its steps: accepting the connection, reading and parsing the
// request, answering and closing it, in Python holding the GIL. The
// simulation charges nothing for these, since a workload's work is the
// handler's; a real server pays them (2–3 ms of latency per request on
// the standard library's servers here), so verify charges them to its
// predictions. It starts the server NewServer chooses for d, with one
// worker process when d has several (each serves its requests alone),
// reads the CPU time of the process that serves (GET /cpu), sends it
// CostRequests requests that do nothing, CostGap apart, reads it again,
// and returns the difference per request in nanoseconds.
func RequestCost(ctx context.Context, py string, wl *workload.Workload, d model.Deployment, opt ExportOptions, av Available) (int64, error) {
	one := d
	if one.Kind == model.Processes {
		one.Procs = 1
	}
	reqs := make([]Request, CostRequests)
	for i := range reqs {
		reqs[i] = Request{ID: i, At: int64(i) * int64(CostGap)}
	}
	srv, err := NewServer(wl, one, reqs, opt, av)
	if err != nil {
		return 0, err
	}
	var cost int64
	err = srv.serve(ctx, py, ServerOptions{Timeout: time.Minute}, func(ctx context.Context, addr string, tail func() string) error {
		// uvicorn with one worker says it is ready (its lifespan) before
		// it binds: a refused connection is tried again for a while.
		var before float64
		var err error
		for wait := time.Now().Add(5 * time.Second); ; {
			before, err = cpuTime(ctx, addr)
			if err == nil || !errors.Is(err, syscall.ECONNREFUSED) || time.Now().After(wait) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if err != nil {
			return fmt.Errorf("the server's CPU time: %w%s", err, tail())
		}
		res, err := Drive(ctx, addr, reqs, LoadOptions{})
		if err != nil {
			return err
		}
		if res.Errors > 0 {
			return fmt.Errorf("%d of %d requests that do nothing failed: %s%s", res.Errors, len(reqs), res.FirstErr, tail())
		}
		after, err := cpuTime(ctx, addr)
		if err != nil {
			return fmt.Errorf("the server's CPU time: %w%s", err, tail())
		}
		// From within the first GET /cpu to within the second: the
		// requests and about one GET /cpu.
		cost = int64((after - before) * 1e9 / float64(len(reqs)+1))
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("measuring what %s's server spends on a request: %w", d, err)
	}
	return max(cost, 0), nil
}

// cpuTime asks the server at addr for the CPU time of the process that
// answers, in seconds.
func cpuTime(ctx context.Context, addr string) (float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/cpu", nil)
	if err != nil {
		return 0, err
	}
	req.Close = true
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64))
	if err != nil {
		return 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET /cpu answered %s", resp.Status)
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(string(body)), 64)
	if err != nil {
		return 0, fmt.Errorf("GET /cpu answered %q", body)
	}
	return v, nil
}

// WithRequestCost returns wl with cost nanoseconds of Python work first in
// every request, what a server spends on each beyond its steps
// (RequestCost). A fixed duration draws nothing from the requests'
// random streams, so each request's other draws are unchanged.
func WithRequestCost(wl *workload.Workload, cost int64) *workload.Workload {
	if cost <= 0 {
		return wl
	}
	out := *wl
	out.Groups = make([]workload.Group, len(wl.Groups))
	for i, g := range wl.Groups {
		g.Steps = append([]workload.Step{{Kind: workload.Work, Dur: workload.Dist{Kind: workload.Fixed, A: cost}}}, g.Steps...)
		out.Groups[i] = g
	}
	return &out
}

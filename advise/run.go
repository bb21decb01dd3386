package advise

import (
	"context"
	"errors"
	"fmt"
	goruntime "runtime"
	"sync"

	"github.com/conclab/conclab/runtime"
	"github.com/conclab/conclab/sim"
)

// Setup is what every simulation of a sweep or an advice shares.
type Setup struct {
	Profile        runtime.Profile
	Cores          int   // ≥ 1
	SwitchInterval int64 // GIL switch interval, ns; ≥ 1
	// Workers is how many simulations run at once; 0 means
	// runtime.NumCPU(). It never changes the results, only how soon they
	// come.
	Workers int
	// Progress, when set, is called after each simulation finishes with
	// how many have finished and how many there are. Calls never overlap.
	Progress func(done, total int)
}

// runAll runs every config on a pool of s.Workers goroutines and returns
// the results in the order of cfgs. The first error stops the others.
func runAll(ctx context.Context, s Setup, cfgs []sim.Config) ([]*sim.Result, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	workers := s.Workers
	if workers <= 0 {
		workers = goruntime.NumCPU()
	}
	workers = max(1, min(workers, len(cfgs)))

	results := make([]*sim.Result, len(cfgs))
	errs := make([]error, len(cfgs))
	next := make(chan int)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		done int
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				cfg := cfgs[i]
				cfg.Context = ctx
				results[i], errs[i] = sim.Run(cfg)
				if errs[i] != nil {
					cancel()
					continue
				}
				mu.Lock()
				done++
				if s.Progress != nil {
					s.Progress(done, len(cfgs))
				}
				mu.Unlock()
			}
		}()
	}
feed:
	for i := range cfgs {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err := parent.Err(); err != nil {
		return nil, err
	}
	// The first real failure in config order; the others were cancelled
	// because of it.
	for i, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			return nil, fmt.Errorf("%s under %s: %w", cfgs[i].Workload.Name, cfgs[i].Deployment, err)
		}
	}
	return results, nil
}

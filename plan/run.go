package plan

import (
	"context"
	"errors"
	"fmt"
	goruntime "runtime"
	"runtime/debug"
	"sync"

	"github.com/conclab/conclab/sim"
)

// Batch is simulations for Run to run side by side.
type Batch struct {
	// Sims are the engine's configurations; each runs under Run's context.
	Sims []sim.Config
	// Workers is how many simulations run at once; 0 means GOMAXPROCS.
	// It never changes the results, only how soon they come (and how much
	// memory their sinks hold at once).
	Workers int
	// Progress, when set, is called after each simulation finishes with
	// how many have finished and how many there are. Calls never overlap.
	Progress func(done, total int)
	// Start, when set, is called in simulation i's goroutine just before
	// it runs; an error stops the batch as a failed simulation would.
	Start func(i int) error
}

// Run runs every simulation of b, at most b.Workers at once, and returns
// their results in the order of b.Sims. The first failure stops the
// others. When ctx ends before they all finished, Run returns ctx.Err();
// otherwise the
// failure of the first simulation in order that failed, as "NAME under
// MODEL: …". A panic in a simulation's goroutine is returned as a
// *sim.InternalError rather than ending the program.
func Run(ctx context.Context, b Batch) ([]*sim.Result, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	n := len(b.Sims)
	workers := b.Workers
	if workers <= 0 {
		workers = goruntime.GOMAXPROCS(0)
	}
	workers = max(1, min(workers, n))

	results := make([]*sim.Result, n)
	errs := make([]error, n)
	next := make(chan int)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		done int
	)
	one := func(i int) (err error) {
		defer func() {
			if v := recover(); v != nil {
				err = &sim.InternalError{Value: v, Stack: debug.Stack()}
			}
		}()
		if b.Start != nil {
			if err := b.Start(i); err != nil {
				return err
			}
		}
		cfg := b.Sims[i]
		res, err := sim.Run(ctx, cfg)
		if err != nil {
			return fmt.Errorf("%s under %s: %w", cfg.Workload.Name, cfg.Deployment, err)
		}
		results[i] = res
		if b.Progress != nil {
			mu.Lock()
			defer mu.Unlock()
			done++
			b.Progress(done, n)
		}
		return nil
	}
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if errs[i] = one(i); errs[i] != nil {
					cancel()
				}
			}
		}()
	}
feed:
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	complete := true
	for _, r := range results {
		complete = complete && r != nil
	}
	if complete {
		return results, nil // even if ctx ended as the last one finished
	}
	if err := parent.Err(); err != nil {
		return nil, err
	}
	// The first real failure in order; the others were cancelled because
	// of it.
	for _, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			return nil, err
		}
	}
	return nil, errors.Join(errs...)
}

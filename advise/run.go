package advise

import (
	"context"

	"github.com/conclab/conclab/plan"
	"github.com/conclab/conclab/runtime"
	"github.com/conclab/conclab/sim"
)

// Setup is what every simulation of a sweep or an advice shares.
type Setup struct {
	Profile        runtime.Profile
	Cores          int   // ≥ 1
	SwitchInterval int64 // GIL switch interval, ns; ≥ 1
	// Workers is how many simulations run at once; 0 means GOMAXPROCS.
	// It never changes the results, only how soon they come.
	Workers int
	// Progress, when set, is called after each simulation finishes with
	// how many have finished and how many there are. Calls never overlap.
	Progress func(done, total int)
}

// SetupOf is the setup of p's runtime, cores and switch interval.
func SetupOf(p *plan.Plan) Setup {
	return Setup{Profile: p.Profile, Cores: p.Cores, SwitchInterval: p.SwitchInterval}
}

// runAll runs every config side by side as s says (plan.Run) and returns
// the results in the order of cfgs. The first error stops the others.
func runAll(ctx context.Context, s Setup, cfgs []sim.Config) ([]*sim.Result, error) {
	return plan.Run(ctx, plan.Batch{Sims: cfgs, Workers: s.Workers, Progress: s.Progress})
}

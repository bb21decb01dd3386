package truth

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/conclab/conclab/plan"
	"github.com/conclab/conclab/workload"

	"github.com/conclab/conclab/internal/python"
	"github.com/conclab/conclab/internal/toolchain"
)

// WorkerStart is how long two worker processes of rt's exported program
// take, started side by side, to be up on this machine: the median makespan
// of runs (5 if runs < 1) of "2 x [work 1ms]" under processes(2), less the
// 1 ms of work, which is how the built-in profiles' process_spawn was
// measured. A profile's figure is its machine's, not the model's: on a VM
// whose host backs each page the first time it is touched (9.6 µs a page
// on the EPYC host of 2026-12-03), two worker JVMs were up after 196–245 ms
// where the java profile has 132 ms.
func WorkerStart(ctx context.Context, rt string, runs int) (int64, error) {
	if runs < 1 {
		runs = 5
	}
	wl, err := workload.ParseInline("2 x [work 1ms]")
	if err != nil {
		return 0, err
	}
	p, err := plan.New(wl, nil, plan.Overrides{Runtime: rt, Models: []string{"processes(2)"}})
	if err != nil {
		return 0, err
	}
	rep, err := Check(ctx, CheckConfig{Target: *p, Repeat: runs})
	if err != nil {
		return 0, err
	}
	return rep.Models[0].Measured.Result.Makespan - 1_000_000, nil
}

// measureBuilt runs a built Java or Go program once, as Measure runs a
// Python program (its own process group, killed on timeout, on ctx's end
// and once it is done), and reads what it printed.
func measureBuilt(ctx context.Context, b *toolchain.Built, timeout time.Duration) (*Measurement, error) {
	job, err := python.NewJob(b.Args[0], "conclab-verify-*")
	if err != nil {
		return nil, fmt.Errorf("starting the program: %w", err)
	}
	defer job.Close()
	runCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := job.Command(runCtx, b.Args[1:]...)
	var out bytes.Buffer
	errOut := &python.Tail{Max: 8 << 10}
	cmd.Stdout, cmd.Stderr = &out, errOut
	runErr := job.Run(cmd)
	switch {
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case runCtx.Err() != nil:
		return nil, fmt.Errorf("the program ran longer than %s and was stopped", timeout)
	case runErr != nil:
		return nil, fmt.Errorf("the program failed: %v%s", runErr, python.LastLine(errOut.Bytes()))
	}
	m, err := ParseMeasurement(out.Bytes())
	if err != nil {
		return nil, fmt.Errorf("%w%s", err, python.LastLine(errOut.Bytes()))
	}
	return m, nil
}

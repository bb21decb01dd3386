package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/conclab/conclab/advise"
)

type adviseOptions struct {
	runOptions
	p99    time.Duration
	memory string
}

func newAdviseCmd(s *streams) *cobra.Command {
	var o adviseOptions
	cmd := &cobra.Command{
		Use:   "advise FILE|NAME|-e INLINE [--p99 200ms] [--memory 2GiB]",
		Short: "Recommend a model and its size, with reasons from the simulation",
		Long: `Advise simulates the sensible deployments of a workload and recommends one,
with the runner-up, three reasons quantified from the simulation and a word on
where the tutorial's rule of thumb agrees and where the numbers overrule it:
for a server (a workload with arrivals) "Flask → sync + threads, FastAPI → async
endpoints, blocking libraries → threads, high traffic → asyncio, CPU →
multiprocessing"; for a batch job "I/O-bound work → threads or asyncio,
blocking libraries → threads, CPU → multiprocessing".

The candidates: sync; threads(N) for N = 2, 3, 4, 6, 8, 12, … up to twice the
requests in flight (Little's law) for an open workload, or for a batch up to
its tasks and 2 × cores ÷ the CPU share of a task; processes(N) up to the
cores and 2 × cores; asyncio, and "asyncio + to_thread" (every blocking wait
offloaded) when a task blocks; processes(P)*threads(T) and
processes(P)*asyncio for P up to the cores. Models the runtime cannot run are
left out. They run in parallel on all cores.

Overloaded candidates (open workloads whose queue grows without bound) and
those above --p99 or --memory (peak resident) are rejected. The rest are
ranked by p99 for an open workload, then throughput, then resident and
reserved memory; a batch by makespan, then memory. p99s or makespans within
5 % of each other count as equal, so a runner-up can be a little faster than
the recommendation (the reasons then say by how much, and what decided).
Exit status 1 when no candidate is left.`,
		Example: `  conclab advise server.yaml
  conclab advise server.yaml --p99 200ms --memory 2GiB --cores 4
  conclab advise seed-blocking --format json | jq .reasons`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkCommonFlags(cmd, &o.runOptions, args); err != nil {
				return err
			}
			if cmd.Flags().Changed("p99") && o.p99 <= 0 {
				return fmt.Errorf("--p99 %s: want a positive duration such as 200ms", o.p99)
			}
			return runAdvise(cmd.Context(), s, &o, args)
		},
	}
	cmd.Flags().DurationVar(&o.p99, "p99", 0, "reject candidates whose p99 latency is above this, e.g. 200ms")
	cmd.Flags().StringVar(&o.memory, "memory", "", "reject candidates whose peak resident memory is above this, e.g. 2GiB")
	addCommonFlags(cmd, &o.runOptions, "text or json")
	return cmd
}

func runAdvise(ctx context.Context, s *streams, o *adviseOptions, args []string) error {
	if o.format != "text" && o.format != "json" {
		return fmt.Errorf("invalid --format %q (want text or json)", o.format)
	}
	c := advise.Constraints{P99: int64(o.p99)}
	if o.memory != "" {
		n, err := advise.ParseBytes(o.memory)
		if err != nil {
			return fmt.Errorf("--memory %s: %w", o.memory, err)
		}
		c.Memory = n
	}
	p, err := loadForAdvise(ctx, s, &o.runOptions, args)
	if err != nil {
		return err
	}
	setup := advise.SetupOf(p)
	setup.Progress = s.progress("advise", "candidates")
	a, err := advise.Advise(ctx, p.Workload, c, setup)
	if err != nil {
		return fail(err)
	}
	var buf bytes.Buffer
	if o.format == "json" {
		err = a.WriteJSON(&buf)
	} else {
		err = a.WriteText(&buf, s.textOptions(toFile(o.output), o.width).Width)
	}
	if err != nil {
		return fail(err)
	}
	err = s.emit(ctx, o.output, buf.Bytes(), o.inputs(args)...)
	if err == nil && a.Recommendation() == nil {
		return fail(errors.New("advise: no candidate meets the bounds (see the table)"))
	}
	return err
}

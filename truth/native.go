package truth

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/conclab/conclab/internal/python"
	"github.com/conclab/conclab/internal/toolchain"
)

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

package model

import (
	"fmt"
	"strconv"
	"strings"
)

// String returns the normalised label of d, the text Parse accepts back:
// sync, threads, threads(4), threads(4, fanout=8), asyncio,
// asyncio(limit=10), asyncio(limit=10, executor=4, eager), processes(2),
// processes(2, start=spawn), processes(2)*threads(8), processes(4)*asyncio.
// Defaults (no limit, the default executor, no fanout pool, lazy tasks,
// fork) are left out.
func (d Deployment) String() string {
	var b strings.Builder
	d.label(&b)
	return b.String()
}

func (d Deployment) label(b *strings.Builder) {
	switch d.Kind {
	case Sync:
		b.WriteString("sync")
	case ThreadPerTask:
		b.WriteString("threads")
	case ThreadPool:
		b.WriteString("threads(")
		b.WriteString(strconv.Itoa(d.Threads))
		if d.Fanout > 0 {
			b.WriteString(", fanout=")
			b.WriteString(strconv.Itoa(d.Fanout))
		}
		b.WriteString(")")
	case Asyncio:
		b.WriteString("asyncio")
		var args []string
		if d.Limit > 0 {
			args = append(args, "limit="+strconv.Itoa(d.Limit))
		}
		if d.Executor > 0 {
			args = append(args, "executor="+strconv.Itoa(d.Executor))
		}
		if d.Eager {
			args = append(args, "eager")
		}
		if len(args) > 0 {
			b.WriteString("(" + strings.Join(args, ", ") + ")")
		}
	case Processes:
		b.WriteString("processes(")
		b.WriteString(strconv.Itoa(d.Procs))
		if d.Start != Fork {
			b.WriteString(", start=" + d.Start.String())
		}
		b.WriteString(")")
		if d.Inner != nil {
			b.WriteString("*")
			d.Inner.label(b)
		}
	default:
		fmt.Fprintf(b, "model(kind=%d)", d.Kind)
	}
}

// UsesAsyncio reports whether d runs an event loop: asyncio, or processes
// with an event loop in each.
func (d Deployment) UsesAsyncio() bool {
	return d.Kind == Asyncio || d.Kind == Processes && d.Inner != nil && d.Inner.Kind == Asyncio
}

// UsesEager reports whether d runs an event loop with the eager task
// factory, alone or in each worker process.
func (d Deployment) UsesEager() bool {
	return d.Kind == Asyncio && d.Eager || d.Kind == Processes && d.Inner != nil && d.Inner.Kind == Asyncio && d.Inner.Eager
}

// UsesProcesses reports whether d runs worker processes.
func (d Deployment) UsesProcesses() bool {
	return d.Kind == Processes
}

// Check reports whether runtime runtimeName can run d: asyncioOK says it
// has asyncio, processesOK that it has worker processes. The error names the
// models the runtime does run.
func Check(d Deployment, runtimeName string, asyncioOK, processesOK bool) error {
	if (!d.UsesAsyncio() || asyncioOK) && (!d.UsesProcesses() || processesOK) {
		return nil
	}
	runs := []string{"sync", "threads", "threads(N)"}
	if asyncioOK {
		runs = append(runs, "asyncio", "asyncio(limit=K, executor=E)")
	}
	if processesOK {
		runs = append(runs, "processes(N)", "processes(P)*threads(T)")
		if asyncioOK {
			runs = append(runs, "processes(P)*asyncio")
		}
	}
	return fmt.Errorf("model %q is not available on runtime %s (it runs %s)", d.String(), runtimeName, strings.Join(runs, ", "))
}

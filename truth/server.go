package truth

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/workload"

	"github.com/conclab/conclab/internal/jsonout"
)

// ServerKind says which real server ExportServer's program runs for d,
// standard library only; NewServer runs that program unless gunicorn or
// uvicorn serves d (Server.Kind says which ran).
func ServerKind(d model.Deployment) string {
	inner := d
	prefix := ""
	if d.Kind == model.Processes {
		prefix = fmt.Sprintf("%d forked worker processes sharing one listening socket, each ", d.Procs)
		inner = model.Deployment{Kind: model.Sync}
		if d.Inner != nil {
			inner = *d.Inner
		}
	}
	var s string
	switch inner.Kind {
	case model.Sync:
		s = "http.server.HTTPServer (one request at a time)"
	case model.ThreadPerTask:
		s = "http.server.ThreadingHTTPServer (a thread per request)"
	case model.ThreadPool:
		s = fmt.Sprintf("http.server.HTTPServer handing requests to a ThreadPoolExecutor(%d)", inner.Threads)
	case model.Asyncio:
		s = "asyncio.start_server with a minimal HTTP/1.1 reader"
		if inner.Limit > 0 {
			s += fmt.Sprintf(", asyncio.Semaphore(%d)", inner.Limit)
		}
	}
	return prefix + s
}

// ExportServer writes a Python 3.8+ program (standard library only) that
// serves the requests of an open workload under d: it listens on
// 127.0.0.1 (on the port given as its first argument, else a free one),
// prints the port on stdout's first line once it accepts, and answers
// GET /r/<i> by performing request i's steps (reqs[i], as Requests drew
// them) and then 200. The requests are data (JSON), never code. It serves
// until it is killed. processes(N) and its composites fork N workers after
// the bind, whatever the model's start method.
func ExportServer(w io.Writer, wl *workload.Workload, d model.Deployment, reqs []Request, opt ExportOptions) error {
	_, inner := splitDeployment(d)
	var serve string
	switch inner.Kind {
	case model.Sync:
		serve = pySyncServe
	case model.ThreadPerTask:
		serve = pyThreadsServe
	case model.ThreadPool:
		serve = pyPoolServe
	case model.Asyncio:
		serve = pyLoopServe
	default:
		return fmt.Errorf("no server for model %s", d)
	}
	var b bytes.Buffer
	if err := writeServerHead(&b, wl, d, reqs, opt, ServerKind(d), "Written by conclab verify; GET /r/<i> performs request i's steps."); err != nil {
		return err
	}
	b.WriteString(pyServerCommon)
	b.WriteString(serve)
	b.WriteString(pyServerMain)
	_, err := w.Write(b.Bytes())
	return err
}

// splitDeployment returns d's worker processes (0: none) and the model
// each of them runs.
func splitDeployment(d model.Deployment) (procs int, inner model.Deployment) {
	if d.Kind != model.Processes {
		return 0, d
	}
	inner = model.Deployment{Kind: model.Sync}
	if d.Inner != nil {
		inner = *d.Inner
	}
	return d.Procs, inner
}

// writeServerHead writes what every server program and app module starts
// with: a docstring saying kind and what, the imports, the requests as data
// and the settings.
func writeServerHead(b *bytes.Buffer, wl *workload.Workload, d model.Deployment, reqs []Request, opt ExportOptions, kind, what string) error {
	cores, si := opt.settings(wl)
	procs, inner := splitDeployment(d)

	b.WriteString("#!/usr/bin/env python3\n")
	b.WriteString(`"""A conclab server: ` + pyEscape(wl.Name, '"', false) + ` under ` + d.String() + `.

` + pyEscape(kind, '"', false) + `.
` + what + `
"""
`)
	b.WriteString(pyServerImports)

	var js bytes.Buffer
	js.WriteString("[")
	for i, r := range reqs {
		line, err := jsonout.Marshal(stepsData(r.Steps))
		if err != nil {
			return err
		}
		js.WriteString("\n")
		js.Write(line)
		if i < len(reqs)-1 {
			js.WriteString(",")
		}
	}
	js.WriteString("\n]")
	b.WriteString(`# The requests, as data: request i's steps, [kind, seconds] or
# [kind, seconds, "thread" | "process"] for a step an event loop offloads
# ("thread+": on the executor call of the step before);
# ["use", resource, steps], ["gather", [steps, ...]] (one list per branch)
# and ["choose", alternative, steps] (the alternative drawn).
REQUESTS = json.loads('''`)
	b.WriteString(pyEscape(js.String(), '\'', true))
	b.WriteString("''')\n\n")

	set := func(name, value, why string) {
		fmt.Fprintf(b, "%-16s = %-10s # %s\n", name, value, why)
	}
	set("SWITCH_INTERVAL", strconv.FormatFloat(float64(si)/1e9, 'g', -1, 64), "the GIL's switch interval")
	work := false
	for _, r := range reqs {
		work = work || hasWork([]Task{{Steps: r.Steps}})
	}
	setWork(set, opt, work, true)
	set("PROCESSES", strconv.Itoa(procs), "worker processes (0: serve in this one)")
	set("THREADS", strconv.Itoa(max(inner.Threads, 1)), "threads(N): the pool's size")
	limit := "None"
	if inner.Limit > 0 {
		limit = strconv.Itoa(inner.Limit)
	}
	exec := inner.ExecutorThreads(cores)
	set("LIMIT", limit, "asyncio: requests in flight per loop (None: no limit)")
	set("EXECUTOR", strconv.Itoa(exec), "asyncio: threads for steps offloaded to a thread")
	set("CORES", strconv.Itoa(cores), "asyncio: processes for steps offloaded to a process")
	set("FANOUT_THREADS", strconv.Itoa(inner.Fanout), "threads(N, fanout=M): the second pool's size (0: a gather's branches go to the pool)")
	var res []string
	for _, r := range wl.Resources {
		res = append(res, fmt.Sprintf("(%d, %s)", r.Capacity, pyBool(r.Scope == workload.ScopeGlobal)))
	}
	b.WriteString("# The resources, in the workload's order: (capacity, scope global).\n")
	b.WriteString("RESOURCES = [" + strings.Join(res, ", ") + "]\n\n\n")
	return nil
}

// pyBool is Python's spelling of v.
func pyBool(v bool) string {
	if v {
		return "True"
	}
	return "False"
}

// ServerOptions are how CheckServer runs a server and loads it.
type ServerOptions struct {
	Load    LoadOptions
	Timeout time.Duration // the whole check, start-up included; 0: 2 min
	Env     []string      // added to the server's environment
}

// CheckServer runs an exported server (ExportServer's program) with
// the interpreter py in a process group that ends with conclab, waits for the port it prints
// (after its listen, so it accepts), drives reqs against it with Drive and
// kills the whole group, on success, on error, on timeout and when ctx ends
// alike; it returns once no process of the group is left (or after a few
// seconds of trying). It is Server.Check for a Stdlib server.
func CheckServer(ctx context.Context, py string, program []byte, reqs []Request, opt ServerOptions) (*LoadResult, error) {
	s := &Server{Runner: Stdlib, Program: program}
	return s.Check(ctx, py, reqs, opt)
}

// timeoutErr is ctx's error when ctx ended, else a timeout while doing what.
func timeoutErr(ctx context.Context, timeout time.Duration, what string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return fmt.Errorf("%s: the check ran longer than %s and was stopped", what, timeout)
}

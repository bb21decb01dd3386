package truth

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/conclab/conclab/internal/python"
	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/workload"
)

// Runner is what serves a real server's program.
type Runner uint8

const (
	// Stdlib runs ExportServer's program, standard library only.
	Stdlib Runner = iota
	// Gunicorn runs a WSGI app module with python -m gunicorn, sync
	// workers for processes(P) and gthread workers for
	// processes(P)*threads(T).
	Gunicorn
	// Uvicorn runs an ASGI app module with python -m uvicorn --workers P
	// on the asyncio loop, for processes(P)*asyncio.
	Uvicorn
)

// String is "stdlib", "gunicorn" or "uvicorn".
func (r Runner) String() string {
	switch r {
	case Gunicorn:
		return "gunicorn"
	case Uvicorn:
		return "uvicorn"
	}
	return "stdlib"
}

// AppModule is the name of the module a Gunicorn or Uvicorn server
// imports, written into the server's directory as AppModule + ".py".
const AppModule = "conclab_server"

// Available is which third-party servers a python can import: each one's
// version, "" when it cannot.
type Available struct {
	Gunicorn string
	Uvicorn  string
}

// pyDetect prints "name version" (version empty when the import fails) for
// gunicorn and uvicorn.
const pyDetect = `import importlib
for name in ("gunicorn", "uvicorn"):
    try:
        print(name, getattr(importlib.import_module(name), "__version__", "?"))
    except Exception:
        print(name, "")
`

// DetectServers asks the interpreter py which of gunicorn and uvicorn it
// can import. The error is py's, when it could not run.
func DetectServers(ctx context.Context, py string) (Available, error) {
	out, err := python.Eval(ctx, py, pyDetect)
	if err != nil {
		return Available{}, fmt.Errorf("%s: %w", py, err)
	}
	var av Available
	for _, line := range strings.Split(string(out), "\n") {
		name, version, _ := strings.Cut(strings.TrimSpace(line), " ")
		switch name {
		case "gunicorn":
			av.Gunicorn = version
		case "uvicorn":
			av.Uvicorn = version
		}
	}
	return av, nil
}

// Server is a real server for an open workload: the program python runs
// and how it runs it.
type Server struct {
	Runner  Runner
	Kind    string // what runs, in words (ServerKind's text for Stdlib)
	Program []byte // ExportServer's program (Stdlib) or the app module
	Workers int    // Gunicorn, Uvicorn: the worker processes
	Threads int    // Gunicorn: threads per gthread worker; 0: sync workers
}

// NewServer chooses the server for d and writes its program. With av
// saying gunicorn can be imported, processes(P) runs on gunicorn's sync
// workers (-w P) and processes(P)*threads(T) on its gthread workers (-k
// gthread -w P --threads T), a WSGI app; with uvicorn,
// processes(P)*asyncio (with or without a limit) runs on uvicorn --workers
// P, an ASGI app whose lifespan sets each worker's loop up as the asyncio
// server does. Every other model, and these when the server is missing,
// runs on ExportServer's standard-library program. The apps perform the
// steps exactly as that program does, the requests as data (JSON). So do
// their resources and gathers, except two that only the standard library's
// server runs as the simulation does: a resource of scope global (the
// worker processes must share it, and gunicorn and uvicorn fork theirs
// before the app could make it) and a gather under gunicorn's gthread
// workers without a second pool (its branches must go to the pool that
// runs the requests, which gunicorn keeps to itself).
func NewServer(wl *workload.Workload, d model.Deployment, reqs []Request, opt ExportOptions, av Available) (*Server, error) {
	procs, inner := splitDeployment(d)
	s := &Server{Runner: Stdlib, Workers: procs}
	global := slices.ContainsFunc(wl.Resources, func(r workload.Resource) bool { return r.Scope == workload.ScopeGlobal })
	gather := slices.Contains(wl.Shapes(), "gather")
	if procs > 0 && !global && !(gather && inner.Kind == model.ThreadPool && inner.Fanout == 0) {
		switch {
		case inner.Kind == model.Sync && av.Gunicorn != "":
			s.Runner = Gunicorn
			s.Kind = fmt.Sprintf("gunicorn %s, %d sync workers (python -m gunicorn -w %d), a WSGI app", av.Gunicorn, procs, procs)
		case inner.Kind == model.ThreadPool && av.Gunicorn != "":
			s.Runner, s.Threads = Gunicorn, max(inner.Threads, 1)
			s.Kind = fmt.Sprintf("gunicorn %s, %d gthread workers of %d threads (python -m gunicorn -k gthread -w %d --threads %d), a WSGI app",
				av.Gunicorn, procs, s.Threads, procs, s.Threads)
		case inner.Kind == model.Asyncio && av.Uvicorn != "":
			s.Runner = Uvicorn
			s.Kind = fmt.Sprintf("uvicorn %s, %d worker processes on the asyncio loop (python -m uvicorn --workers %d --loop asyncio), an ASGI app",
				av.Uvicorn, procs, procs)
			if inner.Limit > 0 {
				s.Kind += fmt.Sprintf(", asyncio.Semaphore(%d) per worker", inner.Limit)
			}
		}
	}
	var b bytes.Buffer
	switch s.Runner {
	case Stdlib:
		s.Kind = ServerKind(d)
		if err := ExportServer(&b, wl, d, reqs, opt); err != nil {
			return nil, err
		}
	case Gunicorn:
		if err := writeServerHead(&b, wl, d, reqs, opt, s.Kind, "Written by conclab verify: a WSGI app; GET /r/<i> performs request i's steps."); err != nil {
			return nil, err
		}
		b.WriteString(pySteps)
		b.WriteString(pyWSGIApp)
	case Uvicorn:
		if err := writeServerHead(&b, wl, d, reqs, opt, s.Kind, "Written by conclab verify: an ASGI app; GET /r/<i> performs request i's steps."); err != nil {
			return nil, err
		}
		b.WriteString(pySteps)
		b.WriteString(pyASGIApp)
	}
	s.Program = b.Bytes()
	return s, nil
}

// args are python's arguments for s listening on 127.0.0.1:port, with
// file the program's path (Stdlib) and timeout the check's.
func (s *Server) args(file, port string, timeout time.Duration) []string {
	app := AppModule + ":app"
	switch s.Runner {
	case Gunicorn:
		a := []string{"-m", "gunicorn", "--bind", net.JoinHostPort("127.0.0.1", port),
			"--workers", strconv.Itoa(s.Workers), "--backlog", "1024", "--log-level", "warning",
			// A worker busy with one request for longer than the check is
			// never taken for a hung one.
			"--timeout", strconv.Itoa(int(timeout/time.Second) + 60)}
		if s.Threads > 0 {
			a = append(a, "--worker-class", "gthread", "--threads", strconv.Itoa(s.Threads))
		} else {
			a = append(a, "--worker-class", "sync")
		}
		return append(a, app)
	case Uvicorn:
		return []string{"-m", "uvicorn", "--host", "127.0.0.1", "--port", port,
			"--workers", strconv.Itoa(s.Workers), "--loop", "asyncio", "--lifespan", "on",
			"--backlog", "1024", "--no-access-log", "--log-level", "warning", app}
	}
	return []string{file}
}

// Check runs s with python in a process group that ends with conclab,
// even after kill -9 (see internal/child), waits until it accepts (a
// Stdlib program prints its port; on gunicorn and uvicorn, on a free port
// of 127.0.0.1 chosen here, each worker prints a line once it is up),
// drives reqs against it with Drive and kills the whole group, on success,
// on error, on timeout and when ctx ends alike; it returns once no process
// of the group is left (or after a few seconds of trying).
func (s *Server) Check(ctx context.Context, py string, reqs []Request, opt ServerOptions) (*LoadResult, error) {
	var res *LoadResult
	err := s.serve(ctx, py, opt, func(ctx context.Context, addr string, tail func() string) error {
		var err error
		if res, err = Drive(ctx, addr, reqs, opt.Load); err != nil {
			return err
		}
		if res.Errors > 0 {
			res.FirstErr += tail()
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// serve runs s with py as Check does and calls f with the address it
// accepts on once it is ready, then stops it; tail is the end of what it
// printed on stderr, for an error's message. A timeout or cancellation
// while f runs is the check's.
func (s *Server) serve(ctx context.Context, py string, opt ServerOptions, f func(ctx context.Context, addr string, tail func() string) error) error {
	if opt.Timeout <= 0 {
		opt.Timeout = 2 * time.Minute
	}
	job, err := python.NewJob(py, "conclab-server-*")
	if err != nil {
		return fmt.Errorf("starting the server: %w", err)
	}
	defer job.Close()
	name := "server.py"
	if s.Runner != Stdlib {
		name = AppModule + ".py"
	}
	file, err := job.Write(name, s.Program)
	if err != nil {
		return err
	}
	port, need := "", 1
	if s.Runner != Stdlib {
		if port, err = freePort(); err != nil {
			return err
		}
		need = max(s.Workers, 1)
	}

	runCtx, cancel := context.WithTimeout(ctx, opt.Timeout)
	defer cancel()
	cmd := job.Command(runCtx, s.args(file, port, opt.Timeout)...)
	// GUNICORN_CMD_ARGS from the caller's environment would add options.
	cmd.Env = append(append(os.Environ(), "GUNICORN_CMD_ARGS="), opt.Env...)
	errOut := &python.Tail{Max: 8 << 10}
	cmd.Stderr = errOut
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := job.Start(cmd); err != nil {
		return fmt.Errorf("starting the server: %w", err)
	}
	defer func() {
		job.Kill()
		cmd.Wait() // before job.Close, which waits until the group is empty
	}()

	// The first line (Stdlib) or the workers' "ready" lines, then whatever
	// else it prints until it ends.
	lines := make(chan string, need)
	go func() {
		defer close(lines)
		br := bufio.NewReader(stdout)
		for n := 0; n < need; {
			line, err := br.ReadString('\n')
			if line = strings.TrimSpace(line); s.Runner == Stdlib || strings.HasPrefix(line, "ready ") {
				lines <- line
				n++
			}
			if err != nil {
				return
			}
		}
		io.Copy(io.Discard, br)
	}()
	for n := 0; n < need; n++ {
		select {
		case line, ok := <-lines:
			if !ok || line == "" {
				return fmt.Errorf("the %s server ended before it accepted%s", s.Runner, python.LastLine(errOut.Bytes()))
			}
			if s.Runner == Stdlib {
				port = line
			}
		case <-runCtx.Done():
			return timeoutErr(ctx, opt.Timeout, "waiting for the server to accept")
		}
	}
	if n, err := strconv.Atoi(port); err != nil || n <= 0 || n > 65535 {
		return fmt.Errorf("the server printed %q, not its port%s", port, python.LastLine(errOut.Bytes()))
	}
	addr := net.JoinHostPort("127.0.0.1", port)
	err = f(runCtx, addr, func() string { return python.LastLine(errOut.Bytes()) })
	if err != nil && (errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)) {
		return timeoutErr(ctx, opt.Timeout, "loading the server")
	}
	return err
}

// freePort is a port of 127.0.0.1 that no one listened on a moment ago.
func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	_, port, err := net.SplitHostPort(l.Addr().String())
	return port, err
}

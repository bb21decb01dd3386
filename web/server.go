package web

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log"
	"mime"
	"net"
	"net/http"
	"path/filepath"
	goruntime "runtime"
	"strconv"
	"strings"
	"time"

	"github.com/conclab/conclab/examples"
	"github.com/conclab/conclab/report"
	"github.com/conclab/conclab/runtime"
	"github.com/conclab/conclab/sim"
	"github.com/conclab/conclab/workload"

	"github.com/conclab/conclab/internal/jsonout"
)

//go:embed assets
var assets embed.FS

// Assets returns the page's embedded files: index.html and what it loads.
func Assets() fs.FS {
	sub, err := fs.Sub(assets, "assets")
	if err != nil {
		panic(err) // "assets" is a valid path
	}
	return sub
}

// Options configures the handler.
type Options struct {
	// Log, when set, receives one line per request that failed on the
	// server's side (a 5xx).
	Log *log.Logger
}

type server struct {
	opt  Options
	sem  chan struct{} // requests parsed and simulated at once
	page []byte
	// hook, set only by tests, is called at the named points of a run:
	// "run" as its handler starts, "simulate" in each model's goroutine.
	hook func(point string)
}

// Handler returns the page, its assets and the API:
//
//	GET  /                     the page
//	GET  /assets/…             its style sheet and script
//	GET  /api/examples         [{"name", "about"}…]
//	GET  /api/examples/{name}  {"name", "about", "yaml", "models", "runtime", "cores"}
//	GET  /api/runtimes         ["cpython", …]
//	GET  /api/states           [{"name", "fill", "stroke", "text", "words", "words_gil"}…]: the
//	                           states as the pictures draw them (report.StateStyles)
//	GET  /api/columns          [{"head", "meaning"}…]: the summary table's columns (report.Columns)
//	POST /api/run              a RunRequest as JSON (Content-Type application/json),
//	                           or the YAML alone (application/yaml; ?model=…&runtime=…&cores=…&spans=1);
//	                           with "format" (?format=), a file of `conclab run --format`
//	POST /api/advise           an AdviseRequest as JSON: `conclab advise --format json`'s document
//	POST /api/sweep            a SweepRequest as JSON: `conclab sweep --format json`'s document,
//	                           with the plot (its SVG) and the knee in words
//	POST /api/whatif           a WhatifRequest as JSON: `conclab whatif --format json`'s document,
//	                           with the ranking's table and the causal profile (its SVG)
//
// It answers only requests to itself from its own page or from no page (a
// browser's other tabs must not drive it): a Host header other than the
// address it was reached at or a loopback name (localhost, 127.0.0.1,
// [::1]) with its port is refused with 421 (DNS rebinding), an Origin
// header other than http:// and such a host with 403, and a POST whose
// Content-Type is not one above (text/plain, or none) with 415.
//
// Errors are JSON: {"error": "...", "line": L, "col": C, "field": "...",
// "model": I} with 400 for bad input, 403, 404, 405, 413 beyond
// MaxBodyBytes, 415, 421, 422 for a simulation too big, 503 when busy
// beyond RunTimeout, and 500, "internal error: …, please report", for a
// bug: a panic in any goroutine of a request is answered so, and the
// server goes on.
func Handler(opt Options) http.Handler {
	return newHandler(opt, nil)
}

func newHandler(opt Options, hook func(point string)) http.Handler {
	page, err := assets.ReadFile("assets/index.html")
	if err != nil {
		panic(err) // embedded at build time
	}
	s := &server{opt: opt, sem: make(chan struct{}, max(1, min(goruntime.GOMAXPROCS(0), MaxRuns))), page: page, hook: hook}
	files := http.StripPrefix("/assets/", http.FileServerFS(Assets()))

	mux := http.NewServeMux()
	mux.HandleFunc("/{$}", s.only("GET", s.servePage))
	mux.Handle("/assets/", s.only("GET", files.ServeHTTP))
	mux.HandleFunc("/api/examples", s.only("GET", s.listExamples))
	mux.HandleFunc("/api/examples/{name}", s.only("GET", s.getExample))
	mux.HandleFunc("/api/runtimes", s.only("GET", func(w http.ResponseWriter, _ *http.Request) {
		writeValue(w, http.StatusOK, runtime.Names())
	}))
	mux.HandleFunc("/api/states", s.only("GET", func(w http.ResponseWriter, _ *http.Request) {
		writeValue(w, http.StatusOK, stateStyles())
	}))
	mux.HandleFunc("/api/columns", s.only("GET", func(w http.ResponseWriter, _ *http.Request) {
		writeValue(w, http.StatusOK, report.Columns())
	}))
	mux.HandleFunc("/api/run", s.only("POST", s.run))
	mux.HandleFunc("/api/advise", s.only("POST", s.advise))
	mux.HandleFunc("/api/sweep", s.only("POST", s.sweep))
	mux.HandleFunc("/api/whatif", s.only("POST", s.whatif))
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, &apiError{status: http.StatusNotFound, Msg: "no such API: " + r.URL.Path})
	})
	return secure(s.sameSite(s.recoverPanics(mux)))
}

// recoverPanics answers a panic in a handler with a 500 instead of
// net/http's dropped connection. The handlers write only once their answer
// is whole, so nothing has been written when one panics.
func (s *server) recoverPanics(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v) // net/http's way to end a reply on purpose
				}
				s.fail(w, r, caught(v))
			}
		}()
		h.ServeHTTP(w, r)
	})
}

// internalError is a panic caught in one of the server's goroutines: a
// bug of conclab's, not the request's.
type internalError struct {
	value any
	at    string // the function that panicked, and its file:line
}

func (e *internalError) Error() string { return fmt.Sprint(e.value) }

// caught makes the value of a panic being recovered an *internalError
// that says where it happened. Call it from the deferred function.
func caught(v any) *internalError {
	e := &internalError{value: v}
	pc := make([]uintptr, 64)
	frames := goruntime.CallersFrames(pc[:goruntime.Callers(2, pc)])
	// The frames below runtime.gopanic are the panic's site, past the
	// runtime's own (a nil dereference goes through sigpanic).
	panicking := false
	for {
		f, more := frames.Next()
		switch {
		case f.Function == "runtime.gopanic":
			panicking = true
		case panicking && !strings.HasPrefix(f.Function, "runtime."):
			e.at = fmt.Sprintf("%s (%s:%d)", f.Function, filepath.Base(f.File), f.Line)
			return e
		}
		if !more {
			return e
		}
	}
}

// secure sets headers that keep the page to its own origin: no script,
// style or image from anywhere else, and no framing.
func secure(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		h.ServeHTTP(w, r)
	})
}

// only answers 405 to any method but want (and HEAD for GET).
func (s *server) only(want string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method == want || want == "GET" && r.Method == "HEAD" {
			h(w, r)
			return
		}
		allow := want
		if want == "GET" {
			allow = "GET, HEAD"
		}
		w.Header().Set("Allow", allow)
		s.fail(w, r, &apiError{status: http.StatusMethodNotAllowed, Msg: fmt.Sprintf("method %s not allowed (want %s)", r.Method, want)})
	}
}

func (s *server) servePage(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(s.page)
}

type exampleInfo struct {
	Name  string `json:"name"`
	About string `json:"about"`
}

func (s *server) listExamples(w http.ResponseWriter, _ *http.Request) {
	list := examples.List()
	out := make([]exampleInfo, len(list))
	for i, e := range list {
		out[i] = exampleInfo{e.Name, e.About}
	}
	writeValue(w, http.StatusOK, out)
}

// exampleDoc is one example: its YAML and what the page pre-fills from it.
type exampleDoc struct {
	Name    string   `json:"name"`
	About   string   `json:"about"`
	YAML    string   `json:"yaml"`
	Models  []string `json:"models"`
	Runtime string   `json:"runtime"`
	Cores   int      `json:"cores,omitempty"`
}

func (s *server) getExample(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	data, ok := examples.Lookup(name)
	if !ok {
		s.fail(w, r, &apiError{status: http.StatusNotFound, Msg: fmt.Sprintf("no example %q (GET /api/examples lists them)", name)})
		return
	}
	doc := exampleDoc{Name: name, YAML: string(data), Models: []string{}}
	wl, err := workload.Parse("", data)
	if err != nil {
		s.fail(w, r, fmt.Errorf("example %s: %w", name, err))
		return
	}
	doc.About, doc.Runtime, doc.Cores = wl.About, wl.Runtime, wl.Cores
	for _, m := range wl.Models {
		doc.Models = append(doc.Models, m.Expr)
	}
	writeValue(w, http.StatusOK, doc)
}

// run answers POST /api/run.
func (s *server) run(w http.ResponseWriter, r *http.Request) {
	if s.hook != nil {
		s.hook("run")
	}
	req, err := readRequest(w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.inTurn(w, r, func(ctx context.Context) error {
		p, err := newRun(req)
		if err != nil {
			return err
		}
		p.hook = s.hook
		if req.Format != "" {
			f, err := p.file(ctx, req)
			if err != nil {
				return err
			}
			f.write(w)
			return nil
		}
		outs, err := p.simulate(ctx, req.Spans, nil)
		if err != nil {
			return err
		}
		body, err := runJSON(p, outs, req.Spans, !req.NoTasks)
		if err != nil {
			return err
		}
		writeBody(w, "application/json", body)
		return nil
	})
}

// inTurn answers a request that simulates: within RunTimeout, it waits
// for the request's turn (see turn), runs do, and answers do's error, if
// any, as fail does.
func (s *server) inTurn(w http.ResponseWriter, r *http.Request, do func(ctx context.Context) error) {
	ctx, cancel := context.WithTimeout(r.Context(), RunTimeout)
	defer cancel()
	release, err := s.turn(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer release()
	if err := do(ctx); err != nil {
		s.fail(w, r, err)
	}
}

// turn waits for the request's turn to parse and simulate, until ctx
// ends, and returns the function that ends it. The wait for a turn, the
// parse and the simulations share the request's time. Parsing takes
// memory in proportion to the text (the YAML library's tree: about 55 MB
// for MaxBodyBytes), so it waits its turn with the simulations.
func (s *server) turn(ctx context.Context) (func(), error) {
	select {
	case s.sem <- struct{}{}:
		return func() { <-s.sem }, nil
	case <-ctx.Done():
		return nil, &apiError{status: http.StatusServiceUnavailable, Msg: "busy: too many simulations at once; try again"}
	}
}

// writeBody writes a whole answer of the content type ct.
func writeBody(w http.ResponseWriter, ct string, body []byte) {
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", "no-store") // as every API answer: a run is not to be reused
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.Write(body)
}

// readRequest reads a run request: JSON (a RunRequest), or the YAML alone
// with its options in the query.
func readRequest(w http.ResponseWriter, r *http.Request) (*RunRequest, error) {
	yaml, err := yamlBody(r.Header.Get("Content-Type"))
	if err != nil {
		return nil, err
	}
	body, err := readBody(w, r)
	if err != nil {
		return nil, err
	}
	if !yaml {
		var req RunRequest
		if err := decodeJSON(body, &req, "a run request", `{"yaml": "...", "models": ["sync"], "spans": true}`); err != nil {
			return nil, err
		}
		return &req, nil
	}
	q := r.URL.Query()
	req := RunRequest{WorkloadRequest: WorkloadRequest{YAML: string(body), Runtime: q.Get("runtime"), Name: q.Get("name"),
		SwitchInterval: q.Get("switch_interval")}, Models: q["model"], Format: q.Get("format")}
	if c := q.Get("cores"); c != "" {
		n, err := strconv.Atoi(c)
		if err != nil {
			return nil, badRequest("cores", "cores %q: want a whole number", c)
		}
		req.Cores = n
	}
	req.Spans = q.Get("spans") == "1" || q.Get("spans") == "true"
	req.NoTasks = q.Get("no_tasks") == "1" || q.Get("no_tasks") == "true"
	return &req, nil
}

// readBody reads a request's body, at most MaxBodyBytes.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return nil, &apiError{status: http.StatusRequestEntityTooLarge, Field: "body",
				Msg: fmt.Sprintf("request body larger than %d KiB; a workload is a small YAML file", MaxBodyBytes>>10)}
		}
		return nil, badRequest("body", "reading the request: %v", err)
	}
	return body, nil
}

// decodeJSON reads body, one JSON object of the fields of v and no
// others, into v; what and example name and show the request for errors.
func decodeJSON(body []byte, v any, what, example string) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badRequest("body", "the request is not %s: %v (want JSON such as %s)", what, err, example)
	}
	if dec.More() {
		return badRequest("body", "the request has more than one JSON value")
	}
	return nil
}

// readJSON reads the body of a request that takes JSON only (advise,
// sweep) into v: its Content-Type must be application/json, for the
// reason yamlBody gives.
func readJSON(w http.ResponseWriter, r *http.Request, v any, what, example string) error {
	ct := r.Header.Get("Content-Type")
	refuse := func(format string, args ...any) error {
		return &apiError{status: http.StatusUnsupportedMediaType, Field: "body", Msg: fmt.Sprintf(format, args...) + ": send application/json (" + what + ")"}
	}
	if ct == "" {
		return refuse("no Content-Type")
	}
	if mt, _, err := mime.ParseMediaType(ct); err != nil {
		return refuse("Content-Type %q does not parse", ct)
	} else if mt != "application/json" {
		return refuse("Content-Type %q", mt)
	}
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	return decodeJSON(body, v, what, example)
}

// yamlBody tells from a run request's Content-Type whether its body is
// the YAML alone (else a RunRequest as JSON). It takes only types that a
// page elsewhere cannot make a browser send without a CORS preflight,
// which this server never grants: not text/plain, nor a body without a
// type, which browsers send freely.
func yamlBody(contentType string) (bool, error) {
	const want = "send application/json (a run request) or application/yaml (the workload alone)"
	refuse := func(format string, args ...any) (bool, error) {
		return false, &apiError{status: http.StatusUnsupportedMediaType, Field: "body", Msg: fmt.Sprintf(format, args...) + ": " + want}
	}
	if contentType == "" {
		return refuse("no Content-Type")
	}
	ct, _, err := mime.ParseMediaType(contentType)
	switch {
	case err != nil:
		return refuse("Content-Type %q does not parse", contentType)
	case ct == "application/json":
		return false, nil
	case ct == "application/yaml", ct == "application/x-yaml", ct == "text/yaml", ct == "text/x-yaml":
		return true, nil
	}
	return refuse("Content-Type %q", ct)
}

// fail writes err as a JSON error. Errors that are not the caller's fault
// are bugs: 500s, "internal error: …, please report", logged with where
// a panic happened.
func (s *server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apiError
	if !errors.As(err, &ae) {
		if errors.Is(err, context.Canceled) {
			return // the client went away
		}
		msg := "internal error: " + err.Error()
		if se := (*sim.InternalError)(nil); errors.As(err, &se) {
			msg = se.Error() // a broken rule of the engine says so itself
		}
		ae = &apiError{status: http.StatusInternalServerError, Msg: msg + ", please report"}
	}
	if s.opt.Log != nil && ae.status >= 500 {
		msg := ae.Msg
		if ie := (*internalError)(nil); errors.As(err, &ie) && ie.at != "" {
			msg += " (panic in " + ie.at + ")"
		}
		s.opt.Log.Printf("%s %s: %d %s", r.Method, r.URL.Path, ae.status, msg)
	}
	writeValue(w, ae.status, ae)
}

func writeValue(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	jsonout.Write(w, v)
}

// ShutdownGrace is how long Serve lets requests in flight finish once it
// is asked to stop: the longest a run may take, RunTimeout, and time to
// send its answer.
const ShutdownGrace = RunTimeout + 5*time.Second

// Serve serves h on ln until ctx is done, then shuts down gracefully: it
// stops accepting connections and gives requests in flight ShutdownGrace
// to finish, so each still gets its whole answer. It returns nil after
// such a shutdown, an error if requests were still running at its end.
func Serve(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      RunTimeout + 20*time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), ShutdownGrace)
	defer cancel()
	err := srv.Shutdown(sctx)
	if err != nil {
		srv.Close()
		err = fmt.Errorf("requests still running %s after the server was told to stop were cut off", ShutdownGrace)
	}
	if serr := <-done; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	return err
}

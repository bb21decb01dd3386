package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/conclab/conclab/internal/numfmt"
	"github.com/conclab/conclab/traces"
	"github.com/conclab/conclab/workload"
)

type importOptions struct {
	output  string
	service string
	routeBy string
	replay  bool
}

func newImportCmd(s *streams) *cobra.Command {
	var o importOptions
	cmd := &cobra.Command{
		Use:   "import FILE… [-o app.yaml] [--service NAME] [--route-by http.route|name] [--replay]",
		Short: "Turn production traces (OpenTelemetry OTLP/JSON, Jaeger JSON) into an open workload",
		Long: `Import reads trace exports and writes the open workload they show: each
request a server handled is a task released at its start.

It reads OTLP/JSON as the OpenTelemetry Collector's file exporter writes it
(one {"resourceSpans": …} document per line, or one whole document) and
Jaeger's JSON ({"data": [{"traceID", "spans", "processes"}]}), chosen by
content; gzipped files are read as such, and - is standard input.

The requests are the root spans of kind server (or, with --service, the
topmost server spans of that service; a trace that marks no server span
gives its root). A request's client, producer, database, HTTP and RPC
spans become waits in time order, calls that overlap a gather; internal
spans are walked through. Its own remaining time becomes work: an upper
bound on its CPU, as it includes the GIL and scheduling waits of the
deployment that was traced. Requests are grouped by route (http.route,
else the span's name; --route-by name: the span's name) into weighted
groups; a route whose requests take different paths (a cache hit and a
miss) becomes a choose among them, weighted as observed. Durations are
fitted to the workload's distributions (which fit, and how well, is in the
comments). The observed rate becomes the arrivals' rate, and the pattern
Poisson unless a test of the gaps rejects it; --replay keeps instead each
request as a task of its own at its exact time.

Files of any size stream: a trace becomes its requests once 262,144 spans
of other traces have come after its last span (a span later than that is
counted as one whose parent is missing), and each route keeps exact counts
and a sample of its requests (2,048 per path) to fit, so memory does not
grow with the file; --replay keeps every request.

The workload goes to -o (default: standard output), written only once all
is read; a summary goes to standard error. Problems that can be read past
(spans that end before they start, children that outlive their parent,
parents missing from the input) are counted and reported; input that is not
a trace export is an error that says where, with exit status 2.`,
		Example: `  conclab import traces.jsonl -o app.yaml && conclab advise app.yaml
  conclab import jaeger-export.json --service checkout -o checkout.yaml
  zcat old-traces.json.gz | conclab import - --route-by name`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.routeBy != "http.route" && o.routeBy != "name" {
				return fmt.Errorf("--route-by %q: want http.route or name", o.routeBy)
			}
			return runImport(cmd.Context(), s, &o, args)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.output, "output", "o", "", "write the workload to this file (only once all succeeded) instead of stdout")
	f.StringVar(&o.service, "service", "", "the service whose server spans are the requests (default: the root server spans)")
	f.StringVar(&o.routeBy, "route-by", "http.route", "what names a request's route: http.route (else the span's name) or name")
	f.BoolVar(&o.replay, "replay", false, "keep each request as a task at its exact arrival time instead of routes and a rate")
	return cmd
}

func runImport(ctx context.Context, s *streams, o *importOptions, files []string) error {
	rd := traces.NewReader(traces.Options{Service: o.service, RouteBy: o.routeBy})
	rd.KeepAll = o.replay
	rd.Progress = func(n int) { fmt.Fprintf(s.err, "import: %s spans read …\n", numfmt.Thousands(int64(n))) }
	if n := len(slices.DeleteFunc(slices.Clone(files), func(f string) bool { return f != "-" })); n > 1 {
		return fmt.Errorf("- (standard input) is given twice")
	}
	for _, name := range files {
		if err := ctx.Err(); err != nil {
			return fail(err)
		}
		var r io.Reader
		if name == "-" {
			r, name = s.in, "stdin"
		} else {
			f, err := os.Open(name)
			if err != nil {
				return fmt.Errorf("%s: %w", name, unwrapPath(err))
			}
			defer f.Close()
			r = f
		}
		if err := rd.Read(r, name); err != nil {
			return err
		}
	}
	agg := rd.Finish()
	if agg.N == 0 {
		what := "no span of kind server and no root span"
		if o.service != "" {
			what = fmt.Sprintf("no span of kind server of service %q", o.service)
		}
		return fmt.Errorf("%s: %s among %s: nothing to import", strings.Join(files, ", "), what,
			numfmt.Count(rd.Spans(), "span", "spans"))
	}
	name := "imported"
	if len(files) == 1 && files[0] != "-" {
		name = strings.TrimSuffix(filepath.Base(files[0]), filepath.Ext(files[0]))
		name = strings.TrimSuffix(strings.TrimSuffix(name, ".json"), ".jsonl")
	}
	data, sum, err := traces.Write(agg, traces.WriteOptions{Name: name, Sources: files, Replay: o.replay}, rd.Problems)
	if err != nil {
		return err
	}
	sum.Formats = rd.Formats
	// What import writes must be a workload conclab reads.
	if _, err := workload.Parse(name+".yaml", data); err != nil {
		return fail(fmt.Errorf("the workload imported does not read back (a bug in conclab import): %w", err))
	}
	if err := s.emit(ctx, o.output, data); err != nil {
		return err
	}
	next := "conclab advise FILE"
	if toFile(o.output) {
		next = "conclab advise " + o.output
	}
	fmt.Fprint(s.err, sum.Text(next))
	return nil
}

package main

import (
	"context"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/conclab/conclab/web"
)

func newServeCmd(s *streams) *cobra.Command {
	var addr string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the interactive page and its JSON API",
		Long: `Serve runs a web server with conclab's page: pick a built-in example or edit a
workload, choose models, runtime and cores, and see every model's timeline on
one time axis (or each on its own) to zoom, pan, hover and play through, the
summary table and the narration; ask for advice or a sweep; download the run
as run --format writes it; share it all as a link. Everything the page needs
is inside the binary; it works offline.

The JSON API:

  POST /api/run              {"yaml": "...", "models": ["sync"], "runtime": "cpython",
                              "cores": 2, "spans": true}  (or the YAML alone with
                              Content-Type: application/yaml)
                             → the document of "conclab run --format json", plus
                              each result's timeline and narration when spans is true;
                              with "format": "json", "html", "svg" or "trace", the file
                              of "conclab run --format"
  POST /api/advise           {"yaml": "...", "p99": "200ms", "memory": "2GiB"}
                             → the document of "conclab advise --format json"
  POST /api/sweep            {"yaml": "...", "model": "threads(1..64)"} or
                             {"yaml": "...", "model": "asyncio", "rate": "50..500/s"}
                             → the document of "conclab sweep --format json" and its plot
  GET  /api/examples         the built-in examples
  GET  /api/examples/NAME    one example's YAML and models

It listens on 127.0.0.1 (this machine only) unless --addr says otherwise,
and answers only its own page: POST /api/run takes application/json or
application/yaml, advise and sweep application/json only, and a request
from another site's page (its Origin) or for another host name (its Host)
is refused. On Ctrl-C or SIGTERM it stops
taking requests, lets the ones running finish (up to 15 s), and exits 0; a
second Ctrl-C stops it at once. It never runs Python.`,
		Example: `  conclab serve
  conclab serve --addr 127.0.0.1:9000
  curl -s localhost:8080/api/run -H 'Content-Type: application/yaml' --data-binary @work.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			// Once stopping, a second Ctrl-C ends it at once.
			context.AfterFunc(ctx, stop)
			return runServe(ctx, s, addr)
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "host:port to listen on")
	return cmd
}

// runServe listens on addr and serves the page until ctx is done.
func runServe(ctx context.Context, s *streams, addr string) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("--addr %s: %w", addr, err)
	}
	fmt.Fprintf(s.out, "conclab: serving on http://%s/ (Ctrl-C to stop)\n", ln.Addr())
	h := web.Handler(web.Options{Log: log.New(s.err, "conclab: ", 0)})
	context.AfterFunc(ctx, func() {
		fmt.Fprintf(s.err, "conclab: stopping; requests in flight have up to %s to finish (Ctrl-C again to stop now)\n", web.ShutdownGrace)
	})
	if err := web.Serve(ctx, ln, h); err != nil {
		return fail(err)
	}
	return nil
}

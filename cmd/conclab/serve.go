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
one time axis with a cursor to drag or play, the summary table and the
narration. Everything the page needs is inside the binary; it works offline.

The JSON API:

  POST /api/run              {"yaml": "...", "models": ["sync"], "runtime": "cpython",
                              "cores": 2, "spans": true}  (or the YAML alone with
                              Content-Type: application/yaml)
                             → the document of "conclab run --format json", plus
                              each result's timeline and narration when spans is true
  GET  /api/examples         the built-in examples
  GET  /api/examples/NAME    one example's YAML and models

It listens on 127.0.0.1 (this machine only) unless --addr says otherwise,
and stops cleanly on Ctrl-C or SIGTERM. It never runs Python.`,
		Example: `  conclab serve
  conclab serve --addr 127.0.0.1:9000
  curl -s localhost:8080/api/run -H 'Content-Type: application/yaml' --data-binary @work.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
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
	if err := web.Serve(ctx, ln, h); err != nil {
		return fail(err)
	}
	return nil
}

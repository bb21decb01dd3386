package main

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/conclab/conclab/internal/version"
)

// versionLine is what --version and the version command print: conclab's
// version (the one the JSON documents carry) and the Go that built it.
func versionLine() string {
	return fmt.Sprintf("conclab %s (%s, %s/%s)\n", version.String(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

func newVersionCmd(s *streams) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print conclab's version and the Go version that built it",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprint(s.out, versionLine())
			return err
		},
	}
}

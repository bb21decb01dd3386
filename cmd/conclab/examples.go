package main

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/conclab/conclab/examples"
)

func newExamplesCmd(s *streams) *cobra.Command {
	var width int
	cmd := &cobra.Command{
		Use:   "examples [NAME]",
		Short: "List the built-in scenarios, or print one",
		Long: `Examples lists the built-in scenarios, the tutorial's cases first. Each NAME works
wherever a workload FILE does ("conclab run seed-io"); with a NAME, examples
prints that scenario's YAML, a starting point for your own workload.`,
		Example: `  conclab examples
  conclab examples convoy
  conclab examples seed-io > my-workload.yaml`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkWidthFlag(cmd.Flags(), width); err != nil {
				return err
			}
			if len(args) == 1 {
				data, ok := examples.Lookup(args[0])
				if !ok {
					return fmt.Errorf("no built-in example %q (want one of %s)", args[0], exampleNames())
				}
				_, err := s.out.Write(data)
				return fail(err)
			}
			var b strings.Builder
			list := examples.List()
			wide := 0
			for _, ex := range list {
				wide = max(wide, utf8.RuneCountInString(ex.Name))
			}
			opt := s.textOptions(false, width)
			for _, ex := range list {
				// The about line wraps under itself, past the names.
				var about strings.Builder
				writeWrapped(&about, ex.About, max(opt.Width-wide-2, 20))
				for i, line := range strings.Split(strings.TrimSuffix(about.String(), "\n"), "\n") {
					name := ex.Name
					if i > 0 {
						name = ""
					}
					fmt.Fprintf(&b, "%-*s  %s\n", wide, name, line)
				}
			}
			b.WriteString("\n")
			if hint := "Run one with: conclab run NAME     Print its YAML with: conclab examples NAME"; utf8.RuneCountInString(hint) <= opt.Width {
				b.WriteString(hint + "\n")
			} else {
				b.WriteString("Run one: conclab run NAME\nIts YAML: conclab examples NAME\n")
			}
			_, err := s.out.Write([]byte(b.String()))
			return fail(err)
		},
	}
	addWidthFlag(cmd.Flags(), &width)
	return cmd
}

// exampleNames lists the examples' names for error messages.
func exampleNames() string {
	var names []string
	for _, ex := range examples.List() {
		names = append(names, ex.Name)
	}
	return strings.Join(names, ", ")
}

package main

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/conclab/conclab/examples"
	"github.com/conclab/conclab/runtime"
)

// modelCompletions are the models -m offers on TAB: each kind once, with
// a size where it needs one. The completion test parses each.
var modelCompletions = []string{
	"sync", "threads", "threads(8)", "asyncio", "processes(4)",
	"processes(4)*threads(8)", "processes(4)*asyncio",
}

// addCompletions teaches cobra's completion command (conclab completion
// bash|zsh|fish) what conclab's arguments and flags take: a workload is a
// file or the name of a built-in example, -m a model, --runtime a runtime.
func addCompletions(root *cobra.Command) {
	for _, c := range root.Commands() {
		switch c.Name() {
		case "run", "explain", "sweep", "advise", "export", "verify":
			c.ValidArgsFunction = completeWorkload(cobra.ShellCompDirectiveDefault) // files too
		case "examples":
			c.ValidArgsFunction = completeWorkload(cobra.ShellCompDirectiveNoFileComp)
		}
		// sweep's -m is a range, left to the user.
		if f := c.Flags().Lookup("model"); f != nil && f.Value.Type() == "stringArray" {
			c.RegisterFlagCompletionFunc("model", completeFrom(func() []string { return modelCompletions }))
		}
		if c.Flags().Lookup("runtime") != nil {
			c.RegisterFlagCompletionFunc("runtime", completeFrom(runtime.Names))
		}
	}
}

// completeWorkload completes the one workload argument with the names of
// the built-in examples; then directive says whether files are offered too.
func completeWorkload(directive cobra.ShellCompDirective) cobra.CompletionFunc {
	return func(_ *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []cobra.Completion
		for _, e := range examples.List() {
			if strings.HasPrefix(e.Name, toComplete) {
				out = append(out, cobra.CompletionWithDesc(e.Name, e.About))
			}
		}
		return out, directive
	}
}

// completeFrom completes a flag's value with the words that list returns.
func completeFrom(list func() []string) cobra.CompletionFunc {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		var out []cobra.Completion
		for _, w := range list() {
			if strings.HasPrefix(w, toComplete) {
				out = append(out, w)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

package main

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/conclab/conclab/report"
	"github.com/conclab/conclab/runtime"

	"github.com/conclab/conclab/internal/jsonout"
)

func newRuntimesCmd(s *streams) *cobra.Command {
	var format string
	var width int
	cmd := &cobra.Command{
		Use:   "runtimes [NAME]",
		Short: "List the built-in runtime profiles, or print one",
		Long: `Runtimes lists the built-in runtime profiles: whether each has a GIL, how much
slower it runs Python code, a few of its measured costs, and the command
that proves it on a machine like the one it was measured on. With a NAME it
prints that profile as YAML, every constant with where it comes from: a
starting point for a profile of your own (--profile FILE).`,
		Example: `  conclab runtimes
  conclab runtimes cpython-3.13t
  conclab run seed-cpu -m 'threads(2)' --runtime cpython-3.13 --runtime cpython-3.13t`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkWidthFlag(cmd.Flags(), width); err != nil {
				return err
			}
			if len(args) == 1 {
				p, err := runtime.Builtin(args[0])
				if err != nil {
					return err
				}
				data, err := p.YAML()
				if err != nil {
					return fail(err)
				}
				_, err = s.out.Write(data)
				return fail(err)
			}
			var b bytes.Buffer
			switch format {
			case "text":
				writeRuntimes(&b, s.textOptions(false, width).Width)
			case "json":
				if err := runtimesJSON(&b); err != nil {
					return fail(err)
				}
			default:
				return fmt.Errorf("invalid --format %q (want text or json)", format)
			}
			_, err := s.out.Write(b.Bytes())
			return fail(err)
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	addWidthFlag(cmd.Flags(), &width)
	return cmd
}

// runtimeRow is what the list says of one profile.
type runtimeRow struct {
	Name     string  `json:"name"`
	Alias    string  `json:"alias_of,omitempty"`
	Python   string  `json:"python,omitempty"`
	GIL      bool    `json:"gil"`
	Asyncio  bool    `json:"asyncio"`
	Slowdown float64 `json:"slowdown"`
	// A few costs, in seconds (resident memory in bytes).
	ThreadStartS float64 `json:"thread_start_s"`
	PoolTaskS    float64 `json:"pool_task_s"`
	TaskCreateS  float64 `json:"task_create_s,omitempty"`
	LoopResumeS  float64 `json:"loop_resume_s,omitempty"`
	ForkS        float64 `json:"process_fork_s"`
	ProcessRSS   int64   `json:"process_rss_bytes"`
	Verify       string  `json:"verify,omitempty"`
}

func runtimeRows() []runtimeRow {
	var rows []runtimeRow
	for _, name := range runtime.Names() {
		p, err := runtime.Builtin(name)
		if err != nil {
			panic(err) // every name is built in
		}
		rows = append(rows, runtimeRow{Name: name, Alias: runtime.AliasOf(name), Python: p.Python, GIL: p.GIL,
			Asyncio: p.Asyncio, Slowdown: p.Slowdown, ThreadStartS: sec(p.ThreadStart), PoolTaskS: sec(p.PoolSubmit + p.PoolTask),
			TaskCreateS: sec(p.TaskCreate), LoopResumeS: sec(p.LoopResume), ForkS: sec(p.ProcessFork),
			ProcessRSS: p.ProcessRSS, Verify: p.Verify})
	}
	return rows
}

// writeRuntimes writes the list as a table, then the command that proves
// each profile.
func writeRuntimes(b *bytes.Buffer, width int) {
	rows := [][]string{{"runtime", "GIL", "Python", "thread", "pool task", "task", "resume", "fork", "memory"}}
	dash := func(ns float64) string {
		if ns == 0 {
			return "–"
		}
		return report.Seconds(int64(ns * 1e9))
	}
	list := runtimeRows()
	var aliases []string
	for _, r := range list {
		if r.Alias != "" {
			aliases = append(aliases, r.Name+" is "+r.Alias)
			continue
		}
		gil := "none"
		if r.GIL {
			gil = "yes"
		}
		rows = append(rows, []string{r.Name, gil, strconv.FormatFloat(r.Slowdown, 'f', 2, 64) + "×",
			dash(r.ThreadStartS), dash(r.PoolTaskS), dash(r.TaskCreateS), dash(r.LoopResumeS), dash(r.ForkS),
			report.Bytes(r.ProcessRSS)})
	}
	writeColumns(b, rows, []bool{false, false, true, true, true, true, true, true, true}, width)
	b.WriteString("\n")
	writeWrapped(b, strings.Join(aliases, "; ")+". Python: how long a line of Python takes against CPython "+
		"with the GIL. thread: Thread.start(). pool task: ThreadPoolExecutor's submit and its worker's share, CPU. "+
		"task, resume: an asyncio task's creation and each resume, CPU. fork: a worker process's start. memory: "+
		"an idle interpreter's resident memory. Every figure, with its source: conclab runtimes NAME.", width)
	b.WriteString("\nProved by:\n")
	for _, r := range list {
		if r.Alias != "" {
			continue
		}
		v := r.Verify
		if v == "" {
			v = "nothing yet (no interpreter on the reference machine)"
		}
		fmt.Fprintf(b, "  %-14s %s\n", r.Name, v)
	}
}

func runtimesJSON(b *bytes.Buffer) error {
	return jsonout.WriteIndented(b, struct {
		Runtimes []runtimeRow `json:"runtimes"`
	}{runtimeRows()})
}

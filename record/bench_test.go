package record

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/conclab/conclab/examples"
	"github.com/conclab/conclab/internal/child"
)

// BenchmarkRecorderOverhead runs each program of the corpus plain and
// under the recorder, one after the other, and reports the recorder's
// share of the wall time (overhead-%, the bound is 10 %):
//
//	go test ./record -run '^$' -bench RecorderOverhead -benchtime 5x
//
// with python3, or the interpreter CONCLAB_BENCH_PYTHON names (on 3.12 and
// newer the recorder also watches the main program's calls).
func BenchmarkRecorderOverhead(b *testing.B) {
	name := "python3"
	if p := os.Getenv("CONCLAB_BENCH_PYTHON"); p != "" {
		name = p
	}
	py, err := exec.LookPath(name)
	if err != nil {
		b.Skipf("no %s", name)
	}
	exe, err := exec.Command(py, "-c", "import sys; print(sys.executable)").Output()
	if err != nil {
		b.Fatal(err)
	}
	python := strings.TrimSpace(string(exe))
	dir := b.TempDir()
	if err := os.CopyFS(dir, examples.Programs()); err != nil {
		b.Fatal(err)
	}
	g, err := child.NewGroup()
	if err != nil {
		b.Fatal(err)
	}
	defer g.Close()
	ctx := context.Background()
	addr, err := startServer(ctx, g, python, dir)
	if err != nil {
		b.Fatal(err)
	}
	env := append(os.Environ(), "CONCLAB_SERVER="+addr, "MALLOC_TRIM_THRESHOLD_=268435456")
	for _, job := range Jobs {
		for _, v := range Variants {
			prog := filepath.Join(dir, job+"_"+v+".py")
			b.Run(job+"_"+v, func(b *testing.B) {
				var plain, recorded time.Duration
				for range b.N {
					start := time.Now()
					if _, _, err := runPlain(ctx, g, python, prog, dir, env); err != nil {
						b.Fatal(err)
					}
					plain += time.Since(start)
					start = time.Now()
					_, status, err := Run(ctx, RunOptions{Python: python, Program: []string{prog}, Stdout: io.Discard, Stderr: io.Discard, Dir: dir, Env: env})
					if err != nil || status != 0 {
						b.Fatalf("status %d, %v", status, err)
					}
					recorded += time.Since(start)
				}
				b.ReportMetric(100*(float64(recorded)/float64(plain)-1), "overhead-%")
				b.ReportMetric(float64(plain.Milliseconds())/float64(b.N), "plain-ms/op")
			})
		}
	}
}

package record

import (
	"context"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/conclab/conclab/internal/machine"
	"github.com/conclab/conclab/internal/testtool"
	"github.com/conclab/conclab/truth"
	"github.com/conclab/conclab/workload"
)

// TestRecordGunicorn records a WSGI app under gunicorn (Debian's python3,
// gthread workers): the requests its forked workers served come back from
// each worker, as an open workload, with gunicorn's model, and its
// predicted p50 latency is the measured one within 15 % (p50Within).
func TestRecordGunicorn(t *testing.T) {
	const debian = "/usr/bin/python3"
	if exec.Command(debian, "-c", "import gunicorn").Run() != nil {
		testtool.Missing(t, "%s cannot import gunicorn (apt-get install gunicorn)", debian)
	}
	testtool.WallClock(t) // measures real CPython: one such test at a time
	dir := t.TempDir()
	app := spin + `
def app(environ, start_response):
    spin(2)
    time.sleep(0.01)
    body = b"ok"
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
`
	if err := os.WriteFile(filepath.Join(dir, "app.py"), []byte(app), 0o600); err != nil {
		t.Fatal(err)
	}
	p50Within(t, 0.15, func() p50Attempt {
		served := recordServedApp(t, debian, dir, func(host, port string) []string {
			return []string{"-m", "gunicorn", "-w", "2", "--threads", "2", "-b", host + ":" + port, "app:app"}
		}, 500*time.Millisecond)
		if len(served.rec.Children) != 2 {
			t.Errorf("%d workers' recordings, want 2", len(served.rec.Children))
		}
		wl, folded := foldServed(t, served.rec, "gunicorn app:app", "processes(2)*threads(2)")
		pred := predictFirst(t, wl, folded.YAML)
		return p50Attempt{pred: pred.Latency.P50, measured: served.load.P50, yaml: folded.YAML, busy: served.busy, usage: served.usage}
	})
}

// foldServed folds the recording of an app served by command under
// recordServedApp's load: 30 requests at 20/s, which must come back as an
// open workload of that rate (within 5 %) whose first model is want.
func foldServed(t *testing.T, rec *Recording, command, want string) (*workload.Workload, *Result) {
	t.Helper()
	folded, err := Fold(rec, Options{Command: command, Name: "app", Cores: 2})
	if err != nil {
		t.Fatal(err)
	}
	wl, err := workload.Parse("app.yaml", folded.YAML)
	if err != nil {
		t.Fatalf("%v\n%s", err, folded.YAML)
	}
	if wl.Arrivals == nil || wl.Arrivals.Count != 30 {
		t.Fatalf("want 30 requests as an open workload (%d workers' recordings):\n%s", len(rec.Children), folded.YAML)
	}
	if got := wl.Models[0].Expr; got != want {
		t.Errorf("first model %s, want %s\n%s", got, want, folded.YAML)
	}
	if d := wl.Arrivals.Rate/20 - 1; d > 0.05 || d < -0.05 {
		t.Errorf("recorded rate %.2f/s, sent 20/s", wl.Arrivals.Rate)
	}
	return wl, folded
}

// freeAddr is a loopback address with a port nothing listens on.
func freeAddr(t *testing.T) (host, port string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	host, port, _ = net.SplitHostPort(l.Addr().String())
	return host, port
}

// recordServedApp records the server program(host, port) names, run by
// python in dir: once it listens and warmup has passed (its workers up),
// 30 requests at 20/s from the load generator, then Ctrl-C, which stops
// its workers, each writing what it did.
func recordServedApp(t *testing.T, python, dir string, program func(host, port string) []string, warmup time.Duration) servedApp {
	t.Helper()
	host, port := freeAddr(t)
	addr := net.JoinHostPort(host, port)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type ran struct {
		rec    *Recording
		status int
		err    error
	}
	done := make(chan ran, 1)
	go func() {
		rec, status, err := Run(ctx, RunOptions{
			Python: python, Program: program(host, port),
			Stdout: io.Discard, Stderr: io.Discard, Dir: dir, Grace: 3 * time.Second,
		})
		done <- ran{rec, status, err}
	}()
	for start := time.Now(); ; time.Sleep(50 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		if time.Since(start) > 30*time.Second {
			cancel()
			<-done
			t.Fatalf("%v did not listen within 30 s", program(host, port))
		}
	}
	time.Sleep(warmup)
	load, _ := workload.Parse("load.yaml", []byte("arrivals: {rate: 20/s, pattern: uniform, count: 30}\ntasks:\n  - steps: [{wait: 1ms}]\n"))
	reqs, err := truth.Requests(load, 30)
	if err != nil {
		t.Fatal(err)
	}
	var res *truth.LoadResult
	busy, u := machine.BusyDuring(func() { res, err = truth.Drive(ctx, addr, reqs, truth.LoadOptions{}) })
	if err != nil || res.Errors > 0 {
		t.Fatalf("load: %v %+v", err, res)
	}
	cancel() // Ctrl-C
	r := <-done
	if r.err != nil {
		t.Fatalf("record: %v (status %d)", r.err, r.status)
	}
	return servedApp{rec: r.rec, load: res, busy: busy, usage: u}
}

// servedApp is what recordServedApp recorded and measured: the recording,
// what the load measured, and whether other processes used the cores
// while it ran.
type servedApp struct {
	rec   *Recording
	load  *truth.LoadResult
	busy  bool
	usage machine.Usage
}

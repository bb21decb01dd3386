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

	"github.com/conclab/conclab/internal/testtool"
	"github.com/conclab/conclab/truth"
	"github.com/conclab/conclab/workload"
)

// TestRecordUvicorn records an ASGI app under uvicorn with two spawned
// workers (Debian's python3): the requests each worker served come back,
// as an open workload, with uvicorn's model.
func TestRecordUvicorn(t *testing.T) {
	const debian = "/usr/bin/python3"
	if exec.Command(debian, "-c", "import uvicorn").Run() != nil {
		testtool.Missing(t, "%s cannot import uvicorn (apt-get install python3-uvicorn)", debian)
	}
	testtool.WallClock(t) // measures real CPython: one such test at a time
	dir := t.TempDir()
	app := spin + `
import asyncio
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    spin(2)
    await asyncio.sleep(0.01)
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
    await send({"type": "http.response.body", "body": b"ok"})
`
	if err := os.WriteFile(filepath.Join(dir, "app.py"), []byte(app), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(l.Addr().String())
	addr := l.Addr().String()
	l.Close()
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
			Python:  debian,
			Program: []string{"-m", "uvicorn", "--workers", "2", "--host", host, "--port", port, "--no-access-log", "app:app"},
			Stdout:  io.Discard, Stderr: io.Discard, Dir: dir, Grace: 3 * time.Second,
		})
		done <- ran{rec, status, err}
	}()
	for start := time.Now(); ; time.Sleep(50 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		if time.Since(start) > 30*time.Second {
			t.Fatal("uvicorn did not listen within 30 s")
		}
	}
	time.Sleep(1500 * time.Millisecond) // both workers up
	load, _ := workload.Parse("load.yaml", []byte("arrivals: {rate: 20/s, pattern: uniform, count: 30}\ntasks:\n  - steps: [{wait: 1ms}]\n"))
	reqs, err := truth.Requests(load, 30)
	if err != nil {
		t.Fatal(err)
	}
	res, err := truth.Drive(ctx, addr, reqs, truth.LoadOptions{})
	if err != nil || res.Errors > 0 {
		t.Fatalf("load: %v %+v", err, res)
	}
	cancel() // Ctrl-C: uvicorn stops its workers, which write what they did
	r := <-done
	if r.err != nil {
		t.Fatalf("record: %v (status %d)", r.err, r.status)
	}
	folded, err := Fold(r.rec, Options{Command: "uvicorn app:app", Name: "app", Cores: 2})
	if err != nil {
		t.Fatal(err)
	}
	wl, err := workload.Parse("app.yaml", folded.YAML)
	if err != nil {
		t.Fatalf("%v\n%s", err, folded.YAML)
	}
	if wl.Arrivals == nil || wl.Arrivals.Count != 30 {
		t.Fatalf("want 30 requests as an open workload (%d workers' recordings):\n%s", len(r.rec.Children), folded.YAML)
	}
	if got := wl.Models[0].Expr; got != "processes(2)*asyncio" {
		t.Errorf("first model %s, want uvicorn's processes(2)*asyncio\n%s", got, folded.YAML)
	}
	if d := wl.Arrivals.Rate/20 - 1; d > 0.05 || d < -0.05 {
		t.Errorf("recorded rate %.2f/s, sent 20/s", wl.Arrivals.Rate)
	}
	t.Logf("%d workers' recordings:\n%s", len(r.rec.Children), folded.YAML)
}

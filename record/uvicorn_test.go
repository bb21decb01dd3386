package record

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/conclab/conclab/internal/testtool"
)

// TestRecordUvicorn records an ASGI app under uvicorn with two spawned
// workers (Debian's python3): the requests each worker served come back,
// as an open workload, with uvicorn's model, and its predicted p50 latency
// is the measured one within 15 % (p50Within).
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
	p50Within(t, 0.15, func() p50Attempt {
		served := recordServedApp(t, debian, dir, func(host, port string) []string {
			return []string{"-m", "uvicorn", "--workers", "2", "--host", host, "--port", port, "--no-access-log", "app:app"}
		}, 1500*time.Millisecond)
		wl, folded := foldServed(t, served.rec, "uvicorn app:app", "processes(2)*asyncio")
		pred := predictFirst(t, wl, folded.YAML)
		return p50Attempt{pred: pred.Latency.P50, measured: served.load.P50, yaml: folded.YAML, busy: served.busy, usage: served.usage}
	})
}

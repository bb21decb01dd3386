package record

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/conclab/conclab/internal/testtool"
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
	rec := recordServedApp(t, debian, dir, func(host, port string) []string {
		return []string{"-m", "uvicorn", "--workers", "2", "--host", host, "--port", port, "--no-access-log", "app:app"}
	}, 1500*time.Millisecond).rec
	folded, err := Fold(rec, Options{Command: "uvicorn app:app", Name: "app", Cores: 2})
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
	if got := wl.Models[0].Expr; got != "processes(2)*asyncio" {
		t.Errorf("first model %s, want uvicorn's processes(2)*asyncio\n%s", got, folded.YAML)
	}
	if d := wl.Arrivals.Rate/20 - 1; d > 0.05 || d < -0.05 {
		t.Errorf("recorded rate %.2f/s, sent 20/s", wl.Arrivals.Rate)
	}
	t.Logf("%d workers' recordings:\n%s", len(rec.Children), folded.YAML)
}

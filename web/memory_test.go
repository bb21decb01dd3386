package web_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/conclab/conclab/internal/testtool"
	"github.com/conclab/conclab/web"
)

// maxPeakMiB bounds the process's peak resident memory during a heavy
// request, or many at once: a laptop's server must not grow past it.
const maxPeakMiB = 500

// peakMiB runs f and returns the peak resident memory of the process
// meanwhile, in MiB: VmHWM of /proc/self/status, reset before f through
// /proc/self/clear_refs. ok is false where Linux's /proc is not there.
func peakMiB(t testing.TB, f func()) (mib int64, ok bool) {
	t.Helper()
	runtime.GC()
	debug.FreeOSMemory() // what earlier tests left must not count
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		f()
		return 0, false
	}
	f()
	file, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, false
	}
	defer file.Close()
	sc := bufio.NewScanner(file)
	for sc.Scan() {
		if v, found := strings.CutPrefix(sc.Text(), "VmHWM:"); found {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatalf("VmHWM %q: %v", v, err)
			}
			return kb >> 10, true
		}
	}
	return 0, false
}

// bigWorkload is a legitimate workload of about size bytes: one task
// group after another.
func bigWorkload(size int) []byte {
	var b bytes.Buffer
	b.WriteString("tasks:\n")
	for i := 0; ; i++ {
		g := fmt.Sprintf("  - name: t%d\n    steps: [{work: 1ms}, {wait: 2ms}]\n", i)
		if b.Len()+len(g) > size {
			return b.Bytes()
		}
		b.WriteString(g)
	}
}

// TestRunMemoryBound sends 50 legitimate workloads of almost MaxBodyBytes
// at once. Parsing one takes about 55 MB (the YAML library's tree), so
// the server must parse them only a few at a time, as it simulates them:
// the process's peak stays under maxPeakMiB, and each is answered (200, or
// 503 if it waited RunTimeout for its turn).
func TestRunMemoryBound(t *testing.T) {
	if testing.Short() {
		t.Skip("50 parses of 256 KB take several seconds")
	}
	testtool.Heavy(t) // 50 requests at once: not beside a wall-time test
	srv := httptest.NewServer(web.Handler(web.Options{}))
	defer srv.Close()
	body := bigWorkload(web.MaxBodyBytes - 1024)
	const clients = 50
	statuses := make([]int, clients)
	errs := make([]string, clients)
	peak, ok := peakMiB(t, func() {
		var wg sync.WaitGroup
		for i := range clients {
			wg.Go(func() {
				resp, err := srv.Client().Post(srv.URL+"/api/run?model=sync&no_tasks=1", "application/yaml", bytes.NewReader(body))
				if err != nil {
					errs[i] = err.Error()
					return
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				statuses[i] = resp.StatusCode
				if resp.StatusCode != http.StatusOK {
					errs[i] = string(b)
				}
			})
		}
		wg.Wait()
	})
	answered := 0
	for i, s := range statuses {
		switch s {
		case http.StatusOK:
			answered++
		case http.StatusServiceUnavailable:
		case http.StatusUnprocessableEntity:
			// On a machine that other work keeps busy, a request whose
			// turn came late runs out of its RunTimeout: a bounded answer
			// too, which is what this test is about.
			if !strings.Contains(errs[i], "needs more than") {
				t.Errorf("client %d: status 422 %s; want 200, 503 (busy) or the time limit", i, errs[i])
			}
		default:
			t.Errorf("client %d: status %d %s; want 200, 503 (busy) or 422 (the time limit)", i, s, errs[i])
		}
	}
	t.Logf("%d KiB workloads, %d clients at once: %d answered 200, peak resident memory %d MiB", len(body)>>10, clients, answered, peak)
	if answered == 0 {
		t.Errorf("no workload was answered")
	}
	if ok && peak > maxPeakMiB {
		t.Errorf("peak resident memory %d MiB, want under %d MiB: the server parses too many workloads at once", peak, maxPeakMiB)
	}
}

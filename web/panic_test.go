package web_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/conclab/conclab/web"
)

// post sends body to srv's /api/run as JSON and returns the status and
// the answer.
func post(t testing.TB, srv *httptest.Server, body []byte) (int, []byte) {
	t.Helper()
	resp, err := srv.Client().Post(srv.URL+"/api/run", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatalf("POST /api/run: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("POST /api/run: reading the answer: %v", err)
	}
	return resp.StatusCode, b
}

// lockedBuffer is a log's destination safe for the server's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestPanicIs500 makes a run panic in the handler's goroutine and in a
// model's goroutine (which net/http does not recover): each is answered
// with a one-line JSON 500 that asks for a report, the log says where it
// happened, and the server answers the next request.
func TestPanicIs500(t *testing.T) {
	var mu sync.Mutex
	panicAt := ""
	hook := func(point string) {
		mu.Lock()
		at := panicAt
		mu.Unlock()
		if point != at {
			return
		}
		if point == "simulate" {
			var p *struct{ n int }
			_ = p.n // a runtime error, as an engine bug would be
		}
		panic("injected at " + point)
	}
	var logged lockedBuffer
	srv := httptest.NewServer(web.HandlerWithHook(web.Options{Log: log.New(&logged, "", 0)}, hook))
	defer srv.Close()
	body := runBody(t, map[string]any{"yaml": example(t, "seed-io"), "models": []string{"sync", "asyncio"}})

	for _, tt := range []struct{ point, msg string }{
		{"run", "injected at run"},
		{"simulate", "nil pointer dereference"},
	} {
		mu.Lock()
		panicAt = tt.point
		mu.Unlock()
		status, answer := post(t, srv, body)
		var got struct{ Error string }
		if err := json.Unmarshal(answer, &got); err != nil || status != 500 {
			t.Fatalf("panic in %s: status %d, answer %q; want 500 and a JSON error", tt.point, status, answer)
		}
		if !strings.HasPrefix(got.Error, "internal error: ") || !strings.Contains(got.Error, tt.msg) ||
			!strings.HasSuffix(got.Error, ", please report") || strings.Contains(got.Error, "\n") || bytes.Count(answer, []byte("\n")) != 1 {
			t.Errorf("panic in %s: answer %q; want one line \"internal error: …%s…, please report\"", tt.point, answer, tt.msg)
		}
		if !strings.Contains(logged.String(), "panic in github.com/conclab/conclab/web_test.TestPanicIs500") {
			t.Errorf("panic in %s: the log does not say where: %q", tt.point, logged.String())
		}
	}

	mu.Lock()
	panicAt = ""
	mu.Unlock()
	if status, answer := post(t, srv, body); status != 200 {
		t.Errorf("after the panics: status %d, %s; want the server to answer 200", status, answer)
	}
}

// TestStepLimitSaysItsEstimate: a workload refused for its steps is told
// the estimate the limit was checked against, GIL hand-overs included,
// never a smaller figure that reads as within the limit.
func TestStepLimitSaysItsEstimate(t *testing.T) {
	srv := httptest.NewServer(web.Handler(web.Options{}))
	defer srv.Close()
	yaml := "tasks: [{count: 190000, steps: [{repeat: 10, steps: [{work: 1ms}, {wait: 1ms}]}]}]\n"
	status, answer := post(t, srv, runBody(t, map[string]any{"yaml": yaml, "models": []string{"threads(8)"}}))
	var got struct{ Error string }
	if err := json.Unmarshal(answer, &got); err != nil || status != 422 {
		t.Fatalf("status %d, %s; want 422", status, answer)
	}
	m := regexp.MustCompile(`about ([0-9,]+) steps per model .* at most ([0-9,]+)`).FindStringSubmatch(got.Error)
	if m == nil {
		t.Fatalf("answer %q does not give the estimate and the limit", got.Error)
	}
	n, _ := strconv.ParseInt(strings.ReplaceAll(m[1], ",", ""), 10, 64)
	limit, _ := strconv.ParseInt(strings.ReplaceAll(m[2], ",", ""), 10, 64)
	if n <= limit {
		t.Errorf("answer %q: the estimate it gives is within the limit", got.Error)
	}
}

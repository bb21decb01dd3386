package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe to write from the server's goroutine
// while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestServe starts `conclab serve` on a free loopback port, asks it for the
// examples, and stops it through its context: exit status 0.
func TestServe(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errs syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- execute(ctx, []string{"serve", "--addr", "127.0.0.1:0"}, strings.NewReader(""), &out, &errs, nil)
	}()
	addr := regexp.MustCompile(`http://(127\.0\.0\.1:[0-9]+)/`)
	var m []string
	for range 200 {
		if m = addr.FindStringSubmatch(out.String()); m != nil {
			break
		}
		time.Sleep(25 * time.Millisecond)
	}
	if m == nil {
		cancel()
		t.Fatalf("serve printed no address: %q %q", out.String(), errs.String())
	}
	resp, err := http.Get("http://" + m[1] + "/api/examples/seed-io")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"yaml"`) {
		t.Errorf("GET /api/examples/seed-io: %d %s", resp.StatusCode, body)
	}
	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Errorf("exit status %d after shutdown; stderr %q", code, errs.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop when its context ended")
	}
}

// TestServeBadAddr: an address it cannot listen on is bad usage.
func TestServeBadAddr(t *testing.T) {
	var out, errs bytes.Buffer
	code := execute(context.Background(), []string{"serve", "--addr", "256.0.0.1:99999"}, strings.NewReader(""), &out, &errs, nil)
	if code != exitUsage || !strings.Contains(errs.String(), "--addr 256.0.0.1:99999") {
		t.Errorf("exit %d, stderr %q; want 2 and the address named", code, errs.String())
	}
}

package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/conclab/conclab/web"
)

// TestServeLetsRequestsFinish stops a server on 127.0.0.1 while a run is
// still simulating, past the 5 s a request was once given: the run gets
// its whole answer, and Serve returns nil.
func TestServeLetsRequestsFinish(t *testing.T) {
	if testing.Short() {
		t.Skip("holds a request for 6 s")
	}
	const hold = 6 * time.Second
	if web.ShutdownGrace < web.RunTimeout+time.Second {
		t.Fatalf("ShutdownGrace %s is shorter than a run may take (%s)", web.ShutdownGrace, web.RunTimeout)
	}
	started, release := make(chan struct{}, 8), make(chan struct{})
	h := web.HandlerWithHook(web.Options{}, func(point string) {
		if point == "simulate" {
			started <- struct{}{}
			<-release
		}
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- web.Serve(ctx, ln, h) }()

	type reply struct {
		status int
		body   []byte
		err    error
	}
	replied := make(chan reply, 1)
	go func() {
		body := runBody(t, map[string]any{"yaml": example(t, "seed-io"), "models": []string{"sync"}})
		resp, err := http.Post(url+"/api/run", "application/json", bytes.NewReader(body))
		if err != nil {
			replied <- reply{err: err}
			return
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		replied <- reply{resp.StatusCode, b, err}
	}()
	select {
	case <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("the run did not start")
	}

	cancel() // as SIGTERM does
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			break // no longer accepting: shutting down
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("the server still accepts connections 5 s after it was told to stop")
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(hold)
	select {
	case err := <-served:
		t.Fatalf("Serve returned %v while a request was in flight", err)
	default:
	}
	close(release)

	r := <-replied
	var a struct {
		Results []struct{ Model string } `json:"results"`
	}
	if r.err != nil || r.status != 200 || json.Unmarshal(r.body, &a) != nil || len(a.Results) != 1 {
		t.Errorf("the run in flight got status %d, %q, error %v; want its whole answer", r.status, r.body, r.err)
	}
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("Serve after a clean shutdown: %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after the last request")
	}
}

package explain

import (
	"strings"
	"testing"

	"github.com/conclab/conclab/workload"
)

func TestResourceWaits(t *testing.T) {
	for _, c := range []struct {
		name, yaml, model string
		want              []string
		not               []string
	}{
		{"pool", `
resources: {db: {capacity: 2}}
tasks:
  - name: req
    count: 3
    steps: [{use: db, steps: [{wait: 10ms}]}]
`, "threads(3)", []string{"req-3 waits", "for one of the 2 db units: all are held, by req-1 and req-2"}, nil},
		{"lock", `
resources: {big: {capacity: 1}}
tasks:
  - name: a
    steps: [{use: big, steps: [{wait: 10ms}]}]
  - name: b
    steps: [{use: big, steps: [{wait: 10ms}]}]
`, "asyncio", []string{"b starts and waits", "for the lock big, held by a"}, nil},
		// CPython's threading.BoundedSemaphore: A gives a unit back and
		// takes it again while C, woken for it, waits for the GIL.
		{"barging", `
resources: {db: {capacity: 2}}
tasks:
  - {name: A, steps: [{use: db, steps: [{wait: 10ms}]}, {work: 1ms}, {use: db, steps: [{wait: 10ms}]}]}
  - {name: B, steps: [{use: db, steps: [{wait: 30ms}]}]}
  - {name: C, start: 1ms, steps: [{use: db, steps: [{wait: 5ms}]}]}
`, "threads(3)", []string{"for one of the 2 db units: all are held, by A and B; woken when one was given back, it found it taken by A, which asked later (threading.BoundedSemaphore serves whoever asks first), and queued again"}, nil},
		// Each worker process has its own pool: the holders named are
		// those of the waiter's process only.
		{"per process", `
resources: {db: {capacity: 1}}
tasks:
  - name: r
    count: 4
    steps: [{use: db, steps: [{wait: 10ms}]}]
`, "processes(2)*threads(2)", []string{"for the lock db, held by r-"}, []string{"held by r-1 and", "all are held"}},
		// A deadlock's waits never end: the deadlock line tells them, not
		// a wait for the wrong resource.
		{"deadlock", `
resources: {x: {capacity: 1}, y: {capacity: 1}}
tasks:
  - name: p
    steps: [{use: x, steps: [{wait: 10ms}, {use: y, steps: [{work: 1ms}]}]}]
  - name: q
    steps: [{use: y, steps: [{wait: 10ms}, {use: x, steps: [{work: 1ms}]}]}]
`, "threads(2)", []string{"deadlock under threads(2)", "p holds x", "waits for y"}, []string{"for the lock"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			wl, err := workload.Parse("t.yaml", []byte(c.yaml))
			if err != nil {
				t.Fatal(err)
			}
			_, lines := storyOf(t, wl, c.model)
			var b strings.Builder
			for _, l := range lines {
				b.WriteString(l.Text + "\n")
			}
			text := b.String()
			for _, w := range c.want {
				if !strings.Contains(text, w) {
					t.Errorf("no %q in:\n%s", w, text)
				}
			}
			for _, w := range c.not {
				if strings.Contains(text, w) {
					t.Errorf("%q in:\n%s", w, text)
				}
			}
		})
	}
}

func TestResourceWaitsFolded(t *testing.T) {
	_, lines := story(t, "db-pool", "threads(40)")
	for _, l := range lines {
		if strings.Contains(l.Text, "for one of the 10 db units") && l.Count > 10 &&
			strings.Contains(l.Text, "the longest wait") && strings.Contains(l.Text, "(10 tasks) held them all") {
			return
		}
	}
	t.Error("no folded line of the waits for db naming the 10 holders")
}

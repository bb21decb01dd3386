package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// shapesView is what the page shows of a run with resources, data or a
// deadlock.
type shapesView struct {
	Legend   []string `json:"legend"`   // the legend's words
	Summary  []string `json:"summary"`  // the first cell of each row of the summary
	Deadlock []string `json:"deadlock"` // the deadlock notes under the timelines' titles, by model
	Models   []string `json:"models"`   // the timelines shown, by model
}

// readShapes reads the legend, the summary and the deadlock notes.
const readShapes = `(() => {
  const v = {
    legend: [...document.querySelectorAll("#legend span")].map((s) => s.textContent),
    summary: [...document.querySelectorAll("#summary tbody tr")].map((r) => r.cells[0].textContent),
    deadlock: [...document.querySelectorAll(".tl-model")].map((s) => { const d = s.querySelector(".deadlock"); return d ? d.textContent : ""; }),
    models: [...document.querySelectorAll(".tl-model")].map((s) => s.dataset.model),
  };
  return v;
})()`

// TestBrowserShapes loads the lock-order and big-args examples and checks
// that the page shows what they are about: the deadlock (who holds what,
// who waits for what) in the summary and over the timeline of the model
// it stopped; the wait for a lock, named, in the legend and the tooltip;
// and the pickling of data for worker processes.
func TestBrowserShapes(t *testing.T) {
	p := openBrowser(t)
	p.open("/#lock-order", "lock-order")
	v := eval[shapesView](p, "read the page", readShapes)

	// transfer-a waits for ledger from when transfer-b took it; transfer-b
	// asks for accounts at the instant the run stops.
	if !contains(v.Legend, "waiting for ledger") {
		t.Errorf("legend %q: want the wait for a resource named by its lock", v.Legend)
	}
	dead := -1
	for i, m := range v.Models {
		if m == "threads(2)" {
			dead = i
		}
	}
	if dead < 0 {
		t.Fatalf("no timeline of threads(2): %q", v.Models)
	}
	for i, d := range v.Deadlock {
		if i != dead && d != "" {
			t.Errorf("%s: deadlock note %q on a run that finished", v.Models[i], d)
		}
	}
	for _, want := range []string{"under threads(2) at 10.3 ms", "transfer-a holds accounts, worker-1 and waits for ledger",
		"transfer-b holds ledger, worker-2 and waits for accounts", "0 tasks finished"} {
		if !strings.Contains(v.Deadlock[dead], want) {
			t.Errorf("threads(2)'s deadlock note %q lacks %q", v.Deadlock[dead], want)
		}
	}
	if len(v.Summary) != 3 || !strings.Contains(v.Summary[1], "✗ deadlock") || strings.Contains(v.Summary[0]+v.Summary[2], "deadlock") {
		t.Errorf("summary rows %q: want threads(2) marked as deadlocked, the others not", v.Summary)
	}

	// Hovering transfer-a's wait for the lock it never gets names the
	// lock.
	tip := eval[string](p, "hover a wait for a lock", `(() => {
  const sec = [...document.querySelectorAll(".tl-model")].find((s) => s.dataset.model === "threads(2)");
  const canvas = sec.querySelector(".tl-body .track canvas");
  const labels = [...sec.querySelectorAll(".lane-label .name")].map((l) => l.textContent);
  const row = labels.indexOf("worker-1");
  const r = canvas.getBoundingClientRect();
  // Just before the run stopped, where worker-1 waits for ledger.
  const x = sec.querySelector(".end-mark").getBoundingClientRect().left - 1, y = r.top + row * 20 + 10;
  canvas.dispatchEvent(new PointerEvent("pointermove", { clientX: x, clientY: y, bubbles: true }));
  const tip = document.getElementById("tip");
  return tip.hidden ? "" : tip.textContent;
})()`)
	if !strings.Contains(tip, "transfer-a on worker-1") || !strings.Contains(tip, "waiting for ledger") {
		t.Errorf("the tooltip of worker-1's last span is %q: want transfer-a waiting for ledger", tip)
	}
	p.shot("lock-order.png", true)

	// A pool's wait is its own state, in its own colour, named by the
	// pool.
	p.pick("db-pool")
	v = eval[shapesView](p, "read the page", readShapes)
	if !contains(v.Legend, "waiting for db") {
		t.Errorf("db-pool legend %q: want waiting for db", v.Legend)
	}
	fills := eval[map[string]string](p, "the legend's colours", `Object.fromEntries([...document.querySelectorAll("#legend span")].map((s) => [s.dataset.state, s.dataset.fill]))`)
	if f := fills["resource-wait"]; f == "" || f == fills["waiting"] || f == fills["gil-wait"] {
		t.Errorf("legend colours %v: want one of its own for resource-wait", fills)
	}

	// Pickling, for worker processes, is its own state in the legend.
	p.pick("big-args")
	v = eval[shapesView](p, "read the page", readShapes)
	if eval[bool](p, "the tooltip", `!document.getElementById("tip").hidden`) {
		t.Errorf("the tooltip of lock-order's timeline is still shown over big-args'")
	}
	if !contains(v.Legend, "pickling data for a worker process") {
		t.Errorf("big-args legend %q: want pickling", v.Legend)
	}
	for i, d := range v.Deadlock {
		if d != "" {
			t.Errorf("big-args %s: deadlock note %q", v.Models[i], d)
		}
	}
	p.shot("big-args.png", true)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// A gather's child tasks are rows under their parent on the page, marked
// and indented as the terminal draws them.
func TestBrowserBranchRows(t *testing.T) {
	p := openBrowser(t)
	p.open("/#seed-io", "seed-io")
	const tree = `name: tree
tasks:
  - name: crawl
    steps:
      - wait: 10ms
      - gather:
          - count: 2
            steps: [{wait: 20ms}, {gather: [{count: 2, steps: [{wait: 5ms}]}]}]
models: [asyncio]
`
	p.do("type a tree", chromedp.Evaluate[chromedp.Void](`(() => { const ta = document.getElementById("yaml"); ta.value = `+"`"+tree+"`"+`; ta.dispatchEvent(new Event("input")); })()`),
		loaded("tree"))
	labels := eval[[]string](p, "read the labels", `[...document.querySelectorAll(".tl-model .lane-label.task .name")].map((l) => l.textContent)`)
	want := []string{"crawl", "↳ crawl/1", "  ↳ crawl/1/1", "  ↳ crawl/1/2", "↳ crawl/2", "  ↳ crawl/2/1", "  ↳ crawl/2/2"}
	if strings.Join(labels, "|") != strings.Join(want, "|") {
		t.Errorf("task rows %q, want %q", labels, want)
	}
	// The indent shows: a grandchild's mark is right of a child's.
	x := eval[[]float64](p, "where the marks are", `[...document.querySelectorAll(".tl-model .lane-label.task .name")].slice(1, 3).map((l) => {
  const r = document.createRange(); const i = l.textContent.indexOf("↳"); r.setStart(l.firstChild, i); r.setEnd(l.firstChild, i + 1);
  return r.getBoundingClientRect().left; })`)
	if len(x) != 2 || x[1] <= x[0] {
		t.Errorf("marks at %v: want crawl/1/1's right of crawl/1's", x)
	}
	p.shot("tree.png", false)
}

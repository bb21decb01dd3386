package explain

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/conclab/conclab/workload"
)

// The story tells each gather in plain words, with the run's numbers: how
// many branches, made how and at what cost, and when the gatherer went on
// after which branch; under threads(N) without fanout, that the branches
// queue on the pool the gatherer holds a thread of, and the deadlock.
func TestGatherLines(t *testing.T) {
	for _, c := range []struct {
		name, inline, model string
		want                []string // regular expressions, each matching one line
		not                 []string
	}{
		{"asyncio", "crawl: [wait 10ms, gather [3 x [wait 20ms], [wait 40ms]]]", "asyncio",
			[]string{`^crawl gathers 4 branches at 10\.\d+ ms \(4 child tasks, [\d.]+ µs each to create\); it resumes at 50\.\d+ ms when the last, crawl/4, finishes$`},
			[]string{`crawl awaits a 40`}},
		{"eager", "crawl: [gather [2 x [wait 20ms]]]", "asyncio(eager)",
			[]string{`^crawl gathers 2 branches at [\d.]+ µs \(2 child tasks, created eagerly: each runs at once, inside the gather, until its first await\); it resumes at 20\.\d+ ms when the last, crawl/2, finishes$`}, nil},
		{"sync", "crawl: [gather [2 x [wait 20ms]]]", "sync",
			[]string{`^crawl gathers 2 branches at 0 s: its thread runs them one after another \(sync code runs no two at once\); it goes on at 40\.\d+ ms when the last, crawl/2, finishes$`}, nil},
		{"fanout", "crawl: [gather [2 x [wait 20ms]]]", "threads(1, fanout=2)",
			[]string{`^crawl gathers 2 branches at [\d.]+ µs: its thread submits them to the fanout pool of 2 threads \([\d.]+ µs each\), and blocks until they finish; it resumes at 2\d\.\d+ ms when the last, crawl/\d, finishes$`}, nil},
		{"same pool", "2 x [gather [2 x [wait 10ms]]]", "threads(2)",
			[]string{
				`^task-1-1 gathers 2 branches at [\d.]+ µs: its thread submits them to the same pool of 2 threads it runs on \([\d.]+ µs each\), where they queue behind the work already there, and blocks until they finish; it never resumes: every thread of the pool ends up waiting for branches queued behind it \(the deadlock below\)$`,
				`^task-1-2 gathers 2 branches at [\d.]+ µs; it never resumes \(the deadlock below\)$`,
				`^deadlock under threads\(2\) at .*task-1-1 holds worker-1 and waits for task-1-1/1; task-1-1/1 waits for a free worker thread`,
			}, nil},
		{"many", "5 x page: [gather [2 x [wait 10ms], [gather [3 x [wait 1ms]]]]]", "asyncio",
			[]string{
				`^page-1 gathers 3 branches at [\d.]+ µs \(3 child tasks, [\d.]+ µs each to create\); it resumes at 10\.\d+ ms when the last, page-1/\d, finishes$`,
				`^4 more gathers, by page-2 … page-5: 3 branches each; each went on [\d.]+ ms after it began on average, up to [\d.]+ ms, when its slowest branch finished$`,
				`^page-1/3 gathers 3 branches at [\d.]+ µs \(3 child tasks, [\d.]+ µs each to create\); it resumes at [\d.]+ ms when the last, page-1/3/3, finishes$`,
				`^4 more gathers, by page-2/3 … page-5/3: 3 branches each`,
			}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			wl, err := workload.ParseInline(c.inline)
			if err != nil {
				t.Fatal(err)
			}
			_, lines := storyOf(t, wl, c.model)
			var all strings.Builder
			for _, l := range lines {
				fmt.Fprintf(&all, "%d %s\n", l.At, l.Text)
			}
			for _, w := range c.want {
				re := regexp.MustCompile(w)
				found := false
				for _, l := range lines {
					found = found || re.MatchString(l.Text)
				}
				if !found {
					t.Errorf("no line matches %s in\n%s", w, all.String())
				}
			}
			for _, w := range c.not {
				if strings.Contains(all.String(), w) {
					t.Errorf("the story says %q:\n%s", w, all.String())
				}
			}
		})
	}
}

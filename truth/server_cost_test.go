package truth

import (
	"context"
	"reflect"
	"testing"

	"github.com/conclab/conclab/internal/testtool"
	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/workload"
)

// A server's cost per request is Python work first in every request; the
// requests' other draws are those of the workload without it.
func TestWithRequestCost(t *testing.T) {
	wl, err := workload.Parse("server.yaml", []byte(shapedServer))
	if err != nil {
		t.Fatal(err)
	}
	costed := WithRequestCost(wl, 500_000)
	if WithRequestCost(wl, 0) != wl || len(wl.Groups[0].Steps) != 3 {
		t.Fatal("a zero cost changed the workload, or the cost changed the original")
	}
	plain, err := Requests(wl, 0)
	if err != nil {
		t.Fatal(err)
	}
	with, err := Requests(costed, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(plain) != len(with) {
		t.Fatalf("%d requests with the cost, %d without", len(with), len(plain))
	}
	for i := range plain {
		first := with[i].Steps[0]
		if first.Kind != Work || first.Dur != 500_000 || !reflect.DeepEqual(with[i].Steps[1:], plain[i].Steps) || with[i].At != plain[i].At {
			t.Fatalf("request %d: %+v with the cost, %+v without", i, with[i], plain[i])
		}
	}
}

// RequestCost measures what the standard library's servers spend on a
// request that does nothing: some hundreds of microseconds of CPU here,
// never nothing and never the 5 ms gap between the requests.
func TestRequestCost(t *testing.T) {
	testtool.WallClock(t) // measures real CPython: one such test at a time
	py := needPython(t)
	wl, err := workload.Parse("server.yaml", []byte(shapedServer))
	if err != nil {
		t.Fatal(err)
	}
	for _, expr := range []string{"threads(4)", "asyncio", "processes(2)*threads(2)"} {
		d, err := model.Parse(expr)
		if err != nil {
			t.Fatal(err)
		}
		cost, err := RequestCost(context.Background(), py, wl, d, ExportOptions{Cores: 2}, Available{})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d µs of CPU per request", expr, cost/1000)
		if cost < 20_000 || cost > 4_000_000 {
			t.Errorf("%s: %d ns of CPU per request, want 20 µs to 4 ms", expr, cost)
		}
	}
}

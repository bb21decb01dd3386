package model

import (
	"reflect"
	"testing"
)

// FuzzParse checks that Parse never panics, that every error carries a
// column inside the expression (or just past its end), and that accepted
// expressions round-trip through String. ParseSweep gets the same input.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"sync", "threads", "threads(4)", "threads( 4 )", "asyncio", "asyncio(limit=10)",
		"asyncio(executor=4, limit=10)", "processes(2)", "processes(2, start=spawn)",
		"processes(2) * threads(8)", "processes(4)*asyncio", "processes(4, start=fork)*asyncio(limit=3)",
		"threads(1..64)", "processes(1..8)*threads(4)", "asyncio(limit=1..100)",
		"threads(0)", "fibers", "processes*processes", "threads(4.5)", "threads(", "", "*", "((", "a=b",
		"threads(99999999999999999999)", "processes(2)*threads(1..3)*asyncio", "é",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		d, err := Parse(expr)
		checkErr(t, expr, err)
		if err == nil {
			roundTrip(t, expr, d)
		}
		ds, err := ParseSweep(expr)
		checkErr(t, expr, err)
		if err == nil {
			if len(ds) == 0 || len(ds) > MaxSweep {
				t.Fatalf("ParseSweep(%q) gave %d deployments", expr, len(ds))
			}
			for _, d := range ds {
				roundTrip(t, expr, d)
			}
		}
	})
}

func checkErr(t *testing.T, expr string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	e, ok := err.(*Error)
	if !ok {
		t.Fatalf("Parse(%q): error %T, want *Error", expr, err)
	}
	if e.Col < 1 || e.Col > len([]rune(expr))+1 || e.Msg == "" || e.Expr != expr {
		t.Fatalf("Parse(%q): bad error %+v", expr, e)
	}
}

func roundTrip(t *testing.T, expr string, d Deployment) {
	t.Helper()
	label := d.String()
	again, err := Parse(label)
	if err != nil {
		t.Fatalf("Parse(%q) = %s, which does not parse: %v", expr, label, err)
	}
	if !reflect.DeepEqual(again, d) || again.String() != label {
		t.Fatalf("Parse(%q) = %#v labelled %q; Parse(label) = %#v", expr, d, label, again)
	}
}

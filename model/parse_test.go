package model

import (
	"errors"
	"reflect"
	"testing"
)

func TestParseValid(t *testing.T) {
	tests := []struct {
		expr  string
		want  Deployment
		label string
	}{
		{"sync", Deployment{Kind: Sync}, "sync"},
		{"  sync\t", Deployment{Kind: Sync}, "sync"},
		{"threads", Deployment{Kind: ThreadPerTask}, "threads"},
		{"threads(4)", Deployment{Kind: ThreadPool, Threads: 4}, "threads(4)"},
		{"threads( 4 )", Deployment{Kind: ThreadPool, Threads: 4}, "threads(4)"},
		{"threads(004)", Deployment{Kind: ThreadPool, Threads: 4}, "threads(4)"},
		{"threads(100000)", Deployment{Kind: ThreadPool, Threads: 100000}, "threads(100000)"},
		{"asyncio", Deployment{Kind: Asyncio}, "asyncio"},
		{"asyncio(limit=10)", Deployment{Kind: Asyncio, Limit: 10}, "asyncio(limit=10)"},
		{"asyncio(executor=4)", Deployment{Kind: Asyncio, Executor: 4}, "asyncio(executor=4)"},
		{"asyncio(limit=10, executor=4)", Deployment{Kind: Asyncio, Limit: 10, Executor: 4}, "asyncio(limit=10, executor=4)"},
		{"asyncio( executor = 4 ,limit= 10 )", Deployment{Kind: Asyncio, Limit: 10, Executor: 4}, "asyncio(limit=10, executor=4)"},
		{"asyncio(limit=10000000)", Deployment{Kind: Asyncio, Limit: 10000000}, "asyncio(limit=10000000)"},
		{"processes(2)", Deployment{Kind: Processes, Procs: 2}, "processes(2)"},
		{"processes(2, start=fork)", Deployment{Kind: Processes, Procs: 2}, "processes(2)"},
		{"processes(2,start=spawn)", Deployment{Kind: Processes, Procs: 2, Start: Spawn}, "processes(2, start=spawn)"},
		{"processes(3, start=forkserver)", Deployment{Kind: Processes, Procs: 3, Start: Forkserver}, "processes(3, start=forkserver)"},
		{"processes(2, start=fork)", Deployment{Kind: Processes, Procs: 2}, "processes(2)"},
		{"processes(4096)", Deployment{Kind: Processes, Procs: 4096}, "processes(4096)"},
		{"processes(2)*threads(8)",
			Deployment{Kind: Processes, Procs: 2, Inner: &Deployment{Kind: ThreadPool, Threads: 8}},
			"processes(2)*threads(8)"},
		{"processes(2) * threads(8)",
			Deployment{Kind: Processes, Procs: 2, Inner: &Deployment{Kind: ThreadPool, Threads: 8}},
			"processes(2)*threads(8)"},
		{"processes(4)*asyncio",
			Deployment{Kind: Processes, Procs: 4, Inner: &Deployment{Kind: Asyncio}},
			"processes(4)*asyncio"},
		{"threads(2, fanout=4)", Deployment{Kind: ThreadPool, Threads: 2, Fanout: 4}, "threads(2, fanout=4)"},
		{"asyncio(eager)", Deployment{Kind: Asyncio, Eager: true}, "asyncio(eager)"},
		{"asyncio(eager, executor=2,limit=3)", Deployment{Kind: Asyncio, Eager: true, Limit: 3, Executor: 2}, "asyncio(limit=3, executor=2, eager)"},
		{"processes(2)*threads(4, fanout=8)",
			Deployment{Kind: Processes, Procs: 2, Inner: &Deployment{Kind: ThreadPool, Threads: 4, Fanout: 8}},
			"processes(2)*threads(4, fanout=8)"},
		{"processes(2)*asyncio(eager)",
			Deployment{Kind: Processes, Procs: 2, Inner: &Deployment{Kind: Asyncio, Eager: true}},
			"processes(2)*asyncio(eager)"},
		{"processes(4, start=spawn)*asyncio(limit=100)",
			Deployment{Kind: Processes, Procs: 4, Start: Spawn, Inner: &Deployment{Kind: Asyncio, Limit: 100}},
			"processes(4, start=spawn)*asyncio(limit=100)"},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			got, err := Parse(tt.expr)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.expr, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Parse(%q) = %#v, want %#v", tt.expr, got, tt.want)
			}
			if s := got.String(); s != tt.label {
				t.Fatalf("String() = %q, want %q", s, tt.label)
			}
			again, err := Parse(got.String())
			if err != nil || !reflect.DeepEqual(again, got) {
				t.Fatalf("Parse(String()) = %v, %v; want %v", again, err, got)
			}
		})
	}
}

const want = "(want sync, threads, threads(N), asyncio, asyncio(limit=K, executor=E), processes(N), processes(P)*threads(T) or processes(P)*asyncio)"

func TestParseInvalid(t *testing.T) {
	tests := []struct {
		expr string
		col  int
		msg  string
	}{
		{"", 1, "empty model expression " + want},
		{"   ", 1, "empty model expression " + want},
		{"fibers", 1, `unknown model "fibers" ` + want},
		{"fibers(2)", 1, `unknown model "fibers" ` + want},
		{"Threads(4)", 1, `unknown model "Threads" (names are lowercase: threads)`},
		{"threads(0)", 9, "threads(0): a pool needs at least 1 thread"},
		{"threads(100001)", 9, "threads(100001): at most 100000 threads"},
		{"threads(99999999999999999999999)", 9, "threads(99999999999999999999999): at most 100000 threads"},
		{"threads()", 9, "threads() needs a pool size: threads(N), or plain threads for one thread per task"},
		{"threads(n=4)", 9, "threads takes a pool size, as in threads(8)"},
		{"threads(four)", 9, "threads takes a pool size, as in threads(8)"},
		{"threads(4, 5)", 12, "threads takes one number, as in threads(8) (a second pool for gather branches is fanout=M)"},
		{"threads(4, x=5)", 12, `unknown threads argument "x" (want fanout=M)`},
		{"threads(4, eager)", 12, `unknown threads argument "eager" (want fanout=M)`},
		{"threads(4, fanout=0)", 19, "fanout=0: the second pool needs at least 1 thread (leave fanout out to use the same pool)"},
		{"threads(4, fanout=100001)", 19, "fanout=100001: at most 100000 threads"},
		{"threads(4, fanout=many)", 19, "fanout takes a number, as in threads(8, fanout=4)"},
		{"threads(4, fanout=2, fanout=3)", 22, "fanout given twice"},
		{"threads(fanout=2)", 9, "threads takes a pool size, as in threads(8)"},
		{"threads(4.5)", 9, `bad number "4.5" (want a whole number, like 4)`},
		{"threads(1e3)", 9, `bad number "1e3" (want a whole number, like 4)`},
		{"threads(-1)", 9, `unexpected character '-'`},
		{"threads(4", 10, `missing ")"`},
		{"threads(4,", 11, `missing ")"`},
		{"threads(4 4)", 11, `unexpected 4 (want "," or ")")`},
		{"threads(,)", 9, `expected an argument, found ","`},
		{"threads((4))", 9, `unexpected "(" (want a number or name=value)`},
		{"threads(4))", 11, `unexpected ")" after the model (want "*" or the end)`},
		{"threads 4", 9, `unexpected 4 after the model (want "*" or the end)`},
		{"threads(4) #", 12, `unexpected character '#'`},
		{"threads(1..64)", 9, "a range (1..64) is only for `conclab sweep`; give one number here"},
		{"threads(1..)", 12, `expected a number after "..", found ")"`},
		{"threads(4.)", 10, `unexpected character '.'`},
		{"sync()", 5, "sync takes no arguments"},
		{"sync(2)", 5, "sync takes no arguments"},
		{"asyncio()", 9, "asyncio() needs limit=K, executor=E or eager; write plain asyncio for none"},
		{"asyncio(10)", 9, "asyncio takes named arguments and eager, as in asyncio(limit=100, executor=8) or asyncio(eager)"},
		{"asyncio(lazy)", 9, "asyncio takes named arguments and eager, as in asyncio(limit=100, executor=8) or asyncio(eager)"},
		{"asyncio(eager, eager)", 16, "eager given twice"},
		{"asyncio(workers=3)", 9, `unknown asyncio argument "workers" (want limit, executor or eager)`},
		{"asyncio(limit=1, limit=2)", 18, "limit given twice"},
		{"asyncio(executor=1,executor=2)", 20, "executor given twice"},
		{"asyncio(limit=many)", 15, "limit takes a number, as in asyncio(limit=100)"},
		{"asyncio(limit=)", 15, `expected a value after "limit=", found ")"`},
		{"asyncio(limit=0)", 15, "asyncio(limit=0): the limit needs at least 1 task in flight (leave it out for no limit)"},
		{"asyncio(limit=10000001)", 15, "asyncio(limit=10000001): at most 10000000 tasks in flight"},
		{"asyncio(executor=0)", 18, "asyncio(executor=0): the executor needs at least 1 thread (leave it out for the default)"},
		{"asyncio(executor=100001)", 18, "asyncio(executor=100001): at most 100000 executor threads"},
		{"processes", 1, "processes needs a worker count, as in processes(4)"},
		{"processes()", 11, "processes() needs a worker count, as in processes(4)"},
		{"processes(0)", 11, "processes(0): a pool needs at least 1 process"},
		{"processes(4097)", 11, "processes(4097): at most 4096 processes"},
		{"processes(spawn)", 11, "processes takes a worker count first, as in processes(4)"},
		{"processes(start=spawn, 2)", 11, "processes takes a worker count first, as in processes(4)"},
		{"processes(2, 3)", 14, "processes takes one worker count; the rest is named, as in processes(4, start=spawn)"},
		{"processes(2, mode=spawn)", 14, `unknown processes argument "mode" (want start)`},
		{"processes(2, start=fork_server)", 20, `unknown start method "fork_server" (want fork, spawn or forkserver)`},
		{"processes(2, start=1)", 20, `unknown start method "1" (want fork, spawn or forkserver)`},
		{"processes(2, start=fork, start=spawn)", 26, "start given twice"},
		{"processes*processes", 1, "processes needs a worker count, as in processes(4)"},
		{"processes(2)*processes(2)", 14, "processes cannot be nested (want processes(P)*threads(T) or processes(P)*asyncio)"},
		{"processes(2)*sync", 14, "processes(P)*sync is just processes(P): each worker runs its tasks one after another"},
		{"processes(2)*threads", 14, "processes(P)*threads needs a pool size per process (want processes(P)*threads(T))"},
		{"processes(2)*threads(0)", 22, "threads(0): a pool needs at least 1 thread"},
		{"processes(2)*fibers", 14, `unknown model "fibers" ` + want},
		{"processes(2)*", 14, `expected threads(T) or asyncio after "*", found the end`},
		{"processes(2)**threads(2)", 14, `expected threads(T) or asyncio after "*", found "*"`},
		{"processes(2)*asyncio*threads(2)", 21, `only one "*" (want processes(P)*threads(T) or processes(P)*asyncio)`},
		{"threads(4)*asyncio", 1, `only processes(P) can stand before "*" (want processes(P)*threads(T) or processes(P)*asyncio)`},
		{"asyncio*threads(2)", 1, `only processes(P) can stand before "*" (want processes(P)*threads(T) or processes(P)*asyncio)`},
		{"*threads(2)", 1, `expected a model name, found "*" ` + want},
		{"threads(é)", 9, `unexpected character 'é'`},
		{"threads(4)*é", 12, `unexpected character 'é'`},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			_, err := Parse(tt.expr)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse(%q) = %v, want an *Error", tt.expr, err)
			}
			if e.Msg != tt.msg || e.Col != tt.col || e.Expr != tt.expr {
				t.Fatalf("Parse(%q):\n got col %d: %s\nwant col %d: %s", tt.expr, e.Col, e.Msg, tt.col, tt.msg)
			}
		})
	}
}

func TestColumnCountsCharacters(t *testing.T) {
	_, err := Parse("threads(é)*x")
	var e *Error
	if !errors.As(err, &e) || e.Col != 9 {
		t.Fatalf("got %v", err)
	}
	_, err = Parse("processes(2, start=é)")
	if !errors.As(err, &e) || e.Col != 20 {
		t.Fatalf("got %v", err)
	}
	_, err = Parse("processes(2)*threads(0)")
	if err.Error() != `model "processes(2)*threads(0)", column 22: threads(0): a pool needs at least 1 thread` {
		t.Fatalf("Error() = %q", err.Error())
	}
}

func TestParseSweep(t *testing.T) {
	tests := []struct {
		expr   string
		labels []string
	}{
		{"threads(4)", []string{"threads(4)"}},
		{"threads(1..4)", []string{"threads(1)", "threads(2)", "threads(3)", "threads(4)"}},
		{"threads( 2 .. 3 )", []string{"threads(2)", "threads(3)"}},
		{"threads(5..5)", []string{"threads(5)"}},
		{"processes(1..3)*threads(4)", []string{"processes(1)*threads(4)", "processes(2)*threads(4)", "processes(3)*threads(4)"}},
		{"processes(2, start=spawn)*threads(7..8)", []string{"processes(2, start=spawn)*threads(7)", "processes(2, start=spawn)*threads(8)"}},
		{"asyncio(limit=1..3)", []string{"asyncio(limit=1)", "asyncio(limit=2)", "asyncio(limit=3)"}},
		{"asyncio(limit=5, executor=1..2)", []string{"asyncio(limit=5, executor=1)", "asyncio(limit=5, executor=2)"}},
		{"processes(2)*asyncio(limit=9..10)", []string{"processes(2)*asyncio(limit=9)", "processes(2)*asyncio(limit=10)"}},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			ds, err := ParseSweep(tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range ds {
				got = append(got, d.String())
			}
			if !reflect.DeepEqual(got, tt.labels) {
				t.Fatalf("got %q, want %q", got, tt.labels)
			}
		})
	}
	// Each Deployment of a sweep owns its Inner.
	ds, _ := ParseSweep("processes(1..2)*threads(3)")
	if ds[0].Inner == ds[1].Inner {
		t.Fatal("sweep deployments share Inner")
	}
}

func TestParseSweepInvalid(t *testing.T) {
	tests := []struct {
		expr string
		col  int
		msg  string
	}{
		{"threads(64..1)", 9, "range 64..1 goes down (want 1..64)"},
		{"threads(0..64)", 9, "threads(0..64): a pool needs at least 1 thread"},
		{"threads(1..100001)", 9, "threads(1..100001): at most 100000 threads"},
		{"asyncio(limit=1..20000)", 15, "range 1..20000 has 20000 values; a sweep takes at most 10000"},
		{"processes(1..2)*threads(1..2)", 25, "only one range per sweep (already 1..2)"},
		{"processes(2, start=1..2)", 20, `unknown start method "1..2" (want fork, spawn or forkserver)`},
		{"fibers(1..2)", 1, `unknown model "fibers" ` + want},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			_, err := ParseSweep(tt.expr)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("ParseSweep(%q) = %v, want an *Error", tt.expr, err)
			}
			if e.Msg != tt.msg || e.Col != tt.col {
				t.Fatalf("ParseSweep(%q):\n got col %d: %s\nwant col %d: %s", tt.expr, e.Col, e.Msg, tt.col, tt.msg)
			}
		})
	}
}

func TestUsesAsyncio(t *testing.T) {
	tests := map[string]bool{
		"sync": false, "threads": false, "threads(2)": false, "asyncio": true,
		"asyncio(limit=2)": true, "processes(2)": false, "processes(2)*threads(2)": false,
		"processes(2)*asyncio": true,
	}
	for expr, want := range tests {
		d, err := Parse(expr)
		if err != nil {
			t.Fatal(err)
		}
		if d.UsesAsyncio() != want {
			t.Errorf("%s: UsesAsyncio() = %v, want %v", expr, !want, want)
		}
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		expr                   string
		runtime                string
		asyncioOK, processesOK bool
		want                   string // "" for no error
	}{
		{"asyncio", "cpython", true, true, ""},
		{"processes(2)*asyncio", "cpython", true, true, ""},
		{"threads(8)", "java", false, true, ""},
		{"processes(2)*threads(2)", "go", false, true, ""},
		{"asyncio", "java", false, true,
			`model "asyncio" is not available on runtime java (it runs sync, threads, threads(N), processes(N), processes(P)*threads(T))`},
		{"processes(2)*asyncio(limit=5)", "go", false, true,
			`model "processes(2)*asyncio(limit=5)" is not available on runtime go (it runs sync, threads, threads(N), processes(N), processes(P)*threads(T))`},
		{"processes(2)", "wasm", true, false,
			`model "processes(2)" is not available on runtime wasm (it runs sync, threads, threads(N), asyncio, asyncio(limit=K, executor=E))`},
	}
	for _, tt := range tests {
		d, err := Parse(tt.expr)
		if err != nil {
			t.Fatal(err)
		}
		err = Check(d, tt.runtime, tt.asyncioOK, tt.processesOK)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("Check(%s, %s):\n got %q\nwant %q", tt.expr, tt.runtime, got, tt.want)
		}
	}
}

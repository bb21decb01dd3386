package workload_test

import (
	"fmt"

	"github.com/conclab/conclab/workload"
)

func ExampleParse() {
	src := []byte(`
tasks:
  - name: fetch
    count: 3
    steps:
      - work: 5ms
      - wait: exp(100ms)
models: [sync, threads(3)]
`)
	w, err := workload.Parse("fetch.yaml", src)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(w.Name, w.NumTasks(), w.TaskName(0, 2), w.Groups[0].Steps[1].Dur)
	// Output: fetch 3 fetch-3 exp(100ms)
}

func ExampleParse_error() {
	_, err := workload.Parse("seed.yaml", []byte("tasks:\n  - steps:\n      - sleep: 2s\n"))
	fmt.Println(err)
	// Output: seed.yaml:3:9: unknown step kind "sleep" (want work, wait, repeat, use, gather or choose)
}

func ExampleParseInline() {
	w, err := workload.ParseInline("cores=2; io: [repeat 200 [wait 500us]]; cpu: [work 3s]")
	if err != nil {
		fmt.Println(err)
		return
	}
	for i, g := range w.Groups {
		fmt.Println(w.TaskName(i, 0), len(g.Steps), g.Steps[0].Kind == workload.Repeat)
	}
	// Output:
	// io 1 true
	// cpu 1 false
}

func ExampleDist_Sample() {
	d := workload.Dist{Kind: workload.Uniform, A: 10e6, B: 30e6}
	r := workload.NewRand(1, 0) // seed 1, task 0
	x := d.Sample(&r)
	fmt.Println(d, x >= 10e6 && x <= 30e6)
	// Output: uniform(10ms, 30ms) true
}

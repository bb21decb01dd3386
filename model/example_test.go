package model_test

import (
	"fmt"

	"github.com/conclab/conclab/model"
)

func ExampleParse() {
	d, err := model.Parse("processes(2) * threads( 8 )")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(d, d.Procs, d.Inner.Threads)

	_, err = model.Parse("threads(0)")
	fmt.Println(err)
	// Output:
	// processes(2)*threads(8) 2 8
	// model "threads(0)", column 9: threads(0): a pool needs at least 1 thread
}

func ExampleParseSweep() {
	ds, _ := model.ParseSweep("asyncio(limit=1..3)")
	fmt.Println(ds)
	// Output: [asyncio(limit=1) asyncio(limit=2) asyncio(limit=3)]
}

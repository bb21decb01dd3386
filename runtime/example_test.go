package runtime_test

import (
	"fmt"

	"github.com/conclab/conclab/runtime"
)

func ExampleBuiltin() {
	p, err := runtime.Builtin("cpython-ft")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.Name, p.GIL, p.Slowdown)
	_, err = runtime.Builtin("pypy")
	fmt.Println(err)
	// Output:
	// cpython-ft false 1.1
	// unknown runtime "pypy" (want cpython, cpython-ft, java or go)
}

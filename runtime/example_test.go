package runtime_test

import (
	"fmt"

	"github.com/conclab/conclab/runtime"
)

func ExampleBuiltin() {
	p, err := runtime.Builtin("cpython-3.13t")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.Name, p.GIL, p.Python)
	fmt.Println(runtime.AliasOf("cpython"), runtime.AliasOf("cpython-ft"))
	_, err = runtime.Builtin("pypy")
	fmt.Println(err)
	// Output:
	// cpython-3.13t false 3.13t
	// cpython-3.11 cpython-3.13t
	// unknown runtime "pypy" (want cpython, cpython-ft, cpython-3.8, cpython-3.9, cpython-3.10, cpython-3.11, cpython-3.12, cpython-3.13, cpython-3.13t, cpython-3.14t, java or go)
}

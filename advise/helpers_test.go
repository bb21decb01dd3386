package advise

import (
	"testing"

	"github.com/conclab/conclab/runtime"
	"github.com/conclab/conclab/workload"
)

// parse reads a workload written as YAML.
func parse(t *testing.T, text string) *workload.Workload {
	t.Helper()
	wl, err := workload.Parse("test.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return wl
}

// setup is the built-in cpython profile on cores cores.
func setup(t *testing.T, cores int) Setup {
	t.Helper()
	prof, err := runtime.Builtin("cpython")
	if err != nil {
		t.Fatal(err)
	}
	return Setup{Profile: prof, Cores: cores, SwitchInterval: 5e6}
}

// ioHandler: each request holds a thread for about 101 ms; at 200/s about
// 20 are in flight (Little's law).
const ioHandler = `
name: io-handler
arrivals: {rate: 200/s, for: 20s}
tasks:
  - name: req
    steps: [{work: 1ms}, {wait: 100ms}]
`

package examples

import (
	"embed"
	"strings"
)

//go:embed validation/*.yaml
var validation embed.FS

// Validation returns the scenarios of the accuracy suite
// (examples/validation/*.yaml), by name: the workloads `conclab verify
// --suite` runs on the real CPython to measure how close the simulator is.
func Validation() []Info {
	entries, err := validation.ReadDir("validation")
	if err != nil {
		return nil // cannot happen: the directory is embedded
	}
	var out []Info
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".yaml")
		if !ok {
			continue
		}
		data, _ := validation.ReadFile("validation/" + e.Name())
		out = append(out, Info{Name: name, About: about(name, data)})
	}
	return out
}

// LookupValidation returns the YAML text of the suite's scenario called
// name (examples/validation/<name>.yaml), and whether there is one.
func LookupValidation(name string) ([]byte, bool) {
	if name == "" || strings.ContainsAny(name, `/\.`) {
		return nil, false
	}
	data, err := validation.ReadFile("validation/" + name + ".yaml")
	if err != nil {
		return nil, false
	}
	return data, true
}

package examples

import (
	"embed"
	"slices"
	"strings"

	"github.com/conclab/conclab/workload"
)

//go:embed *.yaml
var files embed.FS

// order is the teaching order: the tutorial's cases first, then what the tutorial
// leaves out. Examples not listed here follow, by name.
var order = []string{
	"seed-io",
	"seed-blocking",
	"seed-cpu",
	"gil-released",
	"convoy",
	"convoy-1ms",
	"mixed",
	"offload",
	"memory",
	"api-io",
	"api-blocking",
	"db-pool",
	"fanout",
	"crawler",
	"cache",
	"lock-order",
	"big-args",
}

// Info describes one example: its name (what Lookup and `conclab run`
// accept) and its about: line.
type Info struct {
	Name, About string
}

// List returns every example in teaching order, the tutorial's cases first.
func List() []Info {
	entries, err := files.ReadDir(".")
	if err != nil {
		return nil // cannot happen: the directory is embedded
	}
	var out []Info
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".yaml")
		if !ok {
			continue
		}
		data, _ := files.ReadFile(e.Name())
		out = append(out, Info{Name: name, About: about(name, data)})
	}
	rank := func(name string) int {
		if i := slices.Index(order, name); i >= 0 {
			return i
		}
		return len(order)
	}
	slices.SortStableFunc(out, func(a, b Info) int {
		if d := rank(a.Name) - rank(b.Name); d != 0 {
			return d
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out
}

// Lookup returns the YAML text of the example called name
// (examples/<name>.yaml), and whether there is one.
func Lookup(name string) ([]byte, bool) {
	if name == "" || strings.ContainsAny(name, `/\.`) {
		return nil, false
	}
	data, err := files.ReadFile(name + ".yaml")
	if err != nil {
		return nil, false
	}
	return data, true
}

// about returns the workload's about: line.
func about(name string, data []byte) string {
	w, err := workload.Parse(name+".yaml", data)
	if err != nil {
		return ""
	}
	return w.About
}

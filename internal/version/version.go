// Package version says which conclab this is, in one place: the JSON
// documents and the help carry it.
package version

import (
	"runtime/debug"
	"sync"
)

// Devel is the version of a build without module version information: a
// build from a work tree (go build, go run, go test).
const Devel = "devel"

var main = sync.OnceValue(func() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return Devel
	}
	return of(info.Main.Version)
})

// of maps a main module's version from the build information to ours.
func of(v string) string {
	if v == "" || v == "(devel)" {
		return Devel
	}
	return v
}

// String returns conclab's version: the main module's version that the
// go command stamped into the binary (v0.3.0, or a pseudo-version for a
// commit), or Devel when there is none.
func String() string { return main() }

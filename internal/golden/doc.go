// Package golden compares what a test produced with a golden file and,
// when they differ, prints a line diff of the two instead of both whole:
// an SVG of thousands of lines then fails with the few lines that changed.
//
// `go test ./report -update` rewrites a package's golden files (the flag is
// this package's, so a test package that imports it must not define its
// own -update); CONCLAB_UPDATE_GOLDEN=1 does the same for every package at
// once, e.g. `CONCLAB_UPDATE_GOLDEN=1 go test ./...`. Review the rewritten
// files with `git diff` before committing them.
package golden

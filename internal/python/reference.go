package python

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// FindWithGIL finds a CPython with the GIL of ft's release (major.minor),
// for a free-threaded ft: the interpreter whose speed a workload's `work`
// is measured in, since a free-threaded build runs the same Python code
// slower. It looks, in order, where scripts/build-python-ft --gil puts one
// (the conclab cache), for pythonX.Y on PATH, and among pyenv's builds.
func FindWithGIL(ctx context.Context, ft *Interpreter) (*Interpreter, error) {
	release := fmt.Sprintf("%d.%d", ft.Version.Major, ft.Version.Minor)
	exe := "python" + release
	var candidates []string
	if dir, err := CacheDir(); err == nil {
		candidates = append(candidates, filepath.Join(dir, exe, "bin", exe))
	}
	if p, err := exec.LookPath(exe); err == nil {
		candidates = append(candidates, p)
	}
	root := os.Getenv("PYENV_ROOT")
	if root == "" {
		if home, err := os.UserHomeDir(); err == nil {
			root = filepath.Join(home, ".pyenv")
		}
	}
	if root != "" {
		found, _ := filepath.Glob(filepath.Join(root, "versions", release+".*", "bin", exe))
		// The newest patch release first.
		slices.SortFunc(found, func(a, b string) int { return -strings.Compare(a, b) })
		candidates = append(candidates, found...)
	}
	var tried []string
	for _, c := range candidates {
		py, err := Find(ctx, c)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if err == nil && !py.FreeThreaded && py.Implementation == "CPython" &&
			py.Version.Major == ft.Version.Major && py.Version.Minor == ft.Version.Minor {
			return py, nil
		}
		tried = append(tried, c)
	}
	msg := fmt.Sprintf("no CPython %s with the GIL found to measure work's speed for the free-threaded %s", release, ft)
	if len(tried) > 0 {
		msg += " (tried " + strings.Join(tried, ", ") + ")"
	}
	return nil, fmt.Errorf("%w: %s; give one with --gil-python, or build one with scripts/build-python-ft --gil", ErrNoPython, msg)
}

// CacheDir is conclab's cache directory: $CONCLAB_CACHE, else
// $XDG_CACHE_HOME/conclab, else ~/.cache/conclab (where
// scripts/build-python-ft builds its interpreters).
func CacheDir() (string, error) {
	if d := os.Getenv("CONCLAB_CACHE"); d != "" {
		return d, nil
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return "", errors.Join(errors.New("no cache directory"), err)
	}
	return filepath.Join(base, "conclab"), nil
}

// Package python is conclab's one way to the Python interpreter: it finds
// the interpreter (the --python flag, else python3 on PATH), checks it
// once (its implementation, a version of at least Min, and whether it is
// a free-threaded build running without the GIL), and runs programs with
// it in a scratch directory (internal/scratch) and a process group that
// ends with conclab (internal/child). runtime's calibrate and truth's
// verify both run Python through it.
package python

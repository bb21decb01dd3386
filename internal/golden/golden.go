package golden

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// EnvUpdate is the environment variable that, set to 1, rewrites the golden
// files of every package tested, like -update does for one.
const EnvUpdate = "CONCLAB_UPDATE_GOLDEN"

// Updating says whether golden files are being rewritten.
func Updating() bool { return *update || os.Getenv(EnvUpdate) == "1" }

// Check compares got with the golden file at path (relative to the
// package's directory, e.g. "testdata/table.golden"): when they differ, t
// fails with their line diff. With -update, Check writes got to path
// instead.
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	if Updating() {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("no golden file %s: go test -update writes it (review it before committing)", path)
	}
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from what the test produced (go test -update rewrites it):\n%s", path, Diff(want, got))
	}
}

// maxDiffLines is the most lines of difference Diff shows.
const maxDiffLines = 60

// context is how many unchanged lines Diff shows around a change.
const context = 2

// Diff is a line diff of want and got: each hunk headed by the line
// numbers it starts at, lines only in want marked "-", only in got "+",
// unchanged lines around them " ". It is empty when they are equal, and
// shows at most 60 changed lines.
func Diff(want, got []byte) string {
	if bytes.Equal(want, got) {
		return ""
	}
	a, b := lines(want), lines(got)
	ops := diff(a, b)
	var out strings.Builder
	shown, changed := 0, 0
	for _, op := range ops {
		if op.kind != ' ' {
			changed++
		}
	}
	// Hunks: runs of changes with their context.
	for i := 0; i < len(ops); {
		if ops[i].kind == ' ' {
			i++
			continue
		}
		start := max(0, i-context)
		end := i
		for end < len(ops) {
			if ops[end].kind != ' ' {
				end++
				continue
			}
			// A run of unchanged lines longer than twice the context ends
			// the hunk.
			k := end
			for k < len(ops) && ops[k].kind == ' ' {
				k++
			}
			if k == len(ops) || k-end > 2*context {
				end = min(end+context, len(ops))
				break
			}
			end = k
		}
		fmt.Fprintf(&out, "@@ want line %d, got line %d @@\n", ops[start].a+1, ops[start].b+1)
		for _, op := range ops[start:end] {
			if op.kind != ' ' {
				if shown == maxDiffLines {
					fmt.Fprintf(&out, "… and %d more changed lines\n", changed-shown)
					return out.String()
				}
				shown++
			}
			fmt.Fprintf(&out, "%c %s\n", op.kind, op.text)
		}
		i = end
	}
	if bytes.HasSuffix(want, []byte("\n")) != bytes.HasSuffix(got, []byte("\n")) {
		out.WriteString("(they differ in the newline at the end)\n")
	}
	return out.String()
}

// lines splits s into lines without their newlines.
func lines(s []byte) []string {
	if len(s) == 0 {
		return nil
	}
	return strings.Split(strings.TrimSuffix(string(s), "\n"), "\n")
}

// op is a line of the diff: kept (' '), only in a ('-') or only in b
// ('+'); a and b are its line numbers (0-based) in each, or where it would
// be.
type op struct {
	kind rune
	text string
	a, b int
}

// maxCells bounds the table of the longest common subsequence; beyond it
// the middle of the two texts is shown as removed and added whole.
const maxCells = 25_000_000

// diff lists the lines of a and b as kept, removed and added, keeping a
// longest common subsequence.
func diff(a, b []string) []op {
	var ops []op
	// The common head and tail need no table.
	head := 0
	for head < len(a) && head < len(b) && a[head] == b[head] {
		head++
	}
	tail := 0
	for tail < len(a)-head && tail < len(b)-head && a[len(a)-1-tail] == b[len(b)-1-tail] {
		tail++
	}
	for i := range head {
		ops = append(ops, op{' ', a[i], i, i})
	}
	ma, mb := a[head:len(a)-tail], b[head:len(b)-tail]
	if len(ma)*len(mb) > maxCells {
		for i, s := range ma {
			ops = append(ops, op{'-', s, head + i, head})
		}
		for j, s := range mb {
			ops = append(ops, op{'+', s, head + len(ma), head + j})
		}
	} else {
		// lcs[i][j] is the length of the longest common subsequence of
		// ma[i:] and mb[j:].
		n, m := len(ma), len(mb)
		lcs := make([][]int32, n+1)
		for i := range lcs {
			lcs[i] = make([]int32, m+1)
		}
		for i := n - 1; i >= 0; i-- {
			for j := m - 1; j >= 0; j-- {
				if ma[i] == mb[j] {
					lcs[i][j] = lcs[i+1][j+1] + 1
				} else {
					lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
				}
			}
		}
		i, j := 0, 0
		for i < n || j < m {
			switch {
			case i < n && j < m && ma[i] == mb[j]:
				ops = append(ops, op{' ', ma[i], head + i, head + j})
				i++
				j++
			case i < n && (j == m || lcs[i+1][j] >= lcs[i][j+1]):
				ops = append(ops, op{'-', ma[i], head + i, head + j})
				i++
			default:
				ops = append(ops, op{'+', mb[j], head + i, head + j})
				j++
			}
		}
	}
	for k := range tail {
		i, j := len(a)-tail+k, len(b)-tail+k
		ops = append(ops, op{' ', a[i], i, j})
	}
	return ops
}

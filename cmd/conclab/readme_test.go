package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestReadmeTour runs every `go run ./cmd/conclab …` line of the README's
// shell blocks through execute, as a reader would type it, so the README
// cannot go stale: each must succeed. What needs a real interpreter or
// serves forever (verify, calibrate, serve, record) is checked for its flags only.
// The output the README shows must be what the command prints.
func TestReadmeTour(t *testing.T) {
	text, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir()) // -o files land here
	lines := readmeCommands(string(text))
	if len(lines) < 10 {
		t.Fatalf("found %d commands in the README's shell blocks; the tour has more", len(lines))
	}
	for _, line := range lines {
		args, err := shellWords(line)
		if err != nil {
			t.Errorf("%s: %v", line, err)
			continue
		}
		switch args[0] {
		case "verify", "calibrate", "serve":
			args = append(args, "--help")
		case "record": // what follows -- is the program's
			args = []string{"record", "--help"}
		case "import": // the files it reads are the repository's
			for i, a := range args[1:] {
				if _, err := os.Stat(filepath.Join(root, a)); err == nil {
					args[i+1] = filepath.Join(root, a)
				}
			}
		}
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			if r := conclab(t, nil, args...); r.code != exitOK {
				t.Errorf("README: %s\nexit %d: %s", line, r.code, r.stderr)
			}
		})
	}

	// The sample output, after the sentence that names its command.
	m := regexp.MustCompile("`conclab (run [^`]*)` prints, for instance:\n\n```\n((?s:.*?))```").FindStringSubmatch(string(text))
	if m == nil {
		t.Fatal("the README's sample output is not found")
	}
	args, err := shellWords(m[1])
	if err != nil {
		t.Fatal(err)
	}
	r := conclab(t, nil, args...)
	if !strings.Contains(r.stdout, m[2]) {
		t.Errorf("the README shows for conclab %s:\n%s\nbut it prints:\n%s", m[1], m[2], r.stdout)
	}
}

// readmeCommands returns the conclab arguments of each `go run
// ./cmd/conclab` line in the text's sh blocks, without comments and pipes.
func readmeCommands(text string) []string {
	var out []string
	inSh := false
	for _, line := range strings.Split(text, "\n") {
		switch {
		case strings.HasPrefix(line, "```sh"):
			inSh = true
		case strings.HasPrefix(line, "```"):
			inSh = false
		case inSh && strings.HasPrefix(line, "go run ./cmd/conclab "):
			out = append(out, cutShell(strings.TrimPrefix(line, "go run ./cmd/conclab ")))
		}
	}
	return out
}

// cutShell drops what a shell would not pass to the command: a comment and
// a pipe, outside quotes.
func cutShell(line string) string {
	var quote rune
	for i, c := range line {
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '#' || c == '|':
			return strings.TrimSpace(line[:i])
		}
	}
	return strings.TrimSpace(line)
}

// shellWords splits a command line as sh does for plain words and single
// or double quotes (no escapes or expansions: the README uses none).
func shellWords(line string) ([]string, error) {
	var words []string
	var cur strings.Builder
	var quote rune
	in := false
	for _, c := range line {
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			} else {
				cur.WriteRune(c)
			}
		case c == '\'' || c == '"':
			quote, in = c, true
		case c == ' ' || c == '\t':
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		case c == '\\' || c == '$' || c == '`':
			return nil, errUnsupported
		default:
			cur.WriteRune(c)
			in = true
		}
	}
	if quote != 0 {
		return nil, errUnclosed
	}
	if in {
		words = append(words, cur.String())
	}
	return words, nil
}

var (
	errUnsupported = errString("a backslash, $ or backquote: the README's commands use plain words and quotes")
	errUnclosed    = errString("a quote is not closed")
)

type errString string

func (e errString) Error() string { return string(e) }

// TestDocListsEveryCommand: the package comment's usage names every
// command the root has.
func TestDocListsEveryCommand(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range newRootCmd(&streams{env: func(string) string { return "" }}).Commands() {
		if c.Hidden || c.Name() == "help" {
			continue
		}
		if !strings.Contains(string(doc), "//\tconclab "+c.Name()+" ") {
			t.Errorf("doc.go's usage does not list %q", c.Name())
		}
	}
}

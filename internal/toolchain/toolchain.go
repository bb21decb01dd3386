package toolchain

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/conclab/conclab/internal/python"
)

// Lang is the language of a toolchain: Java or Go.
type Lang string

// The languages.
const (
	Java Lang = "java"
	Go   Lang = "go"
)

// ErrNoToolchain is what Find's errors wrap when the java or go
// command cannot be found or run, or is too old.
var ErrNoToolchain = errors.New("no usable toolchain")

// Toolchain is the java (with its javac) or go command that builds and
// runs a one-file program, checked by Find.
type Toolchain struct {
	Lang    Lang
	Path    string // the command: java or go, as found on PATH or given
	Version string // 17.0.15, go1.26.8
	// Compiler is javac, beside java (java only).
	Compiler string
}

// String is "Java 17.0.15 (java)" or "Go go1.26.8 (go)".
func (t *Toolchain) String() string {
	name := "Java"
	if t.Lang == Go {
		name = "Go"
	}
	return fmt.Sprintf("%s %s (%s)", name, t.Version, t.Path)
}

// The oldest toolchains conclab's programs need: java's single-file source
// launch came with Java 11; the Go programs use min and max, Go 1.21's.
const (
	minJava = 11
	minGo   = 21
)

var (
	javaVersion = regexp.MustCompile(`version "(\d+)(?:\.(\d+))?[^"]*"`)
	goVersion   = regexp.MustCompile(`^go1\.(\d+)`)
)

// Find finds and checks the command that runs lang's programs:
// path, or java / go on PATH when path is empty. Errors wrap
// ErrNoToolchain.
func Find(ctx context.Context, lang Lang, path string) (*Toolchain, error) {
	if lang != Java && lang != Go {
		return nil, fmt.Errorf("%w: no toolchain for %s programs", ErrNoToolchain, lang)
	}
	if path == "" {
		path = string(lang)
	}
	t := &Toolchain{Lang: lang, Path: path}
	full, err := exec.LookPath(path)
	if err != nil {
		return nil, fmt.Errorf("%w: runtime %s needs %s: %v", ErrNoToolchain, lang, toolNeed(lang), err)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if lang == Java {
		out, err := exec.CommandContext(ctx, full, "-version").CombinedOutput()
		m := javaVersion.FindSubmatch(out)
		if err != nil || m == nil {
			return nil, fmt.Errorf("%w: %s -version: %v%s", ErrNoToolchain, path, err, python.LastLine(out))
		}
		major, _ := strconv.Atoi(string(m[1]))
		if major == 1 && len(m[2]) > 0 { // 1.8
			major, _ = strconv.Atoi(string(m[2]))
		}
		t.Version = strings.TrimSuffix(strings.TrimPrefix(string(bytes.Fields(m[0])[1]), `"`), `"`)
		if major < minJava {
			return nil, fmt.Errorf("%w: %s is Java %s; runtime java needs Java %d or newer", ErrNoToolchain, path, t.Version, minJava)
		}
		t.Compiler = filepath.Join(filepath.Dir(followLinks(full)), "javac")
		if _, err := os.Stat(t.Compiler); err != nil {
			return nil, fmt.Errorf("%w: %s has no javac beside it (%s): install a JDK, not only a JRE", ErrNoToolchain, path, t.Compiler)
		}
		return t, nil
	}
	out, err := exec.CommandContext(ctx, full, "env", "GOVERSION").Output()
	v := strings.TrimSpace(string(out))
	m := goVersion.FindStringSubmatch(v)
	if err != nil || m == nil {
		return nil, fmt.Errorf("%w: %s env GOVERSION: %v %q", ErrNoToolchain, path, err, v)
	}
	t.Version = v
	if minor, _ := strconv.Atoi(m[1]); minor < minGo {
		return nil, fmt.Errorf("%w: %s is %s; runtime go needs Go 1.%d or newer", ErrNoToolchain, path, v, minGo)
	}
	return t, nil
}

func toolNeed(lang Lang) string {
	if lang == Java {
		return fmt.Sprintf("a JDK %d or newer (java and javac)", minJava)
	}
	return fmt.Sprintf("Go 1.%d or newer (the go command)", minGo)
}

// followLinks follows symbolic links (/usr/bin/java → /usr/lib/jvm/…/bin/java).
func followLinks(path string) string {
	if r, err := filepath.EvalSymlinks(path); err == nil {
		return r
	}
	return path
}

// Built is a one-file program compiled, ready to run many times: the
// compilation happens once, before and outside every measurement. Close
// removes it.
type Built struct {
	job *python.Job // where it was built; its directory holds the result
	// Args is the command that runs it: java -cp DIR CLASS, or the binary.
	Args []string
}

// Build compiles program, one file of t's language: javac into a class
// directory (the class to run is class, whose source file is
// class.java), or go build into a binary (class is unused).
func (t *Toolchain) Build(ctx context.Context, program []byte, class string) (*Built, error) {
	compiler, source := t.Compiler, class+".java"
	if t.Lang == Go {
		compiler, source = t.Path, "main.go"
	}
	job, err := python.NewJob(compiler, "conclab-build-*")
	if err != nil {
		return nil, fmt.Errorf("building the program: %w", err)
	}
	if _, err := job.Write(source, program); err != nil {
		job.Close()
		return nil, err
	}
	var cmd *exec.Cmd
	var run []string
	if t.Lang == Java {
		cmd = job.Command(ctx, "-d", "classes", source)
		run = []string{t.Path, "-cp", filepath.Join(job.Dir, "classes"), class}
	} else {
		cmd = job.Command(ctx, "build", "-o", "program", source)
		// The program is one file of the standard library: no module, no
		// vendoring, no cgo, whatever the environment says.
		cmd.Env = append(os.Environ(), "GOFLAGS=", "GOWORK=off", "GO111MODULE=on", "CGO_ENABLED=0")
		run = []string{filepath.Join(job.Dir, "program")}
	}
	errOut := &python.Tail{Max: 8 << 10}
	cmd.Stdout, cmd.Stderr = errOut, errOut
	if err := job.Run(cmd); err != nil {
		job.Close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("building the program with %s failed: %v%s", filepath.Base(compiler), err, python.LastLine(errOut.Bytes()))
	}
	return &Built{job: job, Args: run}, nil
}

// Close removes the built program.
func (b *Built) Close() { b.job.Close() }

package toolchain

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/conclab/conclab/internal/testtool"
)

func TestFindRefuses(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if _, err := Find(ctx, Java, filepath.Join(dir, "java")); !errors.Is(err, ErrNoToolchain) ||
		!strings.Contains(err.Error(), "runtime java needs a JDK 11 or newer (java and javac)") {
		t.Errorf("no java: %v", err)
	}
	if _, err := Find(ctx, Go, filepath.Join(dir, "go")); !errors.Is(err, ErrNoToolchain) ||
		!strings.Contains(err.Error(), "runtime go needs Go 1.21 or newer") {
		t.Errorf("no go: %v", err)
	}
	old := filepath.Join(dir, "oldjava")
	if err := os.WriteFile(old, []byte("#!/bin/sh\necho 'java version \"1.8.0_392\"' >&2\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Find(ctx, Java, old); !errors.Is(err, ErrNoToolchain) || !strings.Contains(err.Error(), "is Java 1.8.0_392; runtime java needs Java 11 or newer") {
		t.Errorf("Java 8: %v", err)
	}
	if _, err := Find(ctx, "rust", ""); !errors.Is(err, ErrNoToolchain) {
		t.Errorf("rust: %v", err)
	}
}

func TestFindAndBuildGo(t *testing.T) {
	tc, err := Find(context.Background(), Go, "")
	if err != nil {
		testtool.Missing(t, "no go: %v", err)
	}
	if !strings.HasPrefix(tc.Version, "go1.") || tc.String() != "Go "+tc.Version+" (go)" {
		t.Errorf("found %v", tc)
	}
	b, err := tc.Build(context.Background(), []byte("package main\n\nfunc main() { println(\"hi\") }\n"), "")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if len(b.Args) != 1 {
		t.Errorf("args %q", b.Args)
	}
	if _, err := os.Stat(b.Args[0]); err != nil {
		t.Error(err)
	}
	if _, err := tc.Build(context.Background(), []byte("package main\n\nfunc main() { x }\n"), ""); err == nil || !strings.Contains(err.Error(), "building the program with go failed") {
		t.Errorf("a broken program: %v", err)
	}
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
)

// What -o FILE does, for every command that has it:
//
//   - "-o -" writes to standard output, like no -o at all.
//   - A new file is created whole or not at all (a temporary file in the same
//     directory, renamed into place), with mode 0644: a report is meant to be
//     shared.
//   - An existing regular file is replaced the same way and keeps its
//     permission bits.
//   - A symbolic link to a regular file is written through: the file it
//     points to is replaced, and the link stays a link.
//   - A new file in a directory that does not exist is refused (exit 2)
//     before any work: conclab creates files, never directories.
//   - Anything else is refused (exit 2) before any work: a directory, a FIFO,
//     a socket, a device (-o /dev/null must not replace the system's), a
//     link to one of those or to nothing.
//   - A file with more than one hard link is refused: the rename would split
//     it from its other names, and writing it in place would not be atomic.
//   - A file being read (the workload, the --profile) is refused, however it
//     is spelt and through any link.
//   - Interrupted (SIGINT, SIGTERM) while writing, the temporary file is
//     removed and the target left as it was.

// stdoutPath is the -o value that means standard output.
const stdoutPath = "-"

// toFile says whether -o path sends the output to a file.
func toFile(path string) bool { return path != "" && path != stdoutPath }

// input is a file a command reads, which -o must not replace.
type input struct {
	what string // "the workload", "the --profile"
	path string
}

// outputTarget is the file -o replaces or creates.
type outputTarget struct {
	real   string      // the path written: -o's with symbolic links resolved
	mode   fs.FileMode // the permissions to give it
	exists bool
}

// checkOutput applies the rules above to -o path before any work is done.
func checkOutput(path string, inputs ...input) error {
	if !toFile(path) {
		return nil
	}
	_, err := resolveOutput(path, inputs)
	return err
}

// resolveOutput finds the file -o path writes, or says why it must not.
func resolveOutput(path string, inputs []input) (outputTarget, error) {
	t := outputTarget{real: path, mode: 0o644}
	info, err := os.Lstat(path)
	if err != nil {
		// A missing directory, or a file where one should be, says so
		// rather than what the system call met.
		if err := checkDir(path); err != nil {
			return t, err
		}
		if errors.Is(err, fs.ErrNotExist) {
			return t, nil // a new file
		}
		return t, fmt.Errorf("-o %s: %w", path, err)
	}
	if info.Mode()&fs.ModeSymlink != 0 {
		real, err := filepath.EvalSymlinks(path)
		if err != nil {
			return t, fmt.Errorf("-o %s: a symbolic link to nothing that can be written (%v); choose another file", path, unwrapPath(err))
		}
		if info, err = os.Stat(real); err != nil {
			return t, fmt.Errorf("-o %s: %w", path, err)
		}
		t.real = real
	}
	if info.IsDir() {
		return t, fmt.Errorf("-o %s: is a directory", path)
	}
	if !info.Mode().IsRegular() {
		return t, fmt.Errorf("-o %s: is %s, not a regular file; give a file name, or -o - for standard output", path, fileKind(info.Mode()))
	}
	for _, in := range inputs {
		if in.path == "" || in.path == stdoutPath {
			continue
		}
		if ii, err := os.Stat(in.path); err == nil && os.SameFile(info, ii) {
			return t, fmt.Errorf("-o %s is %s being read; choose another file", path, in.what)
		}
	}
	if n := linkCount(info); n > 1 {
		return t, fmt.Errorf("-o %s: the file has %d hard links, which replacing it would break; remove the other names or choose another file", path, n)
	}
	t.mode, t.exists = info.Mode().Perm(), true
	return t, nil
}

// checkDir says why the directory of -o path cannot hold a new file.
func checkDir(path string) error {
	dir := filepath.Dir(path)
	info, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("-o %s: no directory %s; create it first", path, dir)
	case err != nil:
		return fmt.Errorf("-o %s: %w", path, err)
	case !info.IsDir():
		return fmt.Errorf("-o %s: %s is not a directory", path, dir)
	}
	return nil
}

// unwrapPath drops the path an *fs.PathError repeats.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// fileKind names the kind of a file that is not regular, with its article.
func fileKind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	}
	return "a special file"
}

// writeChunk is how much is written between checks for an interrupt.
const writeChunk = 1 << 20

// writeOutput writes data to -o path by the rules above: whole, through a
// temporary file renamed into place, or not at all.
func writeOutput(ctx context.Context, path string, data []byte, inputs ...input) error {
	t, err := resolveOutput(path, inputs)
	if err != nil {
		return err
	}
	// A signal now must not leave the temporary file behind: catch it for
	// the time of the write, and clean up.
	sig, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	interrupted := func() error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return sig.Err()
	}
	tmp, err := os.CreateTemp(filepath.Dir(t.real), "."+filepath.Base(t.real)+".tmp-*")
	if err != nil {
		return fail(fmt.Errorf("-o %s: %w", path, err))
	}
	for rest := data; err == nil && len(rest) > 0; {
		if err = interrupted(); err != nil {
			break
		}
		n := min(len(rest), writeChunk)
		_, err = tmp.Write(rest[:n])
		rest = rest[n:]
	}
	if err == nil {
		// CreateTemp makes the file private: give it the mode of the file
		// it replaces, or the usual mode of a new file.
		err = tmp.Chmod(t.mode)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = interrupted()
	}
	if err == nil {
		err = os.Rename(tmp.Name(), t.real)
	}
	if err != nil {
		os.Remove(tmp.Name())
		if interrupted() != nil {
			return fail(fmt.Errorf("-o %s: interrupted; the file was left as it was", path))
		}
		return fail(fmt.Errorf("-o %s: %w", path, err))
	}
	return nil
}

// emit writes a command's output: to the file -o path when it names one
// (whole, or not at all), else to standard output.
func (s *streams) emit(ctx context.Context, path string, data []byte, inputs ...input) error {
	if toFile(path) {
		return writeOutput(ctx, path, data, inputs...)
	}
	if _, err := s.out.Write(data); err != nil {
		return fail(err)
	}
	return nil
}

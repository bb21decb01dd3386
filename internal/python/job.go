package python

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/conclab/conclab/internal/child"
	"github.com/conclab/conclab/internal/scratch"
)

// Job is where one run of a Python program happens: a scratch directory
// holding its files, and a process group (see internal/child) for the
// interpreter and everything it starts, which ends with conclab even
// after kill -9. Close kills what is left and removes the directory.
type Job struct {
	// Dir is the scratch directory; programs run in it.
	Dir    string
	python string
	group  *child.Group
}

// NewJob makes a scratch directory named like pattern (which starts with
// scratch.Prefix) and a process group for running python in it.
func NewJob(python, pattern string) (*Job, error) {
	dir, err := scratch.Dir(pattern)
	if err != nil {
		return nil, err
	}
	g, err := child.NewGroup()
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("starting %s: %w", python, err)
	}
	return &Job{Dir: dir, python: python, group: g}, nil
}

// Write writes a file of the job's directory and returns its path.
func (j *Job) Write(name string, data []byte) (string, error) {
	path := filepath.Join(j.Dir, name)
	return path, os.WriteFile(path, data, 0o600)
}

// Command returns a Cmd that runs the interpreter with args in the job's
// directory and group; when ctx is done the whole group is killed. Start
// it with Start.
func (j *Job) Command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := j.group.Command(ctx, j.python, args...)
	cmd.Dir = j.Dir
	return cmd
}

// Start starts cmd (see internal/child); an interpreter that cannot be
// started is ErrNoPython.
func (j *Job) Start(cmd *exec.Cmd) error {
	if err := child.Start(cmd); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrNoPython, j.python, err)
	}
	return nil
}

// Run starts cmd with Start and waits for it.
func (j *Job) Run(cmd *exec.Cmd) error {
	if err := j.Start(cmd); err != nil {
		return err
	}
	return cmd.Wait()
}

// GroupID is the id of the job's process group (0 where there is none).
func (j *Job) GroupID() int { return j.group.ID() }

// Kill kills every process of the job's group. Wait for the job's Cmds
// after Kill and before Close.
func (j *Job) Kill() { j.group.Kill() }

// Close kills every process of the job's group, waits a few seconds at
// most until none is left, and removes the job's directory.
func (j *Job) Close() {
	j.group.Close()
	os.RemoveAll(j.Dir)
}

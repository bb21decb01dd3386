//go:build !unix

package child

import (
	"context"
	"os/exec"
	"sync"
	"time"
)

// Group is the processes of one run. Without process groups, Kill and
// Close kill the processes conclab started, not their children, and
// nothing kills them when conclab dies.
type Group struct {
	mu   sync.Mutex
	cmds []*exec.Cmd
}

// NewGroup starts a group.
func NewGroup() (*Group, error) { return &Group{}, nil }

// ID is 0: there is no process group.
func (g *Group) ID() int { return 0 }

// Command returns a Cmd that runs name in the group; when ctx is done it
// is killed. Start it with Start.
func (g *Group) Command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := Command(ctx, name, args...)
	g.mu.Lock()
	g.cmds = append(g.cmds, cmd)
	g.mu.Unlock()
	return cmd
}

// Kill kills the processes of the group that conclab started.
func (g *Group) Kill() {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, cmd := range g.cmds {
		if cmd.Process != nil {
			cmd.Process.Kill()
		}
	}
}

// Close kills the processes of the group that conclab started.
func (g *Group) Close() { g.Kill() }

// Command returns a Cmd that runs name; when ctx is done it is killed.
func Command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.WaitDelay = 2 * time.Second
	return cmd
}

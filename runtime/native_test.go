package runtime

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNativeProfiles: the built-in java and go profiles are calibrate's
// output, with every measured constant sourced, exec_workers set, and
// written back as they were read; cpython's YAML has no exec_workers.
func TestNativeProfiles(t *testing.T) {
	for _, name := range []string{"java", "go"} {
		p, err := Builtin(name)
		if err != nil {
			t.Fatal(err)
		}
		if p.Name != name || p.GIL || p.Asyncio || !p.Processes || !p.ExecWorkers || p.ProcessSpawn <= 0 {
			t.Errorf("%s: %+v", name, p)
		}
		for field := range nativeMeasured {
			if !strings.HasPrefix(p.Sources[field], "measured by conclab calibrate on ") {
				t.Errorf("%s: source of %s = %q", name, field, p.Sources[field])
			}
		}
		data, err := p.YAML()
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), name+".yaml")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		back, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		again, _ := back.YAML()
		if !bytes.Equal(data, again) || !back.ExecWorkers {
			t.Errorf("%s: the profile did not come back as written", name)
		}
	}
	c, _ := Builtin("cpython")
	data, _ := c.YAML()
	if bytes.Contains(data, []byte("exec_workers")) || c.ExecWorkers {
		t.Errorf("cpython forks its workers: %v", c.ExecWorkers)
	}
}

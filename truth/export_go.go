package truth

import (
	"fmt"
	"io"

	"github.com/conclab/conclab/model"
	"github.com/conclab/conclab/workload"
)

// ExportGo writes the Go program that runs wl under d.
func ExportGo(w io.Writer, wl *workload.Workload, d model.Deployment, opt ExportOptions) error {
	return fmt.Errorf("export: runtime go: not written yet")
}

package examples

import (
	"embed"
	"io/fs"
)

//go:embed programs/*.py programs/README.md
var programs embed.FS

// Programs is the corpus of real programs (examples/programs): each job
// written as sync, threads, asyncio and processes programs, the server
// the fetch job calls, and run.py, which times them. `conclab record
// --suite` records them and predicts each variant from one recording.
func Programs() fs.FS {
	sub, err := fs.Sub(programs, "programs")
	if err != nil {
		panic(err) // cannot happen: the directory is embedded
	}
	return sub
}

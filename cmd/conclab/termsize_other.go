//go:build !unix && !windows

package main

import "os"

// terminalWidth is 0 where the system has no way to ask: COLUMNS and the
// default decide.
func terminalWidth(*os.File) int { return 0 }

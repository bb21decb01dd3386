//go:build windows

package main

import (
	"os"

	"golang.org/x/sys/windows"
)

// terminalWidth is the number of columns of the console window f writes
// to; 0 when f is not a console.
func terminalWidth(f *os.File) int {
	if f == nil {
		return 0
	}
	var info windows.ConsoleScreenBufferInfo
	if err := windows.GetConsoleScreenBufferInfo(windows.Handle(f.Fd()), &info); err != nil {
		return 0
	}
	return int(info.Window.Right-info.Window.Left) + 1
}

// Package releases holds the check of the built-in profiles of CPython
// releases against those interpreters on this machine (its test,
// TestReleasesAgainstCPython): a package of its own, so that its minutes
// of real runs have a test binary and a time limit of their own.
package releases

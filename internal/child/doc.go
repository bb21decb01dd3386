// Package child starts the processes conclab runs (Python interpreters and
// everything they start) so that none outlives conclab, however conclab
// ends: on Ctrl-C or a timeout conclab kills them itself, and after kill -9
// the operating system and a watchdog do.
//
// On Unix each run gets a process group whose leader is a watchdog: a
// line of sh that reads a pipe from conclab and, when the pipe
// reaches its end (conclab closed it, or conclab died and the kernel closed
// it), kills its whole group. The interpreters conclab runs join that
// group, and so do their children (pool workers, gunicorn's and uvicorn's
// workers) unless they leave it. On Linux each interpreter also gets
// SIGKILL as its parent-death signal, started from a thread that lives as
// long as conclab. Without process groups (Windows) conclab kills only
// the interpreters it started, and only while it runs.
package child

package web

import "net/http"

// HandlerWithHook is Handler with hook called at the named points of a
// run: "run" as its handler starts, "simulate" in each model's goroutine.
// Tests use it to make a run panic or wait.
func HandlerWithHook(opt Options, hook func(point string)) http.Handler {
	return newHandler(opt, hook)
}

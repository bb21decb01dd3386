// Package testtool holds what the tests of several packages share: taking
// turns on the machine's cores for tests that measure wall time on a real
// interpreter, and the rule that a test whose tool is missing fails, rather
// than skips, in CI.
package testtool

// Package toolchain finds a JDK (java and javac) or a Go toolchain, checks
// its version, and builds one-file programs with it in a scratch directory
// and process group of their own (see internal/python's Job), so that
// truth's exported Java and Go programs and runtime's measuring programs
// are compiled once, outside every measurement.
package toolchain

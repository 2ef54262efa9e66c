//go:build race

package blas

// raceEnabled reports a build with the race detector, whose
// instrumentation makes the naive reference products of the tests 10 to 20
// times slower: the long tests then run a share of their cases.
const raceEnabled = true

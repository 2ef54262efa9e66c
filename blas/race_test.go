//go:build race

package blas

// raceEnabled reports whether the tests run under the race detector,
// which makes them some ten times slower.
const raceEnabled = true

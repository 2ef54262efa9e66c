// Package cblas calls OpenBLAS's cblas_sgemm and cblas_dgemm through cgo.
// It holds code only in builds with the openblas tag, and lives apart from
// package blas because a package that uses cgo cannot hold Go assembly.
package cblas

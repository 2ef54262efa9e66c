// Package bench holds the benchmarks that time gradgraph's training step
// against its peers in one run: gorgonia in Go benchmarks here, PyTorch in
// the script pytorch_step.py beside this file.
package bench

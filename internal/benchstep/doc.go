// Package benchstep times gradgraph's MNIST training step against its
// peers in one run: the step itself (Ours), gorgonia's (Gorgonia), the
// timing loop (Time) and the per-node times (NodeTimes) behind `gradgraph
// bench` and `go run ./bench/nodetimes`; its Go benchmarks put ours next to
// gorgonia's. PyTorch's step is bench/pytorch_step.py, and
// bench/compare.sh runs them all side by side. It is internal: these are
// tools of the repository, not an API.
package benchstep

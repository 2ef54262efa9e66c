// Package onnx reads ONNX models into gradgraph graphs and writes graphs
// as ONNX models.
//
// Import reads a ModelProto (IR version 8 or below, opsets 13 to 17 of the
// default domain, float32, float64, int32, int64 and bool tensors) into a
// *graph.Graph: float initializers become parameters named as in the file,
// integer initializers and Constant nodes become constants, graph inputs
// become inputs, and each node becomes the ops of package ops that compute
// it (see the table in ops.go). Shapes are static, as everywhere in
// gradgraph: they come from the file, or from the input values the caller
// gives. Integer subgraphs of constants and shapes — the Shape → Gather →
// Concat → Reshape chains PyTorch exports — are evaluated at import.
//
// Nothing is approximated: an op, attribute value, element type or opset
// the package cannot compute exactly is an error naming the node, the op
// and the attribute (an *UnsupportedError inside a *NodeError).
//
// Export writes a graph of gradgraph ops as a model of opset 17 with its
// parameters as initializers; ops without an ONNX counterpart become
// model-local functions built from ONNX ops, which the importer maps back
// to the same op, so that a round trip computes bit-identical values.
//
// The ONNX training ops Adagrad, Momentum and Adam (domain
// ai.onnx.preview.training) run on the update rules of package solvers.
package onnx

// Package onnx reads ONNX models into gradgraph graphs and writes graphs
// as ONNX models.
//
// Import reads a ModelProto (IR version 8 or below, float32, float64,
// int32, int64 and bool tensors) into a *graph.Graph: float initializers
// become parameters named as in the file, integer initializers and
// Constant nodes become constants, graph inputs become inputs, and each
// node becomes the ops of package ops that compute it (see the tables in
// ops.go, index.go and nn.go: the element-wise ops, the reductions,
// MatMul and Gemm, the indexing ops, the convolutions and pools, the
// normalisations, dropout, the recurrent ops and the class losses). Every
// op is read at opsets 13 to 17; a model of an older opset is read op by
// op, where the op's form and meaning at that opset are ones the table
// reads. Shapes are static, as everywhere in gradgraph: they come from the
// file, or from the input values the caller gives, and the arguments that
// decide a result's shape (a Reshape's shape, a Slice's starts) must be
// known at import; a node whose inputs are all constants is computed at
// import, which evaluates the Shape → Gather → Concat → Reshape chains
// PyTorch exports.
//
// Nothing is approximated: an op, attribute value, element type or opset
// the package cannot compute exactly is an error naming the node, the op
// and the attribute (an *UnsupportedError inside a *NodeError).
//
// Export writes a graph of gradgraph ops as a model of opset 17 with its
// parameters as initializers. An op with an ONNX counterpart is written as
// it; a layer that package ops builds from several ops is written as the
// ONNX op it is (LayerNormalization, BatchNormalization, Dropout, …),
// which the importer maps back onto the same constructor; the lecture's
// costs, which ONNX lacks, become model-local functions built from ONNX
// ops, which the importer also maps back to the same op. So a round trip
// computes bit-identical values.
//
// The ONNX training ops Adagrad, Momentum and Adam (domain
// ai.onnx.preview.training) run on the update rules of package solvers.
package onnx

// Command onnx_cnn imports a small convolutional network that PyTorch
// exported (onnx/testdata/models/mnist_cnn), checks its gradients against
// finite differences, fine-tunes it on MNIST digits, and exports it back
// to ONNX.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/gradgraph/gradgraph/autodiff"
	"github.com/gradgraph/gradgraph/datasets"
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/onnx"
	"github.com/gradgraph/gradgraph/solvers"
)

const (
	model  = "onnx/testdata/models/mnist_cnn/model.onnx"
	batch  = 100  // images per step, and test images
	nTrain = 1000 // training images
	epochs = 3
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "onnx_cnn:", err)
		os.Exit(1)
	}
}

func run() error {
	// docs:begin data
	// The first MNIST digits, from the GoMNIST module's files (no
	// network), as batch×1×28×28 images and int64 labels.
	dir, err := datasets.GoMNISTDir()
	if err != nil {
		return err
	}
	train, err := datasets.LoadMNISTTrain(dir, nTrain)
	if err != nil {
		return err
	}
	test, err := datasets.LoadMNISTTest(dir, batch)
	if err != nil {
		return err
	}
	images := func(d *datasets.Dataset, first int) (x, y *graph.Value) {
		x, y = graph.NewValue(graph.Float64, graph.Shape{batch, 1, 28, 28}), graph.NewValue(graph.Int64, graph.Shape{batch})
		datasets.FillRows(d, seq(first, batch), x.F64, y.I64)
		return x, y
	}
	trainX, trainY := images(train, 0)
	testX, testY := images(test, 0)
	// docs:end data

	// docs:begin import
	// The file's batch axis is symbolic: the given inputs fix it.
	m, err := onnx.ImportFile(model, onnx.Options{Inputs: map[string]*graph.Value{"x0": trainX, "x1": trainY}})
	if err != nil {
		return err
	}
	loss := m.Outputs[0]
	// Every ONNX value is a node of the same name: the logits are the
	// output of the last Gemm.
	logits := m.Graph.Node("/f/Gemm_output_0")
	for _, p := range m.Params {
		fmt.Printf("parameter %-8s %v\n", p.Name(), p.Shape())
	}
	// docs:end import

	// docs:begin check
	// Each finite difference costs two runs of the network on the batch:
	// check the convolution and the output bias, 124 numbers.
	var some []*graph.Node
	for _, p := range m.Params {
		if p.Name() != "f.weight" {
			some = append(some, p)
		}
	}
	diffs, err := autodiff.Check(loss, some, 1e-6)
	if err != nil {
		return err
	}
	for _, d := range diffs {
		fmt.Printf("∂loss/∂%-8s autodiff against central differences: max relative gap below 1e-8: %v\n", d.Node.Name(), d.MaxRel < 1e-8)
	}
	// docs:end check

	// docs:begin train
	// Fine-tune every parameter (the float initializers) with Adam, in
	// mini-batches. Gradients without names would include the float
	// inputs.
	var names []string
	for _, p := range m.Params {
		names = append(names, p.Name())
	}
	_, grads, err := m.Gradients(names...)
	if err != nil {
		return err
	}
	prog, err := m.Graph.Compile(append([]*graph.Node{loss, logits}, grads...)...)
	if err != nil {
		return err
	}
	s, err := solvers.New(solvers.Adam{Eta: 0.003, Delta: 1e-8, Rho1: 0.9, Rho2: 0.999}, solvers.ConstantSchedule())
	if err != nil {
		return err
	}
	x, y := m.Inputs[0], m.Inputs[1]
	evaluate := func(what string, xv, yv *graph.Value) {
		copy(x.Storage().F64, xv.F64)
		copy(y.Storage().I64, yv.I64)
		prog.Run()
		fmt.Printf("  %s: loss %.4f, accuracy %d/%d\n", what, loss.Scalar(), correct(logits.Storage(), yv), batch)
	}
	fmt.Println("before fine-tuning")
	evaluate("test images", testX, testY)
	for epoch := 1; epoch <= epochs; epoch++ {
		for first := 0; first < nTrain; first += batch {
			datasets.FillRows(train, seq(first, batch), x.Storage().F64, y.Storage().I64)
			prog.Run()
			if err := prog.Err(); err != nil {
				return err
			}
			if err := s.Step(m.Params, grads); err != nil {
				return err
			}
		}
		fmt.Printf("after epoch %d (%d steps of %d images)\n", epoch, epoch*nTrain/batch, batch)
		evaluate("test images", testX, testY)
	}
	// docs:end train

	// docs:begin export
	// Write the fine-tuned network, with its logits as a second output,
	// and read it back: the same values, bit for bit.
	tmp, err := os.MkdirTemp("", "onnx_cnn")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	path := filepath.Join(tmp, "mnist_cnn_tuned.onnx")
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	err = onnx.ExportWith(f, onnx.ExportOptions{Name: "mnist_cnn", OutputNames: []string{"loss", "logits"}}, loss, logits)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	back, err := onnx.ImportFile(path, onnx.Options{Inputs: map[string]*graph.Value{"x0": testX, "x1": testY}})
	if err != nil {
		return err
	}
	out, err := back.Run()
	if err != nil {
		return err
	}
	evaluate("test images, in gradgraph", testX, testY)
	fmt.Printf("  test images, exported and imported again: loss %.4f, accuracy %d/%d, same loss bit for bit: %v\n",
		out[0].F64[0], correct(out[1], testY), batch, out[0].F64[0] == loss.Scalar())
	// docs:end export
	return nil
}

// seq returns first, first+1, …, first+k−1.
func seq(first, k int) []int {
	idx := make([]int, k)
	for i := range idx {
		idx[i] = first + i
	}
	return idx
}

// correct counts the rows of logits whose largest entry is the label's.
func correct(logits, labels *graph.Value) int {
	c := logits.Shape[1]
	k := 0
	for i, label := range labels.I64 {
		row := logits.F64[i*c : (i+1)*c]
		best := 0
		for j, v := range row {
			if v > row[best] {
				best = j
			}
		}
		if int64(best) == label {
			k++
		}
	}
	return k
}

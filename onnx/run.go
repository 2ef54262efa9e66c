package onnx

import (
	"errors"
	"fmt"
	"strings"

	"github.com/gradgraph/gradgraph/autodiff"
	"github.com/gradgraph/gradgraph/graph"
)

// Run computes the model's outputs from the current values of its inputs
// and parameters, and returns them in the order of m.Outputs. The values
// are the nodes' storage: the next run overwrites them.
func (m *Model) Run() ([]*graph.Value, error) {
	p, err := m.Graph.Compile(m.Outputs...)
	if err != nil {
		return nil, err
	}
	p.Run()
	if err := p.Err(); err != nil {
		return nil, err
	}
	out := make([]*graph.Value, len(m.Outputs))
	for i, n := range m.Outputs {
		out[i] = n.Storage()
	}
	return out, nil
}

// Loss returns the model's first output, which must hold exactly one float
// element: the loss that Gradients differentiates.
func (m *Model) Loss() (*graph.Node, error) {
	loss := m.Outputs[0]
	if !loss.DType().IsFloat() || loss.Shape().Size() != 1 {
		return nil, fmt.Errorf("onnx: the first output %q is %s %s: the loss must be one float element", m.OutputNames[0], loss.DType(), loss.Shape())
	}
	return loss, nil
}

// Gradients adds to the graph the gradient of the loss (the first output)
// with respect to the named tensors — float initializers and float graph
// inputs — or, with no names, with respect to every float initializer
// and every float graph input, in that order. It returns the names and
// the gradient nodes, each of its tensor's shape; a tensor the loss does
// not depend on gets zeros.
func (m *Model) Gradients(names ...string) ([]string, []*graph.Node, error) {
	loss, err := m.Loss()
	if err != nil {
		return nil, nil, err
	}
	var wrt []*graph.Node
	if len(names) == 0 {
		for _, n := range append(append([]*graph.Node{}, m.Params...), m.Inputs...) {
			if n.DType().IsFloat() {
				wrt = append(wrt, n)
				names = append(names, n.Name())
			}
		}
	} else {
		known := map[string]*graph.Node{}
		for _, n := range append(append([]*graph.Node{}, m.Params...), m.Inputs...) {
			known[n.Name()] = n
		}
		for _, name := range names {
			n, ok := known[name]
			if !ok {
				return nil, nil, fmt.Errorf("onnx: %q is not an initializer or a graph input of the model", name)
			}
			if !n.DType().IsFloat() {
				return nil, nil, fmt.Errorf("onnx: %q has dtype %s: only float tensors have gradients", name, n.DType())
			}
			wrt = append(wrt, n)
		}
	}
	grads, err := autodiff.Grad(loss, wrt...)
	if err != nil {
		return nil, nil, err
	}
	return names, grads, nil
}

// IsUnsupported reports whether err says that a model holds something the
// importer does not compute (an op, attribute value, element type or
// opset), as opposed to a malformed model or a wrong result.
func IsUnsupported(err error) bool {
	var u *UnsupportedError
	return errors.As(err, &u)
}

// oneLine joins the lines of an error message.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// Package modeltest holds what the tests of the models under models/
// share: a small MNIST sample loaded once per test binary, and copies of
// param values to compare runs bit for bit.
package modeltest

import (
	"sync"
	"testing"

	"github.com/gradgraph/gradgraph/datasets"
	"github.com/gradgraph/gradgraph/graph"
)

var (
	mnistOnce             sync.Once
	mnistTrain, mnistTest *datasets.Dataset
	mnistErr              error
)

// MNIST returns the first 300 MNIST training images and the test images,
// from the copy in the GoMNIST module, read once per test binary.
func MNIST(t testing.TB) (trainSet, testSet *datasets.Dataset) {
	t.Helper()
	mnistOnce.Do(func() {
		dir, err := datasets.GoMNISTDir()
		if err != nil {
			mnistErr = err
			return
		}
		mnistTrain, mnistTest, mnistErr = datasets.LoadMNISTLimit(dir, 300)
	})
	if mnistErr != nil {
		t.Fatal(mnistErr)
	}
	return mnistTrain, mnistTest
}

// Float32s returns a copy of the values of each of the float32 nodes ps.
func Float32s(ps []*graph.Node) [][]float32 {
	out := make([][]float32, len(ps))
	for i, p := range ps {
		out[i] = append([]float32(nil), p.Float32s()...)
	}
	return out
}

package datasets

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// idxBytes encodes an IDX file with the given magic bytes 2 and 3 (type and
// number of dimensions), dimensions and data, without any check, so that
// tests can build broken files too.
func idxBytes(typ, nd byte, dims []uint32, data []byte) []byte {
	b := []byte{0, 0, typ, nd}
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, d)
	}
	return append(b, data...)
}

func gzipBytes(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, err := zw.Write(b)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

// mnistFiles returns the four files of a small valid MNIST set: nTrain and
// nTest images whose pixel j of image k is (k+j)%256, labels k%10.
func mnistFiles(nTrain, nTest int) map[string][]byte {
	images := func(n int) []byte {
		data := make([]byte, n*28*28)
		for k := range n {
			for j := range 28 * 28 {
				data[k*784+j] = byte(k + j)
			}
		}
		return idxBytes(IDXUint8, 3, []uint32{uint32(n), 28, 28}, data)
	}
	labels := func(n int) []byte {
		data := make([]byte, n)
		for k := range data {
			data[k] = byte(k % 10)
		}
		return idxBytes(IDXUint8, 1, []uint32{uint32(n)}, data)
	}
	return map[string][]byte{
		TrainImagesFile: images(nTrain),
		TrainLabelsFile: labels(nTrain),
		TestImagesFile:  images(nTest),
		TestLabelsFile:  labels(nTest),
	}
}

// writeFiles writes files into a new temporary directory, gzipping each
// (and adding .gz to its name) when gz is set.
func writeFiles(t testing.TB, files map[string][]byte, gz bool) string {
	dir := t.TempDir()
	for name, b := range files {
		if gz {
			name, b = name+".gz", gzipBytes(t, b)
		}
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), b, 0o644))
	}
	return dir
}

// Package pb is the Go code protoc-gen-go generates from ONNX's onnx.proto
// (ONNX 1.12, IR version 8), kept beside it. Regenerate it with go
// generate (see gen.sh); CI checks that it is current.
package pb

//go:generate sh gen.sh

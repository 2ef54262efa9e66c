#!/bin/sh
# Regenerates onnx.pb.go from onnx.proto (ONNX 1.12's, as Debian's
# libonnx-dev ships it in /usr/include/onnx). Needs protoc; protoc-gen-go is
# built from the google.golang.org/protobuf version that go.mod pins.
set -eu
cd "$(dirname "$0")"
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/protoc-gen-go" google.golang.org/protobuf/cmd/protoc-gen-go
protoc --plugin=protoc-gen-go="$bin/protoc-gen-go" --go_out=. --go_opt=paths=source_relative \
	--go_opt=Monnx.proto=github.com/gradgraph/gradgraph/onnx/internal/pb onnx.proto

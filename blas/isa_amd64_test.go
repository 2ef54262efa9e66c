//go:build amd64

package blas

import (
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/cpu"
)

// Native runs the widest kernels the processor has, and each instruction
// set installs its own tiles.
func TestBestISA(t *testing.T) {
	want := isaGo
	switch {
	case cpu.X86.HasAVX2 && cpu.X86.HasFMA && cpu.X86.HasAVX512F && cpu.X86.HasAVX512VL:
		want = isaAVX512
	case cpu.X86.HasAVX2 && cpu.X86.HasFMA:
		want = isaAVX2
	}
	require.Equal(t, isaNames[want], isaNames[bestISA()])
	require.Equal(t, isaNames[want], isaNames[kernelISA])
	defer useISA(bestISA())
	tiles := map[int][4]int{isaGo: {6, 16, 6, 8}, isaAVX2: {6, 16, 6, 8}, isaAVX512: {12, 32, 12, 16}}
	for isa := isaGo; isa <= bestISA(); isa++ {
		useISA(isa)
		require.Equal(t, tiles[isa], [4]int{sgemmParams.mr, sgemmParams.nr, dgemmParams.mr, dgemmParams.nr}, isaNames[isa])
		require.Equal(t, isa >= isaAVX2, hasAsmPack, isaNames[isa])
		require.Equal(t, isa >= isaAVX512, hasAsm512Pack, isaNames[isa])
		require.Equal(t, isa >= isaAVX2, sgemmParams.dot[0][0] != nil, isaNames[isa])
	}
}
